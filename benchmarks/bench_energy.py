"""Energy per spike and quiescent power of lif_ota and lif_lowpower (sky130, tt, 27 °C, default designs).

For each neuron: its characterisation (the device-aware theory), one transient at the current that theory gives
ENERGY_RATE for, and the operating point with no input. Prints the per-neuron energy per spike with its static
(quiescent power × ISI) and dynamic parts, the quiescent power, the shared references' power (per array), and the
ratios lif_ota / lif_lowpower and energy / C_eff·ΔV·V_dd, all measured in this run. Issue 14's spec for lif_lowpower
(≤ 3 pJ at ≈ 30 Hz, ≤ 50 pW at rest) is printed beside it.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lifhw import analog  # noqa: E402
from lifhw.spice import SpiceNeuron  # noqa: E402
from lifhw.spice.study import ENERGY_RATE, LOWPOWER_SPEC, energy_at_rate  # noqa: E402


def measure_neuron(name: str) -> dict:
    start = time.perf_counter()
    with SpiceNeuron(name, workers=2, timeout=300) as neuron:
        char = neuron.characterize()
        quiescent, _ = neuron.quiescent()
        got = energy_at_rate(neuron, char, quiescent)
        params, design = neuron.params, neuron.design
    bound = analog.spike_energy(params.c_m + design.c_tsv, params.v_th - params.v_reset, design.vdd)
    return {**got.as_dict(), "c_dv_vdd": bound, "seconds": time.perf_counter() - start}


def main() -> int:
    got = {name: measure_neuron(name) for name in ("ota", "lowpower")}
    print(f"{'neuron':>13} {'I_in (pA)':>9} {'rate (Hz)':>9} {'E/spike (pJ)':>12} {'static':>8} {'dynamic':>8} "
          f"{'P_q (pW)':>9} {'shared (pW)':>11} {'E/(C dV Vdd)':>12} {'time (s)':>8}")
    for name, r in got.items():
        print(f"{'lif_' + name:>13} {r['i_in'] * 1e12:9.3f} {r['rate']:9.2f} {r['energy_per_spike'] * 1e12:12.4g} "
              f"{r['energy_static'] * 1e12:8.4g} {r['energy_dynamic'] * 1e12:8.4g} {r['quiescent_power'] * 1e12:9.4g} "
              f"{r['shared_power'] * 1e12:11.4g} {r['energy_per_spike'] / r['c_dv_vdd']:12.3g} {r['seconds']:8.1f}")
    ota, low = got["ota"], got["lowpower"]
    print(f"lif_ota / lif_lowpower: energy per spike {ota['energy_per_spike'] / low['energy_per_spike']:.1f}x, "
          f"quiescent power {ota['quiescent_power'] / low['quiescent_power']:.1f}x")
    meets = {key: low[key] <= bound for key, bound in LOWPOWER_SPEC.items()}
    spec = LOWPOWER_SPEC
    print(f"issue 14 spec for lif_lowpower: energy per spike <= {spec['energy_per_spike'] * 1e12:g} pJ at "
          f"~{ENERGY_RATE:g} Hz: {meets['energy_per_spike']}; quiescent <= {spec['quiescent_power'] * 1e12:g} pW: "
          f"{meets['quiescent_power']}")
    return 0 if all(meets.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
