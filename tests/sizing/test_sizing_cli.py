"""``lifhw size`` as a user runs it, with κ and the leakage given (the SPICE path is in test_sizing_spice.py)."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest

from lifhw import pdk, sizing
from lifhw.ota_theory import TanhNeuron

DEVICE = ("--kappa", "0.7", "--i-off", "0.5p", "--t-ref", "2m")
U_T = 1.380649e-23 * 300.15 / 1.602176634e-19


def run(*args):
    return subprocess.run([sys.executable, "-m", "lifhw", "size", *args], capture_output=True, text=True, timeout=120)


def run_json(*args) -> dict:
    out = run(*args, "--json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_size_tau_json():
    data = run_json("--tau", "20m", "--i-b", "10p", "--c-tsv", "140f", "--v-swing", "0.3", *DEVICE)
    g_m = 0.7 * 10e-12 / (2 * U_T)
    assert data["c_m"] == pytest.approx(20e-3 * g_m - 140e-15, rel=1e-9)
    assert data["kappa"] == 0.7 and data["c_tsv"] == pytest.approx(140e-15)
    assert data["tsv_share"] == pytest.approx(140e-15 / (20e-3 * g_m), rel=1e-9)
    assert data["mim_area"] == pytest.approx(data["c_m"] / 2e-3)
    # dynamic C_eff·ΔV·V_dd + C_logic·V_dd², static V_dd·I_b,eff over one ISI at --i-target (default 3 I_b)
    rate = float(TanhNeuron(20e-3 * g_m, 10e-12, 0.7, 0.3, t_dead=2e-3, i_leak=0.5e-12).rate(30e-12))
    vdd = pdk.VDD  # the CLI's default supply and logic capacitance
    assert data["energy_dynamic"] == pytest.approx(20e-3 * g_m * 0.3 * vdd + pdk.C_LOGIC * vdd ** 2, rel=1e-9)
    assert data["energy_per_spike"] == pytest.approx(data["energy_dynamic"] + vdd * 10e-12 / rate, rel=1e-9)
    assert data["ktc_noise"] == pytest.approx(math.sqrt(1.380649e-23 * 300.15 / (20e-3 * g_m)), rel=1e-9)
    assert data["leakage"]["ratio"] == pytest.approx(20) and not data["leakage"]["flagged"]
    fi = data["fi"]
    assert len(fi["current"]) == 11 and all(r >= 0 for r in fi["rate"])
    assert data["rate_at_target"] == pytest.approx(
        float(TanhNeuron(20e-3 * g_m, 10e-12, 0.7, 0.3, t_dead=2e-3, i_leak=0.5e-12).rate(30e-12)), rel=1e-9)


def test_size_from_geometry_and_f_target():
    data = run_json("--f-target", "20", "--i-target", "25p", "--c-m", "2p", "--tsv-diameter", "5u",
                    "--tsv-depth", "50u", "--tsv-liner", "0.2u", *DEVICE)
    tsv = sizing.TSV.from_geometry(5e-6, 50e-6, 0.2e-6)
    assert (data["c_tsv_min"], data["c_tsv"], data["c_tsv_max"]) == pytest.approx((tsv.c_min, tsv.c_nom, tsv.c_max))
    assert data["rate_at_target"] == pytest.approx(20.0, rel=1e-8)
    assert data["tau_tsv_min"] < data["tau"] < data["tau_tsv_max"]


def test_human_output_and_flag():
    out = run("--tau", "20m", "--i-b", "3p", "--c-tsv", "0", "--kappa", "0.7", "--i-off", "0.5p", "--t-ref", "2m")
    assert out.returncode == 0, out.stderr
    assert "c_m:" in out.stdout and "FLAGGED" in out.stdout


@pytest.mark.parametrize("args, name", [
    (("--tau", "1m", "--i-b", "10p", "--c-tsv", "140f"), "tau"),            # C_m <= 0
    (("--tau", "20m", "--i-b", "0.4p", "--c-tsv", "0"), "i_b"),             # below the leakage floor
    (("--tau", "20m", "--i-b", "10p", "--noise-max", "10u"), "noise_max"),  # kT/C not reachable
    (("--tau", "20m", "--i-b", "10p", "--c-m", "1p"), "i_b"),               # over-determined
    (("--tau", "-20m", "--i-b", "10p"), "tau"),
    (("--tau", "20m", "--i-b", "10p", "--c-tsv", "1f", "--tsv-diameter", "5u"), "c_tsv"),
    (("--tau", "20m", "--i-b", "10p", "--tsv-diameter", "5u"), "tsv_depth"),
    (("--tau", "20m", "--i-b", "10p", "--corner", "xx"), "--corner"),
])
def test_impossible_or_bad_targets_exit_2_in_one_line(args, name):
    out = run(*args, *DEVICE)
    assert out.returncode == 2, out.stdout
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and name in lines[0] and "Traceback" not in out.stderr
    assert out.stdout == ""


def test_kappa_needs_i_off():
    out = run("--tau", "20m", "--i-b", "10p", "--kappa", "0.7")
    assert out.returncode == 2 and "i_off" in out.stderr


def test_corners_cli_uses_the_given_devices():
    data = run_json("corners", "--tau", "20m", "--i-b", "10p", "--c-tsv", "140f", "--i-target", "30p",
                    "--corners", "tt,ss", "--temps", "-40,125", *DEVICE)
    rows = data["rows"]
    assert [(r["corner"], r["temp"]) for r in rows] == [("tt", -40), ("tt", 125), ("ss", -40), ("ss", 125)]
    c_eff = data["design"]["c_eff"]
    for row in rows:  # same capacitor and bias: τ scales with U_T, i.e. with absolute temperature
        assert row["tau"] == pytest.approx(c_eff * 2 * 1.380649e-23 * (row["temp"] + 273.15)
                                           / (1.602176634e-19 * 0.7 * 10e-12), rel=1e-9)


def test_montecarlo_cli_reproducible_and_growing():
    args = ("montecarlo", "--tau", "20m", "--i-b", "10p", "--c-tsv", "140f", "--i-target", "30p", "--n", "1000",
            "--seed", "5", "--sigma-vos", "5m", "--sigma-ib", "0.05", "--sigma-vth", "9m", *DEVICE)
    a, b = run(*args, "--json").stdout, run(*args, "--json").stdout
    assert a == b
    small, large = json.loads(a), run_json(*args, "--scale", "2")
    assert large["std"] > 1.8 * small["std"]
    assert abs(small["mean"] - small["nominal"]) < 4 * small["stderr"]
    assert sum(small["histogram"]["counts"]) == 1000 and "rates" not in small
