"""RTL vs bit-exact model: >= 10^6 random neuron-updates of lif_core in Icarus (cocotb), zero mismatches;
the same scoreboard on Verilator for two of the configurations (wide and narrow datapath)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lifhw import LIFParams, fixed
from lifhw.digital import runner, testbench

HERE = Path(__file__).parent
BUILD = Path(__file__).resolve().parents[2] / "build" / "rtl"
N = 256
#: name -> (LIFParams changes, dt, FixedFormat fields, sweeps); together >= 10^6 neuron-updates.
CONFIGS = {
    "w16_mult_reset": ({}, 1e-4, {"width": 16, "leak": "mult"}, 1000),
    "w16_shift_subtract": ({}, 1e-4, {"width": 16, "leak": "shift", "reset_mode": "subtract"}, 1000),
    "w12_mult_euler_in8": ({"v_reset": -75e-3, "t_ref": 0.5e-3}, 2e-4,
                           {"width": 12, "leak": "mult", "leak_frac": 12, "discretization": "euler", "in_width": 8},
                           1000),
    "w24_mult_subtract_noref": ({"t_ref": 0.0}, 5e-5,
                                {"width": 24, "leak": "mult", "leak_frac": 20, "reset_mode": "subtract"}, 1000),
}


def test_configs_cover_a_million_updates():
    assert sum(c[3] for c in CONFIGS.values()) * N >= 1_000_000


#: Configurations also run on Verilator: the 24-bit one has leak products wider than 32 bits (Verilator's
#: 64-bit C++ path), the 12-bit one an input narrower than the state. Their Verilator builds take ~10 s each.
VERILATOR_CONFIGS = ("w12_mult_euler_in8", "w24_mult_subtract_noref")


def run_config(name: str, simulator: str, work: Path) -> dict:
    """Run CONFIGS[name] through cocotb_lif_core on ``simulator``; returns its scoreboard.json."""
    changes, dt, fmt, sweeps = CONFIGS[name]
    params = LIFParams().replace(**changes)
    q = fixed.quantize(params, dt, fixed.FixedFormat(**fmt))
    cfg = {"params": params.as_dict(), "dt": dt, "format": fmt, "n": N, "sweeps": sweeps, "seed": 1234,
           "work": str(work)}
    runner.cocotb_run("cocotb_lif_core", "tb_lif_core", testbench.parameters(q, N, N * sweeps, sweeps), work, HERE,
                      extra_env={"LIFHW_RTL_CONFIG": json.dumps(cfg)}, plusargs=testbench.plusargs(work, sweeps),
                      simulator=simulator)
    assert f"running on {simulator}" in (work / "test.log").read_text().lower()
    score = json.loads((work / "scoreboard.json").read_text())
    print(f"{name} on {simulator}: {score}")
    assert score["mismatches"] == 0
    assert score["updates"] == score["expected"] > 0.99 * N * sweeps
    # The stimulus must have reached what it is meant to exercise.
    assert score["spikes"] > 100 and score["at_v_min"] > 100 and score["resets"] > 0
    return score


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_random_updates_match_model(name):
    run_config(name, "icarus", BUILD / "random" / name)


@pytest.mark.slow
@pytest.mark.parametrize("name", VERILATOR_CONFIGS)
def test_random_updates_match_model_on_verilator(name):
    run_config(name, "verilator", BUILD / "random_verilator" / name)
