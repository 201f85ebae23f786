"""One deck's jobs on an executor: what a loaded neuron (:class:`lifhw.spice.sweep.SpiceNeuron`) runs its
transients, operating points and DC sweeps on."""

from __future__ import annotations

from pathlib import Path

from .deck import Deck
from .executor import LocalExecutor, Task
from .runner import describe_job, run_job


class SpicePool:
    """One rendered :class:`~lifhw.spice.deck.Deck` run by an :class:`~lifhw.spice.executor.Executor`: its jobs (the
    dicts of :func:`~lifhw.spice.runner.run_job`) become tasks on that deck, so each worker loads it once.

    ``executor``: the executor to run on (shared, the caller closes it); None starts a
    :class:`~lifhw.spice.executor.LocalExecutor` of ``workers`` processes with ``timeout`` seconds per job, owned
    and closed by this pool.
    """

    def __init__(self, deck: Deck, workers: int = 1, timeout: float = 300.0, executor=None):
        self.deck = deck
        self.netlist = Path(deck.path)
        self._owned = executor is None
        self.executor = LocalExecutor(workers, timeout) if executor is None else executor

    def __enter__(self) -> SpicePool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._owned:
            self.executor.close()

    def map(self, jobs: list[dict], on_result=None) -> list:
        """Run ``jobs``; return, in order, each job's vectors or the SpiceError it failed with.

        ``on_result(index, result)`` is called as each job finishes (for progress and partial saves).
        """
        tasks = [Task(run_job, (job,), describe_job(job), self.deck) for job in jobs]
        return self.executor.map(tasks, on_result)
