"""The OTA neuron's theory: the tanh closed form against numerical integration typed out independently, its
small-swing limit against the textbook LIF, and the measured-I-V quadrature against the closed form."""

from __future__ import annotations

import math
import warnings

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import quad

from lifhw import analog, theory
from lifhw.errors import ParameterError
from lifhw.ota_theory import MeasuredNeuron, TanhNeuron

K_B, Q = 1.380649e-23, 1.602176634e-19


def u_t(temp_c: float) -> float:
    return K_B * (temp_c + 273.15) / Q


def _t_numeric(i, c, i_b, kappa, swing, temp, v_offset=0.0, v_th_offset=0.0, i_leak=0.0):
    a = kappa / (2 * u_t(temp))
    val, _ = quad(lambda x: c / (i - i_leak - i_b * math.tanh(a * (x - v_offset))), 0.0, swing + v_th_offset,
                  epsabs=0, epsrel=1e-11, limit=200)
    return val


@pytest.mark.parametrize("i, i_b, swing, v_offset, v_th_offset, i_leak", [
    (20e-12, 10e-12, 0.3, 0.0, 0.0, 0.0),        # above the saturated leak (A > 0)
    (9e-12, 10e-12, 0.05, 0.004, -0.003, 0.0),   # below I_b but above the leak at threshold (A < 0)
    (10e-12, 10e-12, 0.3, -0.01, 0.005, 0.0),    # I = I_b exactly (A = 0 limit)
    (15e-12, 10e-12, 0.5, 0.01, 0.0, 1e-12),     # with a constant leakage sink
    (1e-9, 1e-12, 0.3, 0.0, 0.0, 0.0),           # almost a perfect integrator
])
def test_time_to_threshold_matches_quadrature(i, i_b, swing, v_offset, v_th_offset, i_leak):
    kw = dict(v_offset=v_offset, v_th_offset=v_th_offset, i_leak=i_leak)
    closed = float(TanhNeuron(2e-12, i_b, 0.7, swing, 40.0, **kw).time_to_threshold(i))
    assert closed == pytest.approx(_t_numeric(i, 2e-12, i_b, 0.7, swing, 40.0, **kw), rel=1e-8)


def test_time_to_threshold_limits():
    # Silent when the leak at threshold exceeds the input.
    leak_at_th = 10e-12 * math.tanh(0.7 * 0.3 / (2 * u_t(27.0)))
    assert np.isinf(TanhNeuron(1e-12, 10e-12, 0.7, 0.3).time_to_threshold(leak_at_th * 0.999))
    assert np.isfinite(TanhNeuron(1e-12, 10e-12, 0.7, 0.3).time_to_threshold(leak_at_th * 1.001))
    # No leak: a perfect integrator C·ΔV/I.
    assert float(TanhNeuron(1e-12, 1e-30, 0.7, 0.3).time_to_threshold(5e-12)) == pytest.approx(1e-12 * 0.3 / 5e-12)


def test_small_swing_is_the_linear_lif():
    """For a swing far below 2U_T/κ, tanh is linear and the rate is the textbook LIF's at τ = C/g_m."""
    swing, c, i_b, kappa = 0.5e-3, 1e-12, 10e-12, 0.7
    neuron = TanhNeuron(c, i_b, kappa, swing, 27.0, t_dead=1e-3)
    params = neuron.linear_params()
    assert params.r_m == pytest.approx(2 * u_t(27.0) / (kappa * i_b), rel=1e-12) and params.t_ref == 1e-3
    currents = np.linspace(1.2, 5, 7) * params.rheobase
    rate = neuron.rate(currents)
    assert rate == pytest.approx(theory.firing_rate(params, currents), rel=2e-3)


@settings(max_examples=40, deadline=None)
@given(i_ratio=st.floats(0.2, 20), kappa=st.floats(0.4, 1.0), swing=st.floats(0.005, 0.6),
       v_offset=st.floats(-0.02, 0.02), temp=st.floats(-40, 125), leak=st.floats(0, 0.5))
