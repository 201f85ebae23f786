"""The SPICE Monte Carlo on a real Dask cluster (``dask scheduler`` + two ``dask worker`` processes on localhost):
a worker killed mid-run loses nothing and the result is the local backend's, byte for byte; a client killed
mid-run leaves its finished samples, and the same command computes only the others."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

DASK = Path(sys.executable).with_name("dask")
#: A small run: the closed form's σ given (the PDK's block table is another test's), so only samples are computed.
MC = ["size", "montecarlo", "--spice", "--i-target", "31.5p", "--seed", "5", "--sigma-vos", "5m",
      "--sigma-ib", "0.05", "--sigma-vth", "9m", "--json"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _lifhw(*args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "lifhw", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True, **kwargs)


class Cluster:
    """A scheduler and two single-thread workers, each in its own process group (so one can be killed whole)."""

    def __init__(self, tmp: Path):
        self.address = f"tcp://127.0.0.1:{_free_port()}"
        self.log = open(tmp / "cluster.log", "w")  # noqa: SIM115 - closed in stop()
        port = self.address.rsplit(":", 1)[1]
        self.scheduler = self._start("scheduler", "--host", "127.0.0.1", "--port", port, "--no-dashboard")
        self.workers = [self._start("worker", self.address, "--nthreads", "1", "--nworkers", "1", "--no-dashboard",
                                    "--memory-limit", "0") for _ in range(2)]
        from distributed import Client

        with Client(self.address, timeout=30) as client:
            client.wait_for_workers(2, timeout=60)

    def _start(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen([str(DASK), *args], stdout=self.log, stderr=self.log, start_new_session=True)

    def kill_worker(self, index: int) -> tuple:
        """SIGKILL worker ``index`` (the nanny too: the machine is gone); returns the tasks it was given."""
        from distributed import Client

        with Client(self.address, timeout=10) as client:
            groups = client.run(os.getpgrp)  # worker address -> its process group (that of its `dask worker`)
            address = next(a for a, group in groups.items() if group == self.workers[index].pid)
            busy = client.processing()[address]
            os.killpg(self.workers[index].pid, signal.SIGKILL)
        self.workers[index].wait()
        return busy

    def stop(self) -> None:
        for proc in [*self.workers, self.scheduler]:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in [*self.workers, self.scheduler]:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        self.log.close()


@pytest.fixture
def cluster(tmp_path):
    started = Cluster(tmp_path)
    yield started
    started.stop()


def _stored(store: Path) -> int:
    return sum(1 for p in store.glob("*/*.json") if p.stem.isdigit())


def _wait_stored(store: Path, count: int, proc: subprocess.Popen, limit: float = 180.0) -> None:
    start = time.monotonic()
    while _stored(store) < count:
        assert proc.poll() is None, f"the run ended before {count} samples were stored: {proc.communicate()}"
        assert time.monotonic() - start < limit, f"fewer than {count} samples after {limit} s"
        time.sleep(0.05)


def _finish(proc: subprocess.Popen) -> dict:
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    return json.loads(out)


@pytest.mark.slow
def test_a_worker_killed_mid_run_loses_nothing_and_matches_the_local_backend(cluster, tmp_path):
    store = tmp_path / "dask"
    run = _lifhw(*MC, "--n", "12", "--scheduler", cluster.address, "--store", str(store))
    _wait_stored(store, 2, run)
    assert cluster.kill_worker(0), "the killed worker was running no sample"
    on_dask = _finish(run)
    assert on_dask["failed"] == [] and on_dask["computed"] == 12 and len(on_dask["samples"]["k"]) == 12
    cluster.stop()  # never more than two ngspice processes: the cluster goes before the local run
    local = _finish(_lifhw(*MC, "--n", "12", "--workers", "2", "--store", str(tmp_path / "local")))
    assert json.dumps(on_dask["samples"]) == json.dumps(local["samples"])
    for run in (on_dask, local):  # the nominal neuron too, but for the CPU time its f-I point took
        del run["nominal"]["points"][0]["fi_point_cpu"]
    assert on_dask["nominal"] == local["nominal"]


@pytest.mark.slow
def test_a_killed_client_leaves_its_samples_and_the_rerun_computes_only_the_others(cluster, tmp_path):
    store = tmp_path / "store"
    args = (*MC, "--n", "10", "--scheduler", cluster.address, "--store", str(store))
    first = _lifhw(*args)
    _wait_stored(store, 3, first)
    os.killpg(first.pid, signal.SIGKILL)  # no chance to clean up: what is on disk is all that is left
    first.communicate()
    before = _stored(store)
    assert 3 <= before < 10
    again = _finish(_lifhw(*args))
    assert again["reused"] == before and again["computed"] == 10 - before
    assert again["samples"]["k"] == list(range(10)) and again["failed"] == []
    assert _stored(store) == 10
