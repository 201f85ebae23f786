"""``lifhw <command>``: the command-line interface.

Every command module in this package defines ``register(subparsers)``; :func:`main` discovers them,
so a new level adds its commands by adding a module here and nothing else. A command's handler
returns a JSON-ready dict: with ``--json`` it is printed as one JSON object on stdout, otherwise as a
short table. Progress and logs go to stderr. Bad input exits 2 with one line on stderr, a failed
run exits 1 with one line; neither prints a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import importlib
import os
import pkgutil
import re
import signal
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from .. import jsonio, limits, progress
from ..errors import ConventionWarning, FieldError, Interrupted, LifhwError, ParameterError
from ..files import claimed, not_regular
from ..limits import check_points
from ..params import FIELDS, LIFParams
from ..units import Sweep, bounds_rule, check_value, parse_value, parse_whole, read_sweep, spice_text

#: Worker processes one command may start (ngspice holds one circuit per process, ~100 MB each with sky130).
MAX_WORKERS = 64


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
        # A default is shown as the user would type it: 200nA, not 2e-07.
        item = action.type.item if isinstance(action.type, ListArg) else action.type
        unit = item.unit if isinstance(item, ValueArg | SweepArg) and item.unit is not None else ""

        def shown(value) -> str:
            return spice_text(value, unit) if isinstance(value, float) else str(value)

        if isinstance(action.default, float | list | tuple):
            action = copy.copy(action)
            values = action.default if isinstance(action.default, list | tuple) else [action.default]
            action.default = ",".join(shown(v) for v in values)
        return super()._expand_help(action)


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line and exit code 2, and shows defaults in its help."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _DefaultsFormatter)
        # A unique prefix of a flag (--me for --method) is not that flag: a typo must not pick one silently.
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str):
        raise UsageError(f"{self.prog}: {message}")


def to_json(result: dict) -> str:
    """One-line JSON of a command result (:func:`lifhw.jsonio.dumps`: numpy converted, NaN/inf as null)."""
    return jsonio.dumps(result)


def add_params_args(parser: argparse.ArgumentParser, defaults: LIFParams | None = None) -> None:
    """Add ``--c-m --r-m --v-rest --v-th --v-reset --t-ref --g-l`` (SPICE-style values of their quantities)."""
    defaults = defaults or LIFParams()
    group = parser.add_argument_group("neuron parameters (SI; SPICE suffixes such as 200p, 100Meg, -70m)")
    # The bounds of single fields; LIFParams checks the relations between them (v_th > v_rest, ...).
    minimum = {"c_m": 0.0, "r_m": 0.0, "t_ref": 0.0}
    for name, (unit, meaning) in FIELDS.items():
        group.add_argument("--" + name.replace("_", "-"), dest=name, default=None, metavar="VALUE",
                           type=value_arg(name, minimum.get(name), exclusive=name != "t_ref", unit=unit),
                           help=f"{meaning} ({unit}; default {spice_text(getattr(defaults, name), unit)})")
    group.add_argument("--g-l", dest="g_l", default=None, metavar="VALUE", type=value_arg("g_l", 0.0, unit="S"),
                       help="leak conductance (S); alternative to --r-m")
    parser.set_defaults(_param_defaults=defaults)


def params_from_args(args: argparse.Namespace) -> LIFParams:
    """The LIFParams the user asked for with the flags of :func:`add_params_args`."""
    values = {name: getattr(args, name) for name in FIELDS if getattr(args, name, None) is not None}
    if getattr(args, "g_l", None) is not None:
        if "r_m" in values:
            raise ParameterError("g_l", args.g_l, "give either --r-m or --g-l, not both")
        values["r_m"] = 1.0 / args.g_l
    return args._param_defaults.replace(**values)


class ArgType:
    """An argparse ``type`` whose errors are one-line ParameterErrors naming the parameter.

    Its attributes declare the rule (quantity, bounds, choices), so that a test can derive bad values for
    every flag of every command from the parser itself.
    """

    name: str

    def __call__(self, text: str):
        try:
            return self.parse(text)
        except ParameterError as exc:
            # argparse would replace a ValueError's text with its own generic one.
            raise argparse.ArgumentTypeError(str(exc)) from None

    def parse(self, text: str):
        raise NotImplementedError


class ValueArg(ArgType):
    """A SPICE-style value of one quantity (``unit``, a key of lifhw.units.QUANTITIES), optionally bounded.

    With ``auto``, the word AUTO reads as None (the command chooses).
    """

    def __init__(self, name: str, unit: str | None, minimum: float | None = None, exclusive: bool = True,
                 maximum: float | None = None, auto: bool = False):
        self.name, self.unit, self.minimum, self.exclusive, self.maximum, self.auto = (
            name, unit, minimum, exclusive, maximum, auto)

    def parse(self, text: str) -> float | None:
        if self.auto and text.strip().lower() == "auto":
            return None
        return check_value(parse_value(text, self.name, self.unit), self.name, self.unit, minimum=self.minimum,
                           maximum=self.maximum, exclusive=self.exclusive)

    def rule(self) -> str:
        return bounds_rule(self.unit, self.minimum, self.maximum, self.exclusive)


class IntArg(ArgType):
    """A whole number in [minimum, maximum] (``10k`` and ``1e4`` read as 10000); with ``auto``, AUTO reads as None.

    ``count`` marks a number that sets how much work a run does (neurons, epochs, bins): any value of it the
    command cannot do within lifhw.limits is refused before the work starts.
    """

    def __init__(self, name: str, minimum: int, maximum: int = 2**63 - 1, count: bool = False, auto: bool = False):
        self.name, self.minimum, self.maximum, self.count, self.auto = name, minimum, maximum, count, auto

    def parse(self, text: str) -> int | None:
        if self.auto and text.strip().lower() == "auto":
            return None
        try:
            return parse_whole(text, self.name, self.minimum, self.maximum)
        except ParameterError as exc:  # the value as read where it was one (bits = 40), else the text
            raise ParameterError(self.name, exc.value, self.rule()) from None

    def rule(self) -> str:
        return f"must be {'AUTO or ' if self.auto else ''}a whole number in [{self.minimum}, {self.maximum}]"


class ChoiceArg(ArgType):
    """One of a set of names; ``choices`` is a callable, so a set that is costly to find is found only when used."""

    def __init__(self, name: str, choices: Callable[[], Sequence[str]]):
        self.name, self.choices = name, choices

    def parse(self, text: str) -> str:
        allowed = list(self.choices())
        if text not in allowed:
            raise ParameterError(self.name, text, f"unknown; choose from {', '.join(allowed)}")
        return text


class ListArg(ArgType):
    """A comma list of at least one item, each read by ``item`` (a ValueArg, ChoiceArg, ...)."""

    def __init__(self, name: str, item: ArgType):
        self.name, self.item = name, item

    def parse(self, text: str) -> list:
        items = [t.strip() for t in text.split(",") if t.strip()]
        if not items:
            raise ParameterError(self.name, text, "must hold at least one comma-separated value")
        check_points(self.name, text, len(items), "values")
        return [self.item.parse(t) for t in items]


class SweepArg(ArgType):
    """A sweep START:STOP:N or a comma list of one quantity, expanded by :func:`main` under the command's limits."""

    def __init__(self, name: str, unit: str | None):
        self.name, self.unit = name, unit

    def parse(self, text: str) -> Sweep:
        return read_sweep(text, self.name, self.unit)


