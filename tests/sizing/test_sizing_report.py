"""The sizing report section rebuilds its design from the cached JSON without losing anything."""

from __future__ import annotations

import json

from lifhw import sizing
from lifhw.report.sections import sizing as section


def test_design_round_trips_through_the_cache():
    device = sizing.DevicePoint("ff", -40.0, 0.71, 4e-14, 1.02, "spice", leak_in_fit=True, p_other=5e-12)
    design = sizing.size(0.3, sizing.TSV.from_geometry(5e-6, 50e-6, 0.2e-6), device, tau=20e-3, i_b=10e-12,
                         c_logic=7e-15, vdd=1.7, t_ref=2.5e-3)
    row = section._row_json({"design": design})
    data = json.loads(json.dumps({"nominal": row["design"], "device": row["device"]}))
    again = section._design_from(data)
    assert again.as_dict() == design.as_dict()
    assert float(again.rate(30e-12)) == float(design.rate(30e-12))
    assert again.energy(30e-12) == design.energy(30e-12)
