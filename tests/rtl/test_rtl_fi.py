"""The RTL in Icarus against the continuous closed form (the README bound), and the CLI."""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lifhw import LIFParams, digital, fixed, theory
from lifhw.cli import build_parser
from lifhw.digital import bounds, study

P = LIFParams()
DT = 1e-4
BUILD = Path(__file__).resolve().parents[2] / "build" / "rtl" / "test_fi"
RATES = np.array(study.FI_TARGET_RATES)


@pytest.mark.slow
@pytest.mark.parametrize("leak", fixed.LEAK_MODES)
def test_rtl_fi_within_the_derived_bound(leak):
    q = fixed.quantize(P, DT, fixed.FixedFormat(width=16, leak=leak))
    currents = theory.current_for_rate(P, RATES)
    data = study.fi_measure(q, currents, 3.0, BUILD / leak)
    rate = data.rtl.rate
    assert data.spike_mismatches == 0  # bit-exact on this path too
    # 1. Inside the sandwich of rtl/README.md (closed-form first passage of two linear discrete LIFs).
    lo, hi = fixed.rate_bracket(q, currents)
    assert np.all(rate >= lo * (1 - 1e-9)) and np.all(rate <= hi * (1 + 1e-9))
    # 2. Inside the continuous closed-form band: current within the derived tolerance, plus one dt.
    params = P if leak == "mult" else q.effective  # the shift leak cannot realise tau = 20 ms at this dt
    band_lo, band_hi = bounds.continuous_band(q, currents, params)
    assert np.all(rate >= band_lo * (1 - 1e-9)) and np.all(rate <= band_hi * (1 + 1e-9))
    if leak == "mult":
        # Acceptance: the tolerance is 1 % of current (plus dt) for every current past 1.0005 x rheobase.
        tol = bounds.current_tolerance(q, currents)
        assert np.all(tol[currents > 1.0005 * P.rheobase] <= 0.01) and tol.max() < 0.01001
        # Where the f-I is not steep (>= 50 Hz) the rate itself is within 1 % + r*dt of the closed form.
        fast = RATES >= 50
        assert np.all(np.abs(rate[fast] / RATES[fast] - 1) <= 0.01 + RATES[fast] * DT)


@pytest.mark.slow
def test_fi_curve_is_an_ficurve_of_the_rtl():
    currents = [0.3e-9, 0.6e-9, 1.2e-9]
    curve = digital.fi(P, currents, DT, t_sim=0.5, work=BUILD / "ficurve")
    q = fixed.quantize(P, DT)
    _, spikes = fixed.simulate(q, np.broadcast_to(q.input_code(currents), (5000, 3)))
    assert curve.rate.tolist() == pytest.approx(fixed.rates_from_spikes(spikes, DT).tolist(), rel=1e-12)
    assert curve.label == "RTL 16-bit mult leak" and curve.metadata["spike_mismatches"] == 0
    # Well above the rheobase: within 1 % + r*dt of the closed form (rtl/README.md).
    assert np.all(curve.relative_error(theory.fi(P, currents)) < 0.01 + curve.rate * DT)


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "lifhw", *args], capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_cli_rtl_fi_json():
    work = BUILD / "cli"
    out = run_cli("rtl", "fi", "--dt", "0.1m", "--width", "16", "--frac", "AUTO", "--leak", "shift",
                  "--i", "0.15n:1.5n:6", "--work", str(work), "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    # The flags reached the format: 16 bits, AUTO = 20 fraction bits, shift leak k = round(-log2(dt/tau)) = 8.
    assert {k: data["integer_params"][k] for k in ("WIDTH", "LEAK_MULT", "LEAK_FRAC", "THRESH")} == \
        {"WIDTH": 16, "LEAK_MULT": 1, "LEAK_FRAC": 8, "THRESH": round(0.020 * 2**20)}
    q = fixed.quantize(P, DT, fixed.FixedFormat(leak="shift"))
    assert data["current"] == pytest.approx(np.linspace(0.15e-9, 1.5e-9, 6))
    # The rate is the RTL's: it equals the bit-exact model run here on the same codes.
    codes = q.input_code(data["current"])
    _, spikes = fixed.simulate(q, np.broadcast_to(codes, (20000, 6)))
    assert data["rate"] == pytest.approx(fixed.rates_from_spikes(spikes, DT).tolist(), rel=1e-12)
    assert data["rate"][0] == 0.0  # 0.15 nA is below the 0.2 nA rheobase
    # float_rate is the discrete-time float LIF: its ISI is the closed-form one rounded up to dt.
    beta = np.exp(-DT / P.tau_m)
    isi = fixed.discrete_isi_steps(beta, P.r_m * np.array(data["current"]), 0.0, 0.02, 20)
    assert data["float_rate"] == pytest.approx(np.where(np.isfinite(isi), 1 / (isi * DT), 0.0), rel=1e-12)


@pytest.mark.parametrize("args, name", [(["--width", "3"], "width"), (["--frac", "many"], "frac"),
                                        (["--dt", "-1m"], "dt"), (["--i", "1u"], "i_in")])
def test_cli_rtl_fi_bad_input_exits_2_with_one_line(args, name):
    out = run_cli("rtl", "fi", "--work", str(BUILD / "cli_bad"), *args)
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and name in out.stderr and "Traceback" not in out.stderr


def subparser(parser: argparse.ArgumentParser, *names: str) -> argparse.ArgumentParser:
    for name in names:
        parser = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices[name]
    return parser


@pytest.mark.parametrize("command", ["fi", "artifacts"])
def test_cli_rtl_help_shows_the_parser_defaults(command):
    sub = subparser(build_parser(), "rtl", command)
    own = [a for a in sub._actions if a.option_strings and a.nargs != 0 and a.default is not None]
    assert own
    # No help text retypes a default; the parser prints each one, so the help cannot drift from the behaviour.
    assert not [a.dest for a in own if "default" in a.help]
    text = " ".join(sub.format_help().split())
    assert text.count("(default: ") == len(own)


def test_runs_sharing_a_work_folder_do_not_mix_their_files(tmp_path):
    # Two RTL runs at once in one --work folder: each must read back its own stimulus' spikes (they used to share
    # the compiled testbench, the stimulus and the output file).
    q = fixed.quantize(P, DT, fixed.FixedFormat(width=16))
    sweeps = [theory.current_for_rate(P, [5.0, 20.0]), theory.current_for_rate(P, [50.0, 100.0, 150.0])]
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(lambda currents: study.fi_measure(q, currents, 0.5, tmp_path), sweeps))
    for currents, data in zip(sweeps, runs, strict=True):
        assert len(data.rtl.rate) == len(currents) and data.spike_mismatches == 0
        assert data.rtl.rate.tolist() == data.model.rate.tolist()
    assert list(tmp_path.iterdir()) == []  # each run's folder is gone once it succeeded


@pytest.mark.parametrize("tool, signum", [("iverilog", signal.SIGINT), ("vvp", signal.SIGTERM)])
def test_a_stop_while_a_tool_runs_ends_it_and_the_command_in_one_line(foreground, tmp_path, tool, signum):
    # held while the tool runs (it started, the command waits for it), then signalled as a terminal would
    run = foreground("rtl", "fi", "--i", "0.5n", "--t-sim", "0.5", "--work", tmp_path, hold=f"running {tool}")
    run.wait_for(f"holding at running {tool}")
    run.signal(signum)
    done = run.finish()
    assert done.returncode == 128 + signum and done.stdout == "", done.stderr
    assert done.stderr.splitlines()[1:] == ["lifhw: interrupted: nothing was kept"], done.stderr
    assert run.group_is_gone()
