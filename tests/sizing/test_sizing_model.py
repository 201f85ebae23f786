"""The sizing equations against closed forms typed out independently and round trips."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lifhw import sizing
from lifhw.errors import ParameterError
from lifhw.ota_theory import TanhNeuron

K_B, Q = 1.380649e-23, 1.602176634e-19
EPS0 = 8.8541878128e-12


def u_t(temp_c: float) -> float:
    return K_B * (temp_c + 273.15) / Q


def design(**kw) -> sizing.SizedNeuron:
    args = dict(v_swing=0.3, tsv=sizing.TSV.from_value(140e-15), device=sizing.DevicePoint(kappa=0.68, i_off=1e-13),
                tau=20e-3, i_b=10e-12)
    if "c_m" in kw and "i_b" not in kw:
        args["i_b"] = None
    args.update(kw)
    return sizing.size(**args)


@pytest.mark.parametrize("temp", [-40.0, 27.0, 125.0])
@pytest.mark.parametrize("kappa", [0.6, 0.75])
def test_c_m_is_tau_gm_minus_c_tsv(temp, kappa):
    d = design(device=sizing.DevicePoint(kappa=kappa, temp=temp, i_off=1e-14))
    g_m = kappa * 10e-12 / (2 * u_t(temp))
    assert d.c_m == pytest.approx(20e-3 * g_m - 140e-15, rel=1e-12)
    assert d.tau == pytest.approx(20e-3, rel=1e-12)
    assert d.as_dict()["tsv_share"] == pytest.approx(140e-15 / (20e-3 * g_m), rel=1e-12)


def test_solve_i_b_inverts_solve_c_m():
    c_m = sizing.solve_c_m(5e-3, 3e-12, 0.7, 50e-15, 60.0)
    assert sizing.solve_i_b(5e-3, c_m, 0.7, 50e-15, 60.0) == pytest.approx(3e-12, rel=1e-12)
    d = design(i_b=None, c_m=c_m, tau=5e-3, tsv=sizing.TSV.from_value(50e-15),
               device=sizing.DevicePoint(kappa=0.7, temp=60.0, i_off=1e-14))
    assert d.i_b == pytest.approx(3e-12, rel=1e-12)


def test_mirror_gain_is_compensated():
    """A corner whose mirror delivers 0.8 A per programmed A needs 1/0.8 of the programmed bias."""
    plain = design(i_b=None, c_m=2e-12)
    weak = design(i_b=None, c_m=2e-12, device=sizing.DevicePoint(kappa=0.68, i_off=1e-13, i_b_ratio=0.8))
    assert weak.i_b == pytest.approx(plain.i_b / 0.8, rel=1e-12)
    assert weak.tau == pytest.approx(20e-3, rel=1e-12)


@pytest.mark.parametrize("given", ["i_b", "c_m"])
def test_f_target_round_trip(given):
    kw = {"i_b": 10e-12} if given == "i_b" else {"c_m": 2e-12}
    d = design(tau=None, f_target=25.0, i_target=30e-12, t_ref=1e-3, **kw)
    assert float(d.rate(30e-12)) == pytest.approx(25.0, rel=1e-9)


def test_tsv_geometry_corners():
    dia, depth, liner = 5e-6, 50e-6, 0.2e-6
    tsv = sizing.TSV.from_geometry(dia, depth, liner)
    r = dia / 2
    c_ox = 2 * math.pi * 3.9 * EPS0 * depth / math.log((r + liner) / r)
    w = tsv.geometry["depletion_max"]
    c_dep = 2 * math.pi * 11.7 * EPS0 * depth / math.log((r + liner + w) / (r + liner))
    assert tsv.c_max == pytest.approx(c_ox, rel=1e-12)
    assert tsv.c_min == pytest.approx(1 / (1 / c_ox + 1 / c_dep), rel=1e-12)
    assert tsv.c_min < tsv.c_nom < tsv.c_max
    assert tsv.c_nom == pytest.approx((tsv.c_min + tsv.c_max) / 2)


def test_max_depletion_width_textbook():
    # Sze & Ng Fig. 4.6 (Si, 300 K): W_max ≈ 0.85-0.9 µm at N_A = 1e15 cm^-3, ≈ 0.1 µm at 1e17.
    assert 0.85e-6 < sizing.max_depletion_width(1e21) < 0.9e-6
    assert 0.09e-6 < sizing.max_depletion_width(1e23) < 0.11e-6


def test_costs():
    d = design(vdd=1.8, c_logic=10e-15, mim_density=2e-3)
    out = d.as_dict()
    dynamic = d.c_eff * 0.3 * 1.8 + 10e-15 * 1.8 ** 2
    assert out["energy_dynamic"] == pytest.approx(dynamic)
    # At rest the leak OTA's tail I_b,eff flows from V_dd (a typed device knows no other quiescent power): that
    # power over one ISI is the static part of a spike.
    energy = d.energy(3 * d.i_b_eff)
    isi = 1 / float(d.rate(3 * d.i_b_eff))
    assert energy["energy_per_spike"] == pytest.approx(dynamic + 1.8 * d.i_b_eff * isi)
    assert math.isnan(d.energy(0.5 * d.i_b_eff)["energy_static"])  # silent: no ISI
    assert out["mim_area"] == pytest.approx(d.c_m / 2e-3)
    assert out["ktc_noise"] == pytest.approx(math.sqrt(K_B * 300.15 / d.c_eff))


def test_leakage_flag_within_margin():
    assert design(device=sizing.DevicePoint(i_off=2e-12)).leakage_check()["flagged"]
    assert not design(device=sizing.DevicePoint(i_off=0.5e-12)).leakage_check()["flagged"]


def _suggested(message: str, after: str) -> float:
    """The number following ``after`` in an error message."""
    return float(message.split(after, 1)[1].split()[0])


def test_impossible_c_m_names_tau_and_the_fix_works():
    with pytest.raises(ParameterError) as err:
        design(tau=1e-3)  # g_m·τ = 131 fF < C_tsv = 140 fF
    message = str(err.value)
    assert message.startswith("tau = 0.001:") and "C_m" in message
    tau_min = _suggested(message, "raise tau above")
    assert design(tau=tau_min * 1.01).c_m > 0
    with pytest.raises(ParameterError):
        design(tau=tau_min * 0.99)


def test_leakage_floor_error_and_fix():
    dev = sizing.DevicePoint(i_off=5e-12)
    with pytest.raises(ParameterError) as err:
        design(i_b=None, c_m=0.5e-12, tau=0.1, device=dev)  # needs I_b ≈ 1.3 pA
    message = str(err.value)
    assert message.startswith("tau = 0.1:") and "leakage floor" in message
    assert design(i_b=None, c_m=0.5e-12, tau=_suggested(message, "lower tau below") * 0.99, device=dev).i_b > 5e-12
    with pytest.raises(ParameterError, match="^i_b = 2e-12: is at or below the leakage floor"):
        design(i_b=2e-12, device=dev)


def test_noise_limit_error_and_fix():
    with pytest.raises(ParameterError) as err:
        design(noise_max=20e-6)  # C_eff = 2.6 pF gives 40 µV
    message = str(err.value)
    assert message.startswith("noise_max = 2e-05: not reachable")
    reachable = _suggested(message, "relax noise_max to >=")
    assert design(noise_max=reachable * 1.001).as_dict()["ktc_noise"] <= reachable * 1.001
    assert design(tau=_suggested(message, "raise tau above") * 1.001, noise_max=20e-6).as_dict()["ktc_noise"] <= 20e-6


def test_f_target_too_fast():
    with pytest.raises(ParameterError) as err:
        design(tau=None, c_m=2e-12, f_target=200.0, i_target=30e-12)  # integrator limit ≈ 47 Hz
    f_max = _suggested(str(err.value), "lower f_target below")
    assert f_max == pytest.approx((30e-12 - 1e-13) / (2.14e-12 * 0.3), rel=1e-3)  # (I - I_off)/(C_eff·ΔV)
    # Just below the integrator limit the bias solving it is below the leakage floor, and says where the floor is.
    with pytest.raises(ParameterError) as err:
        design(tau=None, c_m=2e-12, f_target=f_max * 0.999, i_target=30e-12)
    f_floor = _suggested(str(err.value), "lower f_target below")
    assert design(tau=None, c_m=2e-12, f_target=f_floor * 0.999, i_target=30e-12).i_b > 1e-13
    with pytest.raises(ParameterError, match="leakage floor"):
        design(tau=None, c_m=2e-12, f_target=f_floor * 1.001, i_target=30e-12)


def test_noise_limit_in_f_target_mode():
    with pytest.raises(ParameterError) as err:
        design(tau=None, f_target=25.0, i_target=30e-12, t_ref=1e-3, noise_max=20e-6)
    f_need = _suggested(str(err.value), "lower f_target below")
    assert design(tau=None, f_target=f_need * 0.999, i_target=30e-12, t_ref=1e-3, noise_max=20e-6).c_m > 0


def test_corner_table_keeps_the_design():
    d = design()
    slow = sizing.DevicePoint(corner="ss", temp=-40.0, kappa=0.6, i_off=1e-15, i_b_ratio=0.9)
    row = sizing.corner_table(d, [slow], 30e-12)[0]
    assert row["tau"] == pytest.approx(d.c_eff * 2 * u_t(-40.0) / (0.6 * 0.9 * 10e-12), rel=1e-12)
    slow_neuron = TanhNeuron(d.c_eff, 9e-12, 0.6, 0.3, -40.0, i_leak=1e-15)
    assert row["rate"] == pytest.approx(float(slow_neuron.rate(30e-12)), rel=1e-12)
    assert row["rate_tsv_min"] == row["rate"] == row["rate_tsv_max"]


@pytest.mark.parametrize("kw, name", [
    (dict(v_swing=-0.1), "v_swing"), (dict(tau=None), "tau"), (dict(c_m=1e-12, i_b=1e-12), "i_b"),
    (dict(tau=None, f_target=10.0), "i_target"), (dict(tau=-1.0), "tau"),
])
def test_bad_input_names_the_parameter(kw, name):
    with pytest.raises(ParameterError) as err:
        design(**kw)
    assert err.value.name == name


def test_device_point_validation():
    with pytest.raises(ParameterError, match="corner"):
        sizing.DevicePoint(corner="xx")
    with pytest.raises(ParameterError, match="kappa"):
        sizing.DevicePoint(kappa=1.5)


@settings(max_examples=60, deadline=None)
@given(tau=st.floats(1e-3, 0.2), i_b=st.floats(1e-12, 1e-9), kappa=st.floats(0.4, 1.0),
       c_tsv=st.floats(0, 0.5e-12), temp=st.floats(-40, 125))
def test_sized_design_has_the_target_tau(tau, i_b, kappa, c_tsv, temp):
    device = sizing.DevicePoint(kappa=kappa, temp=temp, i_off=0.0)
    try:
        d = sizing.size(0.3, sizing.TSV.from_value(c_tsv), device, tau=tau, i_b=i_b)
    except ParameterError as err:  # only when the TSV alone exceeds tau*g_m
        assert err.name == "tau" and c_tsv >= tau * kappa * i_b / (2 * u_t(temp))
        return
    assert d.tau == pytest.approx(tau, rel=1e-12)
    assert d.c_m == pytest.approx(tau * kappa * i_b / (2 * u_t(temp)) - c_tsv, rel=1e-9, abs=1e-24)


def test_a_rate_no_bias_reaches_names_f_target_and_the_slowest_rate():
    # 2 pF under 1 A charges in picoseconds: even a leak that all but cancels the input cannot stretch it to 20 ms.
    with pytest.raises(ParameterError) as err:
        sizing.solve_for_rate(50.0, 1.0, 0.3, 0.7, 0.0, c_m=2e-12)
    assert err.value.name == "f_target" and "raise c_m" in str(err.value)
    f_min = float(str(err.value).split("at least ")[1].split(" Hz")[0])
    c_m, i_b = sizing.solve_for_rate(2 * f_min, 1.0, 0.3, 0.7, 0.0, c_m=2e-12)  # just above it: solvable
    assert c_m == 2e-12 and i_b > 0


@pytest.mark.parametrize("name, value", [("vdd", math.nan), ("vdd", 5.0), ("mim_density", math.inf),
                                         ("c_logic", math.nan)])
def test_size_refuses_impossible_process_numbers(name, value):
    with pytest.raises(ParameterError) as err:
        sizing.size(0.3, sizing.TSV.from_value(0.0), sizing.DevicePoint(), tau=20e-3, i_b=10e-12, **{name: value})
    assert err.value.name == name
