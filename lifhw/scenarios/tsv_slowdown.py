"""TSV slowdown: a through-silicon via on the membrane node of a 3-D-stacked neuromorphic neuron.

The TSV adds its capacitance to the membrane node, :math:`C_{eff} = C_m + C_{tsv}`, with C_tsv the
coaxial oxide capacitor :math:`2\\pi\\varepsilon_{ox} L / \\ln((r + t_{ox})/r)`, ε_ox = 3.9 ε_0,
optionally in series with the silicon depletion around it (:func:`lifhw.analog.tsv_capacitance`).
τ grows by C_eff/C_m and the firing rate at a given current falls to

.. math::  \\frac{f(C_{eff})}{f(C_m)} = \\frac{t_{ref} + C_m R_m \\ln\\frac{V_\\infty − V_{reset}}{V_\\infty − V_{th}}}
   {t_{ref} + C_{eff} R_m \\ln\\frac{V_\\infty − V_{reset}}{V_\\infty − V_{th}}}.

The neuron is a silicon one: C_m = 1 pF and R_m = 20 GΩ (an OTA leak of a few pA), τ = 20 ms, so a
≈ 60 fF via is a few-percent effect. The simulation does not assume C_eff: it integrates the two-node
circuit — the membrane (C_m, R_m, input) joined through the via's series resistance R_tsv to the via's
capacitance — exactly (the linear system between spikes solved by its eigenmodes, the threshold crossing
by root finding), and recovers C_tsv from the slow-down a designer would measure, the charging time
T = 1/f − t_ref growing as C_eff/C_m.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq

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
    Param("r_tsv", 1.0, "Ohm", "series resistance between the membrane and the via's capacitance", minimum=0.0),
    Param("i_in", 3e-12, "A", "constant input current (above the rheobase)", minimum=0.0),
)


def two_node_time_to_threshold(neuron, c_tsv: float, r_tsv: float, i_in: float) -> float:
    """Time (s) from reset to threshold of the membrane joined through ``r_tsv`` (Ω) to ``c_tsv`` (F).

    Both nodes start at V_reset (the reset holds the membrane there for t_ref, far longer than R_tsv·C_tsv).
    With x = (V_m, V_t) − V_∞, x' = A x has two real negative eigenvalues; the fast one, about
    −(1/C_m + 1/C_tsv)/R_tsv, and the slow one det(A)/λ_fast (computed that way to avoid cancellation).
    """
    g_m, g_t = 1.0 / neuron.r_m, 1.0 / r_tsv
    a = np.array([[-(g_m + g_t) / neuron.c_m, g_t / neuron.c_m], [g_t / c_tsv, -g_t / c_tsv]])
    trace, det = a[0, 0] + a[1, 1], a[0, 0] * a[1, 1] - a[0, 1] * a[1, 0]
    fast = 0.5 * (trace - np.sqrt(trace * trace - 4 * det))
    slow = det / fast
    v_inf = neuron.v_rest + neuron.r_m * i_in
    if v_inf <= neuron.v_th:
        return np.inf
    # Eigenvector of λ: (a01, λ − a00); solve for the modal amplitudes of x(0) = (V_reset − V_∞)(1, 1).
    modes = np.array([[a[0, 1], a[0, 1]], [slow - a[0, 0], fast - a[0, 0]]])
    amp = np.linalg.solve(modes, np.full(2, neuron.v_reset - v_inf))

    def above(t: float) -> float:
        return v_inf + modes[0, 0] * amp[0] * np.exp(slow * t) + modes[0, 1] * amp[1] * np.exp(fast * t) - neuron.v_th

    t_hi = -1.0 / slow
    while above(t_hi) < 0:
        t_hi *= 2
    return brentq(above, 0.0, t_hi, xtol=1e-15, rtol=1e-13)


def run(neuron, tsv_diameter, tsv_depth, tsv_liner, tsv_depletion, r_tsv, i_in) -> ScenarioResult:
    c_tsv = tsv_capacitance(tsv_diameter, tsv_depth, tsv_liner, tsv_depletion)
    loaded = neuron.replace(c_m=neuron.c_m + c_tsv)
    if i_in <= neuron.rheobase:
        raise ParameterError("i_in", i_in, f"must exceed the rheobase {neuron.rheobase:.4g} A so the neuron fires")
    rate_loaded, rate_bare = float(firing_rate(loaded, i_in)), float(firing_rate(neuron, i_in))
    # The bare neuron by the reference integrator, the loaded one as the two-node circuit.
    t_bare = float(simulate(neuron, 30.0 / rate_bare, neuron.tau_m / 40, i_in).isis().mean()) - neuron.t_ref
    t_loaded = two_node_time_to_threshold(neuron, c_tsv, r_tsv, i_in)
    predicted = {"c_tsv": c_tsv, "rate_ratio": rate_loaded / rate_bare}
    simulated = {"c_tsv": neuron.c_m * (t_loaded / t_bare - 1.0),
                 "rate_ratio": (neuron.t_ref + t_bare) / (neuron.t_ref + t_loaded)}
    currents = np.linspace(1.0, 4.0, 60) * neuron.rheobase
    series = {"fi_current": currents, "fi_bare": firing_rate(neuron, currents),
              "fi_loaded": firing_rate(loaded, currents),
              "sim_rates": [1.0 / (neuron.t_ref + t_bare), 1.0 / (neuron.t_ref + t_loaded)]}
    details = {"c_eff": loaded.c_m, "tau_bare": neuron.tau_m, "tau_loaded": loaded.tau_m,
               "charge_time_bare": t_bare, "charge_time_loaded": t_loaded,
               "rate_bare": series["sim_rates"][0], "rate_loaded": series["sim_rates"][1]}
    return ScenarioResult("tsv-slowdown", result_params(neuron, tsv_diameter=tsv_diameter, tsv_depth=tsv_depth,
                                                        tsv_liner=tsv_liner, tsv_depletion=tsv_depletion,
                                                        r_tsv=r_tsv, i_in=i_in),
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
