import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lifhw import LIFParams, ParameterError, UnstableStepError, limits, theory
from lifhw.sim import fi, simulate, simulate_ivp

P = LIFParams()
CURRENTS = np.linspace(1.05, 10, 12) * P.rheobase


def test_exact_matches_closed_form_at_tau_over_20():
    curve = fi(P, CURRENTS, "exact", dt=P.tau_m / 20, t_sim=2.0)
    assert np.max(np.abs(curve.rate / theory.firing_rate(P, CURRENTS) - 1)) <= 1e-3


def test_ivp_oracle_matches_closed_form():
    curve = fi(P, CURRENTS[::3], "ivp", t_sim=1.0)
    assert np.max(np.abs(curve.rate / theory.firing_rate(P, CURRENTS[::3]) - 1)) <= 1e-4


def test_exact_first_spike_equals_closed_form_time_to_threshold():
    res = simulate(P, 0.2, P.tau_m / 7, CURRENTS)
    first = np.array([res.spike_times(k)[0] for k in range(len(CURRENTS))])
    assert first == pytest.approx(theory.time_to_threshold(P, CURRENTS), rel=1e-9)


def test_euler_converges_at_first_order():
    errors = []
    for dt in (4e-4, 2e-4, 1e-4):
        curve = fi(P, CURRENTS, "euler", dt=dt, t_sim=2.0)
        errors.append(np.max(np.abs(curve.rate / theory.firing_rate(P, CURRENTS) - 1)))
    orders = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    assert np.all((orders > 0.8) & (orders < 1.2)), orders


@pytest.mark.parametrize("ratio", [0.5, 1.5, 1.9, 2.1, 3.0])
def test_euler_error_grows_as_amplification_to_the_n(ratio):
    # V is stored absolutely (~70 mV), so the deviation must stay well above 70 mV * 1e-16 * n for the
    # 1e-9 relative check to be about the method, not round-off: 12 steps keep it >= 1 uV at h/tau = 0.5.
    n, e0 = 12, 5e-3
    res = simulate(P.replace(v_th=1e3), n * ratio * P.tau_m, ratio * P.tau_m, v0=P.v_rest + e0,
                   method="euler", record_v=True, allow_unstable=True)
    error = res.v[:, 0] - P.v_rest
    expected = theory.euler_error(ratio * P.tau_m, P.tau_m, np.arange(n + 1), e0)
    assert np.abs(error[1:] / expected[1:] - 1).max() <= 1e-9
    assert np.abs(error[n]) == pytest.approx(e0 * theory.euler_amplification(ratio * P.tau_m, P.tau_m) ** n,
                                             rel=1e-9)


def test_unstable_euler_raises_and_exact_is_stable_at_any_step():
    with pytest.raises(UnstableStepError) as err:
        simulate(P, 1.0, 2 * P.tau_m, 300e-12, method="euler")
    assert err.value.name == "dt" and "2*tau" in str(err.value)
    res = simulate(P.replace(v_th=1e3), 10 * 3 * P.tau_m, 3 * P.tau_m, v0=P.v_rest + 5e-3, record_v=True)
    assert res.v[:, 0] - P.v_rest == pytest.approx(5e-3 * np.exp(-3.0 * np.arange(11)), rel=1e-6, abs=1e-15)


def test_conductance_input_shortens_the_effective_tau_for_the_euler_bound():
    # tau_eff = C / (g_L + g_e) = 10 ms here, so dt = 25 ms is unstable although dt < 2 tau_m.
    with pytest.raises(UnstableStepError):
        simulate(P, 0.5, 25e-3, g_e=P.g_l, method="euler")


@settings(max_examples=40, deadline=None)
@given(g_e=st.floats(0, 50e-9), g_i=st.floats(0, 50e-9), e_i=st.floats(-0.09, -0.06), i_in=st.floats(-1e-10, 1e-10))
def test_conductance_steady_state(g_e, g_i, e_i, i_in):
    p = P.replace(v_th=1e3)
    res = simulate(p, 0.5, 1e-3, i_in, g_e=g_e, g_i=g_i, e_e=0.0, e_i=e_i, record_v=True)
    expected = (p.g_l * p.v_rest + g_e * 0.0 + g_i * e_i + i_in) / (p.g_l + g_e + g_i)
    assert res.v[-1, 0] == pytest.approx(expected, abs=1e-9)


