"""SPICE Monte Carlo of lif_ota (sky130 mismatch): cost per sample against one nominal f-I point, 1 vs 2 workers,
worker memory over a long run.

All in this process, one run after another, each with a fresh sample store (nothing reused):

1. **1 worker, N_SPEEDUP samples** and **2 workers, the same samples** — wall time (loads included), samples/s
   per worker, and the speed-up; CPU seconds per sample in each (the same work: their ratio says how much the
   second worker was slowed by the machine, which other people share) and the speed-up the CPU accounting predicts;
2. **2 workers, N_LONG samples** — each sample's CPU against the nominal f-I point (lifhw's f-I transient of the
   nominal neuron, measured in the same run by the Monte Carlo's nominal phase), and each worker's resident memory
   from its first samples to its last.

The load average is printed before and after: the wall-clock numbers mean what the machine let them mean.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lifhw.spice import OTADesign, ota_params  # noqa: E402
from lifhw.spice.deck import AnalogNeuron  # noqa: E402
from lifhw.spice.executor import LocalExecutor  # noqa: E402
from lifhw.spice.montecarlo import MonteCarloRun, run_montecarlo  # noqa: E402

I_IN = 31.5e-12
N_SPEEDUP = 300
N_LONG = 1000


def _run(workers: int, n: int, store: Path) -> tuple[float, MonteCarloRun]:
    design = OTADesign()
    start = time.perf_counter()
    with LocalExecutor(workers, timeout=300) as executor:
        result = run_montecarlo(AnalogNeuron("ota", ota_params(design), design), [I_IN], n, 1, executor,
                                store_root=store, run_dir=store / "run", quiet=True)
    wall = time.perf_counter() - start
    if result.failed or result.computed != n:
        raise SystemExit(f"Monte Carlo bench: {len(result.failed)} failed, {result.computed} computed of {n}")
    return wall, result


def _costs(result: MonteCarloRun) -> list[dict]:
    store = Path(result.store)
    return [json.loads((store / f"{k}.cost.json").read_text()) for k in range(result.n)]


def main() -> int:
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (the machine is shared)")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        one_wall, one = _run(1, N_SPEEDUP, tmp / "one")
        two_wall, two = _run(2, N_SPEEDUP, tmp / "two")
        cpu_one = float(np.sum([c["cpu"] for c in _costs(one)]))
        cpu_two = float(np.sum([c["cpu"] for c in _costs(two)]))
        print(f"{N_SPEEDUP} samples (lif_ota, tt_mm 27 C, {I_IN * 1e12:g} pA), wall time with the workers' loads:")
        print(f"  1 worker   {one_wall:7.1f} s   {N_SPEEDUP / one_wall:6.2f} samples/s per worker   "
              f"CPU {cpu_one / N_SPEEDUP:.3f} s/sample")
        print(f"  2 workers  {two_wall:7.1f} s   {N_SPEEDUP / two_wall / 2:6.2f} samples/s per worker   "
              f"CPU {cpu_two / N_SPEEDUP:.3f} s/sample")
        print(f"speed-up 1 -> 2 workers (wall):            {one_wall / two_wall:5.2f}x  (goal >= 1.7)")
        print(f"CPU per sample, 2 workers / 1 worker:      {cpu_two / cpu_one:5.2f}   (1.00: the second core was free)")
        print(f"speed-up the CPU accounting allows:        {one_wall / (one_wall - cpu_one / 2):5.2f}x  "
              f"(the samples' CPU split in two, the rest of the 1-worker run serial)")
        wall_one = np.median([c["wall"] for c in _costs(one)])
        wall_two = np.median([c["wall"] for c in _costs(two)])
        print(f"throughput speed-up once loaded:           {2 * wall_one / wall_two:5.2f}x  (2 x the median "
              f"wall time of a sample alone / with a second worker: {wall_one:.3f} / {wall_two:.3f} s)")

        long_wall, long = _run(2, N_LONG, tmp / "long")
        costs = _costs(long)
        point = long.nominal.points[0].fi_point_cpu
        cpu = np.array([c["cpu"] for c in costs])
        print(f"{N_LONG} samples on 2 workers: {long_wall:.1f} s wall ({N_LONG / long_wall:.2f} samples/s, "
              f"{N_LONG / long_wall / 2:.2f} per worker)")
        print(f"cost per sample / one nominal f-I point (CPU): median {np.median(cpu) / point:.2f}, "
              f"mean {np.mean(cpu) / point:.2f}, 99 % {np.quantile(cpu, 0.99) / point:.2f}  (goal <= 1.2; "
              f"f-I point {point:.3f} s: {long['nominal']['points'][0]['job']['t_stop'] * 1e3:.0f} ms simulated, "
              f"sample {np.median(cpu):.3f} s)")
        for pid in sorted({c["pid"] for c in costs}):
            rss = np.array([c["rss"] for c in costs if c["pid"] == pid]) / 2**20
            k = len(rss)
            first, last = np.median(rss[: max(k // 10, 1)]), np.median(rss[-max(k // 10, 1):])
            print(f"worker {pid}: {k} samples, RSS {first:.1f} MB (first tenth) -> {last:.1f} MB (last tenth): "
                  f"{(last - first) * 1024 / max(k - k // 10, 1):+.2f} kB per sample")
    print(f"load average at end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
