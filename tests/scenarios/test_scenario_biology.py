"""Each scenario's simulated numbers against closed forms worked out here by hand, or a second method."""

import math

import numpy as np
import pytest

from lifhw import LIFParams
from lifhw.errors import ParameterError
from lifhw.scenarios import SCENARIOS, run
from lifhw.sim import simulate, simulate_ivp

TEXTBOOK = LIFParams()  # 200 pF, 100 MOhm, rest -70 mV, threshold -50 mV, reset -70 mV, 2 ms


def ivp_rate(params, current, t_sim=2.0):
    spikes = simulate_ivp(params, t_sim, current)
    return (len(spikes) - 1) / (spikes[-1] - spikes[0])


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_every_scenario_passes_at_its_defaults_within_its_tolerance(default_results, name):
    result = default_results[name]
    assert result.tolerance <= (0.05 if name == "place-field" else 0.02)
    for quantity, predicted in result.predicted.items():
        assert result.simulated[quantity] == pytest.approx(predicted, rel=result.tolerance), quantity
    assert all(result.checks.values()), result.checks
    assert result.passed


def test_rheobase_opto_measures_20_mV_over_100_MOhm(default_results):
    result = default_results["rheobase-opto"]
    assert result.simulated["rheobase"] == pytest.approx(20e-3 / 100e6, rel=0.02)
    # Threshold conductance g_L (V_th - V_rest)/(E - V_th) = 10 nS * 20/50 = 4 nS, i.e. 1/5 of 20 nS:
    # L/(L + L_half) = 1/5 at L = L_half/4 = 2500 W/m^2.
    assert result.simulated["light_threshold"] == pytest.approx(2500.0, rel=0.02)
    assert result.details["g_opsin_at_threshold"] == pytest.approx(4e-9, rel=0.02)


def test_rheobase_opto_follows_r_m_and_saturation_is_a_parameter_error():
    result = run("rheobase-opto", LIFParams(r_m=400e6, c_m=50e-12))
    assert result.simulated["rheobase"] == pytest.approx(50e-12, rel=0.02)
    with pytest.raises(ParameterError, match="light_max"):
        run("rheobase-opto", g_opsin_max="3n")


def test_allodynia_halves_the_rheobase_and_the_touch_rate_matches_the_ivp_oracle(default_results):
    result = default_results["allodynia"]
    assert result.simulated["rheobase"] == pytest.approx(200e-12, rel=0.02)
    assert result.simulated["rheobase_inflamed"] == pytest.approx(100e-12, rel=0.02)
    assert result.details["i_touch"] == pytest.approx(150e-12)
    assert result.details["rate_touch_before"] == 0
    oracle = ivp_rate(TEXTBOOK.replace(r_m=200e6), 150e-12)
    assert result.simulated["rate_touch_inflamed"] == pytest.approx(oracle, rel=1e-3)


def test_allodynia_touch_outside_the_window_fails_its_check():
    result = run("allodynia", i_touch="250p")
    assert not result.checks["touch_between_rheobases"] and not result.checks["silent_before"]
    assert not result.passed


def test_spinal_gate_thresholds_balance_the_currents_at_threshold(default_results):
    result = default_results["spinal-gate"]
    # Shunting: g_i = g_e (E_e - V_th)/(V_th - V_rest) - g_L = 20 nS * 50/20 - 10 nS = 40 nS.
    assert result.simulated["g_i_silence"] == pytest.approx(40e-9, rel=0.02)
    # At the silencing conductance the currents at V_th cancel: leak + inhibition = excitation.
    v_th, v_rest, e_i = -50e-3, -70e-3, -85e-3
    g_i = result.simulated["g_i_silence_hyperpolarizing"]
    inward = 20e-9 * (0.0 - v_th)
    outward = 10e-9 * (v_th - v_rest) + g_i * (v_th - e_i)
    assert outward == pytest.approx(inward, rel=0.02)


