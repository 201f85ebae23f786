"""Report section: closed form against the numpy reference (exact and forward Euler)."""

from __future__ import annotations

import dataclasses

import numpy as np

from ... import sim, theory
from ...fi import FICurve
from .. import BudgetRow, ReportContext, Section, figure_html, table_html

KEY = "reference"
ORDER = 10
#: Euler steps shown on the f-I figure, as fractions of tau_m.
EULER_STEPS = (0.005, 0.05, 0.25)
#: Step ratios h/tau of the stability figure, straddling the bound h = 2 tau.
STABILITY_RATIOS = (0.5, 1.5, 1.9, 2.1, 3.0)


def _compute(params, currents) -> dict:
    tau = params.tau_m
    out = {"exact": sim.fi(params, currents, "exact", dt=tau / 20, t_sim=2.0).as_dict(),
           "euler": {str(r): sim.fi(params, currents, "euler", dt=r * tau, t_sim=2.0).as_dict() for r in EULER_STEPS}}
    # Distance to rest after n Euler steps with no input, starting 10 mV above rest.
    n = np.arange(0, 16)
    growth = {}
    for r in STABILITY_RATIOS:
        # The threshold out of the way: 10 mV grows at most 2^15-fold (328 V) at h = 3 tau, below 1 kV.
        res = sim.simulate(params.replace(v_th=1e3), t_sim=15 * r * tau, dt=r * tau, v0=params.v_rest + 0.01,
                           method="euler", record_v=True, allow_unstable=True)
        growth[str(r)] = (res.v[:, 0] - params.v_rest).tolist()
    out["euler_n"] = n.tolist()
    out["euler_growth"] = growth
    return out


def build(ctx: ReportContext) -> Section:
    import matplotlib.pyplot as plt

    params = ctx.params
    currents = np.geomspace(1.05, 10, 24) * params.rheobase
    bar = ctx.progress("reference sim", 1)
    data = ctx.cached("reference", {"params": params.as_dict(), "currents": currents.tolist()},
                      lambda: _compute(params, currents))
    bar.update()
    closed = theory.fi(params, currents)
    exact = FICurve.from_dict(data["exact"])
    err_exact = float(np.max(exact.relative_error(closed)))

    fig, ax = plt.subplots(figsize=(7, 4.2))
    ax.plot(closed.current * 1e9, closed.rate, "k-", lw=2, label="closed form")
    ax.plot(exact.current * 1e9, exact.rate, "o", ms=4, mfc="none",
            label=f"exact, dt = τ/20 ({params.tau_m / 20 * 1e3:g} ms)")
    rows, budget = [["exact", params.tau_m / 20, err_exact, 1e-3]], []
    for r, curve in data["euler"].items():
        euler = FICurve.from_dict(curve)
        err = float(np.max(euler.relative_error(closed)))
        ax.plot(euler.current * 1e9, euler.rate, ".-", lw=0.8, label=f"forward Euler, dt = {float(r):g}τ")
        rows.append([f"euler h/τ={float(r):g}", float(r) * params.tau_m, err, float(r)])
    ax.set_xscale("log")
    ax.set_xlabel("input current I (nA)")
    ax.set_ylabel("firing rate (Hz)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, which="both")
    fi_fig = figure_html(fig, "f-I curve: closed form, exact integrator and forward Euler at three steps")

    fig, ax = plt.subplots(figsize=(7, 4.2))
    n = np.array(data["euler_n"])
    for r, dev in data["euler_growth"].items():
        dev = np.abs(np.array(dev))
        line, = ax.semilogy(n, dev * 1e3, "o", ms=4, label=f"h/τ = {float(r):g}")
        ax.semilogy(n, 10.0 * theory.euler_amplification(float(r), 1.0) ** n, "-", color=line.get_color(),
                    lw=0.8)
    ax.axhline(10.0, color="gray", lw=0.5)
    ax.set_xlabel("Euler step n")
    ax.set_ylabel("|V − V_rest| (mV)")
    ax.set_title("error after n steps (dots) vs |1 − h/τ|^n (lines); unstable past h = 2τ")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, which="both")
    stab_fig = figure_html(fig, "forward-Euler error growth against the step, across the 2τ bound")

    budget.append(BudgetRow("reference sim (exact, dt = τ/20)", "closed-form f-I", err_exact, 1e-3,
                            "exact propagator: round-off only; 1e-3 is the acceptance bound"))
    first_order = rows[1]
    budget.append(BudgetRow(f"reference sim (Euler, h = {EULER_STEPS[0]:g}τ)", "closed-form f-I", first_order[2],
                            EULER_STEPS[0], "first-order method: error O(h/τ)"))
    table = table_html(["integrator", "dt (s)", "max rel. error vs closed form", "bound"], rows)
    html = (f"<p>τ<sub>m</sub> = {params.tau_m * 1e3:g} ms, rheobase {params.rheobase * 1e12:.4g} pA. "
            "Rates are 1 / mean steady inter-spike interval; currents 1.05× to 10× rheobase.</p>"
            + fi_fig + table + stab_fig)
    summary = {"max_rel_error_exact": err_exact, "euler_rel_error": {r[0]: r[2] for r in rows[1:]}}
    return Section(KEY, "Closed form and reference simulation", html, budget, summary,
                   fi_curves=[closed, dataclasses.replace(exact, label="reference (exact)")])
