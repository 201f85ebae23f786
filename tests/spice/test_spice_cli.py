"""``lifhw spice`` as a user runs it: JSON on stdout, bad input exits 2 with one line."""

from __future__ import annotations

import json

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


def test_spice_failed_point_exits_1_with_one_line_and_keeps_finished_points(capsys, tmp_path):
    partial = tmp_path / "partial.json"
    code = main(["spice", "fi", "--circuit", "ideal", "--c-m", "200p", "--r-m", "100Meg", "--v-rest", "-70m",
                 "--v-th", "-50m", "--v-reset", "-70m", "--i", "300p", "--t-sim", "150", "--timeout", "2",
                 "--workers", "1", "--partial", str(partial), "--json"])
    captured = capsys.readouterr()
    assert code == 1 and captured.out == ""
    line = captured.err.strip().splitlines()[-1]
    assert line.startswith("lifhw: failed: 1 of 1 ideal sweep points failed")
    assert "no answer after 2 s" in line and f"finished points saved to {partial}" in line
    assert json.loads(partial.read_text())["errors"][0].startswith("transient at i_in = 3e-10 A")
