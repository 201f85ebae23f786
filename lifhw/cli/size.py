"""``lifhw size``: size C_m or I_b for a target neuron, sweep corners, run the mismatch Monte Carlo.

``lifhw size ...`` sizes one design (and with ``--verify`` simulates it in SPICE);
``lifhw size corners ...`` re-evaluates that design over process corners and temperatures;
``lifhw size montecarlo ...`` gives the spread of its rate over a population of mismatched neurons: the closed
form with the PDK's block σ, or (``--spice``) lif_ota itself in ngspice with the PDK's statistics, the closed form
beside it; ``lifhw size ... --yield 0.99 --rate-tol 10%`` sizes the matched devices for a yield.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

import numpy as np

from .. import pdk, sizing, stats, theory
from ..errors import ParameterError, SpiceError
from ..limits import check_points
from . import (
    ChoiceArg,
    FractionArg,
    ListArg,
    PathArg,
    SpecArg,
    ValueArg,
    add_executor_args,
    command,
    deploy,
    executor_from_args,
    format_table,
    int_arg,
    range_arg,
    value_arg,
)

if TYPE_CHECKING:  # the SPICE side of sizing loads only when a command needs it
    from ..sizing.spicemc import YieldSizing
    from ..sizing.verify import CornerRow


def _add_design_args(p: argparse.ArgumentParser) -> None:
    from ..spice.netlist import transistor_circuits

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
    g.add_argument("--circuit", choices=transistor_circuits(), default="ota",
                   help="netlist characterised and simulated (its own comparator, logic and timer biases)")
    g.add_argument("--v-swing", type=value_arg("v_swing", 0.0, unit="V"), default=0.3,
                   help="V_th - V_reset (V)")
    g.add_argument("--mim-density", type=value_arg("mim_density", 0.0, unit="F/m^2"), default=pdk.MIM_DENSITY,
                   help=f"MIM capacitance per area (F/m^2) of {pdk.NAME}'s MIM layer")
    g.add_argument("--temp", type=_temp_arg("temp"), default=pdk.NOMINAL_TEMP,
                   help="temperature (degC)")
    g.add_argument("--corner", choices=pdk.CORNERS, default=pdk.NOMINAL_CORNER, help="process corner")
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


def _sized(args, verify: bool = False, executor=None) -> tuple[sizing.SizedNeuron, CornerRow | None]:
    """The design at --corner/--temp and its SPICE row (characterisation, ``measured`` if ``verify``); no row for a
    design of the typed device that is not verified."""
    from ..sizing import verify as spice

    sizing.check_targets(args.v_swing, args.tau, args.f_target, args.i_target, args.i_b, args.c_m)
    device, spec, t_ref = _user_device(args), _spec(args), _t_ref(args)
    if device is not None:
        design = spec.size(device, t_ref)
        if not verify:
            return design, None
        row = spice.evaluate_corners(design, [args.corner], [args.temp], True, _i_eval(args, design),
                                     executor=executor, circuit=args.circuit)[0]
    else:
        row = spice.size_and_verify(spec, [args.corner], [args.temp], t_ref, verify, args.i_target,
                                    executor=executor, circuit=args.circuit)[0]
        design = row.design
    return design, row.raise_error()


def _i_eval(args, design: sizing.SizedNeuron) -> float:
    return args.i_target if args.i_target is not None else 3.0 * design.i_b_eff


def _characterization(row: CornerRow) -> dict:
    return {"v_zero": row.iv.v_zero, "g_m": row.iv.g_m, "i_b_eff": row.iv.i_b_eff} if row.iv else {}


def _needs_blocks(args, what: str) -> None:
    """Refuse ``what`` for a circuit whose matched devices the PDK block table does not describe."""
    from ..spice.netlist import get_circuit

    if not get_circuit(args.circuit).areas:
        raise ParameterError("circuit", args.circuit, f"{what} uses the block table of lif_ota's matched devices, "
                                                      "which this circuit does not have; use --circuit ota")


def _size(args) -> dict:
    check_points("n", args.n, args.n, "Monte Carlo samples of --yield")
    if args.yield_target is not None:
        _needs_blocks(args, "--yield")
        with executor_from_args(args) as executor:
            design, row = _sized(args, args.verify, executor)
            out = _size_report(args, design, row)
            out["yield"] = _size_for_yield(args, design, executor).as_dict()
        return out
    if args.verify:
        with executor_from_args(args) as executor:
            return _size_report(args, *_sized(args, True, executor))
    return _size_report(args, *_sized(args))


def _size_report(args, design: sizing.SizedNeuron, row: CornerRow | None) -> dict:
    out = design.as_dict()
    i_eval = _i_eval(args, design)
    currents = args.i if args.i is not None else list(np.linspace(1.0, 6.0, 11) * design.i_b_eff)
    out["i_target"] = i_eval
    out["rate_at_target"] = float(design.rate(i_eval))
    out.update(design.energy(i_eval))
    out["area"] = _area(args.circuit, design)
    curve = design.fi(currents)
    neuron = design.neuron()
    out["fi"] = {"current": curve.current, "rate": curve.rate,
                 "rate_linear": theory.firing_rate(neuron.linear_params(), curve.current - neuron.i_leak)}
    if row is not None:
        out["characterization"] = _characterization(row)
    if args.verify:
        measured = row.measured.as_dict()
        if args.tau is not None:
            measured["tau_error"] = measured["tau"] / args.tau - 1
        out["measured"] = measured
    return out


def _area(circuit: str, design: sizing.SizedNeuron) -> dict:
    """The sized neuron's area as silicon pays it (lifhw.spice.area): its MIM and transistors, stacked and side by
    side, the TSV's keep-out, and the bias block an array of its circuit shares (per neuron at N = 1, 16, 64, 256)."""
    from ..spice.area import array_area
    from ..spice.array import BLOCKS

    if circuit not in BLOCKS:
        return {}
    one = array_area(circuit, 1, design.tsv.c_nom > 0, design.c_m)
    return {"neuron_stacked": one.neuron_stacked, "neuron_side_by_side": one.neuron_side_by_side,
            "tsv_keepout": one.tsv_keepout, "mim_area": one.neuron.mim_area,
            "transistor_area": one.neuron.device_area, "block_area": one.block_area,
            "per_neuron": {str(n): array_area(circuit, n, design.tsv.c_nom > 0, design.c_m).per_neuron
                           for n in (1, 16, 64, 256)}}


