"""The report's RTL section: built from Icarus and Yosys runs, budget rows pass, cached on the second build."""

from __future__ import annotations

import pytest

from lifhw import LIFParams
from lifhw.report import ReportContext
from lifhw.report.sections import rtl as section


@pytest.mark.slow
def test_rtl_section_builds_passes_and_is_cached(tmp_path):
    ctx = ReportContext(LIFParams(), tmp_path, quiet=True)
    first = section.build(ctx)
    assert first.key == "rtl"
    labels = [curve.label for curve in first.fi_curves]
    assert labels[0].startswith("RTL 16-bit shift leak (Icarus)") and labels[1] == "RTL 16-bit mult leak (Icarus)"
    assert first.budget and all(row.passed for row in first.budget)
    assert first.summary["area"]["lif_neuron 16-bit shift leak"] <= 460
    assert (tmp_path / "rtl" / "area.json").exists()
    cached = sorted((tmp_path / "cache").iterdir())
    second = section.build(ctx)
    assert sorted((tmp_path / "cache").iterdir()) == cached
    assert second.summary == first.summary and second.html == first.html
