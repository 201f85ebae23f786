"""Deploy: held-out digits samples per second through the SNN core, Icarus vs Verilator vs the numpy model, in one run.

The digits network of ``lifhw learn digits`` (seed 0, defaults; trained here) streamed through ``rtl/snn_core.v``
by :func:`lifhw.digital.snn.run` — the cocotb regression ``lifhw deploy`` runs: file-driven testbench, every
output count and an eighth of the steps' membranes scoreboarded against lifhw.fixed:

* Icarus (the reference simulator) on the first 30 held-out samples — the baseline;
* Verilator on the whole split (its C++ build, paid once per network, reported separately);
* the bit-exact model alone, ``lifhw.fixed.network_run`` over the whole split (vectorized over samples).

Samples per second count the simulation only (from the testbench's start to its last count), the same for both
simulators; the ratio Verilator/Icarus is what ``make test`` saves by running the whole split on Verilator.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lifhw import fixed  # noqa: E402
from lifhw.digital import snn  # noqa: E402
from lifhw.learn import digits  # noqa: E402

BUILD = ROOT / "build" / "bench" / "deploy"
ICARUS_SAMPLES = 30


def main() -> None:
    config = digits.DigitsConfig()
    net = digits.run(config)["fixed_net"]
    split = digits.load(config.seed)
    events = digits.test_events(split, config)
    n = len(events)
    icarus = snn.run(net, events[:ICARUS_SAMPLES], BUILD / "icarus", "icarus")
    verilator = snn.run(net, events, BUILD / "verilator", "verilator")
    start = time.perf_counter()
    fixed.network_run(net, events)
    numpy_s = time.perf_counter() - start
    assert icarus["mismatches"] == 0 and verilator["mismatches"] == 0
    base = ICARUS_SAMPLES / icarus["sim_seconds"]
    print(f"digits {'-'.join(map(str, net.sizes))}, {events.shape[1]} steps, "
          f"{verilator['cycles_per_inference']:.0f} clocks per inference on snn_core")
    print(f"{'path':<58} {'samples/s':>10} {'vs Icarus':>10}")
    for name, rate in [(f"cocotb + tb_snn_core, Icarus, {ICARUS_SAMPLES} samples (reference)", base),
                       (f"cocotb + tb_snn_core, Verilator, {n} samples", n / verilator["sim_seconds"]),
                       (f"lifhw.fixed.network_run (numpy), {n} samples", n / numpy_s)]:
        print(f"{name:<58} {rate:10.4g} {rate / base:9.1f}x")
    print(f"builds: Verilator {verilator['build_seconds']:.1f} s (C++ compile, once per network), "
          f"Icarus {icarus['build_seconds']:.2f} s; the whole split on Verilator, build included: "
          f"{verilator['build_seconds'] + verilator['sim_seconds']:.0f} s, on Icarus (extrapolated): "
          f"{n / base:.0f} s")


if __name__ == "__main__":
    main()
