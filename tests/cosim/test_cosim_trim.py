"""The Verilog trim search co-simulated on a Monte Carlo neuron (sky130 tt_mm, one setseed sample) lands on the
code its Python model predicts from plain ngspice transients of the same sample, and trims the rate to within the
quantisation bound it derives."""

from __future__ import annotations

import math

import pytest

from lifhw.cosim import run


@pytest.fixture(scope="module")
def trim_run(tmp_path_factory):
    return run.run_trim("ota", 1, 3, 30.0, 1e-5, tmp_path_factory.mktemp("trim"))


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
