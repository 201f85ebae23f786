"""The Verilog itself: lint, widths derived from the parameters, parameters out of range stop every tool,
the extreme formats against the model, and the area of the neuron."""

from __future__ import annotations

import json
import subprocess

import numpy as np
import pytest

from lifhw import LIFParams, fixed
from lifhw.digital import hdl, runner, testbench
from lifhw.errors import RtlError

P = LIFParams()
DT = 1e-4


def verilator_lint(module: str, parameters: dict) -> subprocess.CompletedProcess:
    return subprocess.run(["verilator", "--lint-only", "-Wall", "--top-module", module,
                           *(f"-G{k}={v}" for k, v in parameters.items()), *map(str, hdl.SOURCES[module])],
                          capture_output=True, text=True, timeout=120)


def yosys(module: str, parameters: dict, tmp_path, *commands: str) -> subprocess.CompletedProcess:
    chparam = " ".join(f"-set {k} {v}" for k, v in parameters.items())
    script = (f"read_verilog {' '.join(map(str, hdl.SOURCES[module]))}; "
              + (f"chparam {chparam} {module}; " if parameters else "")
              + f"hierarchy -check -top {module}; " + " ".join(commands))
    return subprocess.run(["yosys", "-q", "-p", script], capture_output=True, text=True, timeout=120, cwd=tmp_path)


@pytest.mark.parametrize("module, parameters", [
    ("lif_neuron", {}), ("lif_neuron", {"LEAK_MULT": 1, "LEAK_FRAC": 8, "RESET_MODE": 1}),
    ("lif_core", {"N": 5}), ("lif_core", {"N": 1, "WIDTH": 24, "IN_WIDTH": 8, "REF_STEPS": 0}),
    ("lif_core", {"N": 3, "WIDTH": 32, "THRESH": (1 << 31) - 1, "V_RESET": -(1 << 31), "LEAK_MULT": 1000,
                  "LEAK_FRAC": 30, "REF_STEPS": 65535}),
])
def test_verilator_lint_wall_clean(module, parameters):
    out = verilator_lint(module, parameters)
    assert out.returncode == 0 and "%Warning" not in out.stderr, out.stderr


def port_width(module: str, parameters: dict, port: str, tmp_path) -> int:
    """Bits of ``port`` of ``module`` as Yosys elaborates it with ``parameters``."""
    out = yosys(module, parameters, tmp_path, "proc;", "write_json ports.json")
    assert out.returncode == 0, out.stderr
    modules = json.loads((tmp_path / "ports.json").read_text())["modules"]
    top = next(m for m in modules.values() if m.get("attributes", {}).get("top"))
    return len(top["ports"][port]["bits"])


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 16, 17, 256])
def test_index_ports_hold_every_neuron_index(n, tmp_path):
    # The bit length of the largest index n - 1 (at least one bit), counted here with Python integers.
    assert port_width("lif_core", {"N": n}, "x_idx_o", tmp_path) == max(1, (n - 1).bit_length())


@pytest.mark.parametrize("ref_steps", [0, 1, 2, 3, 4, 20, 65535])
def test_refractory_ports_hold_ref_steps(ref_steps, tmp_path):
    assert port_width("lif_datapath", {"REF_STEPS": ref_steps}, "ref_i", tmp_path) == max(1, ref_steps.bit_length())