class PathText(str):
    """A path as the user typed it, remembering the parameter of its flag (``name``): an OSError on a file under it
    is reported as a refusal of that flag (:func:`main`). ``hold``: the command holds the folder while it runs."""

    name: str
    hold: bool


class PathArg(ArgType):
    """A folder (``kind="dir"``) or file (``kind="file"``) lifhw will write, or a file or folder it will read
    (``kind="read"``): refused up front if it cannot be. The value is a :class:`PathText`.

    ``hold``: an output folder the command fills, held while it runs (:func:`lifhw.files.claimed`), so that a second
    command into the same folder refuses in one line instead of replacing the first one's files.
    """

    def __init__(self, name: str, kind: str, hold: bool = False):
        if hold and kind != "dir":
            raise ValueError(f"{name}: only a folder can be held")
        self.name, self.kind, self.hold = name, kind, hold

    def parse(self, text: str) -> str:
        what = {"dir": "folder", "file": "file", "read": "file or folder to read"}[self.kind]
        if not text.strip():
            raise ParameterError(self.name, text, f"must name a {what}")
        try:
            self._check(Path(text), text)
        except OSError as exc:  # a name too long for the file system, a loop of links, ...
            raise ParameterError(self.name, text, f"cannot be used: {exc.strerror or exc}") from None
        path = PathText(text)
        path.name, path.hold = self.name, self.hold
        return path

    def _check(self, path: Path, text: str) -> None:
        if self.kind == "read":
            if not path.exists():
                raise ParameterError(self.name, text, "no such file or folder")
            if not os.access(path, os.R_OK):
                raise ParameterError(self.name, text, "cannot be read")
            return
        if self.kind == "dir" and path.exists() and not path.is_dir():
            raise ParameterError(self.name, text, "names an existing file; give a folder")
        if self.kind == "file" and (what := not_regular(path)) is not None:
            raise ParameterError(self.name, text, f"names {what}; give a regular file lifhw may replace")
        parent = path if self.kind == "dir" else path.parent
        while not parent.exists():
            parent = parent.parent
        limit = os.pathconf(parent, "PC_NAME_MAX") if parent.is_dir() else 255
        if any(len(os.fsencode(part)) > limit for part in path.parts[len(parent.parts):]):
            raise ParameterError(self.name, text, f"has a name longer than the {limit} bytes the file system takes")
        if not parent.is_dir():
            raise ParameterError(self.name, text, f"cannot be created: {parent} is a file")
        if not os.access(parent, os.W_OK | os.X_OK):
            raise ParameterError(self.name, text, f"cannot be written: {parent} is not writable")


