"""Running a tutorial (a jupytext ``.py`` notebook) from top to bottom, as the notebook tests of both venvs do."""

from pathlib import Path

import jupytext
from nbclient import NotebookClient


def run(path: Path, timeout: float) -> None:
    """Execute every cell of ``path`` in its own folder; a failing cell (an exception or one of the tutorial's own
    asserts) raises CellExecutionError. Figures draw off-screen (the caller sets ``MPLBACKEND``)."""
    notebook = jupytext.read(path)
    NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    assert any(cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code")
