"""Wind-up: repeated C-fibre stimulation sums until a dorsal-horn neuron fires.

Each C-fibre volley depolarizes the synapse by ``a_syn``; along a passive dendrite the depolarization
reaching the soma is attenuated to :math:`a = a_{syn} e^{-x/\\lambda}` (the steady-state cable
attenuation at distance x, length constant λ). Between volleys at frequency f the membrane decays
by :math:`r = e^{-1/(f\\tau)}`, so after n volleys the peak depolarization is

.. math::  a \\frac{1 − r^n}{1 − r} \\;\\to\\; \\frac{a}{1 − r},

which reaches :math:`\\Delta = V_{th} − V_{rest}` only if f exceeds
:math:`f_{min} = −1/(\\tau \\ln(1 − a/\\Delta))`, and then after
:math:`n = \\lceil \\ln(1 − \\Delta(1 − r)/a) / \\ln r \\rceil` volleys.

The neuron is a lamina I projection neuron: input resistance ≈ 1 GΩ, so τ_m = 200 ms. In vivo, wind-up
at ~1 Hz relies on slow NMDA and neurokinin currents lasting seconds; here the membrane time constant
stands for the slowest decay, which puts f_min in the tens of Hz.

Simulation: each volley is one step of current whose amplitude is chosen so that the exact
integrator's step from rest ends exactly ``a`` higher; by linearity every volley then adds exactly
``a`` on top of the decayed potential. The step is 1/(20 f) so volleys fall exactly on the grid.
f_min is found by bisection on f, each trial stimulating until the response has saturated.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import ParameterError
from ..limits import check_steps
from ..sim import simulate
from .base import Param, Scenario, ScenarioResult, result_params, threshold_search

TOLERANCE = 0.02
STEPS_PER_VOLLEY = 20
#: Stimulation frequencies the experiment searches, in units of 1/tau_m.
F_SEARCH = (0.01, 100.0)
PARAMS = (
    Param("a_syn", 8e-3, "V", "depolarization of one volley at the synapse", minimum=0.0),
    Param("x_syn", 200e-6, "m", "distance of the synapse from the soma along the dendrite (>= 0)"),
    Param("lambda_d", 400e-6, "m", "dendritic length constant", minimum=0.0),
    Param("f_stim", None, "Hz", "stimulation frequency for n_to_fire (default 1.25 f_min; must exceed f_min)",
          minimum=0.0),
    Param("rtol", 1e-6, "", "bisection stops when the bracket is this fraction of f", minimum=0.0),
)


def somatic_jump(a_syn: float, x_syn: float, lambda_d: float) -> float:
    """Somatic depolarization (V) of one volley after the dendrite: a_syn·exp(−x/λ)."""
    return a_syn * math.exp(-x_syn / lambda_d)


def f_min(a: float, delta: float, tau: float) -> float:
    """Lowest frequency (Hz) at which jumps of ``a`` (V), decaying with ``tau`` (s), sum to ``delta`` (V)."""
    return -1.0 / (tau * math.log1p(-a / delta))


def a_min(delta: float, f_max_tau: float) -> float:
    """Smallest jump (V) whose summation reaches ``delta`` at frequencies up to ``f_max_tau``/τ: f_min solved for a."""
    return delta * -math.expm1(-1.0 / f_max_tau)


def n_to_fire(a: float, delta: float, tau: float, f: float) -> int:
    """Number of volleys at ``f`` (Hz) until the summed depolarization reaches ``delta``."""
    # ln r = -1/(f tau) exactly; 1 - r by expm1, exact when volleys come much faster than tau.
    log_r = -1.0 / (f * tau)
    return math.ceil(math.log1p(delta * math.expm1(log_r) / a) / log_r - 1e-12)


def stimulate(neuron, a: float, f: float, n_volleys: int, record_v: bool = False):
    """Simulate ``n_volleys`` volleys at ``f`` Hz from rest; each adds ``a`` volts at its step's end."""
    dt = 1.0 / (f * STEPS_PER_VOLLEY)
    amplitude = a / (neuron.r_m * -math.expm1(-dt / neuron.tau_m))
    train = np.zeros((n_volleys * STEPS_PER_VOLLEY, 1))
    train[::STEPS_PER_VOLLEY] = amplitude
    return simulate(neuron, n_volleys / f, dt, train, v0=neuron.v_rest, record_v=record_v)


