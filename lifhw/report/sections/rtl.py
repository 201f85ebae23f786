"""Report section: the fixed-point RTL (Icarus) against the float discrete-time LIF and the closed form."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ... import fixed, theory
from ...digital import bounds, study
from ...digital.study import AreaReport, RtlStudy
from ...fi import FICurve, relative_error
from ...jsonio import Record
from ...params import LIFParams
from ...units import format_value
from .. import BudgetRow, ReportContext, Section, figure_html, table_html

KEY = "rtl"
ORDER = 40
DT = 1e-4
WIDTH = 16
T_SIM = 2.0


@dataclass(frozen=True)
class Rtl(Record):
    """The report's neuron on the RTL: its f-I in Icarus with each leak of :data:`lifhw.fixed.LEAK_MODES` (by
    name), and the Yosys area."""

    params: LIFParams
    leaks: dict[str, RtlStudy]
    area: AreaReport


@dataclass(frozen=True)
class Judged:
    """One leak's RTL curve judged against the closed form: the derived band, its relative error and bound."""

    leak: str
    q: fixed.QuantizedLIF
    study: RtlStudy
    reference: LIFParams
    band: tuple[np.ndarray, np.ndarray]
    ref_rate: np.ndarray

    @property
    def label(self) -> str:
        label = f"RTL {WIDTH}-bit {self.leak} leak (Icarus)"
        return label + (f", τ = {self.q.effective.tau_m * 1e3:.3g} ms" if self.leak == "shift" else "")

    @property
    def outside(self) -> int:
        rate, (lo, hi) = self.study.rtl.rate, self.band
        return int(np.count_nonzero((rate < lo * (1 - 1e-9)) | (rate > hi * (1 + 1e-9))))

    @property
    def rel(self) -> np.ndarray:
        return relative_error(self.study.rtl.rate, self.ref_rate)

    @property
    def steep(self) -> np.ndarray:
        return self.ref_rate < 50.0

    @property
    def vertical_bound(self) -> np.ndarray:
        return 0.01 + self.ref_rate * DT

    @property
    def max_rel_error(self) -> float:
        return float(self.rel[~self.steep].max())


def _measure(params: LIFParams, currents: np.ndarray, build_dir) -> Rtl:
    leaks = {}
    for leak in fixed.LEAK_MODES:
        q = fixed.quantize(params, DT, fixed.FixedFormat(width=WIDTH, leak=leak))
        leaks[leak] = study.fi_measure(q, currents, T_SIM, build_dir / "rtl" / "report" / leak)
    return Rtl(params, leaks, study.area_report(params, DT, build_dir / "rtl"))


def compute(ctx: ReportContext) -> Rtl:
    params = ctx.params
    currents = np.geomspace(1.05, 10, 24) * params.rheobase
    bar = ctx.progress("RTL (Icarus, Yosys)", 1)
    result = ctx.cached("rtl", {"params": params.as_dict(), "currents": currents.tolist(), "dt": DT,
                                "width": WIDTH, "t_sim": T_SIM},
                        lambda: _measure(params, currents, ctx.build_dir), Rtl)
    bar.update()
    return result


def judged(result: Rtl) -> list[Judged]:
    """Each leak's curve against the band rtl/README.md derives, in :data:`lifhw.fixed.LEAK_MODES` order."""
    out = []
    for leak in fixed.LEAK_MODES:
        q = fixed.quantize(result.params, DT, fixed.FixedFormat(width=WIDTH, leak=leak))
        current = result.leaks[leak].rtl.current
        # The shift leak realises only tau = dt / -ln(1 - 2^-k): judge its arithmetic on that tau.
        reference = result.params if leak == "mult" else q.effective
        out.append(Judged(leak, q, result.leaks[leak], reference, bounds.continuous_band(q, current, reference),
                          theory.firing_rate(reference, current)))
    return out


