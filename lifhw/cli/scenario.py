"""``lifhw scenario NAME [--param value ...]`` and ``lifhw scenario list``: the biological scenarios."""

from __future__ import annotations

import math
from functools import partial

from ..scenarios import SCENARIOS, Param, Scenario
from . import ArgType, IntArg, SweepArg, ValueArg, _fmt, add_params_args, command, params_from_args


def _run(scenario: Scenario, args) -> dict:
    neuron = params_from_args(args)
    overrides = {p.name: getattr(args, p.name) for p in scenario.params if getattr(args, p.name) is not None}
    return scenario(neuron, **overrides).as_dict()


def _arg_type(prm: Param) -> ArgType:
    """The argparse type of a scenario parameter: its quantity, bound and shape, checked as the flag is read."""
    if prm.is_list:
        return SweepArg(prm.name, prm.unit)
    if prm.integer:
        lowest = 0 if prm.minimum is None else math.floor(prm.minimum) + 1
        return IntArg(prm.name, lowest, 10**9, count=prm.work)
    return ValueArg(prm.name, prm.unit, prm.minimum)


def _human(result: dict) -> str:
    lines = [f"{result['scenario']}: {'PASSED' if result['passed'] else 'FAILED'} "
             f"(tolerance {result['tolerance']:g} relative)"]
    names = list(result["predicted"])
    width = max(len("quantity"), *(len(n) for n in names))
    lines.append(f"{'quantity':<{width}}  {'predicted':>13}  {'simulated':>13}  {'rel. error':>10}")
    for name in names:
        lines.append(f"{name:<{width}}  {result['predicted'][name]:>13.6g}  {result['simulated'][name]:>13.6g}  "
                     f"{result['errors'][name]:>10.3g}")
    for name, ok in result["checks"].items():
        lines.append(f"check {name}: {'yes' if ok else 'NO'}")
    lines.append("params: " + ", ".join(f"{k}={_fmt(v)}" for k, v in result["params"].items()))
    return "\n".join(lines)


def _list(_args) -> dict:
    return {"scenarios": [
        {"name": s.name, "title": s.title, "summary": s.summary,
         "neuron": s.neuron().as_dict(),
         "params": [{"name": p.name, "default": list(p.default) if isinstance(p.default, tuple) else p.default,
                     "unit": p.unit, "help": p.help} for p in s.params]}
        for s in SCENARIOS.values()]}


def _human_list(result: dict) -> str:
    width = max(len(s["name"]) for s in result["scenarios"])
    lines = []
    for s in result["scenarios"]:
        lines.append(f"{s['name']:<{width}}  {s['summary']}")
        flags = " ".join(f"--{p['name'].replace('_', '-')}" for p in s["params"])
        lines.append(f"{'':<{width}}  parameters: {flags}")
    return "\n".join(lines)


def register(subparsers) -> None:
    parser = subparsers.add_parser("scenario", help="biological scenarios checked against their predictions",
                                   description="Run one biological scenario: closed-form prediction against "
                                               "simulation. `lifhw scenario list` shows them.")
    inner = parser.add_subparsers(dest="scenario", metavar="NAME")
    inner.required = True
    command(inner, "list", _list, "list the scenarios and their parameters", human=_human_list)
    for name, scenario in SCENARIOS.items():
        p = command(inner, name, partial(_run, scenario), f"{scenario.title}: {scenario.summary}", human=_human)
        add_params_args(p, scenario.neuron())
        group = p.add_argument_group(f"{name} parameters (SI; SPICE suffixes such as 200Meg, 5u, -85m)")
        for prm in scenario.params:
            default = ",".join(f"{v:g}" for v in prm.default) if isinstance(prm.default, tuple) else (
                "derived" if prm.default is None else f"{prm.default:g}")
            group.add_argument("--" + prm.name.replace("_", "-"), dest=prm.name, default=None, metavar="VALUE",
                               type=_arg_type(prm),
                               help=f"{prm.help} ({prm.unit or 'dimensionless'}; default {default})")
