"""``lifhw learn`` and ``lifhw nir`` through a subprocess: outputs, files, round trips and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import nir
import numpy as np
import pytest

from lifhw import fixed


def _lifhw(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "lifhw", *args], capture_output=True, text=True, cwd=cwd)


@pytest.fixture(scope="module")
def learned(tmp_path_factory):
    out = tmp_path_factory.mktemp("learn")
    run = _lifhw("learn", "digits", "--hidden", "16", "--epochs", "2", "--qat-epochs", "1", "--bits", "6",
                 "--out", str(out), "--json")
    assert run.returncode == 0, run.stderr
    return out, json.loads(run.stdout), run.stderr


def test_learn_digits_writes_the_models_and_reports_per_epoch(learned):
    out, result, stderr = learned
    assert stderr.count("epoch") == 3  # two float epochs and one quantization-aware epoch, on stderr
    assert [r["phase"] for r in result["history"]] == ["float", "float", "qat6"]
    for key in ("float_accuracy", "fixed_accuracy", "train_seconds", "float_spikes_per_inference"):
        assert isinstance(result[key], float)
    net = fixed.load_network(out / "fixed.npz")
    assert net.sizes == result["sizes"] == [64, 16, 10]
    assert all(layer.weight_bits == 6 and np.abs(layer.weights).max() <= 31 for layer in net.layers)
    # The fixed accuracy is what the integer model scores on the held-out events.
    from lifhw.learn import digits, train

    config = digits.DigitsConfig(hidden=(16,), bits=6, train=train.TrainConfig(epochs=2))
    split = digits.load(0)
    score = digits.score_fixed(net, digits.test_events(split, config), split.y_test)
    assert score["accuracy"] == result["fixed_accuracy"]
    assert json.loads((out / "result.json").read_text())["fixed_accuracy"] == result["fixed_accuracy"]


def test_model_nir_imports_to_the_same_integers(learned, tmp_path):
    out, _, _ = learned
    run = _lifhw("nir", "import", str(out / "model.nir"), "--out", str(tmp_path / "again.npz"), "--json")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["bits"] == 6
    original, again = fixed.load_network(out / "fixed.npz"), fixed.load_network(tmp_path / "again.npz")
    for a, b in zip(original.layers, again.layers, strict=True):
        np.testing.assert_array_equal(a.weights, b.weights)
        assert a.q.rtl == b.q.rtl


def test_nir_export_of_the_folder_round_trips(learned, tmp_path):
    out, _, _ = learned
    run = _lifhw("nir", "export", str(out), "--out", str(tmp_path / "x.nir"), "--json")
    assert run.returncode == 0, run.stderr
    graph = nir.read(str(tmp_path / "x.nir"))
    assert [type(n).__name__ for n in graph.nodes.values()].count("LIF") == 2
    run = _lifhw("nir", "import", str(tmp_path / "x.nir"), "--out", str(tmp_path / "y.npz"))
    assert run.returncode == 0, run.stderr
    for a, b in zip(fixed.load_network(out / "fixed.npz").layers, fixed.load_network(tmp_path / "y.npz").layers,
                    strict=True):
        np.testing.assert_array_equal(a.weights, b.weights)


def test_bad_nir_is_one_line_exit_2(tmp_path, lifhw_in_process, one_line_exit_2):
    (tmp_path / "junk.nir").write_text("not a graph")
    junk = tmp_path / "junk.nir"
    one_line_exit_2(_lifhw("nir", "import", str(junk)), f"{junk}: is not a readable NIR")  # a real process once
    one_line_exit_2(lifhw_in_process("nir", "import", str(tmp_path / "missing.nir")), "no such file")
    conv = nir.NIRGraph.from_list(nir.Conv1d(input_shape=8, weight=np.ones((2, 1, 3)), stride=1, padding=0,
                                             dilation=1, groups=1, bias=np.zeros(2)))
    nir.write(str(tmp_path / "conv.nir"), conv)
    one_line_exit_2(lifhw_in_process("nir", "import", str(tmp_path / "conv.nir")), "node 'conv1d'.type", "Conv1d")
    n = 3
    lif = nir.LIF(tau=np.array([1e-3, 2e-3, 3e-3]), r=np.ones(n), v_leak=np.zeros(n), v_threshold=np.ones(n))
    nir.write(str(tmp_path / "tau.nir"), nir.NIRGraph.from_list(nir.Linear(weight=np.ones((n, 2))), lif))
    one_line_exit_2(lifhw_in_process("nir", "import", str(tmp_path / "tau.nir")), "node 'lif'.tau", "differs")


@pytest.mark.parametrize("args, words", [
    (["learn", "digits", "--bits", "1"], ["bits", "1"]),
    (["learn", "digits", "--bits", "17"], ["bits", "17"]),
    (["learn", "digits", "--hidden", "0"], ["hidden"]),
    (["learn", "digits", "--slope", "-2"], ["slope"]),
    (["learn", "digits", "--encoding", "phase"], ["encoding"]),
    (["nir", "export", "nowhere", "--out", "x.nir"], ["model", "nowhere"]),
])
def test_bad_learn_input_is_one_line_exit_2(args, words, lifhw_in_process, one_line_exit_2):
    one_line_exit_2(lifhw_in_process(*args), *words)