def figures(result: Rtl) -> dict:
    """'fi': the RTL's f-I with each leak, the float discrete-time LIF and the derived band."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.2))
    current = result.leaks[fixed.LEAK_MODES[0]].rtl.current
    ax.plot(current * 1e9, theory.firing_rate(result.params, current), "k-", lw=2, label="closed form")
    for j in judged(result):
        line, = ax.plot(current * 1e9, j.study.rtl.rate, "o", ms=4, mfc="none", label=j.label)
        ax.fill_between(current * 1e9, *j.band, color=line.get_color(), alpha=0.15, lw=0)
        ax.plot(current * 1e9, j.study.discrete.rate, ".", ms=2, color=line.get_color())
        if j.leak == "shift":
            ax.plot(current * 1e9, j.ref_rate, "--", lw=0.8, color=line.get_color(),
                    label=f"closed form at the shift leak's tau = {j.q.effective.tau_m * 1e3:.4g} ms")
    ax.set_xscale("log")
    ax.set_xlabel("input current I (nA)")
    ax.set_ylabel("firing rate (Hz)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, which="both")
    return {"fi": fig}


def _area_rows(result: Rtl) -> list[list]:
    return [[m.label, m.cells, m.flops] for m in result.area.modules]


def _lsb_uv(result: Rtl) -> float:
    return 2.0 ** -result.leaks["mult"].quantized["frac"] * 1e6


def html(result: Rtl, figs: dict) -> str:
    rows = []
    for j in judged(result):
        rows.append([j.label, j.q.rtl["THRESH"], j.q.rtl["LEAK_MULT"] if j.leak == "mult" else
                     f"k = {j.q.rtl['LEAK_SHIFT']}", j.q.i_lsb * 1e12, j.q.errors()["tau_m"],
                     j.study.spike_mismatches, j.outside, j.max_rel_error, float(j.vertical_bound[~j.steep].max())])
    table = table_html(["design", "THRESH", "leak", "i_lsb (pA)", "τ mapping error", "spike mismatches",
                        "points outside band", "max rel. error ≥ 50 Hz", "bound"], rows)
    area = table_html(["module", "generic cells", "flip-flops"], _area_rows(result))
    return (f"<p>dt = {DT * 1e3:g} ms, {WIDTH}-bit state (AUTO fraction bits: 1 LSB = {_lsb_uv(result):.4g} µV), "
            f"{T_SIM:g} s per point; "
            "the integers come from <code>lifhw.fixed.quantize</code>. Near the rheobase the f-I is arbitrarily "
            "steep, so the bound is a current tolerance (one input LSB, 1 % of the rheobase at 16 bits) plus one "
            "step in the spike interval; as a rate error it is 1 % + r·dt above ≈ 37 Hz.</p>"
            + figure_html(figs["fi"], f"f-I of the {WIDTH}-bit RTL measured in Icarus (circles), the float "
                                      "discrete-time LIF (dots) and the band derived in rtl/README.md (shaded)")
            + table + "<h3>Area (Yosys <code>synth -flatten; stat</code>)</h3>" + area)


def budget(result: Rtl) -> list[BudgetRow]:
    rows = []
    for j in judged(result):
        rows.append(BudgetRow(f"{j.label}: spikes vs bit-exact model", "lifhw.fixed", j.study.spike_mismatches, 0,
                              "bit-exact by construction: any difference is a bug"))
        which = "asked" if j.leak == "mult" else "effective"
        rows.append(BudgetRow(f"{j.label}: points outside the derived band", f"closed form ({which} τ)", j.outside,
                              0, "rtl/README.md: current within i_lsb/I + mapping errors, ISI + dt"))
        if j.leak == "mult":
            rows.append(BudgetRow(f"{j.label}: rate error / (1 % + r·dt) at ≥ 50 Hz", "closed-form f-I",
                                  float((j.rel / j.vertical_bound)[~j.steep].max()), 1.0,
                                  "rtl/README.md: 1 % + r·dt where the f-I is not steep (spike times in dt)"))
    return rows


def curves(result: Rtl) -> list[FICurve]:
    """The RTL's curves for the report's combined f-I figure."""
    return [replace(j.study.rtl, label=j.label, metadata={"dt": DT, "quantized": j.study.quantized})
            for j in judged(result)]


def build(ctx: ReportContext) -> Section:
    result = compute(ctx)
    summary = {j.leak: {"spike_mismatches": j.study.spike_mismatches, "points_outside_band": j.outside,
                        "max_rel_error_ge_50Hz": j.max_rel_error, "integer_params": j.q.rtl,
                        "tau_error": j.q.errors()["tau_m"], "i_lsb": j.q.i_lsb} for j in judged(result)}
    summary["area"] = result.area.cells
    q = fixed.quantize(result.params, DT, fixed.FixedFormat(width=WIDTH, leak="mult"))
    design = [["format", f"{WIDTH}-bit signed, {q.frac} fraction bits",
               f"V − v_rest; 1 LSB = {_lsb_uv(result):.4g} µV"],
              ["time step", format_value(DT, "s"), "one update per neuron per step"],
              ["leak", f"β = {q.beta_q:.8f} (LEAK_MULT = {q.rtl['LEAK_MULT']})",
               f"τ mapping error {q.errors()['tau_m']:.2g}"],
              *[[f"area, {label}", f"{cells} generic cells", f"{flops} flip-flops (Yosys synth)"]
                for label, cells, flops in _area_rows(result)]]
    return Section(KEY, "Fixed-point RTL (Icarus, Yosys)", html(result, figures(result)), budget(result), summary,
                   fi_curves=curves(result), design=design)
