"""Faults around the report cache: a run interrupted mid-way keeps what it finished, and runs sharing a build folder
at the same time neither lose nor corrupt an entry."""

from __future__ import annotations

import concurrent.futures
import json
import multiprocessing
import os
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from lifhw.jsonio import Record
from lifhw.report import ReportContext


@dataclass(frozen=True)
class Value(Record):
    value: int


def _entries(build_dir):
    return sorted((build_dir / "cache").iterdir())


def test_an_interrupted_run_keeps_what_it_finished(tmp_path):
    ctx = ReportContext(params=None, build_dir=tmp_path)
    calls = []

    def first():
        calls.append("first")
        return Value(1)

    def interrupted():
        raise KeyboardInterrupt

    assert ctx.cached("first", {}, first, Value) == Value(1)
    with pytest.raises(KeyboardInterrupt):
        ctx.cached("second", {}, interrupted, Value)
    (entry,) = _entries(tmp_path)  # the finished result, and no half-written file beside it
    assert json.loads(entry.read_text())["result"] == {"value": 1}
    again = ReportContext(params=None, build_dir=tmp_path)
    assert again.cached("first", {}, first, Value) == Value(1) and calls == ["first"]  # served, not recomputed
    assert again.cached("second", {}, lambda: Value(2), Value) == Value(2)


@dataclass(frozen=True)
class Pid(Record):
    pid: int


def _slow_entry(build_dir: str) -> Pid:
    """Compute the same entry as every other caller, slowly, and return what the cache hands back."""
    def compute():
        time.sleep(0.5)
        return Pid(os.getpid())

    return ReportContext(params=None, build_dir=Path(build_dir)).cached("shared", {"x": 1}, compute, Pid)


def test_runs_sharing_a_build_folder_each_get_a_whole_entry(tmp_path):
    ctx = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=3, mp_context=ctx) as pool:
        results = list(pool.map(_slow_entry, [str(tmp_path)] * 3))
    pids = {r.pid for r in results}  # each caller got a whole result, its own or one stored before it asked
    (entry,) = _entries(tmp_path)  # one entry, written whole by the last of them, no temporary files left
    assert json.loads(entry.read_text())["result"]["pid"] in pids
    assert ReportContext(params=None, build_dir=tmp_path).cached("shared", {"x": 1}, lambda: Pid(0), Pid) in results
