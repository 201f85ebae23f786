"""lif_ideal.cir against the closed-form f-I of the LIF (the netlist version of LIFParams)."""

from __future__ import annotations

import numpy as np
import pytest

from lifhw import theory
from lifhw.params import LIFParams
from lifhw.spice import SpiceNeuron, SweepError, ota_params


def test_ideal_fi_within_one_percent_of_closed_form():
    params = LIFParams()
    currents = np.array([1.1, 1.5, 3.0, 10.0]) * params.rheobase
    with SpiceNeuron("ideal", params, workers=2, timeout=60) as neuron:
        result = neuron.sweep(np.append(currents, 0.8 * params.rheobase)).check()
    expected = theory.firing_rate(params, currents)
    measured = result.rate[:-1]
    assert all(t.n_isi >= 3 for t in result.transients[:-1])
    np.testing.assert_allclose(measured, expected, rtol=0.01)
    assert result.rate[-1] == 0.0  # below rheobase: silent


def test_ideal_other_parameters_and_refractory():
    params = LIFParams(c_m=100e-12, r_m=200e6, v_rest=-65e-3, v_th=-45e-3, v_reset=-75e-3, t_ref=5e-3)
    current = 3 * params.rheobase
    with SpiceNeuron("ideal", params, workers=1, timeout=60) as neuron:
        tr = neuron.transient(current)
    assert tr.rate == pytest.approx(float(theory.firing_rate(params, current)), rel=0.01)
    # the reset is held for t_ref: release - spike
    held = tr.release_times[: len(tr.spike_times)] - tr.spike_times[: len(tr.release_times)]
    assert held == pytest.approx(np.full(len(held), params.t_ref), rel=0.01)  # backward Euler decay of the timer


def test_a_point_that_hangs_times_out_and_the_others_survive():
    params = LIFParams()
    with SpiceNeuron("ideal", params, workers=1, timeout=3) as neuron:
        good = neuron.job(2 * params.rheobase)
        hang = dict(good, t_stop=1e4)  # 10^4 s at a 0.1 ms step: far beyond the 3 s timeout
        results = neuron.pool.map([good, hang, good])
    assert not isinstance(results[0], Exception) and not isinstance(results[2], Exception)
    assert "timed out" not in str(results[0])
    assert "no answer after 3 s" in str(results[1]) and "lif_ideal-" in str(results[1])


def test_sweep_error_keeps_finished_points():
    params = LIFParams()
    with SpiceNeuron("ideal", params, workers=1, timeout=60) as neuron:
        result = neuron.sweep([2 * params.rheobase])
        result.errors[0] = "synthetic"
    with pytest.raises(SweepError, match="1 of 1 ideal sweep points failed") as info:
        result.check()
    assert info.value.result.transients[0].rate > 0


@pytest.mark.parametrize("c_m", [100e-12, 1e-9])
def test_ideal_simulates_time_constants_of_seconds(c_m):
    # The default analog R_m (7.6 GOhm) with 100 pF and 1 nF: tau = 0.76 s and 7.6 s, where the netlist's
    # switches used to stop ngspice with "Timestep too small".
    params = ota_params(c_m=c_m)
    currents = np.array([3.0, 10.0]) * params.rheobase
    with SpiceNeuron("ideal", params, workers=2, timeout=120) as neuron:
        result = neuron.sweep(currents).check()
    np.testing.assert_allclose(result.rate, theory.firing_rate(params, currents), rtol=2e-3)
