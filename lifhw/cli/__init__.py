"""``lifhw <command>``: the command-line interface.

Every command module in this package defines ``register(subparsers)``; :func:`main` discovers them,
so a new level adds its commands by adding a module here and nothing else. A command's handler
returns a JSON-ready dict: with ``--json`` it is printed as one JSON object on stdout, otherwise as a
short table. Progress and logs go to stderr. Bad input exits 2 with one line on stderr, a failed
run exits 1 with one line; neither prints a traceback.
"""

from __future__ import annotations

import argparse
import copy
import importlib
import json
import math
import pkgutil
import sys
from collections.abc import Callable, Sequence

import numpy as np

from ..errors import LifhwError, ParameterError
from ..params import FIELDS, LIFParams
from ..units import parse_range, parse_value


class UsageError(LifhwError):
    """The command line itself is malformed (unknown flag, missing value, bad value)."""


class _DefaultsFormatter(argparse.HelpFormatter):
    """Help that states every flag's default from the parser itself, so no help text retypes a default."""

    def _get_help_string(self, action):
        text = action.help or ""
        default = action.default
        if "%(default)" not in text and action.option_strings and not (
                default is None or default is False or default is argparse.SUPPRESS):
            text += " (default: %(default)s)"
        return text

    def _expand_help(self, action):
        if isinstance(action.default, float):
            action = copy.copy(action)
            action.default = f"{action.default:g}"
        elif isinstance(action.default, list | tuple):
            action = copy.copy(action)
            action.default = ",".join(f"{v:g}" if isinstance(v, float) else str(v) for v in action.default)
        return super()._expand_help(action)


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line and exit code 2, and shows defaults in its help."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _DefaultsFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str):
        raise UsageError(f"{self.prog}: {message}")


