"""Every flag of every command, fed values its declared rule forbids: exit 2, one stderr line naming the flag,
nothing on stdout, no traceback, in well under a second or two.

The commands and flags are read from the argparse tree itself (:func:`lifhw.cli.build_parser`) and the bad values
from each flag's declared type (:class:`lifhw.cli.ValueArg`, ``IntArg``, ``SweepArg``, ``ListArg``, ``ChoiceArg``,
``PathArg`` or argparse ``choices``), so a command added later is fuzzed without editing this file. The values
cover every class issue 21 found accepted or misread: overflow and underflow past the double, subnormals, NaN and
infinity in their spellings, huge and tiny mantissas under scale suffixes (drawn with a fixed seed), sweeps of
astronomical counts; a refusal may start only with a quantity the command takes (one it derives is said as what
the typed flags imply). A second table holds inputs that are valid numbers but ask for unbounded work (the issues'
examples): each must be refused up front, naming the parameter, or finish fast. Valid extremes end cleanly and
never print -0.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import random
import re
import signal
import time
from pathlib import Path

import pytest

import lifhw.cli as cli
from lifhw.units import QUANTITIES

#: CPU seconds one call may take: every refusal here happens before any simulation starts. CPU time, not wall
#: time, so that a loaded machine (CI beside other jobs) does not make a refusal look slow.
BOUND = 10.0
#: Wall seconds after which a call that waits rather than computes (a hang) is stopped.
HANG = 300.0
#: A valid value for each flag argparse requires, so that the flag under test is the only thing wrong.
REQUIRED = {"--h": "1m", "--target-rate": "5", "--out": "out.nir", "--target-accuracy": "0.9"}
#: A valid configuration of commands whose counts are judged against the others (the population of a Monte Carlo
#: needs a design, given here without SPICE), put before the flag under test.
BASE = {("size", "montecarlo"): ["--tau", "20m", "--i-b", "10p", "--kappa", "0.7", "--i-off", "1f", "--sigma-vos",
                                 "5m", "--sigma-ib", "0.05", "--sigma-vth", "9m"]}
#: A valid value of required positional arguments, given unless the positional itself is under test (an existing
#: file for deploy's model: the counts are judged before the model is read).
POSITIONAL = {("deploy",): {"model": __file__}, ("size", "accuracy"): {"model": __file__}}


def _commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    """(argv prefix, parser) of every runnable command under ``parser``."""
    if parser.get_default("_handler") is not None:
        yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from _commands(child, (*path, name))


def _flags(parser: argparse.ArgumentParser):
    """(flag, action) of every option taking a value, and (dest, action) of every positional argument."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction | argparse._HelpAction) or action.nargs == 0:
            continue
        yield (max(action.option_strings, key=len) if action.option_strings else action.dest), action


def _other_unit(unit: str | None) -> str | None:
    """A unit spelling of another quantity than ``unit``'s (None: the flag takes any unit)."""
    if unit is None:
        return None
    return "V" if unit == "F" else "F"


#: Spellings of what is not a finite number, in every case Python's float() takes, and numbers past the double
#: either way: each flag gets two of them, drawn with SEED (the whole list over all flags).
NOT_FINITE = ["NaN", "-nan", "+Inf", "Infinity", "-INFINITY", "-1e400", "-1e-400"]
#: Seeds the draws of scale suffixes below: the same cases every run.
SEED = 21


def _scaled(rng: random.Random, tiny: bool = True) -> list[str]:
    """A huge mantissa under a SPICE scale suffix drawn with ``rng`` (1e300T: the product overflows), and with
    ``tiny`` a tiny one (1e-300f: below any quantity's smallest non-zero value)."""
    return [f"1e300{rng.choice(['T', 'G', 'meg', 'k'])}"] + tiny * [f"1e-300{rng.choice(['f', 'p', 'n', 'u', 'm'])}"]


def _value_cases(t: cli.ValueArg, rng: random.Random) -> list[str]:
    q = QUANTITIES.get(t.unit) if t.unit is not None else None
    cases = ["bogus", "1x", "nan", "inf", "-inf", "1e308", "-1e308", "1e400", "1e-400", *rng.sample(NOT_FINITE, 2),
             *_scaled(rng, q is None or q.tiny > 0)]
    if q is None or q.tiny > 0:
        cases += ["1e-300", rng.choice(["4.9e-324", "-2.2e-310"])]  # tiny, then subnormal
    if (other := _other_unit(t.unit)) is not None:
        cases.append(f"1p{other}")
    if t.minimum is not None:
        cases.append(repr(t.minimum - max(1.0, abs(t.minimum))))
        if t.exclusive:
            cases.append(repr(t.minimum))
    if t.maximum is not None:
        cases.append(repr(t.maximum + max(1.0, abs(t.maximum))))
    if t.auto:
        cases.append("autox")
    return cases