def test_spinal_gate_shunting_divides_and_hyperpolarizing_subtracts(default_results):
    s = default_results["spinal-gate"].series
    current = np.asarray(s["fi_current"])
    slope = {k: np.polyfit(current, np.asarray(s[f"vinf_{k}"]) - TEXTBOOK.v_rest, 1) for k in
             ("none", "shunting", "hyperpolarizing")}
    g_i = float(s["fi_g_i"])
    assert slope["shunting"][0] / slope["none"][0] == pytest.approx(10e-9 / (10e-9 + g_i))
    assert slope["shunting"][1] == pytest.approx(0, abs=1e-12)
    assert slope["hyperpolarizing"][0] == pytest.approx(slope["shunting"][0])
    assert slope["hyperpolarizing"][1] == pytest.approx(g_i * (-15e-3) / (10e-9 + g_i))
    # Simulated rates at a current where both fire: the shunted neuron fires faster than the hyperpolarized one.
    k = np.flatnonzero(np.asarray(s["fi_sim_hyperpolarizing"]) > 0)[0]
    assert s["fi_sim_none"][k] > s["fi_sim_shunting"][k] > s["fi_sim_hyperpolarizing"][k] > 0


def test_wind_up_matches_the_peak_recurrence(default_results):
    result = default_results["wind-up"]
    a, delta, tau = 8e-3 * math.exp(-0.5), 20e-3, 1e9 * 200e-12
    assert result.simulated["f_min"] == pytest.approx(-1 / (tau * math.log(1 - a / delta)), rel=0.02)
    # Peak after each volley: p <- p r + a, counted directly.
    f = result.params["f_stim"]
    r, peak, n = math.exp(-1 / (f * tau)), 0.0, 0
    while peak < delta:
        peak, n = peak * r + a, n + 1
    assert result.simulated["n_to_fire"] == n
    # Below f_min the peaks climb towards a / (1 - r) < delta and never fire.
    r_below = math.exp(-1 / (result.details["f_below"] * tau))
    assert a / (1 - r_below) < delta
    peak = 0.0
    for _ in range(len(result.series["peaks_below"])):
        peak = peak * r_below + a
    assert np.max(np.asarray(result.series["v_below"])) - TEXTBOOK.v_rest == pytest.approx(peak, rel=1e-6)


def test_wind_up_rejects_a_single_suprathreshold_volley_and_slow_stimulation():
    with pytest.raises(ParameterError, match="a_syn"):
        run("wind-up", a_syn="30m", x_syn=0)
    with pytest.raises(ParameterError, match="f_stim"):
        run("wind-up", f_stim="5")
    with pytest.raises(ParameterError, match="a_syn = 0.008: too small"):
        run("wind-up", x_syn="2m")


def test_place_field_peak_rate_is_the_steady_rate_at_the_field_centre(default_results):
    result = default_results["place-field"]
    g_tot = 10e-9 + 10e-9 + 5e-9
    v_inf = (10e-9 * -70e-3 + 10e-9 * 0.0 + 5e-9 * -75e-3) / g_tot
    tau = 200e-12 / g_tot
    rate = 1 / (2e-3 + tau * math.log((v_inf + 70e-3) / (v_inf + 50e-3)))
    assert result.predicted["peak_rate"] == pytest.approx(rate, rel=1e-9)
    assert result.simulated["peak_rate"] == pytest.approx(rate, rel=0.05)
    assert result.simulated["field_width"] == pytest.approx(result.predicted["field_width"], rel=0.05)


