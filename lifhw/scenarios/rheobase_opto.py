"""Rheobase measured with light: bisection on the intensity of an optogenetic pulse.

A light-gated channel (channelrhodopsin-like, reversal ``e_opsin`` ≈ 0 mV) opens with intensity L
as :math:`g(L) = g_{max} L / (L + L_{1/2})`, saturating at ``g_opsin_max``. Each trial starts the
neuron at rest and shines one pulse; the pulse fires the neuron iff the steady potential
:math:`V_\\infty = (g_L V_{rest} + g E_{opsin}) / (g_L + g)` exceeds V_th (the pulse is at least
10 τ_m long, so the membrane gets there). Bisection on L finds the threshold intensity; the
photocurrent at V_th at that intensity, :math:`g(L^*)(E_{opsin} − V_{th})`, equals the leak current
at threshold, so it is the rheobase :math:`(V_{th} − V_{rest})/R_m` — the prediction.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import ParameterError
from ..limits import check_steps
from ..sim import simulate
from .base import Param, Scenario, ScenarioResult, result_params, threshold_search

TOLERANCE = 0.02
PARAMS = (
    Param("e_opsin", 0.0, "V", "reversal potential of the light-gated channel"),
    Param("g_opsin_max", 20e-9, "S", "saturating light-gated conductance", minimum=0.0),
    Param("light_half", 1e4, "W/m^2", "intensity opening half the channels (1 mW/mm^2)", minimum=0.0),
    Param("light_max", 1e5, "W/m^2", "brightest pulse the light source gives (upper end of the search)",
          minimum=0.0),
    Param("pulse", 0.5, "s", "pulse duration, at least 10 tau_m", minimum=0.0),
    Param("rtol", 1e-6, "", "bisection stops when the bracket is this fraction of the intensity", minimum=0.0),
)


def opsin_conductance(light, g_max: float, light_half: float):
    """Light-gated conductance (S) at intensity ``light`` (W/m²): g_max·L/(L + L_half)."""
    light = np.asarray(light, dtype=float)
    return g_max * light / (light + light_half)


def run(neuron, e_opsin, g_opsin_max, light_half, light_max, pulse, rtol) -> ScenarioResult:
    if e_opsin <= neuron.v_th:
        raise ParameterError("e_opsin", e_opsin, f"must be above v_th = {neuron.v_th:g} V to depolarize")
    if pulse < 10 * neuron.tau_m:
        raise ParameterError("pulse", pulse, f"must be >= 10 tau_m = {10 * neuron.tau_m:g} s so the membrane "
                             "settles (shorter pulses measure the strength-duration curve, not the rheobase)")
    g_needed = neuron.g_l * (neuron.v_th - neuron.v_rest) / (e_opsin - neuron.v_th)
    if opsin_conductance(light_max, g_opsin_max, light_half) <= g_needed:
        raise ParameterError("light_max", light_max, f"too dim: the opsin conductance must exceed "
                             f"{g_needed:.4g} S for the neuron to fire (raise light_max or g_opsin_max)")
    dt = neuron.tau_m / 20
    # Every bisection trial simulates the whole pulse: about log2(1/rtol) trials plus the two ends.
    trials = math.ceil(math.log2(1 / min(rtol, 0.5))) + 2
    check_steps("pulse", pulse, trials * pulse / dt, f"{trials} bisection trials x pulse/(tau_m/20): time steps")

    def fires(light):
        g = opsin_conductance(light, g_opsin_max, light_half)
        res = simulate(neuron, pulse, dt, g_e=g, e_e=e_opsin, v0=neuron.v_rest)
        return np.bincount(res.spike_neuron, minlength=len(g)) > 0

    light_star, trials = threshold_search(fires, 0.0, light_max, rtol=rtol)
    g_star = float(opsin_conductance(light_star, g_opsin_max, light_half))
    predicted = {"rheobase": neuron.rheobase,
                 "light_threshold": light_half * g_needed / (g_opsin_max - g_needed)}
    simulated = {"rheobase": g_star * (e_opsin - neuron.v_th), "light_threshold": light_star}

    lights = light_star * np.array([0.8, 0.98, 1.02, 1.25])
    traces = simulate(neuron, min(pulse, 10 * neuron.tau_m), neuron.tau_m / 50,
                      g_e=opsin_conductance(lights, g_opsin_max, light_half), e_e=e_opsin, v0=neuron.v_rest,
                      record_v=True)
    series = {"trial_light": [t[0] for t in trials], "trial_fired": [float(t[1]) for t in trials],
              "trace_t": traces.t, "trace_v": traces.v, "trace_light": lights}
    return ScenarioResult("rheobase-opto", result_params(neuron, e_opsin=e_opsin, g_opsin_max=g_opsin_max,
                                                         light_half=light_half, light_max=light_max,
                                                         pulse=pulse, rtol=rtol),
                          predicted, simulated, TOLERANCE,
                          details={"trials": len(trials), "g_opsin_at_threshold": g_star}, series=series)


def figure(result: ScenarioResult):
    import matplotlib.pyplot as plt

    s, p = result.series, result.params
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.6))
    for light, v in zip(s["trace_light"], np.asarray(s["trace_v"]).T, strict=True):
        ax1.plot(np.asarray(s["trace_t"]) * 1e3, v * 1e3, lw=1,
                 label=f"{light / result.simulated['light_threshold']:.2f} × threshold")
    ax1.axhline(p["v_th"] * 1e3, color="k", ls="--", lw=0.7, label="V_th")
    ax1.set_xlabel("time in the pulse (ms)")
    ax1.set_ylabel("V (mV)")
    ax1.legend(fontsize=7)
    # The first trial, in the dark, has no place on a log axis.
    fired = np.asarray(s["trial_fired"])[1:] > 0
    light = np.asarray(s["trial_light"])[1:] / 1e4
    n = np.arange(1, len(light) + 1)
    ax2.plot(n, light, "-", color="gray", lw=0.6)
    ax2.plot(n[fired], light[fired], "o", color="tab:red", ms=4, label="spike")
    ax2.plot(n[~fired], light[~fired], "o", mfc="none", color="tab:blue", ms=4, label="no spike")
    ax2.axhline(result.predicted["light_threshold"] / 1e4, color="k", lw=0.7, label="predicted threshold")
    ax2.set_yscale("log")
    ax2.set_xlabel("trial")
    ax2.set_ylabel("light intensity (mW/mm²)")
    ax2.legend(fontsize=7)
    fig.tight_layout()
    return fig


SCENARIO = Scenario("rheobase-opto", "Rheobase by optogenetic bisection",
                    "bisection on light intensity; photocurrent at V_th at threshold = (V_th - V_rest)/R_m",
                    PARAMS, run, figure)