class FractionArg(ArgType):
    """A share strictly between 0 and ``maximum``: ``10%`` or ``0.1``."""

    def __init__(self, name: str, maximum: float = 1.0):
        self.name, self.maximum = name, maximum

    def parse(self, text: str) -> float:
        try:
            value = parse_value(text, self.name, "")
        except ParameterError as exc:
            raise ParameterError(self.name, text, f"{self.rule()} ({exc.rule})") from None
        if not 0 < value < self.maximum:
            raise ParameterError(self.name, text, self.rule())
        return value

    def rule(self) -> str:
        return f"must be a share in (0, {self.maximum:g}) such as 10% or 0.1"


class SpecArg(ArgType):
    """A value of ``unit`` and a relative tolerance, ``VALUE:TOL%`` (e.g. a rate spec ``24:10%``)."""

    def __init__(self, name: str, unit: str):
        self.name, self.unit = name, unit
        self.tolerance = FractionArg(name)

    def parse(self, text: str) -> tuple[float, float]:
        value, colon, tol = text.partition(":")
        if not colon or not tol.strip().endswith("%"):
            raise ParameterError(self.name, text, self.rule())
        try:
            center = parse_value(value, self.name, self.unit)
        except ParameterError as exc:
            raise ParameterError(self.name, text, f"{self.rule()} ({exc.rule})") from None
        if not center > 0:
            raise ParameterError(self.name, text, self.rule())
        return center, self.tolerance.parse(tol)

    def rule(self) -> str:
        return f"must be VALUE:TOL% (e.g. 24:10%), VALUE > 0 {self.unit}, 0 < TOL < 100 %"


class AddressArg(ArgType):
    """The address of a server, ``SCHEME://HOST:PORT`` with one of ``schemes``."""

    def __init__(self, name: str, schemes: tuple[str, ...] = ("tcp", "tls")):
        self.name, self.schemes = name, schemes

    def parse(self, text: str) -> str:
        match = re.fullmatch(r"(\w+)://([\w.\-]+|\[[0-9A-Fa-f:.]+\]):(\d+)", text.strip())
        if not match or match.group(1) not in self.schemes or not 1 <= int(match.group(3)) <= 65535:
            raise ParameterError(self.name, text, self.rule())
        return text.strip()

    def rule(self) -> str:
        return f"must be {'|'.join(self.schemes)}://HOST:PORT with PORT in [1, 65535]"


def add_executor_args(parser: argparse.ArgumentParser, workers: int = 2, timeout: float | None = 300.0) -> None:
    """``--workers --timeout --dask --scheduler``: where a command's SPICE batches run (lifhw.spice.executor).

    ``timeout`` None: no ``--timeout`` (the command's tasks carry their own bound).
    """
    group = parser.add_argument_group("where SPICE runs (local worker processes by default, or Dask)")
    group.add_argument("--workers", type=int_arg("workers", 1, MAX_WORKERS), default=workers,
                       help="ngspice worker processes (local, or of the Dask LocalCluster of --dask)")
    if timeout is not None:
        group.add_argument("--timeout", type=value_arg("timeout", 0.0, unit="s"), default=timeout,
                           help="seconds one SPICE task may run before it is reported failed")
    where = group.add_mutually_exclusive_group()
    where.add_argument("--dask", action="store_true",
                       help="run on a Dask LocalCluster of --workers processes, one thread each")
    where.add_argument("--scheduler", type=AddressArg("scheduler"), default=None, metavar="tcp://HOST:PORT",
                       help="run on the Dask cluster of this scheduler (workers started with `dask worker ADDRESS "
                            "--nthreads 1`, each with lifhw and the same sky130 installed)")


