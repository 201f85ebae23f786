"""A sized design reads itself back from its JSON (the report's cache, a sizing row) without losing anything."""

from __future__ import annotations

import json

import pytest

from lifhw import sizing
from lifhw.jsonio import dumps


def _design() -> sizing.SizedNeuron:
    device = sizing.DevicePoint("ff", -40.0, 0.71, 4e-14, 1.02, "spice", leak_in_fit=True, p_other=5e-12)
    return sizing.size(0.3, sizing.TSV.from_geometry(5e-6, 50e-6, 0.2e-6), device, tau=20e-3, i_b=10e-12,
                       c_logic=7e-15, vdd=1.7, t_ref=2.5e-3)


def test_design_round_trips_through_its_json():
    design = _design()
    again = sizing.SizedNeuron.from_dict(json.loads(dumps(design)))
    assert again == design  # every field, the device and the TSV geometry included
    assert again.as_dict() == design.as_dict()
    assert float(again.rate(30e-12)) == float(design.rate(30e-12))
    assert again.energy(30e-12) == design.energy(30e-12)


@pytest.mark.parametrize("change, name", [(lambda d: d.pop("c_logic"), "c_logic"),
                                          (lambda d: d.update(c_m="2p"), "c_m"),
                                          (lambda d: d["device"].update(kappa=None), "kappa"),
                                          (lambda d: d["device"].update(corner=3), "device.corner")])
def test_what_is_not_a_design_is_refused_naming_the_field(change, name):
    data = json.loads(dumps(_design()))
    change(data)
    with pytest.raises((KeyError, TypeError, ValueError), match=name):
        sizing.SizedNeuron.from_dict(data)
