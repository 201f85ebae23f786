"""``lifhw.progress.deferred``: a Ctrl-C or SIGTERM inside the block is delivered, once, to the handler it had, as
the block ends — never lost, never in the middle — and a process started inside inherits the signals blocked."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from lifhw import progress


@pytest.fixture
def interruptible():
    """SIGINT raising KeyboardInterrupt in this process, as in a terminal's foreground job (a background pytest
    inherits it ignored)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def test_a_signal_inside_the_block_arrives_once_as_it_ends(interruptible):
    finished = []
    with pytest.raises(KeyboardInterrupt):
        with progress.deferred({signal.SIGINT, signal.SIGTERM}):
            os.kill(os.getpid(), signal.SIGINT)
            finished.append("the rest of the block")
    assert finished == ["the rest of the block"]
    with progress.deferred({signal.SIGINT}):
        pass  # nothing left over from the first block
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_nested_blocks_deliver_at_the_outermost_end(interruptible):
    order = []
    with pytest.raises(KeyboardInterrupt):
        with progress.deferred({signal.SIGINT}):
            with progress.deferred({signal.SIGINT}):
                os.kill(os.getpid(), signal.SIGINT)
            order.append("after the inner block")
    assert order == ["after the inner block"]


def test_a_process_started_inside_has_the_signals_blocked():
    with progress.deferred({signal.SIGINT, signal.SIGTERM}):
        child = subprocess.run([sys.executable, "-c", "import signal; print(*sorted(s.name for s in "
                                                      "signal.pthread_sigmask(signal.SIG_BLOCK, [])))"],
                               capture_output=True, text=True)
    assert {"SIGINT", "SIGTERM"} <= set(child.stdout.split()), child.stdout
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, [])  # and this process has them back
