"""Commands of the theory and reference-simulation levels, and ``lifhw fi`` of every level: fi, rheobase,
stability, report."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

from .. import sim, theory
from ..digital import Rtl
from ..errors import ParameterError
from ..files import BUILD
from ..spice import Spice
from ..spice.design import ota_params
from ..spice.netlist import CIRCUITS, get_circuit
from . import (
    ChoiceArg,
    PathArg,
    ValueArg,
    add_executor_args,
    add_params_args,
    command,
    executor_from_args,
    params_from_args,
    range_arg,
    value_arg,
)

#: ``lifhw fi --level``: each level built from the command's flags (and the SPICE executor, None for the others).
LEVELS = {
    "theory": lambda args, executor: theory.Theory(),
    "sim": lambda args, executor: sim.Simulation(args.method or "exact", args.dt, **_t_sim(args)),
    "spice": lambda args, executor: Spice(args.circuit or "ideal", t_sim=args.t_sim, workers=args.workers,
                                          timeout=args.timeout, executor=executor),
    "rtl": lambda args, executor: Rtl(dt=args.dt, **_t_sim(args)),
}


def _t_sim(args) -> dict:
    return {} if args.t_sim is None else {"t_sim": args.t_sim}


def _fi(args) -> dict:
    level = args.level or ("sim" if args.method else "theory")
    if args.method and level != "sim":
        raise ParameterError("method", args.method, "is the integrator of --level sim: give --level sim or no --level")
    if args.circuit and level != "spice":
        raise ParameterError("circuit", args.circuit, "is the netlist of --level spice: give --level spice")
    if level == "spice" and args.circuit and get_circuit(args.circuit).transistors:
        # A transistor circuit builds the analog design's neuron; the neuron flags given change it.
        args._param_defaults = ota_params(get_circuit(args.circuit).design())
    params = params_from_args(args)
    closed = theory.fi(params, args.i)
    with executor_from_args(args) if level == "spice" else contextlib.nullcontext() as executor:
        model = LEVELS[level](args, executor)
        curve = model.fi(params, args.i)
    budget = model.budget(params, curve.current)
    config = model.as_dict()
    # "method" as before --level existed: the sim level's integrator, else the level's name ("theory").
    return {"level": level, "method": config.pop("method", level), **config, "label": curve.label,
            "current": curve.current, "rate": curve.rate,
            "theory_rate": closed.rate, "budget_low": budget.low, "budget_high": budget.high,
            "within_budget": not budget.outside(curve).any(), "budget_source": budget.source,
            "params": params.as_dict(), "metadata": curve.metadata}


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
    p = command(subparsers, "fi", _fi, "firing rate against constant input current at any level, with the closed "
                                       "form and the level's error budget around it")
    add_params_args(p)
    p.add_argument("--i", type=range_arg("i", "A"), default="0.1n:1n:10",
                   help="currents (A): START:STOP:N or a comma list")
    p.add_argument("--level", choices=tuple(LEVELS), default=None,
                   help="closed form, reference simulation, ngspice netlist or fixed-point RTL in Icarus "
                        "(default: theory; sim when --method is given)")
    p.add_argument("--method", choices=sim.FI_METHODS, default=None, help="integrator of --level sim (default: exact)")
    p.add_argument("--dt", type=value_arg("dt", 0.0, unit="s"), default=1e-4,
                   help="step (s) of --level sim (exact, euler) and of --level rtl")
    p.add_argument("--t-sim", type=ValueArg("t_sim", "s", 0.0, auto=True), default=None, metavar="AUTO|TIME",
                   help="simulated time per current (s); AUTO (default): 2 s for sim and rtl, >= 5 ISIs for spice")
    p.add_argument("--circuit", choices=tuple(CIRCUITS), default=None,
                   help="netlist of --level spice (default: ideal, LIFParams as a circuit); a transistor circuit "
                        "builds the analog design (lifhw.spice.ota_params) with the neuron flags given over it")
    add_executor_args(p)

    p = command(subparsers, "rheobase", _rheobase, "rheobase current (v_th - v_rest) / r_m")
    add_params_args(p)

    p = command(subparsers, "stability", _stability, "forward-Euler amplification |1 - h/tau| and the 2 tau bound")
    p.add_argument("--tau", type=value_arg("tau", 0.0, unit="s"), default=20e-3, help="time constant (s)")
    p.add_argument("--h", type=value_arg("h", 0.0, unit="s"), required=True, help="Euler step (s)")

    p = command(subparsers, "report", _report, "write the comparison report (HTML + summary.json)")
    # The report's design is the analog one, so that every level (SPICE included) runs the same neuron.
    add_params_args(p, defaults=ota_params())
    p.add_argument("--out", type=PathArg("out", "dir", hold=True), default=str(BUILD / "report"), help="output folder")
    p.add_argument("--build-dir", type=PathArg("build_dir", "dir", hold=True), default=str(BUILD),
                   help="cache and intermediate results")
    p.add_argument("--only", nargs="*", type=ChoiceArg("only", _section_keys),
                   help="section keys to include (default: all)")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
