"""Mismatch Monte Carlo: reproducible, unbiased to first order, spread as linear error propagation predicts."""

from __future__ import annotations

import numpy as np
import pytest

from lifhw import sizing
from lifhw.errors import ParameterError
from lifhw.ota_theory import TanhNeuron

I_IN = 20e-12
#: Test amplitudes of the three mismatches (the PDK's own come from lifhw.spice.blocks; here any will do).
M = sizing.Mismatch(sigma_vos=3.5e-3, sigma_ib=0.07, sigma_vth=5e-3)


@pytest.fixture(scope="module")
def nominal() -> sizing.SizedNeuron:
    return sizing.size(0.3, sizing.TSV.from_value(140e-15), sizing.DevicePoint(kappa=0.68, i_off=1e-12),
                       tau=20e-3, i_b=10e-12)


def _propagated_std(d: sizing.SizedNeuron, m: sizing.Mismatch) -> float:
    """First-order (delta-method) std of the rate: sqrt(sum (df/dx_i σ_i)²), derivatives by central differences."""
    def rate(v_offset=0.0, ib_factor=1.0, v_th_offset=0.0):
        neuron = TanhNeuron(d.c_eff, d.i_b_eff * ib_factor, d.kappa, d.v_swing, d.temp, d.t_ref, v_offset=v_offset,
                            v_th_offset=v_th_offset, i_leak=d.device.i_off)
        return float(neuron.rate(I_IN))
    h = 1e-4
    terms = [(rate(v_offset=h) - rate(v_offset=-h)) / (2 * h) * m.sigma_vos,
             (rate(ib_factor=1 + h) - rate(ib_factor=1 - h)) / (2 * h) * m.sigma_ib,
             (rate(v_th_offset=h) - rate(v_th_offset=-h)) / (2 * h) * m.sigma_vth]
    return float(np.sqrt(np.sum(np.square(terms))))


def test_same_seed_same_population(nominal):
    a = sizing.monte_carlo(nominal, I_IN, M, n=500, seed=7)
    b = sizing.monte_carlo(nominal, I_IN, M, n=500, seed=7)
    c = sizing.monte_carlo(nominal, I_IN, M, n=500, seed=8)
    assert a.rates.tobytes() == b.rates.tobytes()
    assert not np.array_equal(a.rates, c.rates)


def test_no_mismatch_is_the_nominal_rate(nominal):
    out = sizing.monte_carlo(nominal, I_IN, sizing.Mismatch(0, 0, 0), n=10)
    assert np.all(out.rates == out.nominal)
    assert out.nominal == pytest.approx(float(nominal.rate(I_IN)))


def test_mean_within_standard_error_of_nominal(nominal):
    """Across independent seeds the mean should fall within 1 SE of the nominal rate ~68% of the time.

    That holds only if the mismatch is zero-mean and the rate's curvature bias is small against the SE;
    20 seeds: P(fewer than 9 within 1 SE | p = 0.68) < 1%, and none beyond 4 SE.
    """
    z = np.array([sizing.monte_carlo(nominal, I_IN, M, n=2000, seed=s).z for s in range(20)])
    assert np.sum(np.abs(z) <= 1) >= 9
    assert np.all(np.abs(z) < 4)
    assert abs(np.mean(z)) < 3 / np.sqrt(20) * 1.5


@pytest.mark.parametrize("scale", [0.5, 1.0, 2.0])
def test_spread_matches_error_propagation(nominal, scale):
    m = M.scaled(scale)
    out = sizing.monte_carlo(nominal, I_IN, m, n=4000, seed=1)
    # SE of a sample std is σ/√(2n) ≈ 1.1%; the second-order terms add a few % at the largest amplitude.
    assert out.std == pytest.approx(_propagated_std(nominal, m), rel=0.06 if scale < 2 else 0.1)


def test_spread_grows_with_amplitude(nominal):
    stds = [sizing.monte_carlo(nominal, I_IN, M.scaled(s), n=2000, seed=3).std
            for s in (0.25, 0.5, 1.0, 2.0)]
    assert np.all(np.diff(stds) > 0)
    assert stds[1] / stds[0] == pytest.approx(2.0, rel=0.05)  # linear at small amplitude


def test_each_mismatch_moves_the_rate_the_right_way(nominal):
    """More leak bias, a higher threshold or a lower rest point each slow the neuron."""
    base = float(nominal.rate(I_IN))
    neuron = TanhNeuron(nominal.c_eff, nominal.i_b_eff, nominal.kappa, nominal.v_swing, t_dead=nominal.t_ref,
                        i_leak=nominal.device.i_off)
    assert float(neuron.rate(I_IN)) == pytest.approx(base, rel=1e-12)
    assert float(neuron.replace(i_b=nominal.i_b_eff * 1.05).rate(I_IN)) < base
    assert float(neuron.replace(v_th_offset=5e-3).rate(I_IN)) < base
    assert float(neuron.replace(v_offset=-5e-3).rate(I_IN)) < base


def test_bad_population_size(nominal):
    with pytest.raises(ParameterError, match="^n = 1"):
        sizing.monte_carlo(nominal, I_IN, M, n=1)
