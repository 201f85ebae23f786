"""``lifhw size``: size C_m or I_b for a target neuron, sweep corners, run the mismatch Monte Carlo.

``lifhw size ...`` sizes one design (and with ``--verify`` simulates it in SPICE);
``lifhw size corners ...`` re-evaluates that design over process corners and temperatures;
``lifhw size montecarlo ...`` gives the spread of its rate over a population of mismatched neurons.
"""

from __future__ import annotations

import argparse

import numpy as np

from .. import pdk, sizing, theory
from ..errors import ParameterError
from ..limits import check_points
from . import MAX_WORKERS, ChoiceArg, ListArg, ValueArg, command, format_table, int_arg, range_arg, value_arg


def _add_design_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("target (one of --tau or --f-target with --i-target)")
    g.add_argument("--tau", type=value_arg("tau", 0.0, unit="s"), help="small-signal time constant (s), e.g. 20m")
    g.add_argument("--f-target", type=value_arg("f_target", 0.0, unit="Hz"),
                   help="firing rate (Hz) to reach at --i-target")
    g.add_argument("--i-target", type=value_arg("i_target", 0.0, unit="A"),
                   help="input current (A) of --f-target, and where corners/Monte Carlo evaluate the rate "
                        "(default 3 x the solved I_b)")
    g = p.add_argument_group("what is given (one of --i-b, solving C_m, or --c-m, solving I_b)")
    g.add_argument("--i-b", type=value_arg("i_b", 0.0, unit="A"), help="programmed OTA bias (A), e.g. 10p")
    g.add_argument("--c-m", type=value_arg("c_m", 0.0, unit="F"), help="membrane MIM capacitor (F)")
    g = p.add_argument_group("TSV on the membrane node (a value, or the via's geometry)")
    g.add_argument("--c-tsv", type=value_arg("c_tsv", 0.0, exclusive=False, unit="F"),
                   help="TSV capacitance (F), e.g. 140f")
    g.add_argument("--tsv-diameter", type=value_arg("tsv_diameter", 0.0, unit="m"),
                   help="copper core diameter (m), e.g. 5u")
    g.add_argument("--tsv-depth", type=value_arg("tsv_depth", 0.0, unit="m"), help="via depth (m), e.g. 50u")
    g.add_argument("--tsv-liner", type=value_arg("tsv_liner", 0.0, unit="m"), default=0.2e-6,
                   help="oxide liner thickness (m)")
    g.add_argument("--tsv-depletion", type=value_arg("tsv_depletion", 0.0, exclusive=False, unit="m"),
                   help="maximum depletion width (m) for the C_tsv minimum (default: p-substrate at 1e15 cm^-3)")
    g = p.add_argument_group("circuit and process")
    g.add_argument("--v-swing", type=value_arg("v_swing", 0.0, unit="V"), default=0.3,
                   help="V_th - V_reset (V)")
    g.add_argument("--mim-density", type=value_arg("mim_density", 0.0, unit="F/m^2"), default=pdk.MIM_DENSITY,
                   help=f"MIM capacitance per area (F/m^2) of {pdk.NAME}'s MIM layer")
    g.add_argument("--temp", type=_temp_arg("temp"), default=27.0,
                   help="temperature (degC)")
    g.add_argument("--corner", choices=pdk.CORNERS, default="tt", help="process corner")
    g.add_argument("--noise-max", type=value_arg("noise_max", 0.0, unit="V"),
                   help="largest sqrt(kT/C_eff) allowed (V rms)")
    g.add_argument("--vdd", type=value_arg("vdd", pdk.VDD_RANGE[0], False, "V", pdk.VDD_RANGE[1]),
                   default=pdk.VDD, help="supply (V)")
    g.add_argument("--c-logic", type=value_arg("c_logic", 0.0, exclusive=False, unit="F"), default=pdk.C_LOGIC,
                   help="comparator/reset logic capacitance switched per spike (F)")
    g.add_argument("--t-ref", type=value_arg("t_ref", 0.0, exclusive=False, unit="s"), default=None,
                   help="refractory period (s); default: the lif_ota circuit's")
    g.add_argument("--kappa", type=value_arg("kappa", 0.0, unit="", maximum=1.0),
                   help="use this kappa instead of characterizing the OTA in SPICE (then also give --i-off)")
    g.add_argument("--i-off", type=value_arg("i_off", 0.0, exclusive=False, unit="A"),
                   help="use this off-state leakage (A) instead of measuring it in SPICE")