def test_shunting_inhibition_divides_the_depolarization():
    p = P.replace(v_th=1e3)
    g_e, g_i = 5e-9, 20e-9
    alone = simulate(p, 0.5, 1e-3, g_i=g_i, record_v=True).v[-1, 0]
    assert alone == pytest.approx(p.v_rest, abs=1e-12)
    dep_e = simulate(p, 0.5, 1e-3, g_e=g_e, record_v=True).v[-1, 0] - p.v_rest
    dep_ei = simulate(p, 0.5, 1e-3, g_e=g_e, g_i=g_i, record_v=True).v[-1, 0] - p.v_rest
    assert dep_e / dep_ei == pytest.approx((p.g_l + g_e + g_i) / (p.g_l + g_e), rel=1e-9)


def test_per_neuron_reversal_potentials_equal_separate_runs():
    p = P.replace(v_th=1e3)
    e_i = np.array([-0.09, -0.07, -0.06])
    together = simulate(p, 0.3, 1e-3, g_e=4e-9, g_i=10e-9, e_e=[0.0, -0.01, 0.0], e_i=e_i, record_v=True).v[-1]
    apart = [simulate(p, 0.3, 1e-3, g_e=4e-9, g_i=10e-9, e_e=ee, e_i=ei, record_v=True).v[-1, 0]
             for ee, ei in zip([0.0, -0.01, 0.0], e_i, strict=True)]
    assert together == pytest.approx(apart, rel=0, abs=1e-15)
    expected = (p.g_l * p.v_rest + 4e-9 * np.array([0.0, -0.01, 0.0]) + 10e-9 * e_i) / (p.g_l + 14e-9)
    assert together == pytest.approx(expected, abs=1e-9)


def test_piecewise_constant_input_is_integrated_exactly():
    # A current step at t = 30 ms, sampled per step, against the ivp oracle with the same step.
    dt, t_sim = 1e-3, 0.3
    n = int(round(t_sim / dt))
    samples = np.where(np.arange(n) * dt < 30e-3, 0.0, 3 * P.rheobase)[:, None]
    sampled = simulate(P, t_sim, dt, samples).spike_times()
    func = simulate(P, t_sim, dt, lambda t: 0.0 if t < 30e-3 else 3 * P.rheobase).spike_times()
    oracle = simulate_ivp(P, t_sim, lambda t: 0.0 if t < 30e-3 else 3 * P.rheobase)
    assert len(sampled) == len(oracle) > 3
    assert sampled == pytest.approx(oracle, abs=1e-7)
    assert func == pytest.approx(sampled, abs=1e-12)


def test_refractory_clamp_holds_v_reset():
    res = simulate(P, 0.2, 1e-5, 5 * P.rheobase, record_v=True)
    t0 = res.spike_times()[0]
    inside = (res.t > t0 + 2e-5) & (res.t < t0 + P.t_ref - 2e-5)
    assert np.all(res.v[inside, 0] == P.v_reset)
    assert res.v[res.t > t0 + P.t_ref + 1e-4, 0][0] > P.v_reset


def test_population_with_per_neuron_parameters():
    params = [P, P.replace(r_m=200e6), P.replace(v_reset=-60e-3, t_ref=4e-3)]
    res = simulate(params, 2.0, 1e-4, 450e-12)
    assert res.rates() == pytest.approx([float(theory.firing_rate(p, 450e-12)) for p in params], rel=1e-6)


def test_coarse_steps_still_give_converged_rates():
    # dt comparable to the ISI: events inside a step are handled in continuous time.
    curve = fi(P, [2e-9, 5e-9], "exact", dt=5e-3, t_sim=1.0)
    assert curve.rate == pytest.approx(theory.firing_rate(P, [2e-9, 5e-9]), rel=1e-9)


