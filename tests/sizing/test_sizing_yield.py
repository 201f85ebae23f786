"""Sizing for yield: the closed form with the PDK's block σ finds the areas, a SPICE Monte Carlo of the re-sized
netlist confirms them; and the closed form predicts the SPICE spread it is compared with."""

from __future__ import annotations

import json

import pytest

from lifhw.sizing.spicemc import size_for_yield
from lifhw.spice import OTADesign, ota_params
from lifhw.spice import netlist as nl
from lifhw.spice.executor import LocalExecutor

I_IN = 31.5e-12


@pytest.mark.slow
def test_areas_for_a_yield_found_by_the_closed_form_hold_in_spice(block_store, tmp_path):
    table, root = block_store
    design = OTADesign()
    with LocalExecutor(2, timeout=120) as executor:
        got = size_for_yield(ota_params(design), design, I_IN, tolerance=0.03, wanted=0.99, n=60, seed=3,
                             executor=executor, store_root=tmp_path, blocks_root=root, quiet=True).as_dict()
    json.dumps(got)  # JSON-ready, as the CLI prints it
    sized, resized = got["sized"], got["resized"]
    # The default neuron (rate sigma ~3.7 %) misses 99 % within ±3 %: areas were needed ...
    assert sized["yield"]["interval"][1] < 0.99 and not sized["failed"]
    assert sized["rate"]["std"] / sized["rate"]["mean"] > 0.02
    # ... the closed form predicted the SPICE spread of the sized neuron (60 samples: SE of sigma ~9 %) ...
    assert sized["closed_form"]["rate"]["std"] == pytest.approx(sized["rate"]["std"], rel=0.25)
    # ... every block grew or stayed, the comparator (the largest term) most, and the netlist carries the areas
    areas = got["areas"]
    assert all(a >= 1.0 for a in areas.values()) and areas["a_cmp"] == max(areas.values()) > 2
    text = nl.render(nl.get_circuit("ota"), nl.get_circuit("ota").values(ota_params(), OTADesign(**areas)))
    assert f".param w_cp = {areas['a_cmp'] ** 0.5!r}" in text
    # ... the bias is re-centred on the target (the larger devices moved the nominal rate) ...
    steps = got["recentred"]["steps"]
    off = [abs(step["rate"] / got["spec"]["rate"] - 1) for step in steps]
    assert off[-1] <= 0.05 * 0.03 < off[0]
    # ... and SPICE confirms: the spread fell as predicted and the yield's interval reaches the target.
    assert got["predicted"]["yield"] >= 0.99
    assert resized["rate"]["std"] == pytest.approx(got["predicted"]["rate"]["std"], rel=0.3)
    assert resized["rate"]["std"] < 0.6 * sized["rate"]["std"]
    assert resized["yield"]["interval"][1] >= 0.99 and resized["yield"]["yield"] >= 0.95
