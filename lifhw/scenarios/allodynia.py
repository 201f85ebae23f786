"""Allodynia: inflammation lowers the membrane leak, so a light touch becomes painful.

Inflammatory mediators close leak (K2P) channels of nociceptors: R_m rises from ``r_m`` to
``r_m_inflamed``. The rheobase :math:`(V_{th} − V_{rest})/R_m` falls by the ratio R_m/R_m', so a
touch current between the two rheobases is silent before inflammation and fires after it, at the
closed-form rate of the inflamed neuron. The simulated rheobases are found the way a patch-clamper
does, by bisection on the amplitude of a current step (10 τ long) until the neuron fires.
"""

from __future__ import annotations

import numpy as np

from ..errors import ParameterError
from ..limits import check_steps
from ..sim import simulate
from ..theory import firing_rate
from .base import Param, Scenario, ScenarioResult, result_params, threshold_search

TOLERANCE = 0.02
PARAMS = (
    Param("r_m_inflamed", 200e6, "Ohm", "membrane resistance after inflammation (> r_m)", minimum=0.0),
    Param("i_touch", None, "A", "light-touch current (default: midway between the two rheobases)", minimum=0.0),
    Param("t_touch", 2.0, "s", "duration of the touch (the rate is measured over it)", minimum=0.0),
    Param("rtol", 1e-6, "", "bisection stops when the bracket is this fraction of the current", minimum=0.0),
)


def measured_rheobase(neuron, rtol: float) -> tuple[float, list]:
    """Rheobase (A) by bisection on a 10 τ_m current step from rest, and the trials."""
    def fires(current):
        res = simulate(neuron, 10 * neuron.tau_m, neuron.tau_m / 20, current, v0=neuron.v_rest)
        return np.bincount(res.spike_neuron, minlength=len(current)) > 0

    return threshold_search(fires, 0.0, 10 * neuron.rheobase, rtol=rtol)


def run(neuron, r_m_inflamed, i_touch, t_touch, rtol) -> ScenarioResult:
    if r_m_inflamed <= neuron.r_m:
        raise ParameterError("r_m_inflamed", r_m_inflamed, f"must be > r_m = {neuron.r_m:.6g} Ohm "
                             "(inflammation closes leak channels, so the resistance rises)")
    inflamed = neuron.replace(r_m=r_m_inflamed)
    if i_touch is None:
        i_touch = 0.5 * (neuron.rheobase + inflamed.rheobase)
    if t_touch < 10 * inflamed.tau_m:
        raise ParameterError("t_touch", t_touch, f"must be >= 10 tau_m' = {10 * inflamed.tau_m:g} s to measure a rate")
    check_steps("t_touch", t_touch, t_touch / (inflamed.tau_m / 20), "t_touch / (tau_m'/20): time steps")
    rh, trials = measured_rheobase(neuron, rtol)
    rh_inf, trials_inf = measured_rheobase(inflamed, rtol)
    touch = simulate([neuron, inflamed], t_touch, inflamed.tau_m / 20, i_touch, v0=neuron.v_rest, record_v=True)
    rates = touch.rates(skip=1)
    rate_before = len(touch.spike_times(0)) / t_touch
    predicted = {"rheobase": neuron.rheobase, "rheobase_inflamed": inflamed.rheobase,
                 "rheobase_ratio": neuron.r_m / r_m_inflamed}
    simulated = {"rheobase": rh, "rheobase_inflamed": rh_inf, "rheobase_ratio": rh_inf / rh}
    rate_after_th = float(firing_rate(inflamed, i_touch))
    between = inflamed.rheobase < i_touch < neuron.rheobase
    if between:
        predicted["rate_touch_inflamed"] = rate_after_th
        simulated["rate_touch_inflamed"] = rates[1]
    checks = {"touch_between_rheobases": between, "silent_before": rate_before == 0,
              "fires_after": rates[1] > 0}
    details = {"i_touch": i_touch, "rate_touch_before": rate_before, "rate_touch_after": float(rates[1]),
               "predicted_rate_touch_before": float(firing_rate(neuron, i_touch)),
               "bisection_trials": len(trials) + len(trials_inf)}
    currents = np.linspace(0, 2.5, 120) * neuron.rheobase
    series = {"fi_current": currents, "fi_rate": firing_rate(neuron, currents),
              "fi_rate_inflamed": firing_rate(inflamed, currents), "touch_t": touch.t, "touch_v": touch.v}
    return ScenarioResult("allodynia", result_params(neuron, r_m_inflamed=r_m_inflamed, i_touch=i_touch,
                                                     t_touch=t_touch, rtol=rtol),
                          predicted, simulated, TOLERANCE, checks, details, series)


def figure(result: ScenarioResult):
    import matplotlib.pyplot as plt

    s, d = result.series, result.details
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.6))
    current = np.asarray(s["fi_current"]) * 1e12
    ax1.plot(current, s["fi_rate"], "k-", label="healthy (closed form)")
    ax1.plot(current, s["fi_rate_inflamed"], "-", color="tab:red", label="inflamed (closed form)")
    for key, color in (("rheobase", "k"), ("rheobase_inflamed", "tab:red")):
        ax1.axvline(result.simulated[key] * 1e12, color=color, ls=":", lw=1)
    ax1.plot([d["i_touch"] * 1e12] * 2, [d["rate_touch_before"], d["rate_touch_after"]], "o", color="tab:blue",
             label="light touch, simulated")
    ax1.set_xlabel("input current (pA)")
    ax1.set_ylabel("firing rate (Hz)")
    ax1.legend(fontsize=7)
    t = np.asarray(s["touch_t"])
    keep = t <= min(t[-1], 0.5)
    v = np.asarray(s["touch_v"])
    ax2.plot(t[keep] * 1e3, v[keep, 0] * 1e3, "k-", lw=1, label="healthy: silent")
    ax2.plot(t[keep] * 1e3, v[keep, 1] * 1e3, "-", color="tab:red", lw=1, label="inflamed: fires")
    ax2.axhline(result.params["v_th"] * 1e3, color="gray", ls="--", lw=0.7)
    ax2.set_xlabel("time (ms)")
    ax2.set_ylabel("V (mV)")
    ax2.set_title(f"light touch {d['i_touch'] * 1e12:.4g} pA", fontsize=9)
    ax2.legend(fontsize=7)
    fig.tight_layout()
    return fig


SCENARIO = Scenario("allodynia", "Allodynia: inflammation raises R_m",
                    "rheobase falls by R_m/R_m'; a light touch between the two rheobases starts to fire",
                    PARAMS, run, figure)
