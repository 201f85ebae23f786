"""Shared ngspice sessions: each loads sky130 once (~3-6 s) and characterises the OTA once per test run."""

from __future__ import annotations

import pytest

from lifhw.spice import SpiceNeuron, typical_tsv_capacitance
from lifhw.spice.netlist import get_circuit


def _characterized(circuit: str, workers: int = 2, **design):
    """Netlist ``circuit`` at its default design with ``design`` changes, characterised."""
    with SpiceNeuron(circuit, design=get_circuit(circuit).design(**design), workers=workers, timeout=120) as neuron:
        neuron.characterize()
        yield neuron


def _with_tsv(circuit: str):
    """Netlist ``circuit`` with a typical TSV (5 µm × 50 µm, 200 nm liner) on the membrane, one worker."""
    design = get_circuit(circuit).design(c_tsv=typical_tsv_capacitance())
    with SpiceNeuron(circuit, design=design, workers=1, timeout=120) as neuron:
        yield neuron


def _session_fixture(make, *args, **kwargs):
    def fixture():
        yield from make(*args, **kwargs)
    return pytest.fixture(scope="session")(fixture)


#: the default designs (tt, 27 °C), characterised, with two workers; with a typical TSV; lif_ota at ss, 85 °C
ota_tt = _session_fixture(_characterized, "ota")
ota_tsv = _session_fixture(_with_tsv, "ota")
ota_ss_hot = _session_fixture(_characterized, "ota", workers=1, corner="ss", temp=85.0)
lowpower_tt = _session_fixture(_characterized, "lowpower")
lowpower_tsv = _session_fixture(_with_tsv, "lowpower")