def test_place_field_quasi_static_holds_when_slow_and_breaks_when_fast(default_results):
    s = default_results["place-field"].series
    np.testing.assert_allclose(s["sweep_sigma_sim"], s["sweep_sigma_pred"], rtol=0.05)
    # Up to the default inhibition; stronger inhibition lowers the edge rate, and the edge bias grows as speed/rate.
    np.testing.assert_allclose(s["sweep_g_inh_sim"][:3], s["sweep_g_inh_pred"][:3], rtol=0.05)
    assert np.all(np.diff(s["sweep_g_inh_sim"]) < 0)
    sim, pred = np.asarray(s["sweep_speed_sim"]), np.asarray(s["sweep_speed_pred"])
    assert abs(sim[0] / pred[0] - 1) < 0.05  # 0.1 m/s: speed * tau_m / sigma = 0.013
    assert sim[-1] / pred[-1] - 1 < -0.10  # 10 m/s: speed * tau_m / sigma = 1.3, the field shrinks


def test_tsv_capacitance_from_the_coaxial_formula_and_rate_ratio_from_the_ivp_oracle(default_results):
    result = default_results["tsv-slowdown"]
    c_tsv = 2 * math.pi * 3.9 * 8.8541878128e-12 * 50e-6 / math.log(3.0 / 2.5)
    assert result.predicted["c_tsv"] == pytest.approx(c_tsv, rel=1e-9)
    assert result.simulated["c_tsv"] == pytest.approx(c_tsv, rel=0.02)
    bare = LIFParams(c_m=1e-12, r_m=20e9)
    ratio = ivp_rate(bare.replace(c_m=1e-12 + c_tsv), 3e-12) / ivp_rate(bare, 3e-12)
    assert result.simulated["rate_ratio"] == pytest.approx(ratio, rel=1e-4)
    assert ratio < 1


def test_tsv_slowdown_comes_from_the_simulated_via_not_from_c_eff():
    """The simulation joins the via through r_tsv: a via behind a resistance slower than the neuron is not
    seen in the charging time, so the recovered C_tsv collapses while the geometric one stays."""
    tied, behind = run("tsv-slowdown"), run("tsv-slowdown", r_tsv="1T")  # R·C_tsv = 60 ms > the 8 ms charge
    assert behind.predicted["c_tsv"] == tied.predicted["c_tsv"]
    assert behind.simulated["c_tsv"] < 0.5 * tied.simulated["c_tsv"]
    assert behind.simulated["rate_ratio"] > tied.simulated["rate_ratio"]


def test_tsv_depletion_in_series_lowers_the_capacitance_and_deeper_vias_add_more():
    default = run("tsv-slowdown")
    assert run("tsv-slowdown", tsv_depletion="1u").predicted["c_tsv"] < default.predicted["c_tsv"]
    deep = run("tsv-slowdown", tsv_depth="100u")
    assert deep.predicted["c_tsv"] == pytest.approx(2 * default.predicted["c_tsv"], rel=1e-12)
    assert deep.simulated["rate_ratio"] < default.simulated["rate_ratio"]


def test_euler_growth_is_one_minus_h_over_tau_and_exact_always_decays(default_results):
    result = default_results["euler-stability"]
    for ratio, growth in ((0.5, 0.5), (1.5, 0.5), (1.9, 0.9), (2.1, 1.1), (3.0, 2.0)):
        assert result.simulated[f"growth_euler_h{ratio:g}"] == pytest.approx(growth, rel=0.02)
        assert result.simulated[f"growth_exact_h{ratio:g}"] == pytest.approx(math.exp(-ratio), rel=0.02)
    # Past 2 tau the distance to rest grows: after 12 steps at h = 3 tau it is 2^12 times the start.
    final = np.asarray(result.series["euler_3"])[-1]
    assert final == pytest.approx(10e-3 * (-2.0) ** 12, rel=1e-9)


def test_euler_growth_measured_on_the_simulator_directly():
    free = TEXTBOOK.replace(v_th=1.0)
    res = simulate(free, 4 * 0.05, 0.05, v0=-60e-3, method="euler", record_v=True, allow_unstable=True)
    d = res.v[:, 0] - TEXTBOOK.v_rest
    np.testing.assert_allclose(d[1:] / d[:-1], 1 - 0.05 / 0.02)