def _int_cases(t: cli.IntArg, rng: random.Random) -> list[str]:
    cases = ["x", "1.5", "1e308", "1e400", "1e-400", "nan", *rng.sample(NOT_FINITE, 2), *_scaled(rng),
             str(t.minimum - 1), str(t.maximum + 1)]
    if t.count and t.maximum >= 10**9:
        cases.append("1000000000")  # a huge count: refused up front by the work it implies
    return cases


def _sweep_cases(t: cli.SweepArg, rng: random.Random) -> list[str]:
    cases = ["", ",", "0:1:0", "1:2", "nan:1:3", f"0:1:{10**9}", "1e308,1", f"0:1:{10**15}", "0:1:1e400",
             "1e-400:1:3", "0:Infinity:3", "-nan,1", "1e400,1", ",".join(["1"] * (10**5 + 1))]
    if (other := _other_unit(t.unit)) is not None:
        cases.append(f"1p{other},2p{other}")
    return cases


def _fraction_cases(t: cli.FractionArg, rng: random.Random) -> list[str]:
    return ["", "x", "%", "0%", "0", "-5%", "nan%", "inf", f"{t.maximum * 100:g}%", f"{t.maximum * 150:g}%", "1pF",
            "1e-308", "1e-400", "1e-400%", "Infinity%", "-0"]


def _spec_cases(t: cli.SpecArg, rng: random.Random) -> list[str]:
    other = _other_unit(t.unit)
    return ["", "24", "24:10", "24%", ":10%", "24:%", "24:x%", "x:10%", "0:10%", "-24:10%", "nan:10%", "inf:10%",
            "24:0%", "24:100%", "24:nan%", f"1{other}:10%", "24:10%:5%"]


def _address_cases(t: cli.AddressArg, rng: random.Random) -> list[str]:
    return ["", "bogus", "tcp://", "tcp://host", "tcp://host:", "tcp://host:0", "tcp://host:65536",
            "http://host:8786", "tcp://host:8786/x", "tcp://ho st:1"]


def _item_case(item) -> str:
    if isinstance(item, cli.ChoiceArg):
        return "bogus-item"
    if isinstance(item, cli.ValueArg):
        return "1e308"
    if isinstance(item, cli.IntArg):
        return str(item.minimum - 1)
    raise AssertionError(f"no bad value known for list items of type {type(item).__name__}")


#: The bad values of each argument type that takes one value.
SCALAR_CASES = {cli.ValueArg: _value_cases, cli.IntArg: _int_cases, cli.SweepArg: _sweep_cases,
                cli.FractionArg: _fraction_cases, cli.SpecArg: _spec_cases, cli.AddressArg: _address_cases}


def bad_values(action: argparse.Action, tmp: Path, rng: random.Random) -> list[str]:
    """Values the flag's declared rule forbids."""
    t = action.type
    for kind, cases in SCALAR_CASES.items():
        if isinstance(t, kind):
            return cases(t, rng)
    if isinstance(t, cli.ListArg):
        return ["", ",", _item_case(t.item), f"{_item_case(t.item)},{_item_case(t.item)}"]
    if isinstance(t, cli.ChoiceArg) or (t is None and action.choices is not None):
        return ["bogus-choice"]
    if isinstance(t, cli.PathArg):
        a_file, a_dir = tmp / "a-file", tmp / "a-dir"
        a_file.touch()
        a_dir.mkdir(exist_ok=True)
        if t.kind == "read":
            return [str(tmp / "missing"), ""]
        return [str(a_file if t.kind == "dir" else a_dir), str(a_file / "below"), ""]
    return []


def _cases(tmp: Path) -> list[tuple[tuple[str, ...], str, str, str]]:
    cases, untyped = [], []
    rng = random.Random(SEED)
    for path, parser in _commands(cli.build_parser()):
        for flag, action in _flags(parser):
            values = bad_values(action, tmp, rng)
            if not values:
                untyped.append(f"lifhw {' '.join(path)} {flag}")
            cases += [(path, flag, action.dest, value) for value in values]
    assert not untyped, f"flags without a declared rule (use the types of lifhw.cli): {untyped}"
    return cases


