"""The comparison report: one self-contained HTML page and a JSON summary.

Each level contributes a *section*: a module in :mod:`lifhw.report.sections` with ``ORDER`` (its
place on the page) and ``build(ctx) -> Section``. :func:`build_report` discovers them, so a new
level adds its section by adding a module and nothing else. Expensive results go through
:meth:`ReportContext.cached`, keyed by a hash of their inputs and of the code that computes them,
so a second ``make report`` with nothing changed re-uses them.
"""

from __future__ import annotations

import base64
import html
import importlib
import inspect
import io
import math
import pkgutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import readers
from ..fi import FICurve
from ..params import LIFParams
from ..progress import Progress
from . import cache
from .cache import R


@dataclass
class BudgetRow:
    """One row of the error budget: a level checked against its reference."""

    level: str
    reference: str
    error: float
    bound: float
    source: str

    @property
    def passed(self) -> bool:
        return bool(self.error <= self.bound)

    def as_dict(self) -> dict:
        return {"level": self.level, "reference": self.reference, "error": self.error,
                "bound": self.bound, "source": self.source, "passed": self.passed}


@dataclass
class Section:
    """A part of the report: HTML body, rows for the error budget, numbers for summary.json."""

    key: str
    title: str
    html: str
    budget: list[BudgetRow] = field(default_factory=list)
    summary: dict = field(default_factory=dict)
    #: Curves for the report's combined f-I figure (the first section's first curve is drawn as the reference).
    fi_curves: list[FICurve] = field(default_factory=list)
    #: (item, value, meaning) rows this level adds to the report's design table.
    design: list = field(default_factory=list)


@dataclass
class ReportContext:
    """What a section gets: the design, the cache and progress reporting."""

    params: LIFParams
    build_dir: Path
    quiet: bool = False

    def progress(self, label: str, total: int) -> Progress:
        return Progress(label, total, self.quiet)

    def log(self, message: str) -> None:
        if not self.quiet:
            print(message, file=sys.stderr)

    def cached(self, name: str, inputs: dict, compute: Callable[[], R], kind: type[R], code: tuple = ()) -> R:
        """``compute()``, a ``kind`` (a typed result: ``as_dict``/``from_dict``, :class:`lifhw.jsonio.Record`),
        re-used while ``inputs`` and the code behind it are unchanged.

        The cache stores the result's ``as_dict()`` and returns ``kind.from_dict`` of what it stored, on the first
        run as on every later one. The key (:mod:`.cache`) hashes ``inputs`` and the import closure of the modules
        in ``code`` (default: the module defining ``compute``) with the data files they declare. An entry that is
        unreadable or does not read back as ``kind`` is recomputed, with one warning line.
        """
        roots = code or (inspect.getmodule(compute),)
        path = self.build_dir / "cache" / f"{name}-{cache.key(inputs, roots)}.json"
        stored = cache.load(path, kind, readers.warn)
        return stored if stored is not None else cache.store(path, compute(), kind)


def figure_png(fig) -> bytes:
    """A matplotlib figure as PNG bytes (closed afterwards); byte-identical for identical data."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()


def png_html(png: bytes, caption: str) -> str:
    """PNG bytes as an embedded ``<figure>`` with a caption."""
    data = base64.b64encode(png).decode()
    return (f'<figure><img alt="{html.escape(caption)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")


def figure_html(fig, caption: str) -> str:
    """A matplotlib figure as an embedded PNG ``<figure>``."""
    return png_html(figure_png(fig), caption)


class Html(str):
    """Text that is already HTML: :func:`table_html` puts it in a cell unescaped."""


#: What a table shows for a missing number (NaN, infinite, None): an em dash, never "nan".
MISSING = "—"


def table_html(header: list[str], rows: list[list], classes: str = "") -> str:
    """A small HTML table; numbers shown with 4 significant digits, a missing one (NaN, ±inf, None) as
    :data:`MISSING`, :class:`Html` cells as they are."""
    def cell(value) -> str:
        if isinstance(value, Html):
            return f"<td>{value}</td>"
        if isinstance(value, bool | np.bool_):
            return f"<td>{bool(value)}</td>"
        if value is None or (isinstance(value, float | np.floating) and not math.isfinite(value)):
            return f'<td class="num">{MISSING}</td>'
        if isinstance(value, float | np.floating):
            return f'<td class="num">{float(value):.4g}</td>'
        if isinstance(value, int | np.integer):
            return f'<td class="num">{int(value)}</td>'
        return f"<td>{html.escape(str(value))}</td>"

    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(cell(v) for v in row) + "</tr>" for row in rows)
    return f'<table class="{classes}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def discover_sections() -> list:
    """The section modules, in page order."""
    from . import sections

    modules = [importlib.import_module(f"{sections.__name__}.{info.name}")
               for info in pkgutil.iter_modules(sections.__path__)]
    return sorted(modules, key=lambda m: m.ORDER)
