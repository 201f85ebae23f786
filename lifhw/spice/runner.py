"""Running ngspice through PySpice's shared library: one session per process, and the jobs it runs.

ngspice's shared library holds one circuit per process, so parallel runs are separate processes
(:mod:`lifhw.spice.executor`: local worker processes or a Dask cluster; :mod:`lifhw.spice.pool`: one deck's jobs
on one). Each worker loads the rendered netlist
(and the sky130 library, ~3 s) once and then runs jobs that only ``alter`` the input current (or the membrane
probe) before an analysis (:func:`run_job`), or redraw the statistical parameters of a Monte Carlo deck
(:meth:`Session.redraw`). A failed job comes back as a :class:`~lifhw.errors.SpiceError` with the ngspice log
tail and the netlist path, and the other jobs are unaffected.
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import logging
import os
import re
from pathlib import Path

import numpy as np

from ..errors import ParameterError, SpiceError
from ..files import tool_alias
from ..units import check_value

#: ngspice output lines that mean a command failed (matched case-insensitively).
_FAILURE = re.compile(r"error|abort|too small|singular|fatal|failed|cannot|can't|not found|no such", re.IGNORECASE)
#: Informational stderr lines of ngspice 39..44 that PySpice would report as errors. "Trying gmin = ... Warning:
#: Last gmin step failed" is the progress of gmin stepping, which may still converge: whether the analysis failed is
#: decided by its plot (:meth:`Session._last_plot` raises when it produced none, as it does when stepping gave up).
_BENIGN = re.compile(r"^(note:|warning:|trying gmin|using sparse|using klu|option scale|.*no \.plot)", re.IGNORECASE)
LOG_TAIL_LINES = 25


@functools.cache
def tool_versions() -> dict[str, str]:
    """The ngspice shared library this process simulates with, as its file's SHA-256 (a rebuild of the same release
    can change a result): part of every report cache key computed with ngspice (:mod:`lifhw.report.cache`).

    The library is found as PySpice finds it (``NGSPICE_LIBRARY_PATH`` or the loader's ``libngspice.so``) and read
    from the loader's own map of this process, so it is the file ngspice runs from, whatever links lead there.
    """
    name = os.environ.get("NGSPICE_LIBRARY_PATH") or "libngspice.so"
    try:
        ctypes.CDLL(name)
        with open("/proc/self/maps") as maps:
            paths = {line.split(maxsplit=5)[-1].strip() for line in maps if "libngspice" in line}
        (path,) = {p for p in paths if p.startswith("/")}
        return {"libngspice": f"{Path(path).name} sha256:{hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]}"}
    except (OSError, ValueError):
        return {"libngspice": "not installed"}


def _quiet_pyspice() -> None:
    # PySpice logs every ngspice stderr line as an error and warns "Unsupported Ngspice version";
    # lifhw judges ngspice's output itself (Session._check) and keeps the full log for errors.
    logging.getLogger("PySpice").setLevel(logging.CRITICAL)


class Session:
    """One ngspice instance in this process: load a netlist, alter sources, run analyses, read vectors.

    ngspice's shared library is one simulator per process; a second Session in the same process reuses
    it (and replaces the circuit it holds when it loads one).
    """

    _shared = None  # the process's PySpice NgSpiceShared; its output goes to the newest Session's log
    #: A statistical redraw failed: ngspice's shared library "cannot recover" in this process (see redraw).
    dead = False

    def __init__(self, threads: int = 1):
        _quiet_pyspice()
        self.log: list[str] = []
        self.netlist: Path | None = None
        if Session._shared is None:
            from PySpice.Spice.NgSpice.Shared import NgSpiceShared

            class _Logged(NgSpiceShared):
                owner: Session | None = None

                def send_char(self, message, ngspice_id):
                    if self.owner is not None:
                        self.owner.log.append(message)
                    return 0

            Session._shared = _Logged.new_instance()
        self._ng = Session._shared
        self._ng.owner = self
        for command in ("set ngbehavior=hsa", "set ng_nomodcheck", f"set num_threads={int(threads)}"):
            self.command(command)

    def command(self, command: str) -> None:
        """Run one ngspice command; raise SpiceError if ngspice reports a failure."""
        from PySpice.Spice.NgSpice.Shared import NgSpiceCommandError

        start = len(self.log)
        try:
            self._ng.exec_command(command)
        except NgSpiceCommandError:
            pass  # PySpice flags any stderr line; _check decides what is a failure
        except NameError as exc:  # PySpice's error for a non-zero ngSpice_Command return
            raise self.error(f"ngspice command {command!r} failed: {exc}") from None
        self._check(command, self.log[start:])

    def _check(self, command: str, lines: list[str]) -> None:
        for line in lines:
            text = line.partition(" ")[2].strip()
            if _FAILURE.search(text) and not _BENIGN.match(text):
                raise self.error(f"ngspice command {command!r} failed: {text}")

    def error(self, message: str) -> SpiceError:
        """A SpiceError with the netlist path, the full ngspice log written beside it, and the log's tail."""
        lines = [line.partition(" ")[2] for line in self.log]
        where = ""
        if self.netlist:
            log_path = self.netlist.with_suffix(f".{os.getpid()}.log")
            log_path.write_text("\n".join(lines) + "\n")
            where = f"; netlist: {self.netlist}; log: {log_path}"
        tail = "\n".join(lines[-LOG_TAIL_LINES:])
        return SpiceError(f"{message}{where}\n--- ngspice log tail ---\n{tail}")

    def load(self, netlist: Path) -> None:
        self.netlist = Path(netlist)
        # ngspice's `source` takes the rest of the line, quotes and all: give it a name it takes whole.
        self.command(f"source {tool_alias(self.netlist)}")

    def _last_plot(self, kind: str) -> dict[str, np.ndarray]:
        name = self._ng.last_plot
        if not name.startswith(kind):
            raise self.error(f"the {kind} analysis produced no results")
        plot = self._ng.plot(None, name)
        vectors = {key.lower(): np.array(vec._data, dtype=float) for key, vec in plot.items()}
        self.command(f"destroy {name}")
        return vectors

    def tran(self, i_in: float, t_stop: float, max_step: float) -> dict[str, np.ndarray]:
        """Transient from the operating point with ``i_in`` (A) into the membrane; returns saved vectors."""
        self.set(i_in=i_in)
        return self.transient(t_stop, max_step)

    def transient(self, t_stop: float, max_step: float) -> dict[str, np.ndarray]:
        """Transient of the loaded deck as it stands (its sources, its initial conditions); returns saved vectors."""
        self.command(f"tran {float(max_step)!r} {float(t_stop)!r} 0 {float(max_step)!r}")
        vectors = self._last_plot("tran")
        if vectors["time"][-1] < t_stop * (1 - 1e-9):
            raise self.error(f"transient stopped at {vectors['time'][-1]:.6g} s of {t_stop:.6g} s")
        return vectors

    def op(self) -> dict[str, np.ndarray]:
        """The operating point with no input (the rest state); returns the saved vectors (one value each)."""
        self.set(i_in=0.0)
        self.command("op")
        return self._last_plot("op")

    def set(self, temp: float | None = None, **values: float) -> None:
        """Change the loaded circuit: the temperature (°C, ``option temp``) and element values (SI) by name,
        e.g. ``set(i_b=5e-12, c_m=1e-12)``; a source (name starting with i or v) gets its dc value."""
        if temp is not None:
            self.command(f"option temp = {check_value(temp, 'temp', 'degC')!r}")
        for name, value in values.items():
            if not re.fullmatch(r"[A-Za-z]\w*", name):
                raise ParameterError("element", name, "must be an element name of the loaded netlist")
            field = " dc" if name[0] in "iIvV" else ""
            self.command(f"alter {name}{field} = {check_value(value, name)!r}")

    def redraw(self, seed: int, parameters: dict[str, float]) -> None:
        """Draw the statistical parameters again: set global ``parameters`` (``alterparam``), seed ngspice's random
        generator, and ``reset`` (which re-reads the loaded deck, so every ``alter`` and ``option`` since the load
        is gone and every AGAUSS of the models is drawn anew, in deck order, from ``seed``).

        A failure here leaves the shared library unusable in this process: :attr:`dead` is set.
        """
        try:
            for name, value in parameters.items():
                if not re.fullmatch(r"[A-Za-z]\w*", name):
                    raise ParameterError("parameter", name, "must be a parameter name of the loaded netlist")
                # ngspice does not check the value: anything but a plain number breaks the next reset.
                self.command(f"alterparam {name} = {check_value(value, name)!r}")
            self.command(f"setseed {int(seed)}")
            self.command("reset")
        except SpiceError:
            Session.dead = True
            raise

    def map(self, jobs: list[dict], on_result=None) -> list:
        """Run ``jobs`` one after another in this process, with :meth:`lifhw.spice.pool.SpicePool.map`'s contract
        (a failed job's SpiceError is returned in its place)."""
        results = []
        for index, job in enumerate(jobs):
            try:
                results.append(run_job(self, job))
            except SpiceError as exc:
                results.append(exc)
            if on_result is not None:
                on_result(index, results[-1])
        return results

    def dc_probe(self, v_start: float, v_stop: float, v_step: float,
                 i_b: tuple[float, float] | None = None) -> dict[str, np.ndarray]:
        """DC sweep of the membrane probe (connected through 1 Ω) with no input current.

        ``i_b``: (bias during the sweep, bias restored after it) in A, or None to leave the bias alone.
        """
        from .netlist import PROBE_OPEN

        self.set(i_in=0.0, r_probe=1.0)
        if i_b is not None:
            self.set(i_b=i_b[0])
        try:
            self.command(f"dc v_probe {float(v_start)!r} {float(v_stop)!r} {float(v_step)!r}")
            vectors = self._last_plot("dc")
        finally:
            self.set(r_probe=PROBE_OPEN)
            if i_b is not None:
                self.set(i_b=i_b[1])
        return vectors


def run_job(session: Session, job: dict):
    """Run one job description on a loaded session."""
    kind = job["kind"]
    if kind == "tran":
        return session.tran(job["i_in"], job["t_stop"], job["max_step"])
    if kind == "dc_probe":
        return session.dc_probe(job["v_start"], job["v_stop"], job["v_step"], job.get("i_b"))
    if kind == "op":
        return session.op()
    raise ValueError(f"unknown job kind {kind!r}")


def describe_job(job: dict) -> str:
    """What a job is, in an error message."""
    if job["kind"] == "tran":
        return f"transient at i_in = {job['i_in']:.6g} A (t_stop {job['t_stop']:.6g} s)"
    return f"{job['kind']} job"