@settings(max_examples=30, deadline=None)
@given(c_m=st.floats(20e-12, 500e-12), r_m=st.floats(20e6, 500e6), gap=st.floats(5e-3, 30e-3),
       t_ref=st.one_of(st.just(0.0), st.floats(1e-9, 4e-3)), mult=st.floats(1.1, 8.0))
def test_exact_rate_equals_closed_form_for_random_neurons(c_m, r_m, gap, t_ref, mult):
    p = LIFParams(c_m=c_m, r_m=r_m, v_rest=-0.07, v_th=-0.07 + gap, v_reset=-0.075, t_ref=t_ref)
    i_in = mult * p.rheobase
    t_sim = 6 * float(theory.isi(p, i_in))
    res = simulate(p, t_sim, p.tau_m / 10, i_in)
    assert res.rates()[0] == pytest.approx(float(theory.firing_rate(p, i_in)), rel=1e-6)


@pytest.mark.parametrize("kwargs, name", [
    ({"dt": 0.0}, "dt"), ({"dt": -1e-4}, "dt"), ({"t_sim": 0.0}, "t_sim"), ({"method": "rk4"}, "method"),
    ({"g_e": -1e-9}, "g_e"), ({"i_in": np.zeros((3, 2))}, "i_in"),
])
def test_bad_arguments_name_the_parameter(kwargs, name):
    args = {"t_sim": 0.1, "dt": 1e-4, **kwargs}
    with pytest.raises(ParameterError) as err:
        simulate(P, **args)
    assert err.value.name == name


@settings(max_examples=40, deadline=None)
@given(c_m=st.floats(20e-12, 500e-12), r_m=st.floats(20e6, 500e6), ratio=st.floats(0.05, 3.5),
       e0=st.floats(1e-3, 2e-2))
def test_euler_amplification_law_for_random_neurons(c_m, r_m, ratio, e0):
    p = LIFParams(c_m=c_m, r_m=r_m, v_th=1e3)
    n = 8
    res = simulate(p, n * ratio * p.tau_m, ratio * p.tau_m, v0=p.v_rest + e0, method="euler", record_v=True,
                   allow_unstable=True)
    expected = theory.euler_error(ratio * p.tau_m, p.tau_m, np.arange(n + 1), e0)
    assert res.v[:, 0] - p.v_rest == pytest.approx(expected, rel=1e-8, abs=1e-15)


@pytest.mark.parametrize("kwargs, name", [
    ({"e_i": np.nan}, "e_i"), ({"e_e": np.inf}, "e_e"), ({"v0": np.nan}, "v0"), ({"dt": np.nan}, "dt"),
    ({"t_sim": np.inf}, "t_sim"), ({"dt": 1e-300}, "dt"), ({"i_in": np.nan}, "i_in"),
])
def test_non_finite_or_impossible_arguments_are_refused(kwargs, name):
    args = {"t_sim": 0.1, "dt": 1e-4, "g_i": 1e-9, **kwargs}
    with pytest.raises(ParameterError) as err:
        simulate(P, **args)
    assert err.value.name == name


def test_work_is_refused_before_anything_is_allocated():
    with pytest.raises(ParameterError) as err:
        simulate(P, 0.2, 200e-12)  # 10^9 steps: 7.5 GiB of time axis
    assert err.value.name == "dt" and "--max-steps" in str(err.value)
    with limits.override(max_memory=10_000), pytest.raises(ParameterError, match="max_memory"):
        simulate(P, 0.1, 1e-4, 1e-9, n=10, record_v=True)  # 1001 x 11 doubles
    with limits.override(max_steps=2000):
        assert simulate(P, 0.2, 1e-4).t.size == 2001


def test_spikes_without_bound_stop_at_the_limit():
    # t_ref = 0 and 1 A: the closed form fires every few picoseconds.
    fast = P.replace(t_ref=0.0)
    with pytest.raises(ParameterError, match="spike events") as err:
        fi(fast, [1.0], "exact", dt=1e-4, t_sim=2.0)
    assert err.value.name == "currents"
    with limits.override(max_steps=1000), pytest.raises(ParameterError) as err:
        simulate(fast, 1e-3, 1e-4, 1e-3)
    assert err.value.name == "t_ref"
