"""Fixtures shared across test folders."""

from __future__ import annotations

import subprocess

import pytest


def pytest_collection_modifyitems(config, items):
    """Files holding a slow test run first, the order otherwise kept: two workers taking whole files (``--dist
    loadfile``) finish together only when the long files are handed out first, not left to one worker at the end."""
    slow = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow)


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


class ForegroundRun:
    """``python -m lifhw ARGS`` as a terminal runs it in the foreground: in a process group of its own, which the
    test signals as a terminal's Ctrl-C does (the command and its workers), and with SIGINT at its default.

    The default matters: a shell running a job in the background (``make test &``, a CI step started with ``&``)
    starts it with SIGINT ignored, every child inherits that, and Python then installs no KeyboardInterrupt
    handler — the run would ignore the test's Ctrl-C and go on to its end, as a user's background job rightly
    does. ``hold`` names a phase where the run waits for the test's signal (:func:`lifhw.progress.reached`).
    """

    HANG_GUARD = 900.0  # seconds: only a hung run gets near it
    #: ``python -m lifhw`` with SIGINT at its default: set it, then exec (a preexec_fn would run Python in a forked
    #: copy of this process, which JAX's threads can deadlock)
    DEFAULT_SIGINT = ("import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
                      "os.execv(sys.executable, [sys.executable, '-m', 'lifhw', *sys.argv[1:]])")

    def __init__(self, args, hold: str | None = None, cwd=None):
        import os
        import queue
        import sys
        import threading

        env = {**os.environ}
        env.pop("LIFHW_HOLD", None)
        if hold is not None:
            env["LIFHW_HOLD"] = hold
        self.proc = subprocess.Popen([sys.executable, "-c", self.DEFAULT_SIGINT, *map(str, args)],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=cwd,
                                     start_new_session=True)
        self.lines: queue.Queue = queue.Queue()
        self.err: list[str] = []
        self.out: list[str] = []
        threading.Thread(target=self._read, args=(self.proc.stderr, self.lines), daemon=True).start()
        self._stdout = threading.Thread(target=lambda: self.out.append(self.proc.stdout.read()), daemon=True)
        self._stdout.start()

    @staticmethod
    def _read(stream, lines) -> None:
        for line in stream:
            lines.put(line)
        lines.put(None)

    def wait_for(self, text: str) -> str:
        """Block until the run prints a stderr line holding ``text``; return it (fail if the run ends first)."""
        import queue

        while True:
            try:
                line = self.lines.get(timeout=self.HANG_GUARD)
            except queue.Empty:
                raise AssertionError(f"no {text!r} on stderr: {''.join(self.err)}") from None
            if line is None:
                raise AssertionError(f"the run ended before {text!r}: {''.join(self.err)}")
            self.err.append(line)
            if text in line:
                return line

    def signal(self, signum) -> None:
        import os

        os.killpg(self.proc.pid, signum)

    def finish(self) -> subprocess.CompletedProcess:
        """Wait for the run's end; its exit code, stdout and whole stderr."""
        code = self.proc.wait(timeout=self.HANG_GUARD)
        while (line := self.lines.get(timeout=self.HANG_GUARD)) is not None:
            self.err.append(line)
        self._stdout.join(timeout=self.HANG_GUARD)
        return subprocess.CompletedProcess(self.proc.args, code, "".join(self.out), "".join(self.err))

    def _live_in_group(self) -> list[int]:
        """The processes of the run's group that are alive (a zombie is not: it only waits for its reaping)."""
        import os

        live = []
        for entry in os.listdir("/proc"):
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rpartition(")")[2].split()
            except (OSError, ValueError):
                continue
            if entry.isdigit() and int(fields[2]) == self.proc.pid and fields[0] != "Z":
                live.append(int(entry))
        return live

    def group_is_gone(self) -> bool:
        """Whether every process of the run's group ended with it: its workers, and multiprocessing's resource
        tracker, which ends by itself when it sees the run's end (waited for here, up to the hang guard)."""
        import time

        end = time.monotonic() + self.HANG_GUARD
        while self._live_in_group():
            if time.monotonic() > end:
                return False
            time.sleep(0.05)
        return True

    def kill(self) -> None:
        import os
        import signal

        for pid in self._live_in_group():
            os.kill(pid, signal.SIGKILL)
        if self.proc.poll() is None:
            self.proc.wait()


@pytest.fixture
def foreground():
    """Start lifhw runs as :class:`ForegroundRun`s; any still running at the test's end is killed with its group."""
    runs: list[ForegroundRun] = []

    def start(*args, hold: str | None = None, cwd=None) -> ForegroundRun:
        runs.append(ForegroundRun(args, hold, cwd))
        return runs[-1]

    yield start
    for run in runs:
        run.kill()


@pytest.fixture
def cpu_hog():
    """A busy process on every core for the test's duration: the machine as loaded as CI's can be."""
    import os
    import sys

    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(os.cpu_count() or 1)]
    yield len(hogs)
    for hog in hogs:
        hog.kill()
        hog.wait()
