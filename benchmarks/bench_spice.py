"""f-I sweep of lif_ota (sky130): lifhw's worker pool against bare ``ngspice -b``, and 1 vs 2 workers.

The same rendered netlist and the same transients (N_POINTS currents, fixed t_stop and step) are run:

1. **bare ngspice -b, one process per point** -- what a script that pastes the current into the
   netlist and calls ``ngspice -b`` per point pays: the sky130 library is parsed every time;
2. **bare ngspice -b, one process for all points** -- a hand-written control block that ``alter``s the
   current between ``tran`` runs (the best a batch user can do, no measurement, no Python);
3. **lifhw SpicePool, 1 worker** and **2 workers** -- load once per worker (included in the time),
   ``alter`` + ``tran`` per point, vectors back to Python, spikes and energy measured.

Prints per-point costs and ratios; all runs in this process, one after another, so they see the same
machine. ngspice's OpenMP threads: 1 per process everywhere, so the 2-worker speed-up is the
process parallelism alone.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lifhw.spice import SpiceNeuron  # noqa: E402

N_POINTS = 12
T_STOP = 60e-3
STEP = 20e-6
SPICEINIT = "set ngbehavior=hsa\nset ng_nomodcheck\nset num_threads=1\n"


def _currents() -> np.ndarray:
    return np.geomspace(30e-12, 400e-12, N_POINTS)


def _control(netlist: Path, currents) -> str:
    body = netlist.read_text().rsplit(".end", 1)[0]
    lines = [".control"]
    for current in currents:
        lines += [f"alter i_in dc = {float(current)!r}", f"tran {STEP!r} {T_STOP!r} 0 {STEP!r}", "destroy all"]
    lines += [".endc", ".end"]
    return body + "\n".join(lines) + "\n"


def _bare(directory: Path, text: str) -> float:
    path = directory / f"bare{abs(hash(text)) % 10**8}.cir"
    path.write_text(text)
    start = time.perf_counter()
    proc = subprocess.run(["ngspice", "-b", str(path)], cwd=directory, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    # ngspice -b exits 1 after a .control block even when every analysis ran; judge its output
    if "aborted" in proc.stdout + proc.stderr or "Error" in proc.stdout + proc.stderr:
        raise SystemExit(f"bare ngspice failed on {path}:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return elapsed


def _pool(workers: int, currents, t_stop: float = T_STOP) -> tuple[float, list]:
    start = time.perf_counter()
    with SpiceNeuron("ota", workers=workers, timeout=300) as neuron:
        jobs = [{"kind": "tran", "i_in": float(i), "t_stop": t_stop, "max_step": STEP} for i in currents]
        raw = neuron.pool.map(jobs)
    elapsed = time.perf_counter() - start
    failed = [r for r in raw if isinstance(r, Exception)]
    if failed:
        raise SystemExit(f"lifhw pool failed: {failed[0]}")
    return elapsed, raw


def main() -> int:
    currents = _currents()
    with SpiceNeuron("ota", workers=1) as neuron:  # renders the netlist (no worker is started)
        netlist = neuron.netlist
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / ".spiceinit").write_text(SPICEINIT)
        per_process = sum(_bare(tmp, _control(netlist, [i])) for i in currents) / N_POINTS
        one_process = _bare(tmp, _control(netlist, currents)) / N_POINTS
    os.environ["OMP_NUM_THREADS"] = "1"
    load, _ = _pool(1, currents[:1], t_stop=10 * STEP)  # start + load + one trivial transient
    one, raw = _pool(1, currents)
    two, _ = _pool(2, currents)
    marginal = (one - load) / N_POINTS
    one, two = one / N_POINTS, two / N_POINTS
    spikes = [int(np.sum((r["spk"][1:] > 0.9) & (r["spk"][:-1] <= 0.9))) for r in raw]
    print(f"lif_ota, {N_POINTS} points, tran {T_STOP * 1e3:g} ms at {STEP * 1e6:g} us max step "
          f"(spikes per point: {spikes}); wall time per point, load included:")
    print(f"  bare ngspice -b, a process per point     {per_process:7.2f} s")
    print(f"  bare ngspice -b, one process (alter)     {one_process:7.2f} s")
    print(f"  lifhw SpicePool, 1 worker                {one:7.2f} s")
    print(f"  lifhw SpicePool, 2 workers               {two:7.2f} s")
    print(f"  lifhw, 1 worker, after its load ({load:4.1f} s) {marginal:7.2f} s")
    print(f"ratio bare-per-point / lifhw 1 worker:     {per_process / one:6.2f}x")
    print(f"ratio bare-per-point / lifhw after load:   {per_process / marginal:6.2f}x")
    print(f"ratio lifhw 1 worker / bare one-process:   {one / one_process:6.2f}x  (cost of Python + measuring)")
    print(f"speed-up of 2 workers over 1:              {one / two:6.2f}x  on {os.cpu_count()} cores "
          f"(load average {os.getloadavg()[0]:.1f}: other processes share them)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
