"""Report section: the ngspice/sky130 OTA-leak neuron against device-aware theory and the linear LIF."""

from __future__ import annotations

from dataclasses import replace
from html import escape as html_escape

import numpy as np

from ...errors import ParameterError
from ...fi import FICurve
from ...params import LIFParams
from ...spice import design, netlist, study
from ...spice.study import SpiceStudy
from .. import BudgetRow, ReportContext, Section, figure_html, table_html

KEY = "analog"
ORDER = 30
WORKERS = 2


def _inputs(params) -> dict:
    return {"ota_multiples": study.OTA_MULTIPLES, "ideal_multiples": study.IDEAL_MULTIPLES, "params": params.as_dict()}


#: Published LIF neurons beside ours (issue 14): name, process, V_dd, C_m, energy per spike, rate, source. "—": not
#: stated in the citation as the issue gives it.
PUBLISHED = (
    ("65 nm LIF", "65 nm", "—", "—", "2.1 pJ", "—", "JLPEA 13(4):55, 2023"),
    ("source-coupled logic LIF", "65 nm", "0.5 V", "—", "3.6 pJ", "30 Hz", "IEEE TCAS-II, 2023"),
    ("Sourikopoulos et al.", "65 nm", "—", "tiny membrane", "≈ 4 fJ", "—", "Front. Neurosci. 11:123, 2017"),
    ("28 nm LIF", "28 nm", "—", "—", "1.61 fJ", "—", "arXiv 2408.07734"),
)


def circuit_params(params: LIFParams) -> tuple[LIFParams, str]:
    """The LIFParams this section simulates, and a note when they are not the report's.

    A neuron whose voltages do not fit the 1.8 V circuits (the textbook −70 mV one, say) cannot be built
    in lif_ota or lif_lowpower; the section then runs the analog design and says so instead of failing the whole
    report.
    """
    try:
        for name in ("ota", "lowpower"):
            circuit = netlist.get_circuit(name)
            circuit.values(params, circuit.design())
    except ParameterError as exc:
        return design.ota_params(), (f"<p><b>Note:</b> the report's LIFParams cannot be built in the 1.8 V "
                                     f"circuit ({html_escape(str(exc))}); this section runs the analog design "
                                     "<code>lifhw.spice.design.ota_params()</code> instead.</p>")
    return params, ""


def compute(ctx: ReportContext) -> tuple[SpiceStudy, str]:
    """The analog study of the report's neuron (or of the analog design, with the note saying why), cached."""
    params, note = circuit_params(ctx.params)
    bar = ctx.progress("SPICE (ngspice/sky130)", study.study_points())
    # Stage messages would break the progress line: the bar is the progress report here.
    result = ctx.cached("analog", _inputs(params),
                        lambda: study.run_study(WORKERS, log=lambda _msg: None, params=params, on_point=bar.update),
                        SpiceStudy)
    if bar.done < bar.total:  # served from the cache
        bar.update(bar.total - bar.done)
    return result, note