def executor_from_args(args: argparse.Namespace):
    """The executor ``add_executor_args``' flags ask for (a context manager: it stops its workers)."""
    from ..spice.executor import make_executor

    return make_executor(args.workers, getattr(args, "timeout", 300.0), args.scheduler, args.dask)


def value_arg(name: str, minimum: float | None = None, exclusive: bool = True, unit: str | None = None,
              maximum: float | None = None) -> ValueArg:
    """An argparse ``type`` for a SPICE-style value of quantity ``unit`` (lifhw.units), optionally bounded."""
    return ValueArg(name, unit, minimum, exclusive, maximum)


def range_arg(name: str, unit: str | None = None) -> SweepArg:
    """An argparse ``type`` for a sweep, START:STOP:N or a comma list (values of quantity ``unit``)."""
    return SweepArg(name, unit)


def int_arg(name: str, minimum: int, maximum: int = 2**63 - 1, count: bool = False) -> IntArg:
    """An argparse ``type`` for a whole number in [minimum, maximum] (``count``: it sets the work of a run)."""
    return IntArg(name, minimum, maximum, count)


def add_limit_args(parser: argparse.ArgumentParser) -> None:
    """``--max-steps --max-points --max-memory``: the work bounds of lifhw.limits, for one command."""
    defaults = limits.DEFAULT
    group = parser.add_argument_group("work limits (lifhw.limits: refused up front when a run would need more)")
    helps = {"max_steps": "work of one run, in time steps of one lifhw.sim neuron (~44 us each; see lifhw.limits)",
             "max_points": "values in a sweep or list, neurons in a population",
             "max_memory": "bytes the process may hold: a run's arrays and the interpreter's own"}
    for name, flag in limits.FLAGS.items():
        group.add_argument(flag, dest=name, type=int_arg(name, 1, 10**15), default=getattr(defaults, name),
                           metavar="N", help=helps[name])


def command(subparsers, name: str, handler: Callable[[argparse.Namespace], dict], help: str,
            human: Callable[[dict], str] | None = None) -> argparse.ArgumentParser:
    """Create a subcommand that prints ``handler(args)`` as JSON (``--json``) or as ``human(result)``."""
    parser = subparsers.add_parser(name, help=help, description=help)
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    add_limit_args(parser)
    parser.set_defaults(_handler=handler, _human=human or format_table, _parser=parser)
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


def _run(args: argparse.Namespace) -> dict:
    """The command's result, under the limits its flags set, with its sweeps expanded within them."""
    with limits.override(**{name: getattr(args, name) for name in limits.FLAGS if hasattr(args, name)}), \
            contextlib.ExitStack() as held:
        for key, value in vars(args).items():
            if isinstance(value, Sweep):
                setattr(args, key, value.values())
            if isinstance(value, PathText) and value.hold:
                held.enter_context(claimed(Path(value)))
        return args._handler(args)


def _print(text: str) -> int:
    """Print the result; a reader that went away (``| head``) ends the command quietly."""
    try:
        print(text)
        sys.stdout.flush()
    except BrokenPipeError:
        # Python would report the failed flush of stdout again at exit: point stdout at /dev/null first.
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 141  # what a process killed by SIGPIPE reports: 128 + 13
    return 0


def _say(line: str) -> None:
    """Print one line of the outcome on stderr, after ending a progress bar's unfinished line."""
    progress.end_line()
    print(line, file=sys.stderr)


def _typed(parser: argparse.ArgumentParser, argv: Sequence[str]) -> list[str]:
    """The value flags of ``parser`` in ``argv`` (not paths: a folder implies no quantity), each as ``FLAG VALUE``,
    in the order typed."""
    takes_value = {flag for action in parser._actions if action.nargs != 0 and not isinstance(action.type, PathArg)
                   for flag in action.option_strings}
    typed, tokens = [], list(argv)
    for k, token in enumerate(tokens):
        flag, equals, value = token.partition("=")
        if flag in takes_value:
            typed.append(f"{flag} {value if equals else (tokens[k + 1] if k + 1 < len(tokens) else '')}")
    return typed