def _corners(args) -> dict:
    if _user_device(args) is not None and not args.spice:
        return _corners_on(args, None)
    with executor_from_args(args) as executor:
        return _corners_on(args, executor)


def _corners_on(args, executor) -> dict:
    from ..sizing import verify as spice

    nominal, _ = _sized(args, executor=executor)
    i_eval = _i_eval(args, nominal)
    if _user_device(args) is not None and not args.spice:
        devices = [_user_device(args, c, t) for c in args.corners for t in args.temps]
        rows = sizing.corner_table(nominal, devices, i_eval)
        if args.resize:
            for row, device in zip(rows, devices, strict=True):
                row["resized"] = _resized(_spec(args).size(device, nominal.t_ref))
        return {"design": nominal.as_dict(), "i_target": i_eval, "rows": rows, "source": "user"}
    rows = []
    for row in spice.evaluate_corners(nominal, args.corners, args.temps, args.spice, i_eval, executor=executor,
                                      circuit=args.circuit):
        rows.append(_corner_row(row, nominal, i_eval))
    if args.resize:
        resized = spice.size_and_verify(_spec(args), args.corners, args.temps, nominal.t_ref, args.spice, i_eval,
                                        executor=executor, circuit=args.circuit)
        for row, again in zip(rows, resized, strict=True):
            row["resized"] = _resized(again.design) if again.design is not None else {"error": again.error}
            if again.measured is not None:
                row["resized"]["measured"] = again.measured.as_dict()
    return {"design": nominal.as_dict(), "i_target": i_eval, "rows": rows, "source": "spice"}


def _resized(design: sizing.SizedNeuron) -> dict:
    return {"c_m": design.c_m, "i_b": design.i_b, "tau": design.tau}


