"""snn_core's Verilog itself: lint, derived widths, parameters out of range stop every tool, what the core refuses
to run, the weight image, the generated top module and the memories Yosys keeps."""

from __future__ import annotations

import json
import subprocess

import numpy as np
import pytest

from lifhw import LIFParams, fixed
from lifhw.digital import hdl, runner, snn
from lifhw.errors import ParameterError, RtlError


def network(sizes, width=16, bits=8, acc=None, t_ref=2e-3, seed=0, frac=12) -> fixed.FixedNetwork:
    rng = np.random.default_rng(seed)
    layers = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
        a = acc or fixed.default_acc_width(bits, n_in, width)
        q = fixed.quantize(LIFParams(t_ref=t_ref), 1e-3, fixed.FixedFormat(width=width, frac=frac, in_width=a))
        w = rng.integers(-(1 << (bits - 1)), 1 << (bits - 1), size=(n_out, n_in))
        layers.append(fixed.FixedLayer(w, q, bits, a))
    return fixed.FixedNetwork(tuple(layers))


SHAPES = {"digits": [64, 64, 10], "one": [1, 1], "odd": [5, 3, 7, 2], "wide_first": [3, 40, 9]}


def verilator_lint(parameters: dict) -> subprocess.CompletedProcess:
    return subprocess.run(["verilator", "--lint-only", "-Wall", "--top-module", "snn_core",
                           *(f"-G{k}={v}" for k, v in parameters.items()), *map(str, hdl.SOURCES["snn_core"])],
                          capture_output=True, text=True, timeout=120)


def yosys(parameters: dict, tmp_path, *commands: str) -> subprocess.CompletedProcess:
    (tmp_path / "weights.hex").write_text("00\n")  # the default WEIGHT_FILE, read where Yosys runs
    chparam = " ".join(f"-set {k} {hdl.literal(v)}" for k, v in parameters.items())
    script = (f"read_verilog -defer {' '.join(map(str, hdl.SOURCES['snn_core']))}; chparam {chparam} snn_core; "
              "hierarchy -check -top snn_core; " + " ".join(commands))
    return subprocess.run(["yosys", "-q", "-p", script], capture_output=True, text=True, timeout=300, cwd=tmp_path)


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_verilator_lint_wall_clean(shape):
    out = verilator_lint(snn.core_parameters(network(SHAPES[shape]), max_steps=100))
    assert out.returncode == 0 and "%Warning" not in out.stderr, out.stderr


def test_verilator_lint_wall_clean_at_the_edges():
    # 32-bit state, 2-bit accumulator and weights, 1000 steps, refractory periods of different widths per layer.
    net = fixed.FixedNetwork((network([4, 3], width=32, bits=16, acc=32, frac=20).layers[0],
                              network([3, 2], width=32, bits=2, acc=2, t_ref=0.0, frac=20).layers[0]))
    out = verilator_lint(snn.core_parameters(net, max_steps=1000))
    assert out.returncode == 0 and "%Warning" not in out.stderr, out.stderr


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_port_widths_are_derived(shape, tmp_path):
    net = network(SHAPES[shape])
    out = yosys(snn.core_parameters(net, max_steps=16), tmp_path, "proc;", "write_json ports.json")
    assert out.returncode == 0, out.stderr
    modules = json.loads((tmp_path / "ports.json").read_text())["modules"]
    ports = next(m for m in modules.values() if m.get("attributes", {}).get("top"))["ports"]
    widths = {name: len(ports[port]["bits"]) for name, port in (
        ("IN_IDX_W", "in_idx_i"), ("IDX_W", "upd_idx_o"), ("LAY_W", "upd_layer_o"), ("OUT_IDX_W", "cnt_addr_i"),
        ("CNT_W", "cnt_o"))}
    # The bit length of the largest value each port carries, counted with Python integers.
    sizes = net.sizes
    assert widths == {"IN_IDX_W": max(1, (sizes[0] - 1).bit_length()), "IDX_W": max(1, (max(sizes) - 1).bit_length()),
                      "LAY_W": max(1, (len(sizes) - 2).bit_length()), "OUT_IDX_W": max(1, (sizes[-1] - 1).bit_length()),
                      "CNT_W": 16 .bit_length()}
    assert widths == snn.port_widths(net, 16)


