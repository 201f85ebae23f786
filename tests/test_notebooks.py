"""Every tutorial in notebooks/ runs from top to bottom (its own asserts included)."""

from pathlib import Path

import jupytext
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).parents[1] / "notebooks").glob("*.py"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, monkeypatch):
    # A failing cell (an exception or one of the tutorial's own asserts) raises CellExecutionError.
    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = jupytext.read(path)
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    assert any(cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code")
