"""The fixed-point model (lifhw.fixed) against independent truths: closed forms, exact fractions, floats."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lifhw import LIFParams, fixed, theory
from lifhw.digital import bounds, testbench
from lifhw.errors import ParameterError

P = LIFParams()
DT = 1e-4


def test_quantize_default_matches_hand_computation():
    q = fixed.quantize(P, DT)
    # AUTO: largest F with 32767 * 2^-F >= 1.125 * 20 mV  ->  2^F <= 1456311  ->  F = 20.
    assert q.frac == 20
    assert q.rtl["THRESH"] == round(0.020 * 2**20) == 20972
    assert q.rtl["V_RESET"] == 0 and q.rtl["REF_STEPS"] == 20 and q.rtl["REF_W"] == 5
    assert q.rtl["LEAK_MULT"] == round((1 - math.exp(-DT / 20e-3)) * 2**16) == 327
    assert q.beta_q == 1 - 327 / 2**16
    # tau from beta_q, and its error within the README bound 2^-17 / a.
    assert q.effective.tau_m == pytest.approx(-DT / math.log(q.beta_q), rel=1e-12)
    assert abs(q.errors()["tau_m"]) <= 2**-17 / (1 - math.exp(-DT / 20e-3))
    # One input LSB per step settles at one LSB / a: i_lsb * R_m = 2^-F / a volts.
    assert q.i_lsb * P.r_m == pytest.approx(2**-20 / (327 / 2**16), rel=1e-12)


def test_shift_leak_is_a_power_of_two_and_its_tau_is_reported():
    q = fixed.quantize(P, DT, fixed.FixedFormat(leak="shift"))
    assert (q.rtl["LEAK_MODE"], q.rtl["LEAK_SHIFT"], q.rtl["LEAK_MULT"]) == (0, 8, 1)
    assert q.effective.tau_m == pytest.approx(-DT / math.log(1 - 2**-8), rel=1e-12)
    # dt chosen so that 1 - 2^-8 = exp(-dt/tau) makes the shift leak exact.
    dt = -20e-3 * math.log(1 - 2**-8)
    assert fixed.quantize(P, dt, fixed.FixedFormat(leak="shift")).errors()["tau_m"] == pytest.approx(0, abs=1e-12)


def test_euler_discretization_targets_one_minus_dt_over_tau():
    q = fixed.quantize(P, DT, fixed.FixedFormat(discretization="euler", leak_frac=20))
    assert q.beta == 1 - DT / 20e-3
    assert q.rtl["LEAK_MULT"] == round(DT / 20e-3 * 2**20)


@pytest.mark.parametrize("fmt, params, name", [
    ({"width": 3}, P, "width"),
    ({"leak": "barrel"}, P, "leak"),
    ({"reset_mode": "hold"}, P, "reset_mode"),
    ({"frac": 22}, P, "frac"),                       # 20 mV at 2^-22 V is 83886 LSB > 32767
    ({"leak_frac": 4}, P, "leak_frac"),              # 1 - beta = 0.005 rounds to 0/16
    ({}, P.replace(t_ref=10.0), "t_ref"),            # 100000 steps
])
def test_quantize_rejects_what_does_not_fit(fmt, params, name):
    with pytest.raises(ParameterError) as err:
        fixed.quantize(params, DT, fixed.FixedFormat(**fmt))
    assert err.value.name == name


def test_input_code_floors_and_rejects_out_of_range():
    q = fixed.quantize(P, DT)
    assert fixed.QuantizedLIF.input_code(q, [0.0, 2.5 * q.i_lsb, -2.5 * q.i_lsb]).tolist() == [0, 2, -3]
    with pytest.raises(ParameterError, match="i_in"):
        q.input_code(1e-6)


@settings(max_examples=300, deadline=None)
@given(v=st.integers(-(2**15), 2**15 - 1), x=st.integers(-(2**15), 2**15 - 1), leak=st.sampled_from(["mult", "shift"]))
def test_one_update_is_ceil_of_beta_v_plus_x_saturated(v, x, leak):
    q = fixed.quantize(P, DT, fixed.FixedFormat(leak=leak))
    a = Fraction(q.rtl["LEAK_MULT"], 2 ** q.rtl["LEAK_FRAC"])
    exact = math.ceil((1 - a) * v) + x                  # exact rational arithmetic, no shifts
    sat = min(max(exact, -(2**15)), 2**15 - 1)
    v_next, ref_next, spike = fixed.step(q, np.array([v]), np.array([0]), np.array([x]))
    assert bool(spike[0]) == (sat >= q.rtl["THRESH"])
    assert int(v_next[0]) == (0 if sat >= q.rtl["THRESH"] else sat)
    assert int(ref_next[0]) == (20 if spike[0] else 0)


def test_refractory_holds_and_subtract_mode_keeps_the_residue():
    q = fixed.quantize(P, DT, fixed.FixedFormat(reset_mode="subtract"))
    theta = q.rtl["THRESH"]
    v, ref, spike = fixed.step(q, np.array([theta - 1]), np.array([0]), np.array([500]))
    residue = (theta - 1) - (((theta - 1) * 327) >> 16) + 500 - theta
    assert spike[0] and v[0] == residue and ref[0] == 20
    for left in range(19, -1, -1):
        v, ref, spike = fixed.step(q, v, ref, np.array([30000]))
        assert not spike[0] and v[0] == residue and ref[0] == left


def test_delayed_subtraction_is_snntorch_reset_delay_in_integers():
    # snnTorch's Leaky(reset_mechanism="subtract", reset_delay=True): u[t] = beta*u[t-1] + x[t] - theta*s[t-1],
    # s[t] = u[t] >= theta here (the RTL's rule), the decay rounded up as in every mode; no refractory period.
    q = fixed.quantize(P.replace(t_ref=0.0), DT, fixed.FixedFormat(reset_mode="subtract-delayed"))
    theta, a = q.rtl["THRESH"], Fraction(q.rtl["LEAK_MULT"], 2 ** q.rtl["LEAK_FRAC"])
    xs = np.random.default_rng(7).integers(-200, 3 * theta, 400)
    u, s_prev = q.rtl["V_RESET"], False
    v, ref = np.array([u]), np.array([0])
    fired = 0
    for x in xs:
        u = min(max(math.ceil((1 - a) * u) + int(x) - (theta if s_prev else 0), -(2**15)), 2**15 - 1)
        s_prev = u >= theta
        v, ref, spike = fixed.step(q, v, ref, np.array([x]))
        assert (int(v[0]), bool(spike[0])) == (u, s_prev)
        fired += s_prev
    assert fired > 50  # the subtraction is exercised


def test_float_discrete_lif_matches_its_closed_form_isi():
    currents = theory.current_for_rate(P, [7.0, 30.0, 90.0, 170.0]) * 1.001  # off the step-boundary ties
    spikes = fixed.simulate_float(P, DT, currents, 12000)
    beta = math.exp(-DT / P.tau_m)
    isi = fixed.discrete_isi_steps(beta, P.r_m * currents, 0.0, P.v_th - P.v_rest, 20)
    for j in range(len(currents)):
        assert np.all(np.diff(np.flatnonzero(spikes[:, j])) == isi[j])


def test_model_rates_lie_in_the_derived_bracket():
    q = fixed.quantize(P, DT)
    currents = np.linspace(1.0, 8.0, 40) * P.rheobase
    _, spikes = fixed.simulate(q, np.broadcast_to(q.input_code(currents), (8000, 40)))
    rate = fixed.rates_from_spikes(spikes, DT)
    lo, hi = fixed.rate_bracket(q, currents)
    # Rates are whole numbers of steps inverted: compare to float round-off.
    assert np.all(rate >= lo * (1 - 1e-9)) and np.all(rate <= hi * (1 + 1e-9))
    # ... and the bracket is inside the continuous band of rtl/README.md.
    band_lo, band_hi = bounds.continuous_band(q, currents)
    assert np.all(lo >= band_lo * (1 - 1e-12)) and np.all(hi <= band_hi * (1 + 1e-12))


def test_expected_updates_follow_the_testbench_protocol():
    q = fixed.quantize(P, DT)
    n, sweeps = 8, 60
    stim, ctrl = testbench.random_stimulus(q, n, sweeps, seed=3, reset_prob=0.1)
    rows = testbench.expected_updates(q, stim, ctrl)
    reset_at = ctrl >> testbench.CTRL_FIELD
    cut = np.flatnonzero(reset_at)
    assert 2 <= cut.size < sweeps
    # dv/tb_lif_core.v: a sweep updates neurons 0..N-1 in order; reset_at = k > 0 stops it before neuron k-1.
    count = np.where(reset_at > 0, reset_at - 1, n)
    assert np.bincount(rows[:, 0], minlength=sweeps).tolist() == count.tolist()
    assert rows[:, 1].tolist() == [k for c in count for k in range(c)]
    # From one reset to the next every neuron runs the bit-exact model from the reset state on its own
    # inputs; the sweep a reset cuts reports the neurons before the cut.
    for first, stop in zip([0, *(cut + 1)], [*(cut + 1), sweeps], strict=True):
        v, spikes = fixed.simulate(q, stim[first:stop])
        keep = np.arange(n) < count[first:stop, None]
        block = rows[(rows[:, 0] >= first) & (rows[:, 0] < stop)]
        assert block[:, 3].tolist() == v[keep].tolist() and block[:, 2].tolist() == spikes[keep].tolist()


def test_scoreboard_reports_every_difference():
    q = fixed.quantize(P, DT)
    stim, ctrl = testbench.random_stimulus(q, 8, 50, seed=3, reset_prob=0.1)
    good = testbench.expected_updates(q, stim, ctrl)
    assert testbench.scoreboard(q, stim, ctrl, good).passed
    bad = good.copy()
    bad[[5, 77, 200], 3] += 1
    result = testbench.scoreboard(q, stim, ctrl, bad)
    assert len(result.mismatches) == 3 and not result.passed
    assert not testbench.scoreboard(q, stim, ctrl, good[:-1]).passed
