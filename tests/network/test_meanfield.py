"""Mean-field theory of Brunel's network against closed forms, a second quadrature and published values."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.special import erf

from lifhw import theory
from lifhw.errors import ParameterError
from lifhw.network import meanfield as mf


def _siegert_textbook(mu, sigma, neuron):
    """The Siegert formula as printed, e^{u^2}(1 + erf u), valid where it does not overflow."""
    lower, upper = (neuron.v_reset - mu) / sigma, (neuron.v_th - mu) / sigma
    integral = quad(lambda u: math.exp(u * u) * (1 + erf(u)), lower, upper, epsrel=1e-12)[0]
    return 1.0 / (neuron.t_ref + neuron.tau_m * math.sqrt(math.pi) * integral)


@pytest.mark.parametrize("mu_mv,sigma_mv", [(10, 5), (15, 3), (21.05, 7.68), (24, 6), (5, 8)])
def test_siegert_matches_the_printed_formula(mu_mv, sigma_mv):
    neuron = mf.brunel_neuron()
    mu, sigma = mu_mv * 1e-3, sigma_mv * 1e-3
    assert mf.siegert_rate(mu, sigma) == pytest.approx(_siegert_textbook(mu, sigma, neuron), rel=1e-8)


@pytest.mark.parametrize("mu_mv", [20.5, 25.0, 40.0, 200.0])
def test_siegert_small_noise_is_the_deterministic_lif(mu_mv):
    # sigma -> 0: the rate of a LIF under the constant current that sets V_inf = mu (closed form).
    neuron = mf.brunel_neuron()
    deterministic = theory.firing_rate(neuron, mu_mv * 1e-3 / neuron.r_m)
    assert mf.siegert_rate(mu_mv * 1e-3, 1e-8) == pytest.approx(deterministic, rel=1e-5)
    assert mf.siegert_rate(mu_mv * 1e-3, 0.0) == pytest.approx(deterministic, rel=1e-12)


def test_siegert_is_stable_far_from_threshold():
    with np.errstate(all="raise"):
        rates = mf.siegert_rate([-0.2, 0.0, 0.019, 1.0], [1e-4, 1e-3, 1e-4, 1e-3])
    # Upper limits 2000, 20 and 10: the rate is e^{-u^2}-small (0 once e^{u^2} would overflow).
    assert rates[0] == 0.0
    assert 0 < rates[1] < 1e-160 and 0 < rates[2] < 1e-35
    # Far above threshold the rate approaches, but stays under, 1/t_ref.
    assert 0.9 / 2e-3 < rates[3] < 1 / 2e-3


def test_siegert_rejects_negative_sigma():
    with pytest.raises(ParameterError, match="sigma"):
        mf.siegert_rate(0.01, -1e-3)


def test_input_moments_closed_form():
    c = mf.Coupling(c_e=1000, c_i=250, j=0.1e-3, g=5.0)
    mu, sigma = mf.input_moments(30.0, 20.0, c)
    # mu = C J tau (nu_ext + nu (1 - g gamma)), sigma^2 = C J^2 tau (nu_ext + nu (1 + g^2 gamma)).
    assert mu == pytest.approx(1000 * 0.1e-3 * 0.02 * (20 - 30 * 0.25))
    assert sigma == pytest.approx(math.sqrt(1000 * 1e-8 * 0.02 * (20 + 30 * 7.25)))
    assert mf.nu_threshold(c) == pytest.approx(10.0)


def test_ai_fixed_point_is_brunels_value():
    # Brunel (2000), g = 5, eta = 2: the asynchronous irregular state at 37.9 Hz.
    c = mf.Coupling(g=5.0)
    nu = mf.fixed_point(2 * mf.nu_threshold(c), c)
    assert nu == pytest.approx(37.9, abs=0.06)
    mu, sigma = mf.input_moments(nu, 20.0, c)
    assert mf.siegert_rate(mu, sigma) == pytest.approx(nu, rel=1e-9)


@pytest.mark.parametrize("g,rate", [(5.0, 10.0), (5.0, 37.9), (6.0, 3.0), (4.5, 60.0)])
def test_drive_for_rate_inverts_the_fixed_point(g, rate):
    c = mf.Coupling(g=g)
    nu_ext = mf.drive_for_rate(rate, c)
    assert mf.fixed_point(nu_ext, c) == pytest.approx(rate, rel=1e-7)


def test_drive_range_inhibition_dominated():
    c = mf.Coupling(g=5.0)
    span = mf.drive_range(c)
    assert not span.saddle_node
    assert mf.fixed_point(span.nu_ext_silent, c) == pytest.approx(span.rate_silent, rel=1e-6)
    assert mf.fixed_point(span.nu_ext_runaway, c) == pytest.approx(span.rate_runaway, rel=1e-6)
    assert mf.fixed_point(0.9 * span.nu_ext_silent, c) < span.rate_silent


def test_drive_range_excitation_dominated_ends_in_a_saddle_node():
    # g = 3 < 1/gamma = 4: recurrent excitation wins; past the edge the low branch vanishes.
    c = mf.Coupling(g=3.0)
    span = mf.drive_range(c)
    assert span.saddle_node
    below = mf.fixed_points(span.nu_ext_runaway * (1 - 1e-3), c)
    above = mf.fixed_points(span.nu_ext_runaway * (1 + 1e-3), c)
    assert below[0] < 30.0 and len(below) == 3  # low (stable), middle (unstable), high
    assert above[0] > 250.0 and len(above) == 1  # only the near-saturated state is left


@pytest.mark.parametrize("kwargs,name", [({"g": -1.0}, "g"), ({"j": 0.0}, "j"), ({"c_e": 0}, "c_e"),
                                         ({"c_i": 2.5}, "c_i")])
def test_coupling_rejects_bad_values(kwargs, name):
    with pytest.raises(ParameterError, match=f"^{name} ="):
        mf.Coupling(**kwargs)


def test_drive_for_rate_rejects_impossible_rates():
    with pytest.raises(ParameterError, match="rate"):
        mf.drive_for_rate(600.0, mf.Coupling())
    # g = 3: past the saddle node, excitation alone overshoots 100 Hz (mu = 2 mV/Hz * 0.25 * 100 Hz = 50 mV).
    with pytest.raises(ParameterError, match="negative external drive"):
        mf.drive_for_rate(100.0, mf.Coupling(g=3.0))
    with pytest.raises(ParameterError, match="rate"):
        mf.drive_for_rate(0.0, mf.Coupling())


def test_cv_formula_limits():
    # Far below threshold firing is a rare, memoryless event (CV -> 1); far above it is clockwork (CV -> 0).
    assert mf.siegert_cv(0.002, 3e-3) == pytest.approx(1.0, abs=1e-5)
    assert mf.siegert_cv(0.2, 1e-4) < 1e-3


def test_ai_cv_of_white_noise_theory():
    # The fixed point of Brunel's AI state, mu = 21.0 mV and sigma = 7.68 mV: white-noise theory says CV = 0.675.
    c = mf.Coupling(g=5.0)
    mu, sigma = mf.input_moments(mf.fixed_point(20.0, c), 20.0, c)
    assert mf.siegert_cv(float(mu), float(sigma)) == pytest.approx(0.675, abs=0.002)
