"""The network report section, run on a small network: figures, table, budget and summary."""

from lifhw import LIFParams
from lifhw.report import ReportContext
from lifhw.report.sections import network as section


def test_network_section_on_a_small_network(tmp_path, monkeypatch):
    monkeypatch.setattr(section, "N", 1250)
    monkeypatch.setattr(section, "T_STATE", {"SR": 0.3, "SI fast": 0.3, "AI": 0.3, "SI slow": 0.3})
    monkeypatch.setattr(section, "ETAS", (1.0, 2.0))
    ctx = ReportContext(params=LIFParams(), build_dir=tmp_path, quiet=True)
    built = section.build(ctx)
    assert built.html.count("data:image/png;base64,") == 2
    assert built.html.count("<tr>") == 1 + 5  # header, four states and the silent network
    assert len(built.budget) == 2
    assert set(built.summary["states"]) == {"SR", "SI fast", "AI", "SI slow"}
    assert built.summary["silent_rate"] == 0.0
    # The second build reads the cache and gives the same page.
    assert section.build(ctx).html == built.html