def _tables(r: SpiceStudy) -> dict[str, str]:
    """The section's tables: 'design', 'characterization', 'fi', 'lowpower', 'energy', 'published'."""
    p, d, char = r.params, r.ota.design, r.ota.characterization
    design_rows = [["V_rest = V_reset / V_th", f"{p.v_rest:g} / {p.v_th:g} V"],
                   ["C_m", f"{p.c_m * 1e12:g} pF"], ["t_ref (design)", f"{p.t_ref * 1e3:g} ms"],
                   ["I_b (leak bias)", f"{d.i_b * 1e12:g} pA"],
                   ["I_cmp / I_ref", f"{d.i_cmp * 1e9:g} nA / {d.i_ref * 1e12:g} pA"],
                   ["V_dd, corner, T", f"{d.vdd:g} V, {d.corner}, {d.temp:g} °C"],
                   ["C_TSV (5 µm × 50 µm, 200 nm liner)", f"{r.c_tsv * 1e15:.4g} fF"]]
    char_rows = [["κ = 2U_T·g_m/I_b,eff (slope at rest)", f"{char.kappa:.4g}"],
                 ["κ (tanh fit)", f"{char.kappa_fit:.4g}"],
                 ["I_b,eff (tanh fit)", f"{char.i_b_eff * 1e12:.4g} pA"],
                 ["zero of the leak V_0", f"{char.v_zero:.4g} V"],
                 ["g_m (slope at V_0)", f"{char.g_m * 1e9:.4g} nS"],
                 ["τ = C_eff/g_m", f"{char.tau * 1e3:.4g} ms"],
                 ["rheobase (max of measured I-V)", f"{char.rheobase * 1e12:.4g} pA"],
                 ["I_b,eff·tanh(κ_fit(V_th−V_rest)/2U_T)", f"{char.tanh_rheobase * 1e12:.4g} pA"],
                 ["leakage floor (OTA bias off)", f"{char.i_off * 1e15:.4g} fA"],
                 ["comparator delay (V_th crossing → spike)", f"{char.comparator_delay * 1e6:.3g} µs"],
                 ["reset hold (spike → release)", f"{char.t_hold * 1e3:.4g} ms"],
                 ["t_dead used by the theory", f"{char.t_dead * 1e3:.4g} ms"]]
    ota, tsv, low = r.ota.sweep, r.ota_tsv.sweep, r.lowpower.sweep
    fi_rows = [[f"{current * 1e12:.4g}", ota.rate[k], ota.theory.rate[k], _error(ota.rate[k], ota.theory.rate[k]),
                ota.linear.rate[k], tsv.rate[k], tsv.theory.rate[k], ota.energy_per_spike[k] * 1e12,
                ota.energy_dynamic[k] * 1e12] for k, current in enumerate(ota.current)]
    low_rows = [[f"{current * 1e12:.4g}", low.rate[k], low.theory.rate[k], _error(low.rate[k], low.theory.rate[k]),
                 low.energy_per_spike[k] * 1e12, low.energy_static[k] * 1e12, low.energy_dynamic[k] * 1e12]
                for k, current in enumerate(low.current)]
    energy_rows = [[name, f"{e.rate:.3g}", f"{e.energy_per_spike * 1e12:.3g}", f"{e.energy_static * 1e12:.3g}",
                    f"{e.energy_dynamic * 1e12:.3g}", f"{e.quiescent_power * 1e12:.4g}",
                    f"{e.shared_power * 1e12:.4g}", f"{c.t_hold * 1e3:.3g}"]
                   for name, e, c in (("lif_ota", r.energy_ota, char),
                                      ("lif_lowpower", r.energy_lowpower, r.lowpower.characterization))]
    ours = [[f"{name} (this kit, ngspice)", "sky130 130 nm", f"{d.vdd:g} V", f"{p.c_m * 1e12:g} pF",
             f"{e.energy_per_spike * 1e12:.3g} pJ", f"{e.rate:.3g} Hz", "measured here"]
            for name, e in (("lif_ota", r.energy_ota), ("lif_lowpower", r.energy_lowpower))]
    return {
        "design": table_html(["design", "value"], design_rows),
        "characterization": table_html(["OTA characterisation (tt, 27 °C)", "value"], char_rows),
        "fi": table_html(["I (pA)", "SPICE (Hz)", "device-aware (Hz)", "rel. err", "linear LIF same g_m (Hz)",
                          "SPICE + TSV (Hz)", "theory + TSV (Hz)", "E/spike (pJ)", "E/spike − P_q·ISI (pJ)"], fi_rows),
        "lowpower": table_html(["I (pA)", "SPICE (Hz)", "device-aware (Hz)", "rel. err", "E/spike (pJ)",
                                "static P_q·ISI (pJ)", "dynamic (pJ)"], low_rows),
        "energy": table_html(["neuron", "rate (Hz)", "E/spike (pJ)", "static (pJ)", "dynamic (pJ)",
                              "quiescent, per neuron (pW)", "shared references, per array (pW)", "reset hold (ms)"],
                             energy_rows),
        "published": table_html(["neuron", "process", "V_dd", "C_m", "energy/spike", "rate", "source"],
                                ours + [list(row) for row in PUBLISHED]),
    }


def _error(rate: float, theory_rate: float) -> float:
    """|rate/theory − 1|; NaN where the theory is silent or the point failed."""
    return abs(rate / theory_rate - 1) if theory_rate and rate == rate else float("nan")