def _json_default(obj):
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating | np.bool_):
        return obj.item()
    if hasattr(obj, "as_dict"):
        return obj.as_dict()
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def _finite(obj):
    """Replace NaN and ±inf (not valid JSON) with None, recursively."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    return obj


def to_json(result: dict) -> str:
    """One-line JSON of a command result (numpy converted, NaN/inf as null)."""
    plain = json.loads(json.dumps(result, default=_json_default))
    return json.dumps(_finite(plain), allow_nan=False)


def add_params_args(parser: argparse.ArgumentParser, defaults: LIFParams | None = None) -> None:
    """Add ``--c-m --r-m --g-l --v-rest --v-th --v-reset --t-ref`` (SPICE-style values)."""
    defaults = defaults or LIFParams()
    group = parser.add_argument_group("neuron parameters (SI; SPICE suffixes such as 200p, 100Meg, -70m)")
    for name, (unit, meaning) in FIELDS.items():
        group.add_argument("--" + name.replace("_", "-"), dest=name, default=None, metavar="VALUE",
                           help=f"{meaning} ({unit}; default {getattr(defaults, name):g})")
    group.add_argument("--g-l", dest="g_l", default=None, metavar="VALUE",
                       help="leak conductance (S); alternative to --r-m")
    parser.set_defaults(_param_defaults=defaults)


def params_from_args(args: argparse.Namespace) -> LIFParams:
    """The LIFParams the user asked for with the flags of :func:`add_params_args`."""
    values = {name: parse_value(getattr(args, name), name)
              for name in FIELDS if getattr(args, name, None) is not None}
    if getattr(args, "g_l", None) is not None:
        if "r_m" in values:
            raise ParameterError("g_l", args.g_l, "give either --r-m or --g-l, not both")
        g_l = parse_value(args.g_l, "g_l")
        if g_l <= 0:
            raise ParameterError("g_l", g_l, "must be > 0 S")
        values["r_m"] = 1.0 / g_l
    return args._param_defaults.replace(**values)


def value_arg(name: str, minimum: float | None = None, exclusive: bool = True) -> Callable[[str], float]:
    """An argparse ``type`` that parses a SPICE-style value and checks a lower bound.

    The error it raises is a ParameterError naming ``name`` (not argparse's generic message).
    """

    def parse(text: str) -> float:
        try:
            value = parse_value(text, name)
            if minimum is not None and (value <= minimum if exclusive else value < minimum):
                raise ParameterError(name, value, f"must be {'>' if exclusive else '>='} {minimum:g}")
        except ParameterError as exc:
            # argparse would replace a ValueError's text with its own generic one.
            raise argparse.ArgumentTypeError(str(exc)) from None
        return value

    return parse


def int_arg(name: str, minimum: int) -> Callable[[str], int]:
    """An argparse ``type`` for a whole number >= ``minimum``; its error is a ParameterError naming ``name``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(str(ParameterError(name, text, "must be a whole number"))) from None
        if value < minimum:
            raise argparse.ArgumentTypeError(str(ParameterError(name, value, f"must be >= {minimum}")))
        return value

    return parse


def range_arg(name: str) -> Callable[[str], list[float]]:
    """An argparse ``type`` for a sweep, START:STOP:N or a comma list."""

    def parse(text: str) -> list[float]:
        try:
            return parse_range(text, name)
        except ParameterError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return parse


def command(subparsers, name: str, handler: Callable[[argparse.Namespace], dict], help: str,
            human: Callable[[dict], str] | None = None) -> argparse.ArgumentParser:
    """Create a subcommand that prints ``handler(args)`` as JSON (``--json``) or as ``human(result)``."""
    parser = subparsers.add_parser(name, help=help, description=help)
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.set_defaults(_handler=handler, _human=human or format_table)
    return parser


def command_group(subparsers, name: str, help: str, description: str | None = None):
    """A command with subcommands (``lifhw rtl fi``): returns the subparsers to add them to."""
    parser = subparsers.add_parser(name, help=help, description=description or help)
    sub = parser.add_subparsers(dest=f"{name}_command", metavar="COMMAND")
    sub.required = True
    return sub


def format_table(result: dict) -> str:
    """Default human output: scalars as ``key: value``, equal-length lists as aligned columns."""
    lines, columns = [], {}
    for key, value in result.items():
        if isinstance(value, list | np.ndarray) and len(value) and all(
                isinstance(x, int | float | np.number) or x is None for x in value):
            columns[key] = list(value)
        elif isinstance(value, list) and all(isinstance(x, str) for x in value):
            lines.append(f"{key}: {', '.join(value)}")
        elif isinstance(value, dict):
            inner = ", ".join(f"{k}={_fmt(v)}" for k, v in value.items() if not isinstance(v, list | dict))
            lines.append(f"{key}: {inner}")
        elif not isinstance(value, list):
            lines.append(f"{key}: {_fmt(value)}")
    if columns:
        length = max(len(v) for v in columns.values())
        cols = {k: v for k, v in columns.items() if len(v) == length}
        widths = {k: max(len(k), *(len(_fmt(x)) for x in v)) for k, v in cols.items()}
        lines.append("  ".join(k.rjust(widths[k]) for k in cols))
        for row in range(length):
            lines.append("  ".join(_fmt(cols[k][row]).rjust(widths[k]) for k in cols))
    return "\n".join(lines)


def _fmt(value) -> str:
    if isinstance(value, float | np.floating):
        return f"{value:.6g}"
    return str(value)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="lifhw", description="LIF neuron co-simulation and hardware design kit")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    subparsers.required = True
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        module.register(subparsers)
    return parser


def _join_negative_values(argv: Sequence[str]) -> list[str]:
    """``--v-rest -70m`` -> ``--v-rest=-70m``: argparse would take ``-70m`` for an option."""
    out: list[str] = []
    for token in argv:
        if (out and out[-1].startswith("--") and "=" not in out[-1] and len(token) > 1
                and token[0] == "-" and (token[1].isdigit() or token[1] == ".")):
            out[-1] = f"{out[-1]}={token}"
        else:
            out.append(token)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        args = build_parser().parse_args(_join_negative_values(argv))
        result = args._handler(args)
    except (ParameterError, UsageError) as exc:
        print(f"lifhw: error: {exc}", file=sys.stderr)
        return 2
    except LifhwError as exc:
        print(f"lifhw: failed: {' '.join(str(exc).split())}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("lifhw: interrupted", file=sys.stderr)
        return 130
    print(to_json(result) if args.json else args._human(result))
    return 0
