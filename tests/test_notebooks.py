"""Every tutorial in notebooks/ runs from top to bottom (its own asserts included)."""

from pathlib import Path

import pytest
from notebook_runner import run

pytestmark = pytest.mark.slow  # each runs a whole tutorial (up to a minute of CPU)
NOTEBOOKS = sorted((Path(__file__).parents[1] / "notebooks").glob("*.py"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    run(path, timeout=600)