def _corner_row(row: CornerRow, nominal: sizing.SizedNeuron, i_eval: float) -> dict:
    if row.design is None:
        return {"corner": row.corner, "temp": row.temp, "error": row.error}
    out = sizing.corner_table(nominal, [row.design.device], i_eval)[0]
    out["characterization"] = _characterization(row)
    if row.measured is not None:
        out["measured"] = row.measured.as_dict()
    return out


def _spice_design(args, executor):
    """LIFParams and OTADesign of --circuit for a SPICE Monte Carlo: the sized design when a target is given, else
    the default analog design at --corner/--temp/--vdd with --c-tsv and --v-swing."""
    from ..spice.design import ota_params, threshold
    from ..spice.netlist import get_circuit

    if args.tau is None and args.f_target is None:
        design = get_circuit(args.circuit).design(c_tsv=_tsv(args).c_nom, vdd=args.vdd, corner=args.corner,
                                                  temp=args.temp)
        params = ota_params(design)
        return params.replace(v_th=threshold(params.v_reset, args.v_swing), t_ref=_t_ref(args)), design
    from ..sizing.spicemc import spice_design

    return spice_design(_sized(args, executor=executor)[0], args.corner, args.temp, args.circuit)


def _sigmas(args) -> dict:
    return {name: getattr(args, name) for name in ("sigma_vos", "sigma_ib", "sigma_vth")}


def _montecarlo(args) -> dict:
    check_points("bins", args.bins, args.bins, "histogram bins")
    check_points("n", args.n, args.n, "Monte Carlo samples" if args.spice else "neurons")
    if args.spice:
        return _spice_montecarlo(args)
    _needs_blocks(args, "the closed-form Monte Carlo (without --spice)")
    design, _ = _sized(args)
    i_eval = _i_eval(args, design)
    given = _sigmas(args)
    if any(value is None for value in given.values()):
        # The σ the user did not give come from the PDK: the block Monte Carlo at this corner, temperature, bias.
        from ..sizing.spicemc import pdk_mismatch

        with executor_from_args(args) as executor:
            pdk_sigma = pdk_mismatch(design, args.corner, args.temp, executor).as_dict()
        given = {k: pdk_sigma[k] if v is None else v for k, v in given.items()}
    spread = sizing.monte_carlo(design, i_eval, sizing.Mismatch(**given).scaled(args.scale), args.n, args.seed)
    out = spread.as_dict() | {"histogram": sizing.rate_histogram(spread.rates, args.bins), "design": design.as_dict()}
    if args.spec_rate is not None:
        out["yield"] = stats.spec_yield(spread.rates, *args.spec_rate)
    if not args.rates:
        del out["rates"]
    return out


def _spice_montecarlo(args) -> dict:
    from ..sizing.spicemc import evaluate

    if args.scale != 1.0:
        raise ParameterError("scale", args.scale, "scales the closed form's sigma; the SPICE Monte Carlo draws the "
                                                  "PDK's own (drop --scale with --spice)")
    with executor_from_args(args) as executor:
        params, design = _spice_design(args, executor)
        i_in = args.i_target if args.i_target is not None else 3.0 * design.i_b
        got = evaluate(params, design, i_in, args.n, args.seed, executor, args.mismatch, args.process,
                       args.spec_rate, _sigmas(args), store_root=args.store, circuit=args.circuit)
    run = got.run
    out = {"mode": "spice", "circuit": run.circuit, "i_in": i_in, "n": args.n, "seed": args.seed,
           "corner": design.corner, "temp": design.temp, "mismatch": args.mismatch, "process": run.process,
           "design": design.as_dict(), "params": params.as_dict(), "netlist": run.netlist, "store": run.store,
           "nominal": run.nominal.as_dict(), "rate": got.rate, "summary": run.summary, "samples": got.table(),
           "histogram": sizing.rate_histogram(got.rates, args.bins), "failed": [f.as_dict() for f in run.failed],
           "computed": run.computed, "reused": run.reused, "timing": run.timing}
    if got.spec is not None:
        out["yield"] = got.spec_yield()
    if got.closed_form is not None:
        cf = got.closed_form.as_dict()
        del cf["rates"]
        if got.spec is not None:
            cf["yield"] = got.closed_form.spec_yield(got.spec)
        cf["histogram"] = {"counts": np.histogram(got.closed_form.rates, bins=out["histogram"]["edges"])[0]}
        out["closed_form"] = cf
    if got.blocks is not None:
        out["blocks"] = got.blocks
    try:
        run.check()
    except SpiceError as error:
        error.output = out
        raise
    return out


