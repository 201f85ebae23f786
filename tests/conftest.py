"""Fixtures shared across test folders."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def block_store(tmp_path_factory):
    """The PDK's block mismatch table of the default lif_ota design (tt, 27 °C, I_b = 10 pA), computed once per
    test run (a SPICE Monte Carlo of the blocks on two workers, ~1 min) in a folder of its own: (table, folder)."""
    from lifhw.spice import OTADesign, blocks, ota_params

    root = tmp_path_factory.mktemp("blocks")
    return blocks.block_table(ota_params(), OTADesign(), workers=2, store_root=root), root