def run(neuron, a_syn, x_syn, lambda_d, f_stim, rtol) -> ScenarioResult:
    if x_syn < 0:
        raise ParameterError("x_syn", x_syn, "must be >= 0 m")
    a = somatic_jump(a_syn, x_syn, lambda_d)
    delta = neuron.v_th - neuron.v_rest
    if a >= delta:
        raise ParameterError("a_syn", a_syn, f"one volley alone reaches threshold (a = {a:.4g} V >= V_th - V_rest); "
                             "wind-up needs a smaller or more distant input")
    tau = neuron.tau_m
    # Summation must reach threshold below half the top of the search range, f_min <= F/(2 tau): a >= a_least.
    a_least = a_min(delta, F_SEARCH[1] / 2)
    if a < a_least:
        raise ParameterError("a_syn", a_syn, f"too small after the dendrite: a = a_syn e^(-x_syn/lambda_d) = "
                             f"{a:.4g} V (x_syn = {x_syn:.4g} m, lambda_d = {lambda_d:.4g} m) < {a_least:.4g} V, so "
                             f"f_min exceeds {F_SEARCH[1] / 2:g}/tau_m, beyond the search range of the experiment; "
                             "raise a_syn or lambda_d, or lower x_syn")
    f_pred = f_min(a, delta, tau)
    if f_stim is None:
        f_stim = 1.25 * f_pred
    elif f_stim <= f_pred:
        raise ParameterError("f_stim", f_stim, f"must be above f_min = {f_pred:.6g} Hz, else the neuron never fires")

    def fires(freqs):
        # Stimulate until the response saturates: r^n < 1e-6, i.e. n > 13.8 f tau volleys.
        out = []
        for f in freqs:
            n = max(5, math.ceil(-math.log(1e-6) * f * tau))
            out.append(stimulate(neuron, a, f, n).spike_time.size > 0)
        return np.array(out)

    f_sim, trials = threshold_search(fires, F_SEARCH[0] / tau, F_SEARCH[1] / tau, rtol=rtol, log=True)
    n_pred = n_to_fire(a, delta, tau, f_stim)
    n_show = n_pred + 4
    check_steps("f_stim", f_stim, n_show * STEPS_PER_VOLLEY, f"{n_show} volleys x {STEPS_PER_VOLLEY}: time steps")
    train = stimulate(neuron, a, f_stim, n_show, record_v=True)
    n_sim = math.floor(train.spike_time[0] * f_stim) + 1
    below = stimulate(neuron, a, 0.8 * f_pred, n_show, record_v=True)
    predicted = {"f_min": f_pred, "n_to_fire": n_pred}
    simulated = {"f_min": f_sim, "n_to_fire": n_sim}
    k = np.arange(1, n_show + 1)
    series = {"t": train.t, "v": train.v[:, 0], "t_below": below.t, "v_below": below.v[:, 0],
              "peaks": a * (1 - np.exp(-k / (f_stim * tau))) / (1 - np.exp(-1 / (f_stim * tau))),
              "peaks_below": a * (1 - np.exp(-k / (0.8 * f_pred * tau))) / (1 - np.exp(-1 / (0.8 * f_pred * tau)))}
    return ScenarioResult("wind-up", result_params(neuron, a_syn=a_syn, x_syn=x_syn, lambda_d=lambda_d,
                                                   f_stim=f_stim, rtol=rtol),
                          predicted, simulated, TOLERANCE,
                          {"n_to_fire_exact": n_sim == n_pred},
                          {"a_soma": a, "bisection_trials": len(trials), "f_below": 0.8 * f_pred}, series)


def figure(result: ScenarioResult):
    import matplotlib.pyplot as plt

    s, p, d = result.series, result.params, result.details
    fig, ax = plt.subplots(figsize=(8, 3.6))
    # Volley k (from 1) ends one step after (k - 1)/f; the closed form holds up to the first spike.
    n_fire = int(result.simulated["n_to_fire"])
    peaks_t = (np.arange(n_fire) + 1 / STEPS_PER_VOLLEY) / p["f_stim"]
    ax.plot(np.asarray(s["t"]) * 1e3, (np.asarray(s["v"]) - p["v_rest"]) * 1e3, "-", color="tab:red", lw=1,
            label=f"f = {p['f_stim']:.3g} Hz (> f_min): fires at volley {n_fire}")
    ax.plot(peaks_t * 1e3, np.asarray(s["peaks"])[:n_fire] * 1e3, "v", color="tab:red", ms=4,
            label="a(1 − rⁿ)/(1 − r)")
    ax.plot(np.asarray(s["t_below"]) * 1e3, (np.asarray(s["v_below"]) - p["v_rest"]) * 1e3, "-", color="tab:blue",
            lw=1, label=f"f = {d['f_below']:.3g} Hz (0.8 f_min): saturates below threshold")
    ax.axhline((p["v_th"] - p["v_rest"]) * 1e3, color="k", ls="--", lw=0.7, label="V_th − V_rest")
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("V − V_rest (mV)")
    ax.set_title(f"f_min predicted {result.predicted['f_min']:.4g} Hz, simulated {result.simulated['f_min']:.4g} Hz",
                 fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


SCENARIO = Scenario("wind-up", "Wind-up: temporal summation of C-fibre volleys",
                    "f_min = -1/(tau ln(1 - a/(V_th - V_rest))) and volleys to fire above it",
                    PARAMS, run, figure, neuron_defaults={"r_m": 1e9},
                    tolerance_note="2 % on f_min (bisection with saturated trains); n_to_fire must match exactly")
