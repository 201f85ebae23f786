"""The Verilog trim search co-simulated on a Monte Carlo neuron (sky130 tt_mm, one setseed sample) lands on the
code its Python model predicts from plain ngspice transients of the same sample, and trims the rate to within the
quantisation bound it derives; the same seed draws the same silicon in a fresh process, so the same codes."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from lifhw.cosim import run
from lifhw.cosim.tile import Tile


@pytest.fixture(scope="module")
def trim_work(tmp_path_factory):
    work = tmp_path_factory.mktemp("trim")
    return run.run_trim("ota", 1, 3, 30.0, 1e-5, work), work


@pytest.fixture(scope="module")
def trim_run(trim_work):
    return trim_work[0]


def test_the_search_lands_on_the_predicted_code(trim_run):
    neuron = trim_run.neurons[0]
    assert neuron.done and neuron.iterations == 5
    if neuron.margin < 0.1:            # a decision within a tenth of a step of its threshold may go either way
        assert abs(neuron.code - neuron.predicted_code) <= 1
    else:
        assert neuron.code == neuron.predicted_code


def test_the_trimmed_rate_is_within_the_quantisation_bound(trim_run):
    neuron = trim_run.neurons[0]
    assert math.isfinite(neuron.residual_bound)
    # co-simulated rate after the trim against the target: within the bound (a tenth of a step for numerics)
    assert abs(neuron.rate_after / trim_run.target_rate - 1) <= 1.1 * neuron.residual_bound
    # and the co-simulation's rates agree with the plain transients of the same codes
    assert neuron.rate_before == pytest.approx(neuron.rate_before_spice, rel=1e-3)
    assert neuron.rate_after == pytest.approx(neuron.rate_after_spice, rel=1e-3)


def test_the_same_seed_gives_the_same_codes(trim_work, tmp_path):
    _, work = trim_work
    first = json.loads((work / "predict.json").read_text())
    config = json.loads((work / "predict-config.json").read_text())
    tile, deck = Tile("ota", 1, mismatch=True, tight=True), work / "tile-mc.cir"
    # the prediction again, in a fresh process: every interval of its search bit for bit, so the same code
    again, _, _ = run._plain(tmp_path, tile, deck, config["t_stop"], 3, config["predict"], "again")
    assert again["trials"] == first["trials"]
    # and the seed is what draws it: another sample of the same deck fires at another rate
    other, _, _ = run._plain(tmp_path, tile, deck, config["t_stop"], 4, None, "other")
    interval = [float(np.mean(np.diff(r["rises"][0][0]))) for r in (first, other)]
    assert interval[1] != pytest.approx(interval[0], rel=1e-3)
