"""``lifhw spice`` as a user runs it: JSON on stdout, bad input exits 2 with one line."""

from __future__ import annotations

import json
import signal

import numpy as np
import pytest

from lifhw import theory
from lifhw.cli import main
from lifhw.params import LIFParams


def test_spice_fi_ideal_json(capsys):
    code = main(["spice", "fi", "--circuit", "ideal", "--c-m", "200p", "--r-m", "100Meg", "--v-rest", "-70m",
                 "--v-th", "-50m", "--v-reset", "-70m", "--t-ref", "2m", "--i", "300p,600p", "--workers", "1",
                 "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    params = LIFParams()
    expected = theory.firing_rate(params, np.array([300e-12, 600e-12]))
    np.testing.assert_allclose(out["rate"], expected, rtol=0.01)
    np.testing.assert_allclose(out["theory_rate"], expected, rtol=1e-12)
    assert out["kappa"] is None and all(n >= 6 for n in out["n_spikes"])
    assert set(out) >= {"current", "rate", "energy_per_spike", "kappa", "i_b_eff", "theory_rate"}


@pytest.mark.parametrize("argv,message", [
    (["--corner", "xx"], "argument --corner: invalid choice: 'xx'"),
    (["--i-b", "-10p"], "i_b = -1e-11: must be > 0"),
    (["--i", "1p:2p:zero"], "N in START:STOP:N must be a whole number"),
    (["--v-th", "1.6"], "v_th = 1.6: must be in [0.3, vdd - 0.5"),
])
def test_spice_bad_input_exits_2(capsys, argv, message):
    code = main(["spice", "fi", "--circuit", "ota", *argv, "--json"])
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.count("\n") == 1


@pytest.mark.parametrize("argv,message", [
    (["--i-cmp", "5p"], "i_cmp = 5e-12: must be >= max(10 pA, i_inv/10"),
    (["--i-inv", "1n"], "i_cmp = 3e-11: must be >= max(10 pA, i_inv/10 = 1e-10 A)"),
    (["--i-inv", "5p"], "i_inv = 5e-12: must be in [10 pA, 10*i_cmp"),
    (["--i-ref", "200p"], "i_ref = 2e-10: must be in [2 pA, 100 pA]"),
    (["--v-th", "0.65"], "v_th = 0.65: must be >= v_rest + 0.1"),
    (["--v-reset", "0.88"], "v_reset = 0.88: must be <= v_th - 0.05"),
    # c_ref = t_ref*i_ref/DV_REF - C_PAR < 0 below 4.29 fF*0.5223 V/5 pA = 0.448 ms
    (["--t-ref", "0.4m"], "t_ref = 0.0004: must be >= c_par*dv_ref/i_ref = 0.0004481 s"),
])
def test_lowpower_refuses_what_it_cannot_bias(capsys, argv, message):
    for command in (["spice", "fi", "--circuit", "lowpower"], ["spice", "characterize", "--circuit", "lowpower"]):
        code = main([*command, *argv, "--json"])
        err = capsys.readouterr().err
        assert code == 2 and message in err and err.count("\n") == 1, err


IDEAL = ["spice", "fi", "--circuit", "ideal", "--c-m", "200p", "--r-m", "100Meg", "--v-rest", "-70m", "--v-th", "-50m",
         "--v-reset", "-70m"]


@pytest.mark.parametrize("backend", [["--workers", "1"], ["--dask", "--workers", "1"]], ids=["local", "dask"])
def test_spice_failed_point_exits_1_with_one_line_and_keeps_finished_points(capsys, tmp_path, backend):
    # The same per-task timeout and error on both backends; with --json the finished part is still printed.
    partial = tmp_path / "partial.json"
    code = main([*IDEAL, "--i", "300p", "--t-sim", "150", "--timeout", "2", *backend, "--partial", str(partial),
                 "--json"])
    captured = capsys.readouterr()
    assert code == 1
    line = captured.err.strip().splitlines()[-1]
    assert line.startswith("lifhw: failed: 1 of 1 ideal sweep points failed")
    assert "no answer after 2 s" in line and f"finished points saved to {partial}" in line
    assert json.loads(partial.read_text())["errors"][0].startswith("transient at i_in = 3e-10 A")
    assert json.loads(captured.out)["errors"] == json.loads(partial.read_text())["errors"]


def test_two_failed_runs_keep_their_own_partial_files(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for current in ("300p", "400p"):
        assert main([*IDEAL, "--i", current, "--t-sim", "150", "--timeout", "1", "--workers", "1"]) == 1
    files = sorted((tmp_path / "build/spice/partial").glob("fi-*.json"))
    assert len(files) == 2
    assert sorted(json.loads(f.read_text())["current"][0] for f in files) == [300e-12, 400e-12]


def test_ctrl_c_saves_the_finished_points_in_one_line(tmp_path, foreground):
    partial = tmp_path / "partial.json"
    # 16 points on two workers: Ctrl-C once the first is done, the run held there until it comes (every phase:
    # tests/spice/test_interrupts.py)
    run = foreground(*IDEAL, "--i", "300p:600p:16", "--workers", "2", "--partial", partial, "--json",
                     hold="between-points")
    run.wait_for("holding at between-points")
    run.signal(signal.SIGINT)  # to the group, as a terminal does: the command and its workers
    done = run.finish()
    lines = [line for line in done.stderr.splitlines() if not line.startswith(("spice fi: point", "lifhw: holding"))]
    assert done.returncode == 130 and done.stdout == ""
    assert len(lines) == 1 and lines[0].startswith("lifhw: interrupted: ") and str(partial) in lines[0], done.stderr
    saved = json.loads(partial.read_text())
    assert sum(r is not None and r > 0 for r in saved["rate"]) >= 1
    assert "not run: interrupted" in saved["errors"]
