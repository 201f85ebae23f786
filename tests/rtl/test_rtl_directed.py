"""Directed cocotb tests of lif_neuron in Icarus (reference) and Verilator, both leaks and both reset modes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from lifhw import LIFParams, fixed
from lifhw.digital import hdl, runner

HERE = Path(__file__).parent
BUILD = Path(__file__).resolve().parents[2] / "build" / "rtl" / "directed"
#: V_reset below V_rest so that V_RESET != 0 is distinguishable from the rest value.
PARAMS = LIFParams(v_reset=-72e-3, t_ref=0.5e-3)
FORMATS = {
    "mult_reset": {"width": 16, "leak": "mult", "reset_mode": "reset"},
    "shift_subtract": {"width": 16, "leak": "shift", "reset_mode": "subtract"},
}


@pytest.mark.parametrize("simulator", runner.SIMULATORS)
@pytest.mark.parametrize("name", sorted(FORMATS))
def test_directed(name, simulator):
    q = fixed.quantize(PARAMS, 1e-4, fixed.FixedFormat(**FORMATS[name]))
    cfg = {"params": PARAMS.as_dict(), "dt": 1e-4, "format": FORMATS[name]}
    env_before = {key: os.environ.get(key) for key in ("PATH", "VERILATOR_ROOT")}
    results = runner.cocotb_run("cocotb_lif_neuron", "lif_neuron", hdl.neuron_parameters(q), BUILD / simulator / name,
                                HERE, extra_env={"LIFHW_RTL_CONFIG": json.dumps(cfg)}, simulator=simulator)
    # The simulator's environment is for the runner only; this process keeps its own.
    assert {key: os.environ.get(key) for key in env_before} == env_before
    assert f"running on {simulator}" in (results.parent / "test.log").read_text().lower()
    text = results.read_text()
    assert text.count("<testcase") == 7
    assert "<failure" not in text and "<error" not in text