class _TooSlow(Exception):
    pass


def _call(argv: list[str]) -> tuple[int, str, str, float]:
    """``lifhw.cli.main(argv)`` in this process: exit code, stdout, stderr, CPU seconds; interrupted after BOUND CPU
    seconds or HANG wall seconds."""
    def too_slow(*_):
        raise _TooSlow(f"lifhw {' '.join(argv)} took more than {BOUND} CPU s (or {HANG} s waiting)")

    out, err = io.StringIO(), io.StringIO()
    previous = {sig: signal.signal(sig, too_slow) for sig in (signal.SIGPROF, signal.SIGALRM)}
    signal.setitimer(signal.ITIMER_PROF, BOUND)
    signal.setitimer(signal.ITIMER_REAL, HANG)
    start = time.process_time()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli.main(argv)
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.setitimer(signal.ITIMER_REAL, 0)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return code, out.getvalue(), err.getvalue(), time.process_time() - start


def _assert_one_line_naming(code: int, out: str, err: str, names: tuple[str, ...], argv: list[str]) -> None:
    where = f"lifhw {' '.join(argv)}"
    lines = err.strip().splitlines()
    assert code == 2, f"{where}: exit {code}, stderr {err!r}"
    assert out == "", f"{where}: stdout {out[:200]!r}"
    assert len(lines) == 1, f"{where}: {len(lines)} stderr lines: {err[:2000]}"
    assert "Traceback" not in err and "Warning" not in err, f"{where}: {err}"
    assert any(re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", lines[0]) for name in names), \
        f"{where}: the line names none of {names}: {lines[0]}"
    _assert_names_a_flag(lines[0], argv)


def _assert_names_a_flag(line: str, argv: list[str]) -> None:
    """The quantity a refusal starts with (``NAME = VALUE: rule``) is one the command takes: a flag or its dest,
    never an internal one (``dt`` of ``report``, ``beta`` of ``learn digits``); those are said as what the typed
    flags imply (``--c-m 1 implies dt = ...``)."""
    path = next(p for p in sorted(dict(_commands(cli.build_parser())), key=len, reverse=True)
                if tuple(argv[:len(p)]) == p)
    parser = _parser(path)
    known = {a.dest for a in parser._actions} | {f for a in parser._actions for f in a.option_strings}
    named = re.match(r"lifhw: error: ([\w.\-]+) = ", line)  # not "lifhw CMD: argument --FLAG: ...": that names it
    assert named is None or named.group(1) in known, \
        f"lifhw {' '.join(argv)}: the line names {named.group(1)!r}, not a flag of the command: {line}"


@pytest.fixture(scope="module")
def parser_once():
    """One parser for every call: main() would build it again each time, which is all it would measure."""
    parser = cli.build_parser()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cli, "build_parser", lambda: parser)
        yield


