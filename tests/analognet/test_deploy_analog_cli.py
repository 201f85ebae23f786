"""``lifhw deploy --target analog`` on bad input: one line naming the flag, exit 2, no traceback; refusals that need
no circuit numbers come before any SPICE, the others after the (stored) calibration."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from lifhw import fixed

from .helpers import tiny_net


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    d = tmp_path_factory.mktemp("analog-models")
    fixed.save_network(tiny_net(), d / "ok.npz")
    fixed.save_network(tiny_net(reset_mode="subtract"), d / "subtract.npz")
    fixed.save_network(tiny_net(ref_steps=1), d / "refractory.npz")
    fixed.save_network(tiny_net(reset_mode="subtract-delayed"), d / "delayed.npz")
    net = tiny_net()
    biased = replace(net.layers[0], bias=np.full(net.layers[0].n_out, 3, dtype=np.int64))
    fixed.save_network(fixed.FixedNetwork((biased, *net.layers[1:])), d / "biased.npz")
    return d


@pytest.mark.parametrize("model, flags, words", [
    ("ok.npz", ["--dies", "0"], ["dies", "0"]),
    ("ok.npz", ["--circuit", "ideal"], ["circuit", "ideal"]),
    ("ok.npz", ["--spice-samples", "-1"], ["spice_samples"]),
    ("ok.npz", ["--samples", "3", "--spice-samples", "5"], ["spice_samples", "5"]),
    ("subtract.npz", [], ["model", "subtract"]),
    ("refractory.npz", [], ["model", "REF_STEPS"]),
    ("delayed.npz", [], ["model", "subtract-delayed"]),
    ("biased.npz", [], ["model", "bias"]),
    ("ok.npz", ["--t-w", "1n"], ["t_w", "--t-w"]),
    ("ok.npz", ["--i-syn-max", "1n"], ["t_w", "--i-syn-max"]),
    ("ok.npz", ["--dt", "100u"], ["dt", "timing floor"]),
])
def test_bad_analog_inputs_are_one_line(models, flags, model, words, lifhw_in_process, one_line_exit_2, tmp_path,
                                        monkeypatch):
    monkeypatch.chdir(tmp_path.parent)  # the calibration is stored under build/ here, once for every case
    run = lifhw_in_process("deploy", models / model, "--target", "analog", "--samples", "8", *flags)
    one_line_exit_2(run, *words)


@pytest.mark.parametrize("flags, words", [(["--bias"], ["bias", "--analog"]),
                                          (["--reset-mode", "subtract"], ["reset_mode", "subtract"]),
                                          (["--ref-steps", "2"], ["ref_steps", "2"])])
def test_learn_refuses_what_the_circuits_cannot_build_before_training(flags, words, lifhw_in_process, one_line_exit_2,
                                                                      tmp_path):
    run = lifhw_in_process("learn", "digits", "--analog", "ota", "--out", tmp_path / "out", *flags)
    one_line_exit_2(run, *words)
    assert not (tmp_path / "out" / "checkpoint.npz").exists()
