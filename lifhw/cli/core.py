"""Commands of the theory and reference-simulation levels: fi, rheobase, stability, report."""

from __future__ import annotations

import sys
from pathlib import Path

from .. import sim, theory
from ..errors import UnstableStepError
from ..spice.design import ota_params
from . import ChoiceArg, PathArg, add_params_args, command, params_from_args, range_arg, value_arg

FI_METHODS = ("theory", *sim.FI_METHODS)


def _fi(args) -> dict:
    params = params_from_args(args)
    if args.method == "euler" and args.dt >= 2 * params.tau_m:
        raise UnstableStepError(args.dt, params.tau_m)
    closed = theory.fi(params, args.i)
    curve = closed if args.method == "theory" else sim.fi(params, args.i, args.method, dt=args.dt, t_sim=args.t_sim)
    return {"method": args.method, "current": curve.current, "rate": curve.rate, "theory_rate": closed.rate,
            "dt": args.dt, "t_sim": args.t_sim, "params": params.as_dict()}


def _rheobase(args) -> dict:
    params = params_from_args(args)
    return {"rheobase": params.rheobase, "tau_m": params.tau_m, "g_l": params.g_l, "params": params.as_dict()}


def _stability(args) -> dict:
    amp = float(theory.euler_amplification(args.h, args.tau))
    bound = float(theory.euler_stable_step(args.tau))
    return {"tau": args.tau, "h": args.h, "h_over_tau": args.h / args.tau, "amplification": amp,
            "stable_bound": bound, "stable": args.h < bound,
            "verdict": "stable" if args.h < bound else "unstable: errors grow by the amplification each step"}


def _report(args) -> dict:
    from ..report.page import build_report

    params = params_from_args(args)
    out = Path(args.out)
    summary = build_report(params, out, Path(args.build_dir), quiet=args.quiet, only=args.only,
                           command="make report")
    for row in summary["error_budget"]:
        if not row["passed"]:
            print(f"report: FAIL {row['level']} vs {row['reference']}: {row['error']:.4g} > {row['bound']:.4g}",
                  file=sys.stderr)
    return {"index": str(out / "index.html"), "summary": str(out / "summary.json"),
            "all_passed": summary["all_passed"], "sections": list(summary["sections"])}


def _section_keys() -> list[str]:
    from ..report import discover_sections

    return [module.KEY for module in discover_sections()]


def register(subparsers) -> None:
    p = command(subparsers, "fi", _fi, "firing rate against constant input current")
    add_params_args(p)
    p.add_argument("--i", type=range_arg("i", "A"), default="0.1n:1n:10",
                   help="currents (A): START:STOP:N or a comma list")
    p.add_argument("--method", choices=FI_METHODS, default="theory", help="closed form or a simulator")
    p.add_argument("--dt", type=value_arg("dt", 0.0, unit="s"), default=1e-4, help="step (s) of exact/euler")
    p.add_argument("--t-sim", type=value_arg("t_sim", 0.0, unit="s"), default=2.0, help="simulated time (s)")

    p = command(subparsers, "rheobase", _rheobase, "rheobase current (v_th - v_rest) / r_m")
    add_params_args(p)

    p = command(subparsers, "stability", _stability, "forward-Euler amplification |1 - h/tau| and the 2 tau bound")
    p.add_argument("--tau", type=value_arg("tau", 0.0, unit="s"), default=20e-3, help="time constant (s)")
    p.add_argument("--h", type=value_arg("h", 0.0, unit="s"), required=True, help="Euler step (s)")

    p = command(subparsers, "report", _report, "write the comparison report (HTML + summary.json)")
    # The report's design is the analog one, so that every level (SPICE included) runs the same neuron.
    add_params_args(p, defaults=ota_params())
    p.add_argument("--out", type=PathArg("out", "dir"), default="build/report", help="output folder")
    p.add_argument("--build-dir", type=PathArg("build_dir", "dir"), default="build",
                   help="cache and intermediate results")
    p.add_argument("--only", nargs="*", type=ChoiceArg("only", _section_keys),
                   help="section keys to include (default: all)")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
