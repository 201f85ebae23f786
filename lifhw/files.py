"""lifhw's own data files (netlists, RTL, testbenches) and how its outputs are written.

A low module: it imports nothing of lifhw, so every level can use it. The netlists, Verilog and
testbenches live at the top of the source tree (``circuits/``, ``rtl/``, ``dv/``) where designers look for
them; ``lifhw/_data/`` links to them so that a built wheel carries them as package data and an installed
lifhw finds them in the same place as a source checkout does.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

_DATA = Path(__file__).parent / "_data"
#: SPICE netlists (``circuits/*.cir``).
CIRCUITS_DIR = (_DATA / "circuits").resolve()
#: Synthesizable Verilog (``rtl/*.v``).
RTL_DIR = (_DATA / "rtl").resolve()
#: Verification-only Verilog: testbenches with delays (``dv/*.v``).
DV_DIR = (_DATA / "dv").resolve()
#: Where everything lifhw generates goes unless the user names a folder: relative, so under the folder it runs in.
BUILD = Path("build")


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename, so readers never see half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; generated files are for everyone to read
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def run_folder(parent: Path, prefix: str) -> Iterator[Path]:
    """A folder of one run's own under ``parent`` for its intermediate files (compiled designs, stimuli, logs).

    Two runs given the same ``parent`` never share a file. The folder is removed when the run succeeds and kept
    when it fails, so the logs an error names are still there.
    """
    parent = Path(parent)
    parent.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=f"{prefix}-", dir=parent))
    yield path
    shutil.rmtree(path, ignore_errors=True)
