"""``lifhw learn digits`` keeps a checkpoint after every epoch: interrupted in either phase, ``--resume`` ends with
exactly the networks, accuracies and history of a run never interrupted (JAX on CPU is deterministic, and the
checkpoint stores every array exactly); a checkpoint of other settings, or one that is not one, is refused."""

from __future__ import annotations

import json
import signal
from dataclasses import replace

import numpy as np
import pytest

from lifhw.errors import Interrupted, ParameterError
from lifhw.learn import digits, train

CONFIG = digits.DigitsConfig(hidden=(16,), bits=6, qat_epochs=2, train=train.TrainConfig(epochs=2, steps=8))


#: Issue 25's training state besides the weights: a bias per neuron, trained and checkpointed, and the delayed
#: subtraction (a setting the checkpoint must match).
BIASED = replace(CONFIG, bias=True, reset_mode="subtract-delayed")
CONFIGS = {"plain": CONFIG, "biased": BIASED}


@pytest.fixture(scope="module")
def wholes():
    return {}


def _whole(wholes: dict, name: str) -> dict:
    if name not in wholes:
        wholes[name] = digits.run(CONFIGS[name])
    return wholes[name]


def _stop_after(phase: str, epoch: int):
    def progress(row: dict) -> None:
        if row["phase"].startswith(phase) and row["epoch"] == epoch:
            raise KeyboardInterrupt  # as a Ctrl-C there would

    return progress


def _without_seconds(history: list[dict]) -> list[dict]:
    return [{k: v for k, v in row.items() if k != "seconds"} for row in history]


@pytest.mark.parametrize("name, phase, epoch", [("plain", "float", 1), ("plain", "float", 2), ("plain", "qat", 1),
                                               ("biased", "float", 1), ("biased", "qat", 1)])
def test_the_resumed_run_ends_bit_for_bit_where_the_uninterrupted_one_ends(wholes, tmp_path, name, phase, epoch):
    config, whole = CONFIGS[name], _whole(wholes, name)
    checkpoint = tmp_path / "checkpoint.npz"
    with pytest.raises(Interrupted, match=f"{phase} epoch {epoch} of 2 finished, checkpoint {checkpoint}"):
        digits.run(config, _stop_after(phase, epoch), checkpoint=checkpoint)
    rows = []
    resumed = digits.run(config, rows.append, checkpoint=checkpoint, resume=True)
    assert len(rows) == 4 - (epoch + (2 if phase == "qat" else 0))  # only the epochs not kept are trained again
    for net in ("float_net", "qat_net"):
        for ours, theirs in zip(resumed[net].weights, whole[net].weights, strict=True):
            assert np.array_equal(ours, theirs)
        assert (resumed[net].biases is None) == (whole[net].biases is None) == (not config.bias)
        for ours, theirs in zip(resumed[net].biases or (), whole[net].biases or (), strict=True):
            assert np.array_equal(ours, theirs)
    for ours, theirs in zip(resumed["fixed_net"].layers, whole["fixed_net"].layers, strict=True):
        assert np.array_equal(ours.weights, theirs.weights) and ours.q == theirs.q
        assert (ours.bias is None and theirs.bias is None) or np.array_equal(ours.bias, theirs.bias)
    assert _without_seconds(resumed["history"]) == _without_seconds(whole["history"])
    for key in ("float_accuracy", "fixed_accuracy", "float_spikes_per_layer", "fixed_spikes_per_layer",
                "fixed_source", "fixed_epoch", "validation"):  # the validation split chose the same network
        assert resumed[key] == whole[key]


def test_a_checkpoint_that_does_not_fit_is_refused_naming_why(tmp_path):
    checkpoint = tmp_path / "checkpoint.npz"
    with pytest.raises(ParameterError, match="no checkpoint there"):
        digits.run(CONFIG, checkpoint=checkpoint, resume=True)
    with pytest.raises(Interrupted):
        digits.run(CONFIG, _stop_after("float", 1), checkpoint=checkpoint)
    with pytest.raises(ParameterError, match=r"other settings \(qat_epochs\)"):
        digits.run(replace(CONFIG, qat_epochs=3), checkpoint=checkpoint, resume=True)
    with pytest.raises(ParameterError, match=r"other settings \(bias, reset_mode\)"):
        digits.run(BIASED, checkpoint=checkpoint, resume=True)
    checkpoint.write_bytes(checkpoint.read_bytes()[:200])
    with pytest.raises(ParameterError, match="is not a readable checkpoint"):
        digits.run(CONFIG, checkpoint=checkpoint, resume=True)


@pytest.mark.slow
def test_ctrl_c_in_the_command_keeps_the_epoch_and_resume_goes_on(foreground, tmp_path):
    args = ["learn", "digits", "--hidden", "16", "--epochs", "2", "--qat-epochs", "1", "--bits", "6", "--steps", "8",
            "--out", tmp_path, "--json"]
    run = foreground(*args, hold="float epoch 1")
    run.wait_for("holding at float epoch 1")
    run.signal(signal.SIGINT)
    done = run.finish()
    lines = [line for line in done.stderr.splitlines() if " epoch " not in line or line.startswith("lifhw: inter")]
    assert done.returncode == 130 and done.stdout == "", done.stderr
    assert lines == [f"lifhw: interrupted: float epoch 1 of 2 finished, checkpoint {tmp_path / 'checkpoint.npz'}; "
                     "the same command with --resume goes on from it"], done.stderr
    assert not (tmp_path / "result.json").exists() and run.group_is_gone()
    again = foreground(*args, "--resume").finish()
    assert again.returncode == 0, again.stderr
    assert again.stderr.count(" epoch ") == 2  # the second float epoch and the one quantization-aware epoch
    assert [row["epoch"] for row in json.loads(again.stdout)["history"]] == [1, 2, 1]
