"""A one-line progress bar on stderr with count and ETA (the report's sections and long SPICE batches)."""

from __future__ import annotations

import sys
import time


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
