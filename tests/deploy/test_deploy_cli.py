"""``lifhw deploy`` on bad input: one line naming what is wrong, exit 2, no traceback, nothing simulated."""

from __future__ import annotations

import subprocess
import sys

import nir
import numpy as np
import pytest

from lifhw import LIFParams, fixed


def network(sizes, width=16, bits=8) -> fixed.FixedNetwork:
    rng = np.random.default_rng(0)
    layers = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
        acc = fixed.default_acc_width(bits, n_in, width)
        q = fixed.quantize(LIFParams(), 1e-3, fixed.FixedFormat(width=width, frac=10, in_width=acc))
        layers.append(fixed.FixedLayer(rng.integers(-100, 100, size=(n_out, n_in)), q, bits, acc))
    return fixed.FixedNetwork(tuple(layers))


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    d = tmp_path_factory.mktemp("models")
    fixed.save_network(network([64, 8, 10]), d / "ok.npz")
    fixed.save_network(network([3, 4]), d / "three_inputs.npz")
    mixed = fixed.FixedNetwork((network([64, 8]).layers[0],
                                network([8, 10], width=12).layers[0]))
    fixed.save_network(mixed, d / "mixed_width.npz")
    (d / "junk.npz").write_bytes(b"not a zip file")
    (d / "junk.nir").write_text("not a graph")
    (d / "empty").mkdir()
    conv = nir.NIRGraph.from_list(nir.Conv1d(input_shape=64, weight=np.ones((2, 1, 3)), stride=1, padding=0,
                                             dilation=1, groups=1, bias=np.zeros(2)))
    nir.write(str(d / "conv.nir"), conv)
    n = 10
    if_graph = nir.NIRGraph.from_list(nir.Linear(weight=np.full((n, 64), 0.1)),
                                      nir.IF(r=np.ones(n), v_threshold=np.ones(n), v_reset=np.zeros(n)))
    nir.write(str(d / "if.nir"), if_graph)
    cuba = nir.NIRGraph.from_list(nir.Linear(weight=np.full((n, 64), 0.1)), nir.CubaLIF(
        tau_syn=np.full(n, 5e-3), tau_mem=np.full(n, 20e-3), r=np.ones(n), v_leak=np.zeros(n),
        v_threshold=np.ones(n), w_in=np.ones(n)))
    nir.write(str(d / "cuba.nir"), cuba)
    lif = nir.LIF(tau=np.full(n, 5e-3), r=np.full(n, 50.0), v_leak=np.zeros(n), v_threshold=np.ones(n),
                  v_reset=np.zeros(n))
    nir.write(str(d / "bias.nir"), nir.NIRGraph.from_list(nir.Affine(weight=np.full((n, 64), 0.1),
                                                                     bias=np.full(n, 0.2)), lif))
    for name, bias in (("bias_nan", np.full(n, np.nan)), ("bias_short", np.full(n - 1, 0.2)),
                       ("bias_huge", np.full(n, 1e300))):  # checked by check_graph or from_graph, before any use
        nir.write(str(d / f"{name}.nir"), nir.NIRGraph.from_list(nir.Affine(weight=np.full((n, 64), 0.1),
                                                                            bias=bias), lif))
    for name, text in RESULT_JSON.items():  # learn folders whose result.json is not what `lifhw learn` writes
        (d / name).mkdir()
        fixed.save_network(network([64, 8, 10]), d / name / "fixed.npz")
        (d / name / "result.json").write_text(text)
    return d


RESULT_JSON = {"as_list": "[1, 2]", "seed_text": '{"seed": "abc"}', "seed_half": '{"seed": 1.5}',
               "seed_negative": '{"seed": -1}', "steps_huge": '{"steps": 1000000000000}',
               "encoding_other": '{"encoding": "phase"}', "truncated": '{"seed": 1', "nan": '{"seed": NaN}'}


CASES = [
    (["conv.nir"], ["node 'conv1d'.type", "Conv1d"]),                 # a NIR node the core cannot run
    (["if.nir"], ["node 'if'.type = 'IF'", "does not leak"]),
    (["bias.nir", "--bias", "off"], ["node 'affine'.bias", "--bias is off"]),
    (["bias.nir", "--reset", "sideways"], ["--reset", "sideways", "subtract-delayed"]),
    (["bias_nan.nir"], ["bias_nan.nir: node 'affine'.bias (one of 10) = nan: must be a finite number"]),
    (["bias_short.nir"], ["bias_short.nir: node 'affine'.bias = [9]: must be 10 numbers (one per neuron)"]),
    (["bias_huge.nir"], ["bias_huge.nir: node 'affine'.bias (one of 10) = 1e+300: must be 0 or of magnitude"]),
    (["cuba.nir"], ["node 'cubalif'.tau_syn", "no second state"]),
    (["ok.npz", "--weight-width", "6"], ["weight_width = 6", "8-bit weights", "6-bit weight memory"]),
    (["if.nir", "--bits", "40"], ["bits = 40"]),
    (["nowhere.npz"], ["model", "nowhere.npz"]),                       # missing, corrupt, empty
    (["junk.npz"], ["junk.npz: is not a readable .npz"]),
    (["junk.nir"], ["junk.nir: is not a readable NIR file"]),
    (["empty"], ["model", "empty"]),
    (["ok.npz", "--samples", "0"], ["samples = 0", "whole number in [1,"]),
    (["ok.npz", "--samples", "361"], ["samples = 361", "360 samples"]),
    (["three_inputs.npz"], ["model = [3, 4]", "3 inputs", "64"]),
    (["mixed_width.npz"], ["layers = [16, 12]", "WIDTH differs"]),
    (["ok.npz", "--simulator", "modelsim"], ["simulator", "modelsim"]),
    (["as_list"], ["as_list/result.json: ", "expected an object, got list"]),
    (["seed_text"], ["seed_text/result.json: seed = 'abc': expected int, got str"]),
    (["seed_half"], ["seed_half/result.json: seed = 1.5: expected int, got float"]),   # refused, not truncated
    (["seed_negative"], ["seed_negative/result.json: seed = -1: must be a whole number in [0, 4294967295]"]),
    (["steps_huge"], ["steps_huge/result.json: steps = 1000000000000: ", "--max-steps"]),
    (["encoding_other"], ["encoding_other/result.json: encoding = 'phase'"]),
    (["truncated"], ["truncated/result.json: is not JSON"]),
    (["nan"], ["nan/result.json: is not JSON", "NaN"]),
]


@pytest.mark.parametrize("args, words", CASES, ids=[" ".join(a) for a, _ in CASES])
def test_bad_deploy_input_is_one_line_exit_2(args, words, models, tmp_path, lifhw_in_process, one_line_exit_2):
    model, *rest = args
    one_line_exit_2(lifhw_in_process("deploy", models / model, *rest, "--out", tmp_path / "out"), *words)
    assert not (tmp_path / "out" / "sim").exists()


def test_a_real_process_says_it_in_one_line(models, tmp_path, one_line_exit_2):
    run = subprocess.run([sys.executable, "-m", "lifhw", "deploy", str(models / "conv.nir"), "--out", str(tmp_path)],
                         capture_output=True, text=True, timeout=300)
    one_line_exit_2(run, "node 'conv1d'.type")