def html(r: SpiceStudy, figs: dict, note: str = "") -> str:
    p, char, checks = r.params, r.ota.characterization, r.checks()
    tables, low_design, low_char = _tables(r), r.lowpower.design, r.lowpower.characterization
    dyn = r.ota.sweep.energy_dynamic
    return note + (
        "<p>Transistor-level LIF in sky130 (<code>circuits/lif_ota.cir</code>): a 5-transistor subthreshold OTA "
        "follower as the leak, an open-loop OTA comparator with current-starved inverters, a reset switch and a "
        "capacitor pulse extender for the refractory period, run in ngspice 39 through PySpice's shared library "
        "(worker processes, the model library loaded once per worker). The <b>device-aware theory</b> integrates "
        "C<sub>eff</sub>∫dV/(I − I<sub>leak</sub>(V)) over the <i>measured</i> DC I-V of the whole membrane node "
        "and adds the dead time of one measured spike; the <b>linear LIF</b> has the same g<sub>m</sub>. "
        "<code>lif_ideal</code> runs the report's LIFParams exactly; <code>lif_ota</code> realises the same "
        "C<sub>m</sub>, voltages and t<sub>ref</sub> with a transistor leak biased at I<sub>b</sub>.</p>"
        + tables["design"]
        + figure_html(figs["iv"], "DC I-V of the membrane node (ngspice) with the tanh fit and the linear leak of the "
                                  "same g_m: the OTA saturates at ±I_b beyond ~±75 mV")
        + tables["characterization"]
        + figure_html(figs["fi"], "f-I: SPICE lif_ota (C_TSV = 0 and 140 fF) vs device-aware theory, SPICE lif_ideal "
                                  "vs closed form, and the linear LIF with the OTA's g_m")
        + tables["fi"]
        + f"<p>The linear LIF with the same g<sub>m</sub> has rheobase g<sub>m</sub>(V<sub>th</sub>−V<sub>rest</sub>) "
          f"= {char.g_m * (p.v_th - p.v_rest) * 1e12:.3g} pA, against {char.rheobase * 1e12:.3g} pA for "
          "the saturating OTA: the small-signal model misses the neuron's whole low-rate range.</p>"
        + f"<p>TSV: the charging part of the ISI grows by {checks['tsv_charge_ratio']:.4f} "
          f"(expected (C_m + C_TSV)/C_m = {checks['tsv_expected_ratio']:.4f}).</p>"
        + "<h3>The low-energy neuron: lif_lowpower</h3>"
        + "<p><code>circuits/lif_lowpower.cir</code> keeps lif_ota's membrane and OTA leak (so the same "
          "device-aware theory applies) and rebuilds what burns power at rest: the comparator is a latch whose tail "
          "is gated by the membrane itself (nothing flows at rest, I<sub>cmp</sub> = "
          f"{low_design.i_cmp * 1e12:g} pA at V<sub>th</sub>), every logic pull-down is starved by "
          f"a {low_design.i_inv * 1e12:g} pA foot, and the refractory timer runs on "
          f"{low_design.i_ref * 1e12:g} pA. Rheobase {low_char.rheobase * 1e12:.4g} pA "
          f"(tanh fit {low_char.tanh_rheobase * 1e12:.4g} pA), comparator delay "
          f"{low_char.comparator_delay * 1e6:.3g} µs, reset hold {low_char.t_hold * 1e3:.4g} ms.</p>"
        + tables["lowpower"]
        + "<h3>Energy per spike</h3>"
        + figure_html(figs["energy"], "energy per spike from each neuron's own supply against its rate, split into "
                                      "static (quiescent power × ISI) and dynamic parts, and C_eff·ΔV·V_dd")
        + "<p>Both netlists feed the bias references an array would share (the ideal current sources, their "
          "diodes and lif_lowpower's comparator replica) from a second supply, <code>vdd_ref</code>: its power is "
          "reported apart, per array, and no neuron's energy counts it. The <b>static</b> part is the neuron's "
          "quiescent power (operating point, no input) times the ISI; the <b>dynamic</b> part is the rest. "
          f"C<sub>eff</sub>·ΔV·V<sub>dd</sub> = {r.energy_reference * 1e12:.3g} pJ is no bound: the membrane's charge "
          "comes from the input current, and the saturated leak takes its tail from the membrane rather than from "
          "V<sub>dd</sub> during a ramp (so lif_lowpower's dynamic part can be small, and near rheobase even "
          "negative). lif_ota's dynamic part ("
          f"{np.nanmin(dyn) * 1e12:.3g}–{np.nanmax(dyn) * 1e12:.3g} pJ) is the refractory capacitor, switching "
          "and the starved inverters' crowbar current of up to I<sub>cmp</sub> while the membrane creeps to "
          f"threshold. At ≈ {study.ENERGY_RATE:g} Hz:</p>"
        + tables["energy"]
        + "<p>Published LIF neurons beside ours (our figures are per-neuron supply, shared references excluded; how "
          "each paper accounted for its bias is its own):</p>"
        + tables["published"]
        + (figure_html(figs["trace"], "membrane voltage of lif_ota at 3× rheobase") if "trace" in figs else "")
    )


