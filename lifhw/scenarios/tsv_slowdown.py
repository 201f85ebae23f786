"""TSV slowdown: a through-silicon via on the membrane node of a 3-D-stacked neuromorphic neuron.

The TSV adds its capacitance to the membrane node, :math:`C_{eff} = C_m + C_{tsv}`, with C_tsv the
coaxial oxide capacitor :math:`2\\pi\\varepsilon_{ox} L / \\ln((r + t_{ox})/r)`, ε_ox = 3.9 ε_0,
optionally in series with the silicon depletion around it (:func:`lifhw.analog.tsv_capacitance`).
τ grows by C_eff/C_m and the firing rate at a given current falls to

.. math::  \\frac{f(C_{eff})}{f(C_m)} = \\frac{t_{ref} + C_m R_m \\ln\\frac{V_\\infty − V_{reset}}{V_\\infty − V_{th}}}
   {t_{ref} + C_{eff} R_m \\ln\\frac{V_\\infty − V_{reset}}{V_\\infty − V_{th}}}.

The neuron is a silicon one: C_m = 1 pF and R_m = 20 GΩ (an OTA leak of a few pA), τ = 20 ms, so a
≈ 60 fF via is a few-percent effect. The simulated C_tsv is what a designer would infer from the
simulated membrane's charging time constant, τ_fit/R_m − C_m.
"""

from __future__ import annotations

import numpy as np

from ..analog import tsv_capacitance
from ..errors import ParameterError
from ..sim import simulate
from ..theory import firing_rate
from .base import Param, Scenario, ScenarioResult, result_params

#: Tighter than the usual 2 %: the effect itself is only a few percent at the default geometry.
TOLERANCE = 1e-3
PARAMS = (
    Param("tsv_diameter", 5e-6, "m", "copper core diameter", minimum=0.0),
    Param("tsv_depth", 50e-6, "m", "via depth (thinned die)", minimum=0.0),
    Param("tsv_liner", 0.5e-6, "m", "SiO2 liner thickness", minimum=0.0),
    Param("tsv_depletion", 0.0, "m", "depletion width in the silicon around the liner (0: oxide only)"),
    Param("i_in", 3e-12, "A", "constant input current (above the rheobase)", minimum=0.0),
    Param("t_sim", 2.0, "s", "simulated time for the rates", minimum=0.0),
)


def run(neuron, tsv_diameter, tsv_depth, tsv_liner, tsv_depletion, i_in, t_sim) -> ScenarioResult:
    c_tsv = tsv_capacitance(tsv_diameter, tsv_depth, tsv_liner, tsv_depletion)
    loaded = neuron.replace(c_m=neuron.c_m + c_tsv)
    if i_in <= neuron.rheobase:
        raise ParameterError("i_in", i_in, f"must exceed the rheobase {neuron.rheobase:.4g} A so the neuron fires")
    rate_loaded, rate_bare = float(firing_rate(loaded, i_in)), float(firing_rate(neuron, i_in))
    if t_sim * rate_loaded < 10:
        raise ParameterError("t_sim", t_sim, f"too short: need >= 10 spikes at {rate_loaded:.4g} Hz")
    dt = neuron.tau_m / 40
    res = simulate([neuron, loaded], t_sim, dt, i_in)
    rates = res.rates(skip=1)
    # Subthreshold step to half the rheobase: V - V_rest reaches (1 - 1/e) of its final value at t = tau.
    step = simulate(loaded, 3 * loaded.tau_m, loaded.tau_m / 2000, 0.5 * neuron.rheobase, v0=neuron.v_rest,
                    record_v=True)
    rise = (step.v[:, 0] - neuron.v_rest) / (0.5 * neuron.rheobase * neuron.r_m)
    tau_fit = float(np.interp(1 - np.exp(-1), rise, step.t))
    predicted = {"c_tsv": c_tsv, "rate_ratio": rate_loaded / rate_bare}
    simulated = {"c_tsv": tau_fit / neuron.r_m - neuron.c_m, "rate_ratio": rates[1] / rates[0]}
    currents = np.linspace(1.0, 4.0, 60) * neuron.rheobase
    series = {"fi_current": currents, "fi_bare": firing_rate(neuron, currents),
              "fi_loaded": firing_rate(loaded, currents), "sim_rates": rates}
    details = {"c_eff": loaded.c_m, "tau_bare": neuron.tau_m, "tau_loaded": loaded.tau_m, "tau_fit": tau_fit,
               "rate_bare": float(rates[0]), "rate_loaded": float(rates[1])}
    return ScenarioResult("tsv-slowdown", result_params(neuron, tsv_diameter=tsv_diameter, tsv_depth=tsv_depth,
                                                        tsv_liner=tsv_liner, tsv_depletion=tsv_depletion,
                                                        i_in=i_in, t_sim=t_sim),
                          predicted, simulated, TOLERANCE, details=details, series=series)


def figure(result: ScenarioResult):
    import matplotlib.pyplot as plt

    s, p = result.series, result.params
    fig, ax = plt.subplots(figsize=(7, 3.6))
    current = np.asarray(s["fi_current"]) * 1e12
    ax.plot(current, s["fi_bare"], "k-", label=f"C_m = {p['c_m'] * 1e15:.4g} fF")
    ax.plot(current, s["fi_loaded"], "-", color="tab:red",
            label=f"C_m + C_tsv = {result.details['c_eff'] * 1e15:.4g} fF")
    ax.plot([p["i_in"] * 1e12] * 2, s["sim_rates"], "o", mfc="none", color="tab:blue", label="simulated at i_in")
    ax.set_xlabel("input current (pA)")
    ax.set_ylabel("firing rate (Hz)")
    ax.set_title(f"TSV {p['tsv_diameter'] * 1e6:g} µm × {p['tsv_depth'] * 1e6:g} µm, liner "
                 f"{p['tsv_liner'] * 1e6:g} µm: C_tsv = {result.predicted['c_tsv'] * 1e15:.3g} fF, "
                 f"rate × {result.simulated['rate_ratio']:.4f}", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


SCENARIO = Scenario("tsv-slowdown", "TSV on the membrane node slows the neuron",
                    "C_tsv from geometry; rate ratio at i_in with C_eff = C_m + C_tsv",
                    PARAMS, run, figure, neuron_defaults={"c_m": 1e-12, "r_m": 20e9},
                    tolerance_note="0.1 %, tighter than 2 %: the TSV effect itself is only a few percent")
