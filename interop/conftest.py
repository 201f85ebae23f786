"""The interop suite (``make interop``, its own venv with snnTorch 1.0.0 on torch 2.13.0+cpu and spyx 1.0.0): lifhw's
networks through the field's real importers, and the field's default network onto the core."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

# the NIR interpreter and the exact integer reference that tests/learn uses too (nir_reference.py), and the notebook
# runner of tests/ (notebook_runner.py)
TESTS = Path(__file__).resolve().parents[1] / "tests"
sys.path[:0] = [str(TESTS / "learn"), str(TESTS)]


def lifhw(*args) -> dict:
    run = subprocess.run([sys.executable, "-m", "lifhw", *map(str, args), "--json"], capture_output=True, text=True,
                         timeout=3600)
    assert run.returncode == 0, run.stderr
    return {**json.loads(run.stdout), "stderr": run.stderr}


@pytest.fixture(scope="session")
def learned(tmp_path_factory):
    """`lifhw learn digits --seed 0` (the acceptance run), its graphs written for snnTorch."""
    out = tmp_path_factory.mktemp("learn")
    return out, lifhw("learn", "digits", "--seed", "0", "--quiet", "--nir-for", "snntorch", "--out", out)


@pytest.fixture(scope="session")
def held_out():
    """The held-out events (N, T, 64) and labels every model is scored on."""
    from lifhw.learn import digits

    config = digits.DigitsConfig()
    split = digits.load(config.seed)
    return digits.test_events(split, config), split.y_test


def agreement(a: np.ndarray, b: np.ndarray) -> dict:
    """Fractions of samples whose class (argmax, ties to the lowest index) and whose whole count vector agree."""
    return {"prediction": float(np.mean(np.argmax(a, -1) == np.argmax(b, -1))),
            "counts": float(np.mean(np.all(a == b, axis=-1)))}
