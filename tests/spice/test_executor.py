"""The local executor's contract, with plain Python tasks (no ngspice): errors cross as themselves, a task whose
worker dies runs again elsewhere, one that keeps killing its workers fails alone, a hung task times out."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from lifhw.errors import ParameterError, SpiceError
from lifhw.sizing.verify import run_corners
from lifhw.spice.executor import ALLOWED_FAILURES, LocalExecutor, Task


def _square(x: int) -> int:
    return x * x


def _refuse(value: float) -> None:
    raise ParameterError("c_m", value, "must be > 0 F")


def _die_once(marker: str, x: int) -> int:
    """Kills its worker the first time (as a lost host would), then answers."""
    path = Path(marker)
    if not path.exists():
        path.touch()
        os._exit(9)
    return x + 1


def _always_die() -> None:
    os._exit(9)


def _hang() -> None:
    time.sleep(600)


def test_errors_cross_the_process_boundary_as_themselves():
    with LocalExecutor(1, timeout=30) as executor:
        ok, refused = executor.map([Task(_square, (7,), "square"), Task(_refuse, (-2e-10,), "refuse")])
    assert ok == 49
    assert isinstance(refused, ParameterError) and (refused.name, refused.value, refused.rule) == (
        "c_m", -2e-10, "must be > 0 F")


def test_a_corner_that_refuses_its_input_raises_that_parameter_error():
    # v_th beyond vdd - 0.5 V: the corner's worker refuses the netlist values before ngspice loads anything
    from lifhw.sizing import TSV
    from lifhw.sizing.verify import Spec

    job = {"corner": "tt", "temps": [27.0], "spec": Spec(v_swing=1.5, tsv=TSV.from_value(0.0), tau=20e-3, i_b=10e-12),
           "t_ref": 2e-3, "verify": False, "i_in": None, "build_dir": Path("build/sizing"),
           "circuit": "ota"}
    with pytest.raises(ParameterError) as err:
        run_corners([job])
    assert err.value.name == "v_th"


def test_a_task_whose_worker_dies_runs_again_and_the_others_are_kept(tmp_path):
    tasks = [Task(_square, (k,), f"square {k}") for k in range(4)]
    tasks.insert(2, Task(_die_once, (str(tmp_path / "died"), 41), "dies once"))
    with LocalExecutor(2, timeout=30) as executor:
        results = executor.map(tasks)
    assert results == [0, 1, 42, 4, 9]


def test_a_task_that_keeps_killing_its_workers_fails_alone():
    with LocalExecutor(2, timeout=30) as executor:
        results = executor.map([Task(_square, (3,), "square"), Task(_always_die, (), "the killer"),
                                Task(_square, (4,), "square")])
    assert results[0] == 9 and results[2] == 16
    assert isinstance(results[1], SpiceError)
    assert f"the killer failed: its worker process died {ALLOWED_FAILURES} times" in str(results[1])


def test_a_hung_task_times_out_and_its_worker_is_replaced():
    with LocalExecutor(1, timeout=2) as executor:
        start = time.monotonic()
        hung, after = executor.map([Task(_hang, (), "the sleeper"), Task(_square, (5,), "square")])
    assert isinstance(hung, SpiceError) and "the sleeper failed: no answer after 2 s" in str(hung)
    assert after == 25 and time.monotonic() - start < 30
