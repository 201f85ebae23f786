import dataclasses

import pytest

from lifhw import LIFParams, ParameterError


def test_defaults_and_derived_quantities():
    p = LIFParams()
    assert p.tau_m == pytest.approx(20e-3)
    assert p.g_l == pytest.approx(10e-9)
    assert p.rheobase == pytest.approx(200e-12)


def test_from_g_l_is_the_same_neuron():
    assert LIFParams.from_g_l(10e-9) == LIFParams(r_m=100e6)
    with pytest.raises(ParameterError, match="g_l"):
        LIFParams.from_g_l(-1.0)


@pytest.mark.parametrize("changes, name", [
    ({"c_m": 0.0}, "c_m"), ({"c_m": -1e-12}, "c_m"), ({"r_m": 0.0}, "r_m"), ({"t_ref": -1e-3}, "t_ref"),
    ({"v_th": -0.08}, "v_th"), ({"v_reset": -0.05}, "v_th"), ({"v_rest": -0.04}, "v_th"),
    ({"c_m": float("nan")}, "c_m"), ({"r_m": "100M"}, "r_m"),
])
def test_validation_names_parameter_value_and_rule(changes, name):
    with pytest.raises(ParameterError) as err:
        LIFParams(**changes)
    assert err.value.name == name
    assert str(err.value).startswith(f"{name} = ")
    assert "must" in str(err.value)


def test_frozen_and_replace_validates_again():
    p = LIFParams()
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.c_m = 1.0
    assert p.replace(c_m=100e-12).tau_m == pytest.approx(10e-3)
    with pytest.raises(ParameterError):
        p.replace(v_th=-0.09)


def test_v_reset_may_differ_from_v_rest():
    p = LIFParams(v_reset=-65e-3)
    assert p.v_reset == -65e-3 and p.as_dict()["v_reset"] == -65e-3


@pytest.mark.parametrize("name, value", [("c_m", 1e308), ("r_m", 1e31), ("v_th", 1e308), ("t_ref", 1e-300),
                                         ("c_m", float("inf")), ("v_rest", float("nan"))])
def test_values_outside_the_quantity_are_refused(name, value):
    with pytest.raises(ParameterError) as err:
        LIFParams(**{name: value})
    assert err.value.name == name


def test_extreme_but_valid_neurons_are_accepted():
    assert LIFParams(r_m=1e25).tau_m == pytest.approx(2e15)  # a near-perfect integrator
    assert LIFParams(c_m=1.0, r_m=1e30).tau_m == 1e30