def _tsv(args) -> sizing.TSV:
    geometry = args.tsv_diameter is not None or args.tsv_depth is not None
    if geometry and args.c_tsv is not None:
        raise ParameterError("c_tsv", args.c_tsv, "give either --c-tsv or the TSV geometry, not both")
    if geometry:
        for name in ("tsv_diameter", "tsv_depth"):
            if getattr(args, name) is None:
                raise ParameterError(name, None, "the TSV geometry needs --tsv-diameter and --tsv-depth")
        return sizing.TSV.from_geometry(args.tsv_diameter, args.tsv_depth, args.tsv_liner, args.tsv_depletion,
                                        args.temp)
    return sizing.TSV.from_value(0.0 if args.c_tsv is None else args.c_tsv)


def _user_device(args, corner: str | None = None, temp: float | None = None) -> sizing.DevicePoint | None:
    """The device the user typed (--kappa and --i-off), or None to characterise it in SPICE."""
    if (args.kappa is None) != (args.i_off is None):
        raise ParameterError("kappa" if args.kappa is None else "i_off", None,
                             "give both --kappa and --i-off (no SPICE) or neither (characterize in SPICE)")
    if args.kappa is None:
        return None
    return sizing.DevicePoint(args.corner if corner is None else corner, args.temp if temp is None else temp,
                              args.kappa, args.i_off, 1.0, "user")


def _t_ref(args) -> float:
    if args.t_ref is not None:
        return args.t_ref
    from ..sizing.verify import circuit_t_ref

    return circuit_t_ref()


def _spec(args):
    from ..sizing.verify import Spec

    return Spec(args.v_swing, _tsv(args), args.tau, args.f_target, args.i_target, args.i_b, args.c_m,
                args.noise_max, args.vdd, args.mim_density, args.c_logic)


def _sized(args, verify: bool = False) -> tuple[sizing.SizedNeuron, dict]:
    """The design at --corner/--temp and its SPICE row (characterisation, ``measured`` if ``verify``)."""
    from ..sizing import verify as spice

    sizing.check_targets(args.v_swing, args.tau, args.f_target, args.i_target, args.i_b, args.c_m)
    device, spec, t_ref = _user_device(args), _spec(args), _t_ref(args)
    if device is not None:
        design = spec.size(device, t_ref)
        if not verify:
            return design, {}
        row = spice.evaluate_corners(design, [args.corner], [args.temp], True, _i_eval(args, design))[0]
    else:
        row = spice.size_and_verify(spec, [args.corner], [args.temp], t_ref, verify, args.i_target)[0]
        design = row.get("design")
    spice.raise_row_error(row)
    return design, row


def _i_eval(args, design: sizing.SizedNeuron) -> float:
    return args.i_target if args.i_target is not None else 3.0 * design.i_b_eff


def _characterization(row: dict) -> dict:
    iv = row.get("iv")
    return {k: iv[k] for k in ("v_zero", "g_m", "i_b_eff")} if iv else {}


def _size(args) -> dict:
    design, row = _sized(args, args.verify)
    out = design.as_dict()
    i_eval = _i_eval(args, design)
    currents = args.i if args.i is not None else list(np.linspace(1.0, 6.0, 11) * design.i_b_eff)
    out["i_target"] = i_eval
    out["rate_at_target"] = float(design.rate(i_eval))
    curve = design.fi(currents)
    neuron = design.neuron()
    out["fi"] = {"current": curve.current, "rate": curve.rate,
                 "rate_linear": theory.firing_rate(neuron.linear_params(), curve.current - neuron.i_leak)}
    if row:
        out["characterization"] = _characterization(row)
    if args.verify:
        measured = dict(row["measured"])
        if args.tau is not None:
            measured["tau_error"] = measured["tau"] / args.tau - 1
        out["measured"] = measured
    return out


