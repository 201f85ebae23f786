"""RTL vs bit-exact model: >= 10^6 random neuron-updates of lif_core in Icarus (cocotb), zero mismatches;
the same scoreboard on Verilator for two of the configurations (wide and narrow datapath)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from lifhw import LIFParams, fixed
from lifhw.digital import runner, testbench

HERE = Path(__file__).parent
BUILD = Path(__file__).resolve().parents[2] / "build" / "rtl"
N = 256
#: name -> (LIFParams changes, dt, FixedFormat fields, sweeps).
CONFIGS = {
    "w16_mult_reset": ({}, 1e-4, {"width": 16, "leak": "mult"}, 1000),
    "w16_shift_subtract": ({}, 1e-4, {"width": 16, "leak": "shift", "reset_mode": "subtract"}, 1000),
    "w12_mult_euler_in8": ({"v_reset": -75e-3, "t_ref": 0.5e-3}, 2e-4,
                           {"width": 12, "leak": "mult", "leak_frac": 12, "discretization": "euler", "in_width": 8},
                           1000),
    "w24_mult_subtract_noref": ({"t_ref": 0.0}, 5e-5,
                                {"width": 24, "leak": "mult", "leak_frac": 20, "reset_mode": "subtract"}, 1000),
}
#: Configurations also run on Verilator: the 24-bit one has leak products wider than 32 bits (Verilator's
#: 64-bit C++ path), the 12-bit one an input narrower than the state. Their Verilator builds take ~10 s each.
VERILATOR_CONFIGS = ("w12_mult_euler_in8", "w24_mult_subtract_noref")
FOLDERS = {"icarus": "random", "verilator": "random_verilator"}


@cache
def scoreboard_of(name: str, simulator: str) -> dict:
    """Run CONFIGS[name] through cocotb_lif_core on ``simulator`` once per session; its scoreboard.json."""
    changes, dt, fmt, sweeps = CONFIGS[name]
    params = LIFParams().replace(**changes)
    q = fixed.quantize(params, dt, fixed.FixedFormat(**fmt))
    work = BUILD / FOLDERS[simulator] / name
    (work / "scoreboard.json").unlink(missing_ok=True)
    cfg = {"params": params.as_dict(), "dt": dt, "format": fmt, "n": N, "sweeps": sweeps, "seed": 1234,
           "work": str(work)}
    runner.cocotb_run("cocotb_lif_core", "tb_lif_core", testbench.parameters(q, N, N * sweeps, sweeps), work, HERE,
                      extra_env={"LIFHW_RTL_CONFIG": json.dumps(cfg)}, plusargs=testbench.plusargs(work, sweeps),
                      simulator=simulator)
    assert f"running on {simulator}" in (work / "test.log").read_text().lower()
    score = json.loads((work / "scoreboard.json").read_text())
    print(f"{name} on {simulator}: {score}")
    return score


def check(name: str, score: dict) -> None:
    sweeps = CONFIGS[name][3]
    assert score["mismatches"] == 0
    assert score["updates"] == score["expected"] > 0.99 * N * sweeps
    # The stimulus must have reached what it is meant to exercise.
    assert score["spikes"] > 100 and score["at_v_min"] > 100 and score["resets"] > 0


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_random_updates_match_model(name):
    check(name, scoreboard_of(name, "icarus"))


@pytest.mark.slow
def test_a_million_random_updates_were_checked():
    # After the per-configuration tests (file order) this reuses their runs; a configuration that has not run
    # in this session (this test selected alone) runs now. The count is what the scoreboards compared.
    scores = {name: scoreboard_of(name, "icarus") for name in CONFIGS}
    assert all(score["mismatches"] == 0 for score in scores.values())
    assert sum(score["updates"] for score in scores.values()) >= 1_000_000


@pytest.mark.slow
@pytest.mark.parametrize("name", VERILATOR_CONFIGS)
def test_random_updates_match_model_on_verilator(name):
    check(name, scoreboard_of(name, "verilator"))
