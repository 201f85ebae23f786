"""The report machinery: a self-contained page, a cache that makes the second run identical, and a
real browser that loads every figure without a console error."""

import json
import re

import numpy as np
import pytest

from lifhw import LIFParams
from lifhw.report.page import build_report


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    summary = build_report(LIFParams(), root / "out", root / "build", quiet=True, only=["reference"])
    return root, summary


def test_page_is_self_contained_and_budget_passes(report):
    root, summary = report
    page = (root / "out" / "index.html").read_text()
    assert page.count("data:image/png;base64,") >= 3
    assert not re.search(r'(src|href)="(https?:)?//', page), "the page must not load anything from outside"
    assert summary["all_passed"] and summary["error_budget"]
    assert json.loads((root / "out" / "summary.json").read_text())["params"] == LIFParams().as_dict()
    for item in ("ngspice", "icarus", "cocotb", "git_commit", "command"):
        assert item in summary["provenance"]


def test_second_run_reuses_the_cache_and_is_byte_identical(report):
    root, _ = report
    first = (root / "out" / "index.html").read_bytes()
    cache_files = sorted((root / "build" / "cache").iterdir())
    build_report(LIFParams(), root / "out", root / "build", quiet=True, only=["reference"])
    assert sorted((root / "build" / "cache").iterdir()) == cache_files
    figures = re.findall(rb"data:image/png;base64,[A-Za-z0-9+/=]+", first)
    assert figures == re.findall(rb"data:image/png;base64,[A-Za-z0-9+/=]+",
                                 (root / "out" / "index.html").read_bytes())


def test_chromium_loads_every_figure_without_console_errors(report):
    from playwright.sync_api import sync_playwright

    root, _ = report
    errors = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync"])
        page = browser.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto((root / "out" / "index.html").as_uri())
        widths = page.evaluate("Array.from(document.images).map(i => i.complete ? i.naturalWidth : 0)")
        browser.close()
    assert len(widths) >= 3 and all(w > 0 for w in widths), widths
    assert errors == []


def test_a_missing_number_is_an_em_dash_in_a_table_never_nan():
    from lifhw.report import MISSING, table_html

    html = table_html(["a", "b", "c", "d", "e"], [[float("nan"), None, float("inf"), np.float64("nan"), 0.5],
                                                  [1, np.int64(2), "text", True, -float("inf")]])
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", html)
    assert MISSING == "—"
    assert cells == ["—", "—", "—", "—", "0.5", "1", "2", "text", "True", "—"]
    assert "nan" not in html.lower() and "inf" not in html and "None" not in html
