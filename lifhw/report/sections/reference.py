"""Report section: closed form against the numpy reference (exact and forward Euler)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from ... import sim, theory
from ...fi import FICurve
from ...jsonio import Record
from ...params import LIFParams
from .. import BudgetRow, ReportContext, Section, figure_html, table_html

KEY = "reference"
ORDER = 10
#: Euler steps shown on the f-I figure, as fractions of tau_m.
EULER_STEPS = (0.005, 0.05, 0.25)
#: Step ratios h/tau of the stability figure, straddling the bound h = 2 tau.
STABILITY_RATIOS = (0.5, 1.5, 1.9, 2.1, 3.0)
#: Euler steps of the stability figure (n = 0 … STABILITY_STEPS).
STABILITY_STEPS = 15


@dataclass(frozen=True)
class Reference(Record):
    """The reference simulation of the report's neuron: the closed form, the exact integrator (dt = τ/20) and
    forward Euler at each of :data:`EULER_STEPS` (h/τ) at the same currents, and forward Euler's distance to rest
    after n = 0 … STABILITY_STEPS steps with no input from 10 mV above it, at each of :data:`STABILITY_RATIOS`."""

    params: LIFParams
    closed: FICurve
    exact: FICurve
    euler: tuple[FICurve, ...]
    growth: tuple[np.ndarray, ...]

    @property
    def exact_error(self) -> float:
        return float(np.max(self.exact.relative_error(self.closed)))

    def euler_errors(self) -> list[float]:
        return [float(np.max(curve.relative_error(self.closed))) for curve in self.euler]


def _simulate(params: LIFParams, currents: np.ndarray) -> Reference:
    tau = params.tau_m
    exact = sim.fi(params, currents, "exact", dt=tau / 20, t_sim=2.0)
    euler = tuple(sim.fi(params, currents, "euler", dt=r * tau, t_sim=2.0) for r in EULER_STEPS)
    growth = []
    for r in STABILITY_RATIOS:
        # The threshold out of the way: 10 mV grows at most 2^15-fold (328 V) at h = 3 tau, below 1 kV.
        res = sim.simulate(params.replace(v_th=1e3), t_sim=STABILITY_STEPS * r * tau, dt=r * tau,
                           v0=params.v_rest + 0.01, method="euler", record_v=True, allow_unstable=True)
        growth.append(res.v[:, 0] - params.v_rest)
    return Reference(params, theory.fi(params, currents), exact, euler, tuple(growth))


def compute(ctx: ReportContext) -> Reference:
    params = ctx.params
    currents = np.geomspace(1.05, 10, 24) * params.rheobase
    bar = ctx.progress("reference sim", 1)
    result = ctx.cached("reference", {"params": params.as_dict(), "currents": currents.tolist()},
                        lambda: _simulate(params, currents), Reference)
    bar.update()
    return result


def figures(result: Reference) -> dict:
    """'fi': the closed form, the exact integrator and Euler; 'stability': Euler's error growth per step."""
    import matplotlib.pyplot as plt

    closed, exact, tau = result.closed, result.exact, result.params.tau_m
    fig, ax = plt.subplots(figsize=(7, 4.2))
    ax.plot(closed.current * 1e9, closed.rate, "k-", lw=2, label="closed form")
    ax.plot(exact.current * 1e9, exact.rate, "o", ms=4, mfc="none", label=f"exact, dt = τ/20 ({tau / 20 * 1e3:g} ms)")
    for r, euler in zip(EULER_STEPS, result.euler, strict=True):
        ax.plot(euler.current * 1e9, euler.rate, ".-", lw=0.8, label=f"forward Euler, dt = {r:g}τ")
    ax.set_xscale("log")
    ax.set_xlabel("input current I (nA)")
    ax.set_ylabel("firing rate (Hz)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, which="both")
    figs = {"fi": fig}

    fig, ax = plt.subplots(figsize=(7, 4.2))
    n = np.arange(0, STABILITY_STEPS + 1)
    for r, dev in zip(STABILITY_RATIOS, result.growth, strict=True):
        line, = ax.semilogy(n, np.abs(dev) * 1e3, "o", ms=4, label=f"h/τ = {r:g}")
        ax.semilogy(n, 10.0 * theory.euler_amplification(r, 1.0) ** n, "-", color=line.get_color(), lw=0.8)
    ax.axhline(10.0, color="gray", lw=0.5)
    ax.set_xlabel("Euler step n")
    ax.set_ylabel("|V − V_rest| (mV)")
    ax.set_title("error after n steps (dots) vs |1 − h/τ|^n (lines); unstable past h = 2τ")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, which="both")
    figs["stability"] = fig
    return figs


def _rows(result: Reference) -> list[list]:
    tau = result.params.tau_m
    return [["exact", tau / 20, result.exact_error, 1e-3]] + [
        [f"euler h/τ={r:g}", r * tau, err, r] for r, err in zip(EULER_STEPS, result.euler_errors(), strict=True)]


def html(result: Reference, figs: dict) -> str:
    params = result.params
    table = table_html(["integrator", "dt (s)", "max rel. error vs closed form", "bound"], _rows(result))
    return (f"<p>τ<sub>m</sub> = {params.tau_m * 1e3:g} ms, rheobase {params.rheobase * 1e12:.4g} pA. "
            "Rates are 1 / mean steady inter-spike interval; currents 1.05× to 10× rheobase.</p>"
            + figure_html(figs["fi"], "f-I curve: closed form, exact integrator and forward Euler at three steps")
            + table
            + figure_html(figs["stability"], "forward-Euler error growth against the step, across the 2τ bound"))


def budget(result: Reference) -> list[BudgetRow]:
    return [BudgetRow("reference sim (exact, dt = τ/20)", "closed-form f-I", result.exact_error, 1e-3,
                      "exact propagator: round-off only; 1e-3 is the acceptance bound"),
            BudgetRow(f"reference sim (Euler, h = {EULER_STEPS[0]:g}τ)", "closed-form f-I", result.euler_errors()[0],
                      EULER_STEPS[0], "first-order method: error O(h/τ)")]


def build(ctx: ReportContext) -> Section:
    result = compute(ctx)
    summary = {"max_rel_error_exact": result.exact_error,
               "euler_rel_error": {row[0]: row[2] for row in _rows(result)[1:]}}
    return Section(KEY, "Closed form and reference simulation", html(result, figures(result)), budget(result),
                   summary, fi_curves=[result.closed, dataclasses.replace(result.exact, label="reference (exact)")])
