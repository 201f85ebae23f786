"""Neuron-updates per second of the RTL verification paths, against per-cycle cocotb measured in the same run.

Paths (default LIFParams, dt = 0.1 ms, 16-bit multiplier leak, every update checked against lifhw.fixed
except where noted):

* baseline — cocotb drives lif_neuron from Python one step at a time (``per_cycle_random_steps``);
* lif_core, 256 neurons, file-driven testbench under cocotb (the ``make rtl-test`` scoreboard path), on
  Icarus and on Verilator (the C++ build time is reported separately: it is paid once per parameter set);
* the same testbench under plain ``vvp`` (no cocotb);
* the bit-exact numpy model alone (``lifhw.digital.testbench.expected_updates``), for scale.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lifhw import LIFParams, fixed  # noqa: E402
from lifhw.digital import hdl, runner, testbench  # noqa: E402

BUILD = ROOT / "build" / "bench" / "rtl"
TESTS = ROOT / "tests" / "rtl"
PER_CYCLE_STEPS = 5000
N, SWEEPS = 256, 400


def per_cycle(q: fixed.QuantizedLIF, params: LIFParams) -> float:
    work = BUILD / "per_cycle"
    cfg = {"params": params.as_dict(), "dt": q.dt, "format": {"leak": "mult"}, "per_cycle_steps": PER_CYCLE_STEPS,
           "report": str(work / "throughput.json")}
    runner.cocotb_run("cocotb_lif_neuron", "lif_neuron", hdl.neuron_parameters(q), work, TESTS,
                      extra_env={"LIFHW_RTL_CONFIG": json.dumps(cfg)}, test_filter="per_cycle_random_steps")
    data = json.loads((work / "throughput.json").read_text())
    return data["updates"] / data["seconds"]


def core_cocotb(q: fixed.QuantizedLIF, params: LIFParams, simulator: str) -> tuple[float, float]:
    """(updates/s of the simulation alone, build seconds) of the scoreboard path on ``simulator``."""
    work = BUILD / f"core_cocotb_{simulator}"
    cfg = {"params": params.as_dict(), "dt": q.dt, "format": {"leak": "mult"}, "n": N, "sweeps": SWEEPS,
           "seed": 5, "work": str(work)}
    start = time.perf_counter()
    built = runner.cocotb_build("tb_lif_core", testbench.parameters(q, N, N * SWEEPS, SWEEPS), work, simulator)
    build = time.perf_counter() - start
    runner.cocotb_test(built, "cocotb_lif_core", "tb_lif_core", work, TESTS,
                       extra_env={"LIFHW_RTL_CONFIG": json.dumps(cfg)}, plusargs=testbench.plusargs(work, SWEEPS))
    score = json.loads((work / "scoreboard.json").read_text())
    assert score["mismatches"] == 0
    return score["updates"] / score["sim_seconds"], build


def core_vvp(q: fixed.QuantizedLIF) -> tuple[float, float]:
    stim, ctrl = testbench.random_stimulus(q, N, SWEEPS, seed=5)
    tb = testbench.compile_tb(q, N, BUILD / "core_vvp", stim_depth=N * SWEEPS, ctrl_depth=SWEEPS)
    start = time.perf_counter()
    rows = testbench.run_tb(tb, stim, SWEEPS, ctrl)
    sim = time.perf_counter() - start
    start = time.perf_counter()
    result = testbench.scoreboard(q, stim, ctrl, rows)
    model = time.perf_counter() - start
    assert result.passed
    return result.updates / sim, result.updates / model


def main() -> None:
    params = LIFParams()
    q = fixed.quantize(params, 1e-4)
    base = per_cycle(q, params)
    cocotb_core, icarus_build = core_cocotb(q, params, "icarus")
    verilator_core, verilator_build = core_cocotb(q, params, "verilator")
    vvp_core, model = core_vvp(q)
    print(f"{'path':<64} {'updates/s':>12} {'vs baseline':>12}")
    for name, rate in [("cocotb per-cycle, lif_neuron (baseline)", base),
                       (f"cocotb + file-driven tb_lif_core, N={N}, Icarus (make rtl-test)", cocotb_core),
                       (f"cocotb + file-driven tb_lif_core, N={N}, Verilator", verilator_core),
                       (f"plain vvp, file-driven tb_lif_core, N={N}", vvp_core),
                       ("numpy bit-exact model + scoreboard (no simulator)", model)]:
        print(f"{name:<64} {rate:12.4g} {rate / base:11.1f}x")
    print(f"Verilator vs Icarus, same cocotb scoreboard path: {verilator_core / cocotb_core:.1f}x the updates/s; "
          f"build {verilator_build:.1f} s (Verilator, C++ compile) vs {icarus_build:.2f} s (Icarus)")


if __name__ == "__main__":
    main()
