"""The spinal gate: inhibition by an interneuron silences a pain-projection neuron.

A projection neuron driven by a strong excitatory conductance g_e (reversal E_e ≈ 0 mV) fires while
:math:`V_\\infty = (g_L V_{rest} + g_e E_e + g_i E_i)/(g_L + g_e + g_i)` exceeds V_th. An inhibitory
interneuron (Melzack & Wall's gate) adds g_i; the neuron falls silent once

.. math::  g_i > g_{i,silence} = \\frac{g_L (V_{rest} − V_{th}) + g_e (E_e − V_{th})}{V_{th} − E_i}.

With E_i = V_rest the inhibition is *shunting*: it draws no current at rest and only divides the
depolarization (the slope of V_∞ against input current falls by g_L/(g_L + g_i)). With E_i well
below rest it is *hyperpolarizing*: it also subtracts g_i(V_rest − E_i)/(g_L + g_i) from V_∞. The
simulated thresholds come from bisection on g_i with the network switched on at t = 0.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import ParameterError
from ..sim import simulate
from .base import Param, Scenario, ScenarioResult, result_params, steady_rate, threshold_search

TOLERANCE = 0.02
#: Simulated time (s) of each f-I curve of the figure.
T_FI = 1.0
PARAMS = (
    Param("g_e", 20e-9, "S", "excitatory (C-fibre) conductance onto the projection neuron", minimum=0.0),
    Param("e_e", 0.0, "V", "excitatory reversal potential"),
    Param("e_i_hyper", -85e-3, "V", "reversal of the hyperpolarizing inhibition (below v_rest)"),
    Param("rtol", 1e-6, "", "bisection stops when the bracket is this fraction of g_i", minimum=0.0),
)


def g_i_silence(neuron, g_e: float, e_e: float, e_i: float) -> float:
    """Inhibitory conductance (S) at which V_∞ falls to V_th, silencing the neuron."""
    return (neuron.g_l * (neuron.v_rest - neuron.v_th) + g_e * (e_e - neuron.v_th)) / (neuron.v_th - e_i)


def measured_g_i_silence(neuron, g_e: float, e_e: float, e_i: float, rtol: float) -> float:
    """g_i (S) found by bisection: the smallest inhibition under which the neuron does not fire.

    Inhibition only adds conductance, so τ = C_m/(g_L + g_e) is the slowest membrane of any trial (with a
    strong g_e it is far shorter than τ_m). At a relative distance rtol from the threshold conductance the
    first spike comes after about τ·ln(1/rtol), so each trial lasts (10 + ln(1/rtol))·τ in steps of τ/20: a
    few hundred steps whatever R_m is.
    """
    tau = neuron.c_m / (neuron.g_l + g_e)
    t_trial = (10 + max(0.0, math.log(1 / rtol))) * tau

    def silent(g_i):
        res = simulate(neuron, t_trial, tau / 20, g_e=g_e, e_e=e_e, g_i=g_i, e_i=e_i, n=len(g_i))
        return np.bincount(res.spike_neuron, minlength=len(g_i)) == 0

    return threshold_search(silent, 0.0, 1e3 * (g_e + neuron.g_l), rtol=rtol)[0]


def run(neuron, g_e, e_e, e_i_hyper, rtol) -> ScenarioResult:
    if e_e <= neuron.v_th:
        raise ParameterError("e_e", e_e, f"must be above v_th = {neuron.v_th:g} V to excite")
    if e_i_hyper >= neuron.v_rest:
        raise ParameterError("e_i_hyper", e_i_hyper, f"must be below v_rest = {neuron.v_rest:g} V")
    if g_e * (e_e - neuron.v_th) <= neuron.g_l * (neuron.v_th - neuron.v_rest):
        raise ParameterError("g_e", g_e, "too weak: the projection neuron must fire without inhibition, "
                             f"g_e > {neuron.g_l * (neuron.v_th - neuron.v_rest) / (e_e - neuron.v_th):.4g} S")
    predicted = {"g_i_silence": g_i_silence(neuron, g_e, e_e, neuron.v_rest),
                 "g_i_silence_hyperpolarizing": g_i_silence(neuron, g_e, e_e, e_i_hyper)}
    simulated = {"g_i_silence": measured_g_i_silence(neuron, g_e, e_e, neuron.v_rest, rtol),
                 "g_i_silence_hyperpolarizing": measured_g_i_silence(neuron, g_e, e_e, e_i_hyper, rtol)}

    # f-I curves with one fixed inhibitory conductance, shunting against hyperpolarizing.
    g_i = 0.5 * predicted["g_i_silence_hyperpolarizing"]
    currents = np.linspace(0, 6, 13) * neuron.rheobase
    series = {"fi_current": currents, "fi_g_i": g_i}
    for label, gi, ei in (("none", 0.0, neuron.v_rest), ("shunting", g_i, neuron.v_rest),
                          ("hyperpolarizing", g_i, e_i_hyper)):
        series[f"fi_theory_{label}"] = steady_rate(neuron, g_i=gi, e_i=ei, i_in=currents)
        # Steps of τ_m/40 (the exact integrator needs no finer), but at least 40 of them in the run.
        res = simulate(neuron, T_FI, min(neuron.tau_m, T_FI) / 40, currents, g_i=gi, e_i=ei)
        series[f"fi_sim_{label}"] = res.rates(skip=1)
        series[f"vinf_{label}"] = (neuron.g_l * neuron.v_rest + gi * ei + currents) / (neuron.g_l + gi)
    fi_err = max(float(np.max(np.abs(series[f"fi_sim_{k}"] - series[f"fi_theory_{k}"])
                              / np.maximum(series[f"fi_theory_{k}"], 1.0)))
                 for k in ("none", "shunting", "hyperpolarizing"))
    details = {"fi_g_i": g_i, "fi_max_rel_error": fi_err}
    return ScenarioResult("spinal-gate", result_params(neuron, g_e=g_e, e_e=e_e, e_i_hyper=e_i_hyper, rtol=rtol),
                          predicted, simulated, TOLERANCE, {"fi_sim_matches_theory": fi_err <= TOLERANCE},
                          details, series)


def figure(result: ScenarioResult):
    import matplotlib.pyplot as plt

    s, p = result.series, result.params
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.6))
    current = np.asarray(s["fi_current"]) * 1e12
    styles = {"none": ("k", "no inhibition"), "shunting": ("tab:blue", "shunting, E_i = V_rest"),
              "hyperpolarizing": ("tab:red", f"hyperpolarizing, E_i = {p['e_i_hyper'] * 1e3:g} mV")}
    for key, (color, label) in styles.items():
        ax1.plot(current, s[f"fi_theory_{key}"], "-", color=color, label=label)
        ax1.plot(current, s[f"fi_sim_{key}"], "o", color=color, mfc="none", ms=4)
        ax2.plot(current, (np.asarray(s[f"vinf_{key}"]) - p["v_rest"]) * 1e3, "-", color=color, label=label)
    ax1.set_xlabel("injected current (pA)")
    ax1.set_ylabel("firing rate (Hz)")
    ax1.set_title(f"g_i = {float(s['fi_g_i']) * 1e9:.3g} nS; lines closed form, circles simulated", fontsize=8)
    ax1.legend(fontsize=7)
    ax2.axhline((p["v_th"] - p["v_rest"]) * 1e3, color="gray", ls="--", lw=0.7)
    ax2.set_xlabel("injected current (pA)")
    ax2.set_ylabel("V_∞ − V_rest (mV)")
    ax2.set_title("subthreshold: shunting divides, hyperpolarizing subtracts", fontsize=8)
    ax2.legend(fontsize=7)
    fig.tight_layout()
    return fig


SCENARIO = Scenario("spinal-gate", "Spinal gate: shunting inhibition silences pain",
                    "g_i that pulls V_inf below V_th; shunting (divisive) vs hyperpolarizing (subtractive)",
                    PARAMS, run, figure)