def _corners(args) -> dict:
    from ..sizing import verify as spice

    nominal, _ = _sized(args)
    i_eval = _i_eval(args, nominal)
    if _user_device(args) is not None and not args.spice:
        devices = [_user_device(args, c, t) for c in args.corners for t in args.temps]
        rows = sizing.corner_table(nominal, devices, i_eval)
        if args.resize:
            for row, device in zip(rows, devices, strict=True):
                row["resized"] = _resized(_spec(args).size(device, nominal.t_ref))
        return {"design": nominal.as_dict(), "i_target": i_eval, "rows": rows, "source": "user"}
    rows = []
    for row in spice.evaluate_corners(nominal, args.corners, args.temps, args.spice, i_eval, workers=args.workers):
        rows.append(_corner_row(row, nominal, i_eval))
    if args.resize:
        resized = spice.size_and_verify(_spec(args), args.corners, args.temps, nominal.t_ref, args.spice, i_eval,
                                        workers=args.workers)
        for row, again in zip(rows, resized, strict=True):
            row["resized"] = _resized(again["design"]) if "design" in again else {"error": again["error"]}
            if "measured" in again:
                row["resized"]["measured"] = again["measured"]
    return {"design": nominal.as_dict(), "i_target": i_eval, "rows": rows, "source": "spice"}


def _resized(design: sizing.SizedNeuron) -> dict:
    return {"c_m": design.c_m, "i_b": design.i_b, "tau": design.tau}


def _corner_row(row: dict, nominal: sizing.SizedNeuron, i_eval: float) -> dict:
    if "design" not in row:
        return {"corner": row["corner"], "temp": row["temp"], "error": row["error"]}
    out = sizing.corner_table(nominal, [row["design"].device], i_eval)[0]
    out["characterization"] = _characterization(row)
    if "measured" in row:
        out["measured"] = row["measured"]
    return out


def _montecarlo(args) -> dict:
    design, _ = _sized(args)
    i_eval = _i_eval(args, design)
    mismatch = sizing.Mismatch(args.sigma_vos, args.sigma_ib, args.sigma_vth).scaled(args.scale)
    check_points("bins", args.bins, args.bins, "histogram bins")
    out = sizing.monte_carlo(design, i_eval, mismatch, args.n, args.seed)
    lo, hi = float(np.min(out["rates"])), float(np.max(out["rates"]))
    if hi - lo <= 1e-12 * max(abs(hi), 1.0):
        # No spread worth a bin (no mismatch, or none that moves the rate): one unit-wide range around it.
        lo, hi = lo - 0.5, hi + 0.5
    counts, edges = np.histogram(out["rates"], bins=args.bins, range=(lo, hi))
    out["histogram"] = {"counts": counts, "edges": edges}
    out["design"] = design.as_dict()
    if not args.rates:
        del out["rates"]
    return out


def _human_size(result: dict) -> str:
    lines = []
    for key, unit in (("c_m", "F"), ("i_b", "A"), ("kappa", ""), ("c_tsv", "F"), ("tsv_share", ""),
                      ("c_eff", "F"), ("tau", "s"), ("mim_area", "m^2"), ("energy_per_spike", "J"),
                      ("ktc_noise", "V"), ("rate_at_target", "Hz")):
        lines.append(f"{key:>24}: {result[key]:.4g} {unit}".rstrip())
    leak = result["leakage"]
    lines.append(f"{'leakage floor':>24}: I_b/I_off = {leak['ratio']:.3g}{'  FLAGGED' if leak['flagged'] else ''}")
    for key, value in result.get("measured", {}).items():
        if isinstance(value, float):
            lines.append(f"{'measured.' + key:>24}: {value:.4g}")
    return "\n".join(lines)