#: (module, parameters, what the failure must name) for the 16-bit default neuron (THRESH = 20972).
OUT_OF_RANGE = [
    ("lif_datapath", {"REF_STEPS": 20, "REF_W": 4}, "REF_W_too_narrow_for_REF_STEPS"),
    ("lif_core", {"N": 5, "IDX_W": 2}, "IDX_W_too_narrow_for_N"),
    ("lif_core", {"N": 0}, "IDX_W_too_narrow_for_N"),
    ("lif_neuron", {"THRESH": 1 << 15}, "THRESH_must_be"),
    ("lif_neuron", {"V_RESET": 20972}, "V_RESET_must_be"),
    ("lif_neuron", {"V_RESET": -(1 << 15) - 1}, "V_RESET_must_be"),
    ("lif_neuron", {"LEAK_MULT": 1 << 16}, "LEAK_MULT_must_be"),
    ("lif_neuron", {"LEAK_MULT": 0}, "LEAK_MULT_must_be"),
    ("lif_neuron", {"IN_WIDTH": 17}, "IN_WIDTH_must_be"),
    ("lif_neuron", {"RESET_MODE": 3}, "RESET_MODE_must_be"),
]


@pytest.mark.parametrize("module, parameters, message", OUT_OF_RANGE)
def test_out_of_range_parameter_stops_icarus(module, parameters, message, tmp_path):
    with pytest.raises(RtlError, match=r"iverilog compile of .* failed .*log: ") as err:
        runner.iverilog(module, parameters, tmp_path)
    assert message in (tmp_path / "iverilog.log").read_text(), str(err.value)


@pytest.mark.parametrize("module, parameters, message", OUT_OF_RANGE)
def test_out_of_range_parameter_stops_verilator(module, parameters, message):
    out = verilator_lint(module, parameters)
    assert out.returncode != 0 and message in out.stderr, out.stderr


@pytest.mark.parametrize("module, parameters, message", OUT_OF_RANGE)
def test_out_of_range_parameter_stops_yosys(module, parameters, message, tmp_path):
    with pytest.raises(RtlError, match=r"Yosys synthesis of .* failed .*log: "):
        runner.synth_area(module, parameters, tmp_path)
    assert message in (tmp_path / f"{module}.yosys.log").read_text()


@pytest.mark.parametrize("fmt, params", [
    ({"width": 32, "leak": "mult", "leak_frac": 30}, P),
    ({"width": 32, "leak": "shift", "reset_mode": "subtract"}, P.replace(t_ref=0.0)),
    ({"width": 4, "leak": "shift", "in_width": 2}, P.replace(c_m=7.5e-12, t_ref=3e-4)),
])
def test_extreme_formats_match_the_model(fmt, params, tmp_path):
    q = fixed.quantize(params, DT, fixed.FixedFormat(**fmt))
    n, sweeps = 64, 300
    stim, ctrl = testbench.random_stimulus(q, n, sweeps, seed=11, reset_prob=0.02)
    tb = testbench.compile_tb(q, n, tmp_path, stim_depth=n * sweeps, ctrl_depth=sweeps)
    rows = testbench.run_tb(tb, stim, sweeps, ctrl)
    result = testbench.scoreboard(q, stim, ctrl, rows)
    assert result.passed, result.mismatches[:3]
    assert rows[:, 2].sum() > 10 and np.any(rows[:, 3] == q.v_min)


def test_yosys_synthesizes_a_negative_reset_value(tmp_path):
    q = fixed.quantize(P.replace(v_reset=-75e-3, t_ref=0.5e-3), 2e-4, fixed.FixedFormat(width=12, leak_frac=12))
    assert q.rtl["V_RESET"] < 0 and q.rtl["REF_STEPS"] == 2
    area = runner.synth_area("lif_neuron", hdl.neuron_parameters(q), tmp_path)
    assert area["flops"] == 12 + 2 + 1


def test_yosys_area_of_the_16_bit_shift_neuron(tmp_path):
    q = fixed.quantize(P, DT, fixed.FixedFormat(width=16, leak="shift"))
    area = runner.synth_area("lif_neuron", hdl.neuron_parameters(q), tmp_path)
    # The open 16-bit shift-decay saturating LIF reference is about 460 generic cells.
    assert area["cells"] <= 460
    # 16 state bits + the bits of 0..REF_STEPS = 20 (five) + the spike register, and no more.
    assert q.rtl["REF_STEPS"] == 20 and area["flops"] == 16 + 5 + 1
