import math

import mpmath
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from lifhw import LIFParams, ParameterError, theory


def test_rheobase_is_the_firing_boundary():
    p = LIFParams()
    assert theory.rheobase(p) == pytest.approx(200e-12)
    assert theory.firing_rate(p, p.rheobase) == 0.0
    assert theory.firing_rate(p, p.rheobase * (1 + 1e-9)) > 0.0


def test_isi_textbook_value():
    # tau = 20 ms, I = 2 x rheobase: V_inf - V_reset = 40 mV, V_inf - V_th = 20 mV -> T = tau ln 2.
    p = LIFParams()
    assert theory.time_to_threshold(p, 2 * p.rheobase) == pytest.approx(20e-3 * np.log(2))
    assert theory.isi(p, 2 * p.rheobase) == pytest.approx(2e-3 + 20e-3 * np.log(2))


def test_rate_saturates_at_inverse_refractory_period():
    p = LIFParams()
    assert theory.firing_rate(p, 1e-3) == pytest.approx(1 / p.t_ref, rel=1e-3)
    assert theory.firing_rate(p.replace(t_ref=0.0), 1e-9) > 0


def test_time_to_threshold_from_any_start():
    p = LIFParams()
    i = 3 * p.rheobase
    full = theory.time_to_threshold(p, i, p.v_reset)
    mid = -0.06
    # The path from v_reset passes through mid; the remaining time is the closed form from mid.
    first = p.tau_m * np.log((p.v_rest + p.r_m * i - p.v_reset) / (p.v_rest + p.r_m * i - mid))
    assert theory.time_to_threshold(p, i, mid) == pytest.approx(full - first)
    assert theory.time_to_threshold(p, i, p.v_th + 1e-3) == 0.0
    assert np.isinf(theory.time_to_threshold(p, 0.5 * p.rheobase))


def test_general_reset_changes_the_isi():
    p = LIFParams(v_reset=-60e-3)
    vinf = p.v_rest + p.r_m * 400e-12
    assert theory.isi(p, 400e-12) == pytest.approx(p.t_ref + p.tau_m * np.log((vinf - p.v_reset) / (vinf - p.v_th)))


@settings(max_examples=60, deadline=None)
@given(c_m=st.floats(10e-12, 1e-9), r_m=st.floats(10e6, 1e9), gap=st.floats(5e-3, 40e-3),
       reset_below=st.floats(0.0, 10e-3), t_ref=st.one_of(st.just(0.0), st.floats(1e-9, 5e-3)),
       rate=st.floats(1.0, 150.0))
def test_current_for_rate_inverts_the_fi_curve(c_m, r_m, gap, reset_below, t_ref, rate):
    p = LIFParams(c_m=c_m, r_m=r_m, v_rest=-0.07, v_th=-0.07 + gap, v_reset=-0.07 - reset_below, t_ref=t_ref)
    rate = min(rate, 0.5 / t_ref) if t_ref > 0 else rate
    # Near rheobase the inversion is ill-conditioned: V_inf - V_th ~ e^(-T/tau) * (V_th - V_reset), so round-off
    # in V (~1e-17 V) dominates beyond ~10 tau at the 1e-9 tolerance.
    assume(1 / rate - t_ref < 10 * p.tau_m)
    assert theory.firing_rate(p, theory.current_for_rate(p, rate)) == pytest.approx(rate, rel=1e-9)


def test_current_for_rate_rejects_impossible_rates():
    with pytest.raises(ParameterError, match="rate"):
        theory.current_for_rate(LIFParams(), 600.0)


@pytest.mark.parametrize("ratio, amp", [(0.5, 0.5), (1.0, 0.0), (1.5, 0.5), (1.9, 0.9), (2.0, 1.0), (2.1, 1.1),
                                        (3.0, 2.0)])
