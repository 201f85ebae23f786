"""Cost of simulating an array on the bias block of transistors, against the single neuron with ideal sources.

Three transients of lif_lowpower at the same input (the current its device-aware theory gives 30 Hz for), the same
simulated time and step, one worker process each, run one after another in this process so they see the same
machine:

1. the neuron with its ideal references (lifhw's single-neuron deck, the baseline);
2. the neuron on the bias block of transistors (N = 1 array deck, with the meters of the lumped method);
3. the lumped N = 64 deck (one neuron, the block, the other 63 as loads).

Prints the CPU seconds of each (the worker's, from its rusage: the machine is shared, wall time is not the cost),
the ratios to the baseline, and the energy per spike each gives (every supply counted for 2 and 3).
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lifhw.spice import SpiceNeuron  # noqa: E402
from lifhw.spice.array import array_deck, input_for_rate, measure_array, run_deck  # noqa: E402
from lifhw.spice.deck import AnalogNeuron  # noqa: E402
from lifhw.spice.executor import LocalExecutor  # noqa: E402

RATE, T_STOP, STEP, N = 30.0, 0.14, 80e-6, 64


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(run):
    """``run()``'s result and the CPU seconds of the worker processes it started and closed."""
    cpu, wall = _children_cpu(), time.perf_counter()
    result = run()
    return result, _children_cpu() - cpu, time.perf_counter() - wall


def main() -> int:
    neuron = AnalogNeuron("lowpower")
    with LocalExecutor(1, timeout=3600) as executor:
        i_in, _ = input_for_rate(neuron, RATE, None, executor)

    def ideal():
        with SpiceNeuron(neuron, workers=1, timeout=3600) as spice:
            tr = spice.pool.map([{"kind": "tran", "i_in": i_in, "t_stop": T_STOP, "max_step": STEP}])[0]
        if isinstance(tr, Exception):
            raise SystemExit(f"ideal-source transient failed: {tr}")
        return -1.8 * tr["vdd#branch"]

    with tempfile.TemporaryDirectory() as tmp:
        def array(text, simulated, total):
            def run():
                with LocalExecutor(1, timeout=3600) as executor:
                    vectors = run_deck(text, Path(tmp), "bench", T_STOP, STEP, executor)
                return measure_array(vectors, simulated, total, i_in, 1.8)
            return run

        _, cpu_ideal, wall_ideal = _timed(ideal)
        single, cpu_one, wall_one = _timed(array(array_deck(neuron, 1, i_in, meters=True), 1, 1))
        loads = {port: (N - 1) * q * single.rate for port, q in single.charge.items()}
        lumped, cpu_lumped, wall_lumped = _timed(array(array_deck(neuron, 1, i_in, loads=loads), 1, N))
    print(f"lif_lowpower at {i_in * 1e12:.4g} pA, {T_STOP:g} s simulated, step {STEP:g} s, one worker each")
    print(f"{'deck':>34} {'CPU (s)':>8} {'x ideal':>8} {'wall (s)':>9} {'rate (Hz)':>9} {'E/spike (pJ)':>12}")
    print(f"{'ideal sources (baseline)':>34} {cpu_ideal:8.1f} {1.0:8.2f} {wall_ideal:9.1f} {'':>9} {'':>12}")
    for name, e, cpu, wall in (("bias block, N = 1", single, cpu_one, wall_one),
                               (f"bias block, lumped N = {N}", lumped, cpu_lumped, wall_lumped)):
        print(f"{name:>34} {cpu:8.1f} {cpu / cpu_ideal:8.2f} {wall:9.1f} {e.rate:9.2f} "
              f"{e.energy_per_spike * 1e12:12.4g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