def test_closed_form_is_the_integral_for_all_parameters(i_ratio, kappa, swing, v_offset, temp, leak):
    i_b, c = 10e-12, 2e-12
    i_in = i_ratio * i_b
    closed = float(TanhNeuron(c, i_b, kappa, swing, temp, v_offset=v_offset, i_leak=leak * i_b).time_to_threshold(i_in))
    a = kappa / (2 * u_t(temp))
    silent = i_in - leak * i_b <= i_b * math.tanh(a * (swing - v_offset))
    assert np.isinf(closed) == silent  # silent exactly when the leak at threshold outweighs the input
    if silent:
        return
    numeric = _t_numeric(i_in, c, i_b, kappa, swing, temp, v_offset=v_offset, i_leak=leak * i_b)
    assert closed == pytest.approx(numeric, rel=1e-6)


def test_measured_neuron_of_a_tanh_iv_is_the_closed_form():
    """Tabulate the tanh leak on a DC-sweep grid: the quadrature over its spline must give the closed form."""
    c, i_b, kappa, temp, v_rest, swing = 2.6e-12, 10e-12, 0.73, 27.0, 0.6, 0.3
    grid = np.arange(v_rest - 0.3, v_rest + swing - 0.01, 2.5e-3)
    a = kappa / (2 * u_t(temp))
    measured = MeasuredNeuron(tuple(grid), tuple(i_b * np.tanh(a * (grid - v_rest))), c, v_rest, v_rest,
                              v_rest + swing, t_dead=2e-3)
    closed = TanhNeuron(c, i_b, kappa, swing, temp, t_dead=2e-3)
    assert measured.g_m == pytest.approx(kappa * i_b / (2 * u_t(temp)), rel=1e-3)
    assert measured.rheobase == pytest.approx(float(closed.rheobase), rel=1e-4)
    currents = np.array([1.2, 2.0, 5.0, 20.0]) * float(closed.rheobase)
    np.testing.assert_allclose(measured.isi(currents), closed.isi(currents), rtol=1e-4)
    assert measured.rate(0.99 * float(closed.rheobase)) == 0.0
    linear = measured.linear_params()
    assert linear.r_m == pytest.approx(1 / measured.g_m) and linear.t_ref == 2e-3 and linear.c_m == c
    doubled = measured.with_c_eff(2 * c).time_to_threshold(currents[1])
    assert doubled == pytest.approx(2 * measured.time_to_threshold(currents[1]))


@pytest.mark.parametrize("v_swing, current", [(0.3, 30e-12), (5.0, 11e-12), (100.0, 10.5e-12), (1e3, 1e-9)])
def test_tanh_time_to_threshold_matches_quadrature_at_any_swing(v_swing, current):
    # Swings of volts put e^(2 kappa V / 2 U_T) beyond a double (e^(2700) at 100 V): the closed form must not form it.
    neuron = TanhNeuron(c_eff=1e-12, i_b=10e-12, kappa=0.7, v_swing=v_swing)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t = float(neuron.time_to_threshold(current))
    a = mpmath.mpf(0.7) / (2 * mpmath.mpf(analog.thermal_voltage(27.0)))
    with mpmath.workdps(40):
        exact = mpmath.quad(lambda x: mpmath.mpf(1e-12) / (current - 10e-12 * mpmath.tanh(a * x)),
                            mpmath.linspace(0, v_swing, 50))
    assert t == pytest.approx(float(exact), rel=1e-9)


@pytest.mark.parametrize("field", ["c_eff", "i_b", "kappa", "v_swing", "v_offset", "i_leak"])
def test_tanh_neuron_refuses_non_finite_members(field):
    values = dict(c_eff=1e-12, i_b=10e-12, kappa=0.7, v_swing=0.3)
    values[field] = np.array([values.get(field, 0.0), math.nan])
    with pytest.raises(ParameterError) as err:
        TanhNeuron(**values)
    assert err.value.name == field
