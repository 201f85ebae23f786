"""Brunel's network: ``lifhw network brunel`` as a whole process against Brian2 2.9 (cython), same run.

1. Brian2 2.9 needs numpy < 2.3, so it lives in its own virtual environment under
   ``build/bench_network/brian2-venv``, created here from PyPI on first use (never a project
   dependency). Its script builds the same network (N = 12,500, fixed in-degrees 1000/250,
   J = 0.1 mV, g = 5, η = 2, delay 1.5 ms, dt = 0.1 ms, Poisson input) and times ``Network.run``
   for 1 s of network time after a 10 ms warm-up run in the same process, so the number is its
   simulation alone: no import, no network construction, no compilation. The baseline is the
   smaller of that time and its excess over another 10 ms run (Brian2's per-run set-up removed).
2. ``lifhw network brunel --g 5 --eta 2 --t-sim 1`` is timed as a whole process (interpreter start,
   imports, connectivity, simulation, measures, JSON), after one warm-up that fills numba's cache.
   Runs alternate between the two so both see the same machine load; medians are reported.
3. Wall time of :func:`lifhw.network.simulate` against N = 1,250 … 100,000 at fixed in-degree.

Prints ratios; exits 1 if the whole process takes more than half of Brian2's simulation time.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "build" / "bench_network"
VENV = WORK / "brian2-venv"
BRIAN2 = "brian2==2.9.0"
REPEATS = 3
SCALING_N = (1250, 2500, 5000, 10_000, 20_000, 50_000, 100_000)
SCALING_T = 1.0

BRIAN2_SCRIPT = r'''
import json, sys, time
import numpy as np
from brian2 import (Network, NeuronGroup, PoissonInput, SpikeMonitor, Synapses, defaultclock, ms, mV, prefs,
                    second, seed)

n, t_sim = int(sys.argv[1]), float(sys.argv[2])
prefs.codegen.target = "cython"
defaultclock.dt = 0.1 * ms
seed(1)
n_e, n_i, c_e, c_i = 4 * n // 5, n // 5, 1000, 250
J, g, eta = 0.1 * mV, 5.0, 2.0
tau, theta, v_r, tau_rp, delay = 20 * ms, 20 * mV, 10 * mV, 2 * ms, 1.5 * ms
nu_ext = eta * theta / (J * c_e * tau)
P = NeuronGroup(n, "dv/dt = -v/tau : volt (unless refractory)", threshold="v >= theta", reset="v = v_r",
                refractory=tau_rp, method="exact")
P.v = "rand() * theta"
rng = np.random.default_rng(1)
# Fixed in-degree, sources drawn with replacement, as lifhw does; constant weights per projection.
E = Synapses(P, P, on_pre="v += J", delay=delay)
E.connect(i=rng.integers(0, n_e, (n, c_e)).ravel(), j=np.repeat(np.arange(n), c_e))
I = Synapses(P, P, on_pre="v -= g * J", delay=delay)
I.connect(i=rng.integers(n_e, n, (n, c_i)).ravel(), j=np.repeat(np.arange(n), c_i))
ext = PoissonInput(P, "v", c_e, nu_ext, weight=J)
mon = SpikeMonitor(P)
net = Network(P, E, I, ext, mon)
start = time.perf_counter()
net.run(10 * ms)
warm_s = time.perf_counter() - start
start = time.perf_counter()
net.run(t_sim * second)
run_s = time.perf_counter() - start
start = time.perf_counter()
net.run(10 * ms)
short_s = time.perf_counter() - start
t, i = np.asarray(mon.t / second), np.asarray(mon.i)
keep = (t >= 0.1) & (t < 0.01 + t_sim)
t, i = t[keep], i[keep]
order = np.lexsort((t, i))
t, i = t[order], i[order]
same = i[1:] == i[:-1]
isi, owner = np.diff(t)[same], i[1:][same]
count = np.bincount(owner, minlength=n)
ok = count >= 2
mean = np.bincount(owner, isi, n) / np.maximum(count, 1)
var = np.bincount(owner, (isi - mean[owner]) ** 2, n) / np.maximum(count, 1)
# run_s - short_s: the cost of the extra network time alone, without Brian2's per-run set-up.
print(json.dumps({"run_s": run_s, "marginal_s": run_s - short_s, "warm_s": warm_s,
                  "rate": keep.sum() / (n * (t_sim + 0.01 - 0.1)),
                  "cv_isi": float(np.mean(np.sqrt(var[ok]) / mean[ok]))}))
'''


def ensure_brian2() -> Path:
    """The Brian2 interpreter, installing Brian2 2.9 into its own venv on first use."""
    python = VENV / "bin" / "python"
    check = [str(python), "-c", "import brian2, sys; sys.exit(brian2.__version__ != '2.9.0')"]
    if python.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return python
    print(f"bench_network: installing {BRIAN2} into {VENV} (once)", file=sys.stderr, flush=True)
    WORK.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True)
    log = WORK / "brian2-pip.log"
    with open(log, "w") as handle:
        done = subprocess.run([str(python), "-m", "pip", "install", BRIAN2, "numpy<2.3", "cython", "setuptools"],
                              stdout=handle, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        sys.exit(f"bench_network: pip install {BRIAN2} failed; see {log}")
    return python


def run_brian2(python: Path, script: Path, t_sim: float) -> dict:
    done = subprocess.run([str(python), str(script), "12500", str(t_sim)], capture_output=True, text=True,
                          cwd=WORK)
    if done.returncode != 0:
        sys.exit(f"bench_network: Brian2 failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_lifhw(t_sim: float) -> tuple[float, dict]:
    command = [sys.executable, "-m", "lifhw", "network", "brunel", "--g", "5", "--eta", "2", "--t-sim", str(t_sim),
               "--json"]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"bench_network: lifhw failed:\n{done.stderr[-2000:]}")
    return wall, json.loads(done.stdout)


def scaling() -> list[tuple[int, float, float]]:
    from lifhw.network import BrunelNetwork, simulate

    simulate(BrunelNetwork.of_size(1250), 0.01, seed=1)  # compile / load numba's cache outside the timing
    rows = []
    for n in SCALING_N:
        start = time.perf_counter()
        res = simulate(BrunelNetwork.of_size(n, g=5.0, eta=2.0), SCALING_T, seed=1)
        rows.append((n, time.perf_counter() - start, res.rate))
    return rows


def main() -> int:
    os.environ.setdefault("PYTHONHASHSEED", "0")
    python = ensure_brian2()
    script = WORK / "brian2_brunel.py"
    script.write_text(BRIAN2_SCRIPT)
    print("warm-up: Brian2 compiles its cython code, lifhw fills numba's cache", flush=True)
    run_brian2(python, script, 0.02)
    run_lifhw(0.02)
    lifhw_wall, brian_sim = [], []
    for _ in range(REPEATS):
        wall, ours = run_lifhw(1.0)
        lifhw_wall.append(wall)
        theirs = run_brian2(python, script, 1.0)
        # The smaller of Brian2's run(1 s) and its marginal cost over a 10 ms run: the fairest to Brian2.
        brian_sim.append(min(theirs["run_s"], theirs["marginal_s"]))
        print(f"  lifhw whole process {wall:6.2f} s (rate {ours['rate']:.2f} Hz, CV {ours['cv_isi']:.3f})   "
              f"Brian2 run(1 s) {theirs['run_s']:6.2f} s, marginal {theirs['marginal_s']:6.2f} s "
              f"(rate {theirs['rate']:.2f} Hz, CV {theirs['cv_isi']:.3f})", flush=True)
    ours_s, theirs_s = statistics.median(lifhw_wall), statistics.median(brian_sim)
    ratio = ours_s / theirs_s
    print(f"N = 12,500, 1 s of network time: lifhw whole process {ours_s:.2f} s, Brian2 2.9 cython simulation "
          f"{theirs_s:.2f} s (medians of {REPEATS}); ratio {ratio:.3f} (target <= 0.5)")

    rows = scaling()
    print(f"scaling at fixed in-degree (C_E = 1000, C_I = 250), {SCALING_T:g} s of network time, in-process:")
    print(f"{'N':>8} {'wall (s)':>9} {'us/neuron':>10} {'rate (Hz)':>10} {'ns/event':>9}")
    for n, wall, rate in rows:
        events = n * rate * SCALING_T * 1250
        print(f"{n:>8} {wall:>9.3f} {wall / n * 1e6:>10.2f} {rate:>10.2f} {wall / events * 1e9:>9.2f}")
    import numpy as np

    slope = float(np.polyfit(np.log([r[0] for r in rows[2:]]), np.log([r[1] for r in rows[2:]]), 1)[0])
    print(f"log-log slope of wall time against N (N >= 5,000): {slope:.3f} (1 = linear)")
    return 0 if ratio <= 0.5 else 1


if __name__ == "__main__":
    sys.exit(main())
