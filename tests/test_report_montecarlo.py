"""The Monte Carlo report section: built from a real (small) SPICE Monte Carlo, its figures and numbers are the
samples' own, and a second build is served from the cache and the sample store."""

from __future__ import annotations

import re

import numpy as np
import pytest

from lifhw import stats
from lifhw.report import ReportContext
from lifhw.report.sections import montecarlo as section
from lifhw.spice.design import ota_params


@pytest.mark.slow
def test_section_from_a_small_monte_carlo(block_store, tmp_path, monkeypatch):
    _, blocks_root = block_store
    (tmp_path / "spice").mkdir()
    (tmp_path / "spice" / "blocks").symlink_to(blocks_root)  # the session's block table: computed once
    monkeypatch.setattr(section, "N", 16)
    ctx = ReportContext(params=ota_params(), build_dir=tmp_path, quiet=True)
    built = section.build(ctx)
    assert built.html.count("data:image/png;base64,") == 2
    summary = built.summary
    assert summary["failed"] == 0 and summary["rate"]["n"] == 16
    # the yield in the page is the samples' own count against the spec
    stored = sorted((tmp_path / "spice" / "mc").glob("*/[0-9]*.json"))
    rates = [float(re.search(rb'"rate": ([0-9.e+-]+)', p.read_bytes()).group(1)) for p in stored
             if not p.name.endswith(".cost.json")]
    assert len(rates) == 16
    target, tolerance = section.SPEC
    low, high = target * (1 - tolerance), target * (1 + tolerance)
    assert summary["yield"]["passed"] == int(np.sum((np.array(rates) >= low) & (np.array(rates) <= high)))
    assert summary["rate"]["mean"] == pytest.approx(stats.describe(rates)["mean"], rel=1e-12)
    assert [row.level for row in built.budget] == ["Monte Carlo: closed-form σ(rate)",
                                                   "Monte Carlo: closed-form mean rate (in SE)"]
    assert summary["cost"]["samples"] == 16 and 0 < summary["cost"]["cost_ratio"] < 1.2
    # a second build: the cache, nothing simulated
    again = section.build(ReportContext(params=ota_params(), build_dir=tmp_path, quiet=True))
    assert again.html == built.html