def test_every_flag_of_every_command_refuses_what_its_rule_forbids(parser_once, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cases = _cases(tmp_path)
    commands = {path for path, *_ in cases}
    flags = {(path, flag) for path, flag, *_ in cases}
    # The tree is what it is today at least; new commands only add to it.
    assert len(commands) >= 17 and len(flags) >= 300 and len(cases) >= 2500, (len(commands), len(flags), len(cases))
    slowest = 0.0
    for path, flag, dest, value in cases:
        given = f"{flag}={value}" if flag.startswith("-") else value
        positional = [v for dest_, v in POSITIONAL.get(path, {}).items() if dest_ != dest]
        argv = [*path, *positional, *BASE.get(path, ()), *(x for flag_, v in REQUIRED.items()
                                                            if flag_ != flag and _requires(path, flag_)
                                                            for x in (flag_, v)), given]
        code, out, err, seconds = _call(argv)
        _assert_one_line_naming(code, out, err, (dest, flag), argv)
        slowest = max(slowest, seconds)
    print(f"{len(cases)} bad values over {len(flags)} flags of {len(commands)} commands; "
          f"slowest call {slowest:.2f} CPU s")


def _parser(path: tuple[str, ...]) -> argparse.ArgumentParser:
    return dict(_commands(cli.build_parser()))[path]


def _requires(path: tuple[str, ...], flag: str) -> bool:
    return any(f == flag and action.required for f, action in _flags(_parser(path)))


MC = ["size", "montecarlo", "--tau", "20m", "--i-b", "10p", "--kappa", "0.7", "--i-off", "1f", "--sigma-vos", "5m",
      "--sigma-ib", "0.05", "--sigma-vth", "9m"]
#: Valid numbers asking for unbounded work (issue 12's examples and their class), with what the line must name.
UNBOUNDED = [
    (["fi", "--method", "exact", "--dt", "200p", "--t-sim", "0.2"], ("dt", "--max-steps")),
    (["fi", "--method", "euler", "--t-sim", "1e6"], ("t_sim", "--max-steps")),
    (["fi", "--method", "ivp", "--i", "1n", "--t-sim", "1e5"], ("t_sim", "--max-steps")),
    (["fi", "--i", "0:1n:10000000"], ("i", "--max-points")),
    (["fi", "--method", "exact", "--t-ref", "0", "--i", "1"], ("currents", "--max-steps")),
    (["network", "brunel", "--dt", "200p"], ("dt", "--max-steps")),
    (["network", "brunel", "--n", "1000000"], ("n", "--max-points")),
    (["network", "brunel", "--n", "100000", "--t-sim", "100"], ("n", "--max-steps")),
    (["network", "brunel", "--delay", "1e4", "--t-sim", "0.1"], ("delay", "--max-memory")),
    (["network", "brunel", "--eta", "1e9"], ("eta",)),
    (["scenario", "place-field", "--speed", "1n"], ("speed", "--max-steps")),
    (["scenario", "place-field", "--laps", "100000"], ("laps", "--max-points")),
    (["scenario", "place-field", "--bin-size", "1p"], ("bin_size", "--max-points")),
    (["scenario", "euler-stability", "--h-ratios", "0.5:3:1000000"], ("h_ratios", "--max-points")),
    (["scenario", "euler-stability", "--n-steps", "10000000"], ("h_ratios", "--max-steps")),
    (["scenario", "rheobase-opto", "--pulse", "1e5"], ("pulse", "--max-steps")),
    (["scenario", "allodynia", "--t-touch", "1e6"], ("t_touch", "--max-steps")),
    ([*MC, "--n", "1e9"], ("n", "--max-points")),
    ([*MC, "--bins", "1e9"], ("bins", "--max-points")),
    ([*MC, "--spice", "--n", "1e9"], ("n", "--max-points")),
    (["spice", "fi", "--circuit", "ideal", "--t-sim", "1e5"], ("t_sim", "--max-steps")),
    (["rtl", "fi", "--t-sim", "1e4"], ("t_sim", "--max-steps")),
    (["learn", "digits", "--epochs", "100000", "--quiet"], ("epochs", "--max-steps")),
    # Issue 21: each ran past 150 s, or held more than --max-memory, under the default limits.
    (["fi", "--method", "exact", "--i", "1n", "--dt", "1e-4", "--t-sim", "1000"], ("dt", "--max-steps")),
    (["rtl", "fi", "--t-sim", "1000"], ("t_sim", "--max-steps")),
    (["rtl", "fi", "--t-sim", "100"], ("t_sim", "--max-steps")),  # 10^6 steps, but of 6 currents
    (["scenario", "allodynia", "--t-touch", "10k"], ("t_touch", "--max-steps")),
    (["scenario", "place-field", "--speed", "1m"], ("speed", "--max-steps")),
    (["scenario", "place-field", "--speed", "4m"], ("speed", "--max-steps")),  # 5x10^5 steps, but of 450 neurons
    (["network", "brunel", "--n", "100000", "--c-e", "8000", "--c-i", "2000", "--t-sim", "0.01"],
     ("n", "--max-steps")),  # 2x10^9 synapse draws
    (["network", "brunel", "--n", "100000", "--c-e", "8000", "--c-i", "2000", "--t-sim", "0.01", "--max-steps",
      "10000000"], ("n", "--max-memory")),  # 2x10^9 bytes of targets and the interpreter: more than 2 GiB
    (["spice", "fi", "--circuit", "ideal", "--i", "1n:2n:100000"], ("i", "--max-steps")),
]
NO_SPICE = ["--kappa", "0.7", "--i-off", "1f"]
#: Valid values whose refusal is about a quantity the command has no flag for: the line says which typed flag
#: implies it (issue 21 counted 40 such refusals; one of each kind).
IMPLIED = [
    (["learn", "digits", "--tau", "5p"], ("--tau 5p implies beta",)),
    (["learn", "digits", "--tau", "1e-15"], ("--tau 1e-15 implies c_m",)),
    (["network", "brunel", "--eta", "0"], ("--eta 0 implies sigma",)),
    (["network", "brunel", "--t-sim", "1e-15"], ("--t-sim 1e-15 implies bin_width",)),
    (["network", "drive", "--target-rate", "1e12"], ("--target-rate 1e12 implies rate",)),
    (["rtl", "artifacts", "--max-steps", "1"], ("--max-steps 1 implies t_sim",)),
    (["rtl", "artifacts", "--t-ref", "1e6"], ("--t-ref 1e6 implies rate",)),
    (["scenario", "wind-up", "--r-m", "1e30"], ("--r-m 1e30 implies dt",)),
    (["scenario", "tsv-slowdown", "--t-ref", "1e6"], ("--t-ref 1e6 implies t_sim",)),
    ([*MC, "--kappa", "1e-15"], ("--kappa 1e-15", "imply c =")),
]
#: Inputs the issue saw fail in other ways, now one line each.
ONE_LINE = [
    (["scenario", "place-field", "--e-inh", "0"], ("e_inh",)),
    (["scenario", "wind-up", "--lambda-d", "200p"], ("lambda_d",)),
    (["scenario", "euler-stability", "--h-ratios", "1e9"], ("h_ratios",)),
    (["scenario", "euler-stability", "--n-steps", "1000"], ("n_steps",)),
    (["network", "drive", "--g", "1e9", "--target-rate", "5"], ("g",)),
    (["report", "--only", "bogus"], ("only",)),
    (["size", "--tau", "20m", "--i-b", "10p", "--kappa", "0.7", "--i-off", "1f", "--temp", "500"], ("temp",)),
    (["size", "corners", "--tau", "20m", "--i-b", "10p", "--corners", ","], ("corners",)),
    (["size", "corners", "--tau", "20m", "--i-b", "10p", "--corners", "xx"], ("corners",)),
    # a scheduler nobody answers at: refused within seconds (the client's connect timeout), before any SPICE
    (["size", "montecarlo", "--spice", "--n", "4", "--scheduler", "tcp://127.0.0.1:9"], ("scheduler",)),
    (["spice", "fi", "--circuit", "ideal", "--scheduler", "tcp://127.0.0.1:9"], ("scheduler",)),
    # what lif_lowpower cannot bias, refused before any SPICE runs
    (["spice", "fi", "--circuit", "lowpower", "--i-cmp", "3p"], ("i_cmp",)),
    (["spice", "characterize", "--circuit", "lowpower", "--t-ref", "100u"], ("t_ref", "c_par")),
    # lif_ota's block table (matched devices and their area factors) does not describe lif_lowpower
    (["size", "montecarlo", "--circuit", "lowpower", "--tau", "20m", "--i-b", "10p", *NO_SPICE], ("circuit",)),
    (["size", "--circuit", "lowpower", "--tau", "20m", "--i-b", "10p", "--yield", "0.9"], ("circuit",)),
    (["size", "montecarlo", "--spice", "--process", "--corner", "ss"], ("corner",)),
    (["size", "montecarlo", "--spice", "--no-mismatch"], ("mismatch",)),
    (["fi", "--me", "exact"], ("--me",)),
    (["rtl", "fi", "--dt", "1", "--t-sim", "0.5"], ("dt",)),  # not "use more leak_frac bits": dt is 50 tau_m
    (["rtl", "fi", "--r-m", "1e25"], ("leak_frac", "larger dt")),  # leaks 5e-20 per step: no format holds it
    (["rtl", "fi", "--leak", "shift", "--r-m", "1e25"], ("dt",)),
]


@pytest.mark.parametrize("argv, names", UNBOUNDED + ONE_LINE + IMPLIED,
                         ids=lambda x: " ".join(x) if isinstance(x, list) else "")
def test_unbounded_work_and_known_failures_are_one_line_up_front(parser_once, tmp_path, monkeypatch, argv, names):
    monkeypatch.chdir(tmp_path)
    code, out, err, seconds = _call(argv)
    _assert_one_line_naming(code, out, err, names, argv)
    assert all(name in err for name in names[1:]), err


def test_a_slow_membrane_in_a_fast_scenario_stays_fast(parser_once, tmp_path, monkeypatch):
    # spinal-gate stepped on tau_m: with R_m = 1 TOhm (tau_m = 200 s) its bisection took minutes.
    monkeypatch.chdir(tmp_path)
    code, out, err, seconds = _call(["scenario", "spinal-gate", "--r-m", "1e12", "--json"])
    assert code == 0 and err == "" and out.startswith("{"), err


#: Commands whose valid runs need no external simulator, with a valid base; every value flag of them is run at
#: the smallest and largest value its rule allows.
EXTREMES_BASE = {
    ("fi",): [], ("rheobase",): [], ("stability",): ["--h", "1m"], ("network", "drive"): ["--target-rate", "5"],
    ("size",): ["--tau", "20m", "--i-b", "10p", *NO_SPICE],
    ("size", "corners"): ["--f-target", "50", "--i-target", "30p", "--c-m", "2p", *NO_SPICE],
    ("size", "montecarlo"): ["--tau", "20m", "--i-b", "10p", *NO_SPICE, "--sigma-vos", "5m", "--sigma-ib", "0.05",
                             "--sigma-vth", "9m"],
}


#: Flags of those commands that start a SPICE run when given (their runs are tested with the SPICE level).
SIMULATES = {("size",): {"--yield"}}


def _extremes(t) -> list[str]:
    if isinstance(t, cli.ValueArg):
        q = QUANTITIES[t.unit]
        low = max(q.tiny, t.minimum if t.minimum is not None and t.minimum > 0 else q.tiny)
        if t.minimum is not None and t.minimum < 0:
            low = t.minimum
        high = q.huge if t.maximum is None else t.maximum
        # -0 is 0 wherever 0 is allowed; it must never come back printed as -0.
        zero = ["-0"] if (t.minimum is None or t.minimum < 0 or (t.minimum == 0 and not t.exclusive)) and (
            t.maximum is None or t.maximum >= 0) else []
        return [repr(low), repr(high)] + ([repr(-q.huge)] if t.minimum is None else []) + zero
    if isinstance(t, cli.IntArg):
        return [str(t.minimum), str(t.maximum)]
    return []


@pytest.mark.parametrize("path", sorted(EXTREMES_BASE), ids=" ".join)
def test_the_extremes_of_every_valid_range_end_cleanly(parser_once, tmp_path, monkeypatch, path):
    """Valid but extreme values: a result or one line, never a traceback, a warning or a long run."""
    monkeypatch.chdir(tmp_path)
    for flag, action in _flags(_parser(path)):
        if flag in SIMULATES.get(path, ()):
            continue
        for value in _extremes(action.type):
            argv = [*path, *EXTREMES_BASE[path], f"{flag}={value}"]
            code, out, err, _ = _call(argv)
            lines = err.strip().splitlines()
            assert code in (0, 2) and len(lines) <= 1, f"lifhw {' '.join(argv)}: exit {code}: {err[:2000]}"
            assert "Traceback" not in err and "Warning" not in err, f"lifhw {' '.join(argv)}: {err}"
            assert (code == 0) == (out != "" and not lines), f"lifhw {' '.join(argv)}: {err}"
            assert not re.search(r"(?<![\w.])-0(\.0*)?(?![\w.])", out), f"lifhw {' '.join(argv)} prints -0: {out}"
            if code == 2:
                _assert_names_a_flag(lines[0], argv)


def test_help_shows_every_default_as_a_user_types_it():
    # Each flag of a quantity shows its default with a SPICE scale and its unit (200nA, not 2e-07), and what help
    # shows reads back as that default.
    from lifhw.units import parse_value

    checked = 0
    for path, parser in _commands(cli.build_parser()):
        text = parser.format_help()
        for flag, action in _flags(parser):
            if not isinstance(action.type, cli.ValueArg) or not isinstance(action.default, float):
                continue
            shown = re.search(re.escape(flag) + r" \w+\s+.*?\(default: ([^)\s]+)\)", " ".join(text.split()))
            assert shown, f"lifhw {' '.join(path)} {flag}: no default in the help"
            assert "e-" not in shown.group(1) and "e+" not in shown.group(1), (path, flag, shown.group(1))
            assert parse_value(shown.group(1), flag, action.type.unit) == pytest.approx(action.default, rel=1e-6)
            checked += 1
    assert checked > 20