def _size_for_yield(args, design: sizing.SizedNeuron, executor) -> YieldSizing:
    from ..sizing.spicemc import size_for_yield, spice_design

    params, spice = spice_design(design, args.corner, args.temp)
    return size_for_yield(params, spice, _i_eval(args, design), args.rate_tol,
                          args.yield_target, args.n, args.seed, executor, args.f_target, store_root=args.store)


def _human_size(result: dict) -> str:
    lines = []
    for key, unit in (("c_m", "F"), ("i_b", "A"), ("kappa", ""), ("c_tsv", "F"), ("tsv_share", ""),
                      ("c_eff", "F"), ("tau", "s"), ("mim_area", "m^2"), ("energy_per_spike", "J"),
                      ("ktc_noise", "V"), ("rate_at_target", "Hz")):
        lines.append(f"{key:>24}: {result[key]:.4g} {unit}".rstrip())
    area = result.get("area")
    if area:
        lines.append(f"{'neuron area':>24}: {area['neuron_stacked']:.4g} m^2 (devices under the MIM) .. "
                     f"{area['neuron_side_by_side']:.4g} m^2 (side by side), "
                     f"TSV keep-out {area['tsv_keepout']:.4g} m^2")
        lines.append(f"{'per neuron, N = 64':>24}: {area['per_neuron']['64'][0]:.4g} .. "
                     f"{area['per_neuron']['64'][1]:.4g} m^2 (with the bias block's {area['block_area']:.4g} m^2 / 64)")
    leak = result["leakage"]
    lines.append(f"{'leakage floor':>24}: I_b/I_off = {leak['ratio']:.3g}{'  FLAGGED' if leak['flagged'] else ''}")
    for key, value in result.get("measured", {}).items():
        if isinstance(value, float):
            lines.append(f"{'measured.' + key:>24}: {value:.4g}")
    if "yield" in result:
        lines += _human_yield(result["yield"])
    return "\n".join(lines)


def _human_yield(got: dict) -> list[str]:
    spec = got["spec"]
    lines = [f"yield within {spec['rate']:.4g} Hz ± {spec['tolerance']:.1%} at {got['i_in']:.4g} A "
             f"(wanted {spec['yield']:.1%}), SPICE Monte Carlo:"]
    for key in ("sized", "resized"):
        if got.get(key) is not None:
            row = got[key]
            y = row["yield"]
            lines.append(f"{key:>24}: {y['yield']:.1%} [{y['interval'][0]:.1%}, {y['interval'][1]:.1%}] of {y['n']}, "
                         f"rate {row['rate']['mean']:.4g} ± {row['rate']['std']:.3g} Hz")
    if got.get("areas") is not None:
        lines.append(f"{'areas':>24}: " + ", ".join(f"{k} {v:.3g}x" for k, v in got["areas"].items())
                     + f"; I_b re-centred to {got['recentred']['i_b']:.4g} A")
    lines.append(f"{'meets':>24}: {got['meets']}")
    return lines


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
    if result.get("mode") != "spice":
        lines = [format_table({k: result[k] for k in ("i_in", "n", "seed", "nominal", "mean", "std", "cv", "stderr",
                                                       "z")})]
    else:
        rate, timing = result["rate"], result["timing"]
        lines = [f"SPICE Monte Carlo of lif_{result['circuit']}, {result['n']} samples (seed {result['seed']}, "
                 f"{result['corner']}, {result['temp']:g} C; {result['computed']} computed, {result['reused']} "
                 f"stored): {result['store']}",
                 f"rate at {result['i_in']:.4g} A: nominal {result['nominal']['points'][0]['rate']:.4g} Hz, "
                 f"mean {rate['mean']:.4g} Hz, sigma {rate['std']:.4g} Hz, quantiles 1/5/50/95/99 %: "
                 + "/".join(f"{rate[q]:.4g}" for q in ("q01", "q05", "q50", "q95", "q99"))]
        if "closed_form" in result:
            cf = result["closed_form"]["rate"]
            lines.append(f"closed form (PDK block sigma): mean {cf['mean']:.4g} Hz, sigma {cf['std']:.4g} Hz")
        if timing.get("computed"):
            lines.append(f"{timing['samples_per_second']:.3g} samples/s on {timing['executor']}")
    if "yield" in result:
        y = result["yield"]
        lines.append(f"yield within {y['low']:.4g}..{y['high']:.4g} Hz: {y['yield']:.2%} "
                     f"[{y['interval'][0]:.2%}, {y['interval'][1]:.2%}] (95 %, Clopper-Pearson)")
    return "\n".join(lines)


