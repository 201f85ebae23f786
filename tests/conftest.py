"""Fixtures shared across test folders."""

from __future__ import annotations

import subprocess

import pytest


@pytest.fixture(scope="session")
def digits_run():
    """The acceptance run of the learning issue (seed 0, default settings), trained once per session and shared by
    tests/learn and tests/deploy."""
    from lifhw.learn import digits

    return digits.run(digits.DigitsConfig())


@pytest.fixture
def lifhw_in_process(capsys):
    """``lifhw.cli.main`` (what the console script runs) in this process, as a CompletedProcess with its stderr:
    a subprocess per case would import JAX again each time."""
    from lifhw.cli import main

    def run(*args) -> subprocess.CompletedProcess:
        args = [str(a) for a in args]
        code = main(args)
        return subprocess.CompletedProcess(args, code, "", capsys.readouterr().err)

    return run


@pytest.fixture
def one_line_exit_2():
    """A check that a lifhw run exited 2 with one line on stderr, no traceback, holding every given word."""

    def check(run: subprocess.CompletedProcess, *words: str) -> None:
        assert run.returncode == 2, (run.returncode, run.stderr)
        lines = run.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in run.stderr, run.stderr
        for word in words:
            assert word in lines[0], lines[0]

    return check


@pytest.fixture(scope="session")
def block_store(tmp_path_factory):
    """The PDK's block mismatch table of the default lif_ota design (tt, 27 °C, I_b = 10 pA), computed once per
    test run (a SPICE Monte Carlo of the blocks on two workers, ~1 min) in a folder of its own: (table, folder)."""
    from lifhw.spice import OTADesign, blocks, ota_params

    root = tmp_path_factory.mktemp("blocks")
    return blocks.block_table(ota_params(), OTADesign(), workers=2, store_root=root), root
