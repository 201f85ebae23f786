"""The acceptance of the deploy issue: the digits network of the learning issue on snn_core, sample by sample.

The whole held-out split on Verilator through the ``lifhw deploy`` command (a real process), and 50 samples on
Icarus (the reference simulator) from the NIR file: zero mismatched output counts and probed membranes against
lifhw.fixed, the RTL's accuracy equal to the integer model's, which is the learning run's, and the clocks per
inference the ones rtl/README.md states.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from lifhw import fixed
from lifhw.digital import snn
from lifhw.learn import digits, nirgraph


@pytest.fixture(scope="module")
def learn_folder(digits_run, tmp_path_factory):
    """The trained network as ``lifhw learn digits`` writes it: fixed.npz, model.nir and result.json."""
    out = tmp_path_factory.mktemp("learn")
    net = digits_run["fixed_net"]
    fixed.save_network(net, out / "fixed.npz")
    deployed, hints = nirgraph.fixed_to_float(net)
    nirgraph.write(nirgraph.to_graph(deployed, hints), out / "model.nir")
    config = digits.DigitsConfig()
    (out / "result.json").write_text(json.dumps({"seed": config.seed, "steps": config.train.steps,
                                                 "encoding": config.train.encoding}))
    return out


def _deploy(*args) -> dict:
    run = subprocess.run([sys.executable, "-m", "lifhw", "deploy", *map(str, args), "--json"], capture_output=True,
                         text=True, timeout=1800)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def _clocks_as_stated(folder, out, n: int) -> None:
    score = json.loads((out / "sim" / "score.json").read_text())
    split = digits.load(0)
    events = digits.test_events(split, digits.DigitsConfig())[:n]
    net = fixed.load_network(folder / "fixed.npz")
    np.testing.assert_array_equal(score["cycles"], snn.inference_cycles(net, events))


@pytest.mark.slow
def test_whole_held_out_split_on_verilator(learn_folder, digits_run, tmp_path):
    result = _deploy(learn_folder, "--out", tmp_path, "--simulator", "verilator")
    assert result["samples"] == digits_run["n_test"] == 360
    assert result["mismatches"] == 0 and result["count_mismatches"] == 0 and result["update_mismatches"] == 0
    assert result["updates_compared"] >= 360 * 16 * 74 // 10  # an eighth of the steps, every neuron
    assert result["rtl_accuracy"] == result["fixed_accuracy"] == digits_run["fixed_accuracy"]
    _clocks_as_stated(learn_folder, tmp_path, 360)
    # The deliverables: the top module with the parameters, the weight image, params.json.
    params = json.loads((tmp_path / "params.json").read_text())
    assert params["SIZES"] == "96'h0000000a0000004000000040" and params["MAX_STEPS"] == 16
    words = (tmp_path / "weights.hex").read_text().split()
    assert len(words) == 64 * 64 + 10 * 64 and all(len(w) == 2 for w in words)
    assert result["memory_bits"] >= len(words) * 8 and result["cells"] > 0 and result["flip_flops"] > 0
    assert result["cycles_per_inference"] == pytest.approx(
        float(np.mean(json.loads((tmp_path / "sim" / "score.json").read_text())["cycles"])))


@pytest.mark.slow
def test_fifty_samples_on_icarus_from_the_nir_file(learn_folder, digits_run, tmp_path):
    result = _deploy(learn_folder / "model.nir", "--out", tmp_path, "--simulator", "icarus", "--samples", 50)
    assert result["samples"] == 50 and result["mismatches"] == 0
    assert result["rtl_accuracy"] == result["fixed_accuracy"] == float(
        np.mean(digits_run["fixed_prediction"][:50] == digits.load(0).y_test[:50]))
    _clocks_as_stated(learn_folder, tmp_path, 50)
