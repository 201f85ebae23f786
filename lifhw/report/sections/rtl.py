"""Report section: the fixed-point RTL (Icarus) against the float discrete-time LIF and the closed form."""

from __future__ import annotations

import numpy as np

from ... import fixed, theory
from ...digital import bounds, study
from ...fi import FICurve, relative_error
from ...units import format_value
from .. import BudgetRow, ReportContext, Section, figure_html, table_html

KEY = "rtl"
ORDER = 40
DT = 1e-4
WIDTH = 16
T_SIM = 2.0


def _compute(params, currents, build_dir) -> dict:
    out = {"current": currents.tolist()}
    for leak in fixed.LEAK_MODES:
        q = fixed.quantize(params, DT, fixed.FixedFormat(width=WIDTH, leak=leak))
        out[leak] = {**study.fi_measure(q, currents, T_SIM, build_dir / "rtl" / "report" / leak),
                     "quantized": q.as_dict()}
    out["area"] = study.area_report(params, DT, build_dir / "rtl")
    return out


def build(ctx: ReportContext) -> Section:
    import matplotlib.pyplot as plt

    params = ctx.params
    currents = np.geomspace(1.05, 10, 24) * params.rheobase
    bar = ctx.progress("RTL (Icarus, Yosys)", 1)
    data = ctx.cached("rtl", {"params": params.as_dict(), "currents": currents.tolist(), "dt": DT,
                              "width": WIDTH, "t_sim": T_SIM},
                      lambda: _compute(params, currents, ctx.build_dir))
    bar.update()
    current = np.array(data["current"])
    closed = theory.firing_rate(params, current)

    fig, ax = plt.subplots(figsize=(7, 4.2))
    ax.plot(current * 1e9, closed, "k-", lw=2, label="closed form")
    rows, budget, curves, summary = [], [], [], {}
    for leak in fixed.LEAK_MODES:
        d = data[leak]
        q = fixed.quantize(params, DT, fixed.FixedFormat(width=WIDTH, leak=leak))
        rate = np.array(d["rate"])
        # The shift leak realises only tau = dt / -ln(1 - 2^-k): judge its arithmetic on that tau.
        reference = params if leak == "mult" else q.effective
        band_lo, band_hi = bounds.continuous_band(q, current, reference)
        outside = int(np.count_nonzero((rate < band_lo * (1 - 1e-9)) | (rate > band_hi * (1 + 1e-9))))
        ref_rate = theory.firing_rate(reference, current)
        rel = relative_error(rate, ref_rate)
        steep = ref_rate < 50.0
        vertical_bound = 0.01 + ref_rate * DT
        label = f"RTL {WIDTH}-bit {leak} leak (Icarus)"
        if leak == "shift":
            label += f", τ = {q.effective.tau_m * 1e3:.3g} ms"
        line, = ax.plot(current * 1e9, rate, "o", ms=4, mfc="none", label=label)
        ax.fill_between(current * 1e9, band_lo, band_hi, color=line.get_color(), alpha=0.15, lw=0)
        ax.plot(current * 1e9, d["float_rate"], ".", ms=2, color=line.get_color())
        if leak == "shift":
            ax.plot(current * 1e9, ref_rate, "--", lw=0.8, color=line.get_color(),
                    label=f"closed form at the shift leak's tau = {q.effective.tau_m * 1e3:.4g} ms")
        curves.append(FICurve(current, rate, label, {"dt": DT, "quantized": d["quantized"]}))
        err = q.errors()
        rows.append([label, q.rtl["THRESH"], q.rtl["LEAK_MULT"] if leak == "mult" else f"k = {q.rtl['LEAK_SHIFT']}",
                     q.i_lsb * 1e12, err["tau_m"], d["spike_mismatches"], outside,
                     float(rel[~steep].max()), float(vertical_bound[~steep].max())])
        budget.append(BudgetRow(f"{label}: spikes vs bit-exact model", "lifhw.fixed", d["spike_mismatches"], 0,
                                "bit-exact by construction: any difference is a bug"))
        which = "asked" if leak == "mult" else "effective"
        budget.append(BudgetRow(f"{label}: points outside the derived band", f"closed form ({which} τ)", outside, 0,
                                "rtl/README.md: current within i_lsb/I + mapping errors, ISI + dt"))
        if leak == "mult":
            budget.append(BudgetRow(f"{label}: rate error / (1 % + r·dt) at ≥ 50 Hz", "closed-form f-I",
                                    float((rel / vertical_bound)[~steep].max()), 1.0,
                                    "rtl/README.md: 1 % + r·dt where the f-I is not steep (spike times in dt)"))
        summary[leak] = {"spike_mismatches": d["spike_mismatches"], "points_outside_band": outside,
                         "max_rel_error_ge_50Hz": float(rel[~steep].max()), "integer_params": q.rtl,
                         "tau_error": err["tau_m"], "i_lsb": q.i_lsb}
    ax.set_xscale("log")
    ax.set_xlabel("input current I (nA)")
    ax.set_ylabel("firing rate (Hz)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, which="both")
    fi_fig = figure_html(fig, f"f-I of the {WIDTH}-bit RTL measured in Icarus (circles), the float discrete-time "
                              "LIF (dots) and the band derived in rtl/README.md (shaded)")

    table = table_html(["design", "THRESH", "leak", "i_lsb (pA)", "τ mapping error", "spike mismatches",
                        "points outside band", "max rel. error ≥ 50 Hz", "bound"], rows)
    area_rows = [[m["label"], m["cells"], m["flops"]] for m in data["area"]["modules"]]
    area = table_html(["module", "generic cells", "flip-flops"], area_rows)
    summary["area"] = {m["label"]: m["cells"] for m in data["area"]["modules"]}
    lsb_uv = 2.0 ** -data["mult"]["quantized"]["frac"] * 1e6
    body = (f"<p>dt = {DT * 1e3:g} ms, {WIDTH}-bit state (AUTO fraction bits: 1 LSB = {lsb_uv:.4g} µV), "
            f"{T_SIM:g} s per point; "
            "the integers come from <code>lifhw.fixed.quantize</code>. Near the rheobase the f-I is arbitrarily "
            "steep, so the bound is a current tolerance (one input LSB, 1 % of the rheobase at 16 bits) plus one "
            "step in the spike interval; as a rate error it is 1 % + r·dt above ≈ 37 Hz.</p>"
            + fi_fig + table + "<h3>Area (Yosys <code>synth -flatten; stat</code>)</h3>" + area)
    q = fixed.quantize(params, DT, fixed.FixedFormat(width=WIDTH, leak="mult"))
    design = [["format", f"{WIDTH}-bit signed, {q.frac} fraction bits", f"V − v_rest; 1 LSB = {lsb_uv:.4g} µV"],
              ["time step", format_value(DT, "s"), "one update per neuron per step"],
              ["leak", f"β = {q.beta_q:.8f} (LEAK_MULT = {q.rtl['LEAK_MULT']})",
               f"τ mapping error {q.errors()['tau_m']:.2g}"],
              *[[f"area, {label}", f"{cells} generic cells", f"{flops} flip-flops (Yosys synth)"]
                for label, cells, flops in area_rows]]
    return Section(KEY, "Fixed-point RTL (Icarus, Yosys)", body, budget, summary, fi_curves=curves, design=design)