def _human_corners(result: dict) -> str:
    lines = [f"{'corner':>6} {'temp':>6} {'kappa':>6} {'tau (s)':>10} {'rate (Hz)':>10} {'SPICE tau':>10} "
             f"{'SPICE rate':>10} {'I-V rate':>10}"]
    for r in result["rows"]:
        if "error" in r:
            lines.append(f"{r['corner']:>6} {r['temp']:>6g} failed: {r['error'].splitlines()[0]}")
            continue
        m = r.get("measured", {})
        lines.append(f"{r['corner']:>6} {r['temp']:>6g} {r['kappa']:>6.3f} {r['tau']:>10.4g} {r['rate']:>10.4g} "
                     f"{m.get('tau', float('nan')):>10.4g} {m.get('rate', float('nan')):>10.4g} "
                     f"{m.get('rate_device_aware', float('nan')):>10.4g}")
    return "\n".join(lines)


def _human_mc(result: dict) -> str:
    return format_table({k: result[k] for k in ("i_in", "n", "seed", "nominal", "mean", "std", "cv", "stderr", "z")})


def _temp_arg(name: str) -> ValueArg:
    """A temperature (°C) within the range the process models cover (lifhw.pdk.TEMP_RANGE)."""
    return ValueArg(name, "degC", pdk.TEMP_RANGE[0], False, pdk.TEMP_RANGE[1])


def register(subparsers) -> None:
    p = command(subparsers, "size", _size, "size the membrane capacitor and leak bias for a target neuron",
                _human_size)
    _add_design_args(p)
    p.add_argument("--i", type=range_arg("i", "A"), help="currents (A) of the predicted f-I curve (default 1..6 x I_b)")
    p.add_argument("--verify", action="store_true", help="simulate lif_ota in SPICE with the sized values")
    sub = p.add_subparsers(dest="size_mode", metavar="{corners,montecarlo}", parser_class=type(p))

    q = command(sub, "corners", _corners, "tau and rate of a sized design across corners and temperatures",
                _human_corners)
    _add_design_args(q)
    q.add_argument("--corners", type=ListArg("corners", ChoiceArg("corners", lambda: pdk.CORNERS)),
                   default=list(pdk.CORNERS), help="comma list of corners")
    q.add_argument("--temps", type=ListArg("temps", _temp_arg("temps")), default=[-40.0, 27.0, 125.0],
                   help="comma list of temperatures (degC)")
    q.add_argument("--resize", action="store_true", help="also re-size the design for each corner")
    q.add_argument("--spice", action="store_true", help="also measure tau and rate in SPICE at each corner")
    q.add_argument("--workers", type=int_arg("workers", 1, MAX_WORKERS), default=1,
                   help="corners simulated side by side")

    q = command(sub, "montecarlo", _montecarlo, "rate spread over mismatched neurons (seeded)", _human_mc)
    _add_design_args(q)
    default = sizing.Mismatch()
    q.add_argument("--n", type=int_arg("n", 2, 10**12, count=True), default=2000,
                   help="neurons in the population (at most --max-points)")
    q.add_argument("--seed", type=int_arg("seed", 0, 2**63 - 1), default=0, help="random seed")
    q.add_argument("--sigma-vos", type=value_arg("sigma_vos", 0.0, exclusive=False, unit="V"),
                   default=default.sigma_vos,
                   help="OTA offset sigma (V)")
    q.add_argument("--sigma-ib", type=value_arg("sigma_ib", 0.0, exclusive=False, unit=""), default=default.sigma_ib,
                   help="relative bias-mirror error sigma")
    q.add_argument("--sigma-vth", type=value_arg("sigma_vth", 0.0, exclusive=False, unit="V"),
                   default=default.sigma_vth,
                   help="comparator offset sigma (V)")
    q.add_argument("--scale", type=value_arg("scale", 0.0, exclusive=False, unit=""), default=1.0,
                   help="multiply every sigma by this (mismatch amplitude)")
    q.add_argument("--bins", type=int_arg("bins", 1, 10**12, count=True), default=30,
                   help="histogram bins (at most --max-points)")
    q.add_argument("--rates", action="store_true", help="include every neuron's rate in the output")