BASE = snn.core_parameters(network([4, 3, 2]), max_steps=16)
#: (changes to BASE, what the failure must name)
OUT_OF_RANGE = [
    ({"SIZES": hdl.packed([4, 0, 2])}, "snn_core_SIZES_must_be_1_to_65535"),
    ({"SIZES": hdl.packed([4, 65536, 2])}, "snn_core_SIZES_must_be_1_to_65535"),
    ({"WEIGHT_W": 1}, "snn_core_WEIGHT_W_must_be_2_to_WIDTH"),
    ({"WEIGHT_W": 17}, "snn_core_WEIGHT_W_must_be_2_to_WIDTH"),
    ({"MAX_STEPS": 0}, "snn_core_MAX_STEPS_must_be_at_least_1"),
    ({"IDX_W": 1}, "snn_core_port_width_too_narrow_for_SIZES_L_or_MAX_STEPS"),
    ({"CNT_W": 4}, "snn_core_port_width_too_narrow_for_SIZES_L_or_MAX_STEPS"),
    ({"THRESH": hdl.packed([82, 1 << 15])}, "lif_datapath_THRESH_must_be"),   # layer 2's, checked by its datapath
    ({"ACC_W": hdl.packed([17, 9])}, "lif_datapath_IN_WIDTH_must_be_2_to_WIDTH"),
]


@pytest.mark.parametrize("changes, message", OUT_OF_RANGE)
def test_out_of_range_parameter_stops_icarus(changes, message, tmp_path):
    with pytest.raises(RtlError, match=r"iverilog compile of snn_core failed .*log: "):
        runner.iverilog("snn_core", {**BASE, **changes}, tmp_path)
    assert message in (tmp_path / "iverilog.log").read_text()


@pytest.mark.parametrize("changes, message", OUT_OF_RANGE)
def test_out_of_range_parameter_stops_verilator(changes, message):
    out = verilator_lint({**BASE, **changes})
    assert out.returncode != 0 and message in out.stderr, out.stderr


@pytest.mark.parametrize("changes, message", OUT_OF_RANGE)
def test_out_of_range_parameter_stops_yosys(changes, message, tmp_path):
    out = yosys({**BASE, **changes}, tmp_path)
    assert out.returncode != 0 and message in out.stderr + out.stdout


def test_what_the_core_cannot_run_is_refused():
    net = network([4, 3, 2])
    mixed = fixed.FixedNetwork((net.layers[0], network([3, 2], width=12).layers[0]))
    with pytest.raises(ParameterError, match=r"layers = \[16, 12\]: state WIDTH differs between layers"):
        snn.core_parameters(mixed, 16)
    with pytest.raises(ParameterError, match=r"weight_width = 6: layer 1 has 8-bit weights, wider than the core's "
                                             r"6-bit weight memory"):
        snn.core_parameters(net, 16, weight_width=6)
    with pytest.raises(ParameterError, match=r"weight_width = 17: .* 2..WIDTH = 16"):
        snn.core_parameters(net, 16, weight_width=17)
    with pytest.raises(ParameterError, match="max_steps = 0"):
        snn.core_parameters(net, 0)
    # A wider weight memory than the model needs is fine: the weights are sign-extended.
    assert snn.core_parameters(net, 16, weight_width=12)["WEIGHT_W"] == 12


def test_packed_literal_and_weight_image():
    assert hdl.packed([64, 64, 10]) == "96'h0000000a0000004000000040"
    assert hdl.packed([-100, 0]) == "64'h00000000ffffff9c"
    net = network([3, 2, 2])
    image = snn.weight_image(net)
    # Layer 1's W row-major, then layer 2's: W_l[i, j] at base_l + i * n_in + j.
    assert image.tolist() == net.layers[0].weights.ravel().tolist() + net.layers[1].weights.ravel().tolist()
    assert image[6 + 1 * 2 + 0] == net.layers[1].weights[1, 0]


def test_event_words_end_each_step():
    events = np.array([[[0, 1, 1], [0, 0, 0]], [[1, 0, 1], [1, 1, 1]]], dtype=bool)
    end = 1 << 31
    assert snn.event_words(events).tolist() == [1, 2, end, end, 0, 2, end, 0, 1, 2, end]


def test_deployed_top_module_and_memories(tmp_path):
    net = network(SHAPES["digits"], t_ref=0.0)
    parameters = snn.core_parameters(net, max_steps=16)
    area = snn.area(net, parameters, tmp_path)
    text = (tmp_path / "snn_deployed.v").read_text()
    assert ".WEIGHT_FILE(\"weights.hex\")" in text and ".SIZES(96'h0000000a0000004000000040)" in text
    # Every memory stays a memory; their bits from the sizes: weights 64*64 + 10*64 words of 8 bits, two event
    # lists of 64 six-bit indices, 74 states of 16 + 1 (REF_W) bits, 10 five-bit counts.
    assert {m["name"]: (m["words"], m["width"]) for m in area["memories"]} == {
        "w_mem": (64 * 64 + 10 * 64, 8), "ev_mem": (2 * 64, 6), "st_mem": (74, 17), "cnt_mem": (10, 5)}
    assert area["memory_bits"] == 4736 * 8 + 128 * 6 + 74 * 17 + 10 * 5
    # The flip-flops are the sequencer's and the input bitmap's (64), not the weights'.
    assert 64 < area["flip_flops"] < 300 and area["cells"] < 5000