def _temp_arg(name: str) -> ValueArg:
    """A temperature (°C) within the range the process models cover (lifhw.pdk.TEMP_RANGE)."""
    return ValueArg(name, "degC", pdk.TEMP_RANGE[0], False, pdk.TEMP_RANGE[1])


def _add_mc_args(p: argparse.ArgumentParser, n: int, seed: int, help_n: str) -> None:
    from ..spice.montecarlo import STORE_DIR

    p.add_argument("--n", type=int_arg("n", 2, 10**12, count=True), default=n, help=help_n)
    p.add_argument("--seed", type=int_arg("seed", 0, 2**63 - 1), default=seed, help="random seed")
    p.add_argument("--store", type=PathArg("store", "dir"), default=str(STORE_DIR),
                   help="where finished SPICE Monte Carlo samples are kept (a rerun computes only missing ones)")


def register(subparsers) -> None:
    p = command(subparsers, "size", _size, "size the membrane capacitor and leak bias for a target neuron",
                _human_size)
    _add_design_args(p)
    p.add_argument("--i", type=range_arg("i", "A"), help="currents (A) of the predicted f-I curve (default 1..6 x I_b)")
    p.add_argument("--verify", action="store_true", help="simulate lif_ota in SPICE with the sized values")
    g = p.add_argument_group("yield (SPICE Monte Carlo with the PDK's statistics)")
    g.add_argument("--yield", dest="yield_target", type=ValueArg("yield", "", 0.0, True, 0.9999), default=None,
                   help="share of neurons whose rate at --i-target must be within --rate-tol of the target (or of "
                        "the nominal SPICE rate); if the sized neuron falls short, the matched devices' areas that "
                        "reach it, verified in SPICE")
    g.add_argument("--rate-tol", type=FractionArg("rate_tol"), default=0.1, help="rate tolerance of --yield")
    _add_mc_args(g, 1000, 1, "SPICE Monte Carlo samples of each --yield verification")
    add_executor_args(p)
    sub = p.add_subparsers(dest="size_mode", metavar="{corners,montecarlo,accuracy}", parser_class=type(p))

    q = command(sub, "corners", _corners, "tau and rate of a sized design across corners and temperatures",
                _human_corners)
    _add_design_args(q)
    q.add_argument("--corners", type=ListArg("corners", ChoiceArg("corners", lambda: pdk.CORNERS)),
                   default=list(pdk.CORNERS), help="comma list of corners")
    q.add_argument("--temps", type=ListArg("temps", _temp_arg("temps")), default=list(pdk.CORNER_TEMPS),
                   help="comma list of temperatures (degC)")
    q.add_argument("--resize", action="store_true", help="also re-size the design for each corner")
    q.add_argument("--spice", action="store_true", help="also measure tau and rate in SPICE at each corner")
    add_executor_args(q, workers=1, timeout=None)

    q = command(sub, "montecarlo", _montecarlo, "rate spread over mismatched neurons (seeded): the closed form "
                "with the PDK's block sigma, or --spice", _human_mc)
    _add_design_args(q)
    _add_mc_args(q, 2000, 0, "neurons in the population (at most --max-points)")
    g = q.add_argument_group("closed-form mismatch (default: each sigma from the PDK, by a SPICE Monte Carlo of "
                             "the blocks, stored once per corner, temperature and bias)")
    g.add_argument("--sigma-vos", type=value_arg("sigma_vos", 0.0, exclusive=False, unit="V"),
                   help="leak OTA offset sigma (V)")
    g.add_argument("--sigma-ib", type=value_arg("sigma_ib", 0.0, exclusive=False, unit=""),
                   help="relative bias-mirror error sigma")
    g.add_argument("--sigma-vth", type=value_arg("sigma_vth", 0.0, exclusive=False, unit="V"),
                   help="comparator offset sigma (V)")
    g.add_argument("--scale", type=value_arg("scale", 0.0, exclusive=False, unit=""), default=1.0,
                   help="multiply every sigma by this (mismatch amplitude)")
    q.add_argument("--bins", type=int_arg("bins", 1, 10**12, count=True), default=30,
                   help="histogram bins (at most --max-points)")
    q.add_argument("--rates", action="store_true", help="include every neuron's rate in the output")
    q.add_argument("--spec-rate", type=SpecArg("spec_rate", "Hz"), default=None, metavar="RATE:TOL%",
                   help="rate spec at --i-target, e.g. 24:10%%: the yield and its 95 %% interval")
    g = q.add_argument_group("SPICE Monte Carlo (lif_ota in ngspice with the PDK's statistics)")
    g.add_argument("--spice", action="store_true",
                   help="simulate --n samples of lif_ota (the sized design if a target is given, else the default "
                        "analog design), the closed form beside it")
    g.add_argument("--mismatch", action=argparse.BooleanOptionalAction, default=True,
                   help="per-instance mismatch: each transistor draws its own threshold term (the _mm section)")
    g.add_argument("--process", action="store_true",
                   help="die-level process variation: one threshold shift per device type and sample, with the "
                        "sigma the model package states (tt only)")
    add_executor_args(q)

    q = command(sub, "accuracy", _accuracy, "the smallest matched-device area whose Monte Carlo dies keep a trained "
                "network's accuracy (fast model), and a SPICE check of one sized die (--spice-die of --die-seed, "
                "sky130's own mismatch, against the fast model of that die)", _human_accuracy)
    q.add_argument("model", type=PathArg("model", "read"),
                   help="a `lifhw learn` output folder, a fixed.npz or a NIR file (.nir)")
    q.add_argument("--target-accuracy", type=ValueArg("target_accuracy", "", 0.0, True, 1.0), required=True,
                   help="accuracy the --quantile of the dies must reach, e.g. 0.95")
    q.add_argument("--quantile", type=ValueArg("quantile", "", 0.0, False, 1.0), default=0.05,
                   help="which die accuracy must reach the target (0.05: the 5th-percentile die)")
    deploy.add_test_set_args(q)
    deploy.add_analog_args(q, "the neurons, the synapses, the dies and the SPICE check of the sized design")
    q.set_defaults(spice_samples=2, spice_die=0)
    add_executor_args(q)


def _accuracy(args) -> dict:
    from ..analognet import evaluate
    from ..analognet import sizing as accuracy_sizing

    with executor_from_args(args) as executor:
        net, events, labels, test_set, mapped, table = deploy.analog_setup(args, executor)
        result = accuracy_sizing.area_for_accuracy(mapped, net, events, labels, table, args.target_accuracy,
                                                   args.quantile, args.dies, args.die_seed)
        spice = None
        if args.spice_samples:
            m = args.spice_samples
            spice = evaluate.spice_agreement(accuracy_sizing.sized(mapped, result), net, events[:m], labels[:m],
                                             executor, die=deploy.spice_die(args)).as_dict()
    return {"circuit": args.circuit, **result.as_dict(), "spice": spice, **test_set}


def _human_accuracy(result: dict) -> str:
    shown = {k: v for k, v in result.items() if k not in ("grid", "spice")}
    return format_table({**shown, **deploy.spice_rows(result["spice"])})
