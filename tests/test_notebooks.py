"""Every tutorial in notebooks/ runs from top to bottom (its own asserts included)."""

from pathlib import Path

import pytest
from notebook_runner import run

pytestmark = pytest.mark.slow  # each runs a whole tutorial (up to a minute of CPU)
#: Tutorials too long for make test's budget run in make analog (marker "analog"): the trained network on transistor
#: neurons (a calibration, the PDK's block statistics, two samples in ngspice: ~2 CPU-min cold).
ANALOG = {"analog_network"}
NOTEBOOKS = [pytest.param(p, id=p.stem, marks=[pytest.mark.analog] if p.stem in ANALOG else [])
             for p in sorted((Path(__file__).parents[1] / "notebooks").glob("*.py"))]


@pytest.mark.parametrize("path", NOTEBOOKS)
def test_notebook_runs(path, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    run(path, timeout=600)