def test_euler_amplification_and_bound(ratio, amp):
    assert theory.euler_amplification(ratio * 0.02, 0.02) == pytest.approx(amp)
    assert (ratio * 0.02 < theory.euler_stable_step(0.02)) == (amp < 1.0)


def _mp_rate(p: LIFParams, i_in: float) -> float:
    """The closed-form rate in 60-digit arithmetic from the same float inputs: the reference with no cancellation."""
    with mpmath.workdps(60):
        c_m, r_m, v_rest, v_th, v_reset, t_ref, i = (mpmath.mpf(x) for x in
                                                     (p.c_m, p.r_m, p.v_rest, p.v_th, p.v_reset, p.t_ref, i_in))
        vinf = v_rest + r_m * i
        if vinf <= v_th:
            return 0.0
        return float(1 / (t_ref + r_m * c_m * mpmath.log((vinf - v_reset) / (vinf - v_th))))


def test_near_perfect_integrator_rate_is_exact():
    # tau = 2e15 s: the ratio in ln((V_inf - V_reset)/(V_inf - V_th)) is 1 + 2e-17, which rounds to 1 in floats.
    p = LIFParams(r_m=1e25)
    assert float(theory.firing_rate(p, 1e-10)) == pytest.approx(_mp_rate(p, 1e-10), rel=1e-12)
    assert _mp_rate(p, 1e-10) == pytest.approx(1 / (2e-3 + 200e-12 * 20e-3 / 1e-10), rel=1e-9)  # C ΔV / I + t_ref


@settings(max_examples=200, deadline=None)
@given(log_c=st.floats(-21, 0), log_r=st.floats(-3, 30), v_rest=st.floats(-1.0, 1.0), gap=st.floats(1e-6, 1.0),
       below=st.floats(0.0, 1.0), log_t_ref=st.floats(-15, 0), log_mult=st.floats(-3, 6))
def test_rate_matches_60_digit_arithmetic_across_the_valid_range(log_c, log_r, v_rest, gap, below, log_t_ref,
                                                                 log_mult):
    # Voltages within the magnitudes lifhw models (0, or 1 fV to 1 kV).
    assume(all(v == 0 or abs(v) >= 1e-15 for v in (v_rest, v_rest + gap, v_rest - below)))
    p = LIFParams(c_m=10**log_c, r_m=10**log_r, v_rest=v_rest, v_th=v_rest + gap, v_reset=v_rest - below,
                  t_ref=10**log_t_ref)
    # At least 0.1 % above the rheobase: closer, the float inputs themselves fix the rate to fewer digits.
    i_in = p.rheobase * (1 + 10**log_mult)
    assume(i_in <= 1.0)
    assert float(theory.firing_rate(p, i_in)) == pytest.approx(_mp_rate(p, i_in), rel=1e-9)


def test_inverse_fi_of_a_near_perfect_integrator():
    p = LIFParams(r_m=1e25)
    rate = _mp_rate(p, 1e-10)
    assert float(theory.current_for_rate(p, rate)) == pytest.approx(1e-10, rel=1e-9)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, [1e-9, math.nan]])
def test_non_finite_currents_raise_instead_of_a_rate_of_zero(bad):
    with pytest.raises(ParameterError) as err:
        theory.firing_rate(LIFParams(), bad)
    assert err.value.name == "i_in"
    with pytest.raises(ParameterError):
        theory.fi(LIFParams(), bad)


def test_numpy_scalars_are_numbers():
    p = LIFParams(c_m=np.float32(2e-10), r_m=np.int64(100_000_000))
    assert isinstance(p.c_m, float) and p.c_m == pytest.approx(2e-10, rel=1e-7)
    assert p.r_m == 1e8


@pytest.mark.parametrize("h, tau", [(math.nan, 0.02), (1e-3, math.inf), (-1e-3, 0.02), (1e-3, 0.0)])
def test_euler_laws_refuse_impossible_steps(h, tau):
    with pytest.raises(ParameterError):
        theory.euler_amplification(h, tau)