def _refusal(exc: ParameterError, args: argparse.Namespace | None, argv: Sequence[str]) -> str:
    """The one line of a refusal. One that names a quantity the command has no flag for (``dt`` derived from
    ``--c-m``, ``beta`` from ``--tau``) says first which of the flags the user typed imply it; one about a file's
    field names the file already."""
    text = " ".join(str(exc).split())
    parser = getattr(args, "_parser", None)
    flags = {f for a in parser._actions for f in a.option_strings} if parser is not None else set()
    if parser is None or isinstance(exc, FieldError) or exc.name in vars(args) or exc.name in flags:
        return text
    typed = _typed(parser, argv)
    if not typed:
        return text
    return f"{', '.join(typed)} {'implies' if len(typed) == 1 else 'imply'} {text}"


#: The signal that stopped this run: its exit code is 128 + its number, as a shell reports a process it ended
#: (130 for Ctrl-C, 143 for SIGTERM).
_stopped_by = [signal.SIGINT]


def _terminated(signum, frame):
    # SIGTERM stops a run the way Ctrl-C does: what is finished is kept (every batch stores as it goes).
    _stopped_by[0] = signum
    raise KeyboardInterrupt


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def _failed(exc: BaseException, args: argparse.Namespace | None) -> int:
    """A failed or interrupted run: its finished part as JSON (with ``--json``), one line on stderr; exit 1 (failed)
    or 128 + the signal that stopped it (130 Ctrl-C, 143 SIGTERM)."""
    output = getattr(exc, "output", None)
    if output is not None and args is not None and args.json:
        _print(to_json(output))
    if isinstance(exc, Interrupted | KeyboardInterrupt):
        detail = f": {' '.join(str(exc).split())}" if str(exc) else ": nothing was kept"
        _say(f"lifhw: interrupted{detail}")
        return 128 + _stopped_by[0]
    _say(f"lifhw: failed: {' '.join(str(exc).split())}")
    return 1


def _os_error(exc: OSError, args: argparse.Namespace | None) -> int:
    """An OSError of a run (a file that could not be written, a folder another run holds, ...) as one line: a
    refusal of the path flag the file is under (exit 2), else a failure naming the file (exit 1)."""
    where = exc.filename if exc.filename is not None else ""
    reason = f"{where}: {exc.strerror}" if where and exc.strerror else " ".join(str(exc).split())
    if where and args is not None:
        def within(inner: str, outer: str) -> bool:
            return (os.path.abspath(inner) + os.sep).startswith(os.path.abspath(outer).rstrip(os.sep) + os.sep)

        # The flag whose path holds the file, or whose path the file is a folder of (one it was creating).
        target = os.fsdecode(where)
        flags = [value for value in vars(args).values()
                 if isinstance(value, PathText) and (within(target, value) or within(value, target))]
        if flags:
            flag = max(flags, key=lambda value: len(os.path.abspath(value)))
            _say(f"lifhw: error: {' '.join(str(ParameterError(flag.name, str(flag), reason)).split())}")
            return 2
    _say(f"lifhw: failed: {' '.join(reason.split())}")
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    argv = _join_negative_values(sys.argv[1:] if argv is None else argv)
    args = None
    previous = signal.signal(signal.SIGTERM, _terminated) if _main_thread() else None
    _stopped_by[0] = signal.SIGINT
    # Warnings (numpy's RuntimeWarnings) wait for the outcome: a rejected input gets its one line, nothing else.
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                progress.reached("start-up")
                args = build_parser().parse_args(argv)
                result = _run(args)
            except ParameterError as exc:
                _say(f"lifhw: error: {_refusal(exc, args, argv)}")
                return 2
            except UsageError as exc:
                _say(f"lifhw: error: {' '.join(str(exc).split())}")
                return 2
            except (LifhwError, KeyboardInterrupt) as exc:
                return _failed(exc, args)
            except OSError as exc:
                return _os_error(exc, args)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    for warning in caught:
        if issubclass(warning.category, ConventionWarning):
            print(f"lifhw: warning: {' '.join(str(warning.message).split())}", file=sys.stderr)
        else:
            warnings.showwarning(warning.message, warning.category, warning.filename, warning.lineno)
    return _print(to_json(result) if args.json else args._human(result))
