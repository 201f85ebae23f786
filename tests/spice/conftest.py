"""Shared ngspice sessions: each loads sky130 once (~3-6 s) and characterises the OTA once per test run."""

from __future__ import annotations

import pytest

from lifhw.spice import OTADesign, SpiceNeuron, typical_tsv_capacitance
from lifhw.spice.netlist import get_circuit


@pytest.fixture(scope="session")
def ota_tt():
    """The default design (tt, 27 °C), characterised, with two workers."""
    with SpiceNeuron("ota", workers=2, timeout=120) as neuron:
        neuron.characterize()
        yield neuron


@pytest.fixture(scope="session")
def ota_tsv():
    """The default design with a typical TSV (5 µm × 50 µm, 200 nm liner) on the membrane."""
    with SpiceNeuron("ota", design=OTADesign(c_tsv=typical_tsv_capacitance()), workers=1, timeout=120) as neuron:
        yield neuron


@pytest.fixture(scope="session")
def ota_ss_hot():
    """A non-tt corner at another temperature: ss at 85 °C."""
    with SpiceNeuron("ota", design=OTADesign(corner="ss", temp=85.0), workers=1, timeout=120) as neuron:
        neuron.characterize()
        yield neuron


@pytest.fixture(scope="session")
def lowpower_tt():
    """lif_lowpower at its default design (tt, 27 °C), characterised, with two workers."""
    with SpiceNeuron("lowpower", workers=2, timeout=120) as neuron:
        neuron.characterize()
        yield neuron


@pytest.fixture(scope="session")
def lowpower_tsv():
    """lif_lowpower with a typical TSV on the membrane."""
    design = get_circuit("lowpower").design(c_tsv=typical_tsv_capacitance())
    with SpiceNeuron("lowpower", design=design, workers=1, timeout=120) as neuron:
        yield neuron
