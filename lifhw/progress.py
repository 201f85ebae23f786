"""Where a long run is: a one-line progress bar on stderr with count and ETA (the report's sections and long SPICE
batches), and the named phases where a test can hold a run (:func:`reached`)."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time

#: ``LIFHW_HOLD=<phase>``: the run holds once at that phase (:func:`reached`); unset outside the interrupt tests.
HOLD_ENV = "LIFHW_HOLD"
#: Seconds a held run waits for its signal before it goes on.
HOLD_LIMIT = 600.0
_held: set[str] = set()
#: The signals that arrived inside :func:`deferred` blocks, to be delivered as the outermost one ends.
_caught: list[int] = []


def reached(phase: str) -> None:
    """The run has reached ``phase`` ("start-up", "pool-start", "between-points", "shutdown", "epoch", ...).

    If :data:`HOLD_ENV` names it, say ``lifhw: holding at <phase>`` on stderr and wait there (once per process) until
    a signal arrives — delivered (its handler raises here) or pending (the phase blocks it: the wait ends and the
    caller unblocks it) — or :data:`HOLD_LIMIT` s pass. The interrupt tests wait for that line and then signal: the
    signal lands in the phase they name whatever the machine's load, where a sleep would only guess.
    """
    if os.environ.get(HOLD_ENV) != phase or phase in _held:
        return
    _held.add(phase)
    print(f"lifhw: holding at {phase}", file=sys.stderr, flush=True)
    end = time.monotonic() + HOLD_LIMIT
    while time.monotonic() < end and not signal.sigpending() and not _caught:
        time.sleep(0.02)


@contextlib.contextmanager
def deferred(signals: set[signal.Signals]):
    """Run the block whole: ``signals`` (Ctrl-C, SIGTERM) that arrive inside it are delivered, to the handlers
    they had, as it ends — never lost, never in the middle (half a worker started, some workers left running).

    Python runs a signal's handler in the main thread whichever thread the kernel hands it to, so a recording
    handler defers it; the main thread also blocks the signals, which a process started inside inherits (its
    first instructions are deaf to them until it decides what they mean: :func:`lifhw.spice.executor._local_main`).
    Outside the main thread (where no handler can be set) the block runs as it is.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.signal(signum, lambda signum, frame: _caught.append(signum)) for signum in signals}
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, signals)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)  # one still pending runs the recording handler now
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if signals.isdisjoint(blocked):  # the outermost block delivers (the first handler may raise: clear first)
            arrived = list(dict.fromkeys(_caught))
            _caught.clear()
            for caught in arrived:
                signal.raise_signal(caught)


#: The bar whose line is unfinished on stderr, if any (:func:`end_line`).
_drawing: list[Progress] = []


def end_line() -> None:
    """End the line of a bar left drawing (a run that stopped mid-bar), so that the line that follows is its own."""
    while _drawing:
        _drawing.pop().close()


class Progress:
    """``label [####      ] done/total ETA`` redrawn in place on stderr; silent when ``quiet``.

    ``done`` may start above 0 (work found finished, e.g. stored Monte Carlo samples): the ETA counts only
    what this run does.
    """

    def __init__(self, label: str, total: int, quiet: bool = False, done: int = 0):
        self.label, self.total, self.quiet = label, max(total, 1), quiet
        self.done, self.start, self._first = done, time.monotonic(), done
        self._closed = False
        self._draw()

    def update(self, n: int = 1) -> None:
        self.done += n
        self._draw()
        if self.done >= self.total:
            self.close()

    def close(self) -> None:
        """End the bar's line (once), so that what follows on stderr — an error, an interruption — has its own."""
        if not self.quiet and not self._closed:
            print(file=sys.stderr)
        self._closed = True
        if self in _drawing:
            _drawing.remove(self)

    def _draw(self) -> None:
        if self.quiet:
            return
        frac = min(self.done / self.total, 1.0)
        elapsed = time.monotonic() - self.start
        ran = self.done - self._first
        eta = elapsed / ran * (self.total - self.done) if ran else float("nan")
        bar = "#" * int(frac * 24)
        eta_text = f"ETA {eta:5.0f}s" if ran else "ETA     ?"
        print(f"\r{self.label:<22} [{bar:<24}] {self.done}/{self.total} {eta_text}", end="",
              file=sys.stderr, flush=True)
        if self not in _drawing:
            _drawing.append(self)