def budget(r: SpiceStudy) -> list[BudgetRow]:
    checks = r.checks()
    return [
        BudgetRow("SPICE lif_ideal (≥ 3 ISIs)", "closed-form f-I", checks["ideal_max_rel_error"],
                  study.ACCEPTANCE["ideal_max_rel_error"],
                  "ideal switches: timestep-limited threshold crossing"),
        BudgetRow("SPICE lif_ota (1.2× rheobase up)", "device-aware theory", checks["ota_max_rel_error"],
                  study.ACCEPTANCE["ota_max_rel_error"],
                  "dead time measured once; comparator delay varies with the slope at threshold"),
        BudgetRow("SPICE lif_ota rheobase", "I_b,eff·tanh(κ(V_th−V_rest)/2U_T)", checks["rheobase_rel_error"],
                  study.ACCEPTANCE["rheobase_rel_error"],
                  "channel-length modulation tilts the saturated leak"),
        BudgetRow("SPICE lif_ota + TSV charging time", "(C_m + C_TSV)/C_m", checks["tsv_rel_error"],
                  study.ACCEPTANCE["tsv_rel_error"],
                  "parasitic capacitance on the membrane node"),
        BudgetRow("SPICE lif_lowpower (1.2× rheobase up)", "device-aware theory", checks["lowpower_max_rel_error"],
                  study.ACCEPTANCE["lowpower_max_rel_error"],
                  "latch trips 3 mV below V_th; its gate area loads the membrane"),
        BudgetRow("SPICE lif_lowpower rheobase", "I_b,eff·tanh(κ(V_th−V_rest)/2U_T)",
                  checks["lowpower_rheobase_rel_error"], study.ACCEPTANCE["lowpower_rheobase_rel_error"],
                  "channel-length modulation tilts the saturated leak"),
    ]


def curves(r: SpiceStudy) -> list[FICurve]:
    """The study's curves for the report's combined f-I figure."""
    ota = r.ota.sweep
    return [replace(r.ideal.sweep.fi, label="SPICE lif_ideal"), replace(ota.fi, label="SPICE lif_ota"),
            replace(r.ota_tsv.sweep.fi, label="SPICE lif_ota + TSV 140 fF"),
            replace(r.lowpower.sweep.fi, label="SPICE lif_lowpower"),
            replace(ota.theory, label="device-aware theory (OTA)")]


def summary(r: SpiceStudy) -> dict:
    char = r.ota.characterization
    return {**r.checks(), "kappa": char.kappa, "i_b_eff": char.i_b_eff, "g_m": char.g_m, "rheobase": char.rheobase,
            "t_dead": char.t_dead, "energy_reference": r.energy_reference,
            "energy_per_spike": r.ota.sweep.energy_per_spike.tolist(), "netlist_ota": r.ota.netlist,
            "energy_ota": r.energy_ota.as_dict(), "energy_lowpower": r.energy_lowpower.as_dict(),
            "netlist_lowpower": r.lowpower.netlist}


def design_items(r: SpiceStudy) -> list[list[str]]:
    """What this level adds to the report's design table."""
    d, char, e_ota, e_low = r.ota.design, r.ota.characterization, r.energy_ota, r.energy_lowpower
    return [
        ["leak bias I_b", f"{d.i_b * 1e12:g} pA", f"I_b,eff {char.i_b_eff * 1e12:.4g} pA, κ {char.kappa:.4g} "
                                                  f"({d.corner}, {d.temp:g} °C)"],
        ["g_m = κ·I_b,eff/2U_T", f"{char.g_m * 1e9:.4g} nS", f"τ = C_m/g_m = {char.tau * 1e3:.4g} ms"],
        ["C_tsv (5 µm × 50 µm, 200 nm liner)", f"{r.c_tsv * 1e15:.4g} fF", "on the membrane node"],
        ["energy per spike at ≈ 30 Hz", f"lif_ota {e_ota.energy_per_spike * 1e12:.3g} pJ, lif_lowpower "
                                         f"{e_low.energy_per_spike * 1e12:.3g} pJ",
         f"C_eff·ΔV·V_dd = {r.energy_reference * 1e12:.3g} pJ; quiescent {e_ota.quiescent_power * 1e12:.4g} / "
         f"{e_low.quiescent_power * 1e12:.4g} pW"]]


def build(ctx: ReportContext) -> Section:
    result, note = compute(ctx)
    study.write_study(result, ctx.build_dir / "spice")
    return Section(KEY, "Analog level: sky130 OTA-leak neuron in ngspice", html(result, study.figures(result), note),
                   budget(result), summary(result), fi_curves=curves(result), design=design_items(result))
