"""Errors of the lifhw family cross process boundaries as themselves: message, type and fields intact."""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import pickle

import pytest

from lifhw.errors import FieldError, LifhwError, ParameterError, RtlError, SpiceError, UnstableStepError

CASES = [
    ParameterError("c_m", -2e-10, "must be > 0 F"),
    ParameterError("corners", ["xx"], "unknown corner; choose tt, ss"),
    UnstableStepError(0.05, 0.02),
    SpiceError("ngspice failed at i_in = 1e-10 A; log: build/spice/run/x.log"),
    RtlError("vvp exited 1; log: build/rtl/cli/vvp.log"),
    FieldError("seed", "abc", "expected int, got str", "build/learn/result.json"),
    FieldError("", ..., "is not JSON", "build/learn/result.json"),
]


def _fields(exc: Exception) -> dict:
    return {"type": type(exc), "message": str(exc), **vars(exc)}


@pytest.mark.parametrize("exc", CASES, ids=lambda e: type(e).__name__)
def test_pickle_round_trip_keeps_type_message_and_fields(exc):
    back = pickle.loads(pickle.dumps(exc))
    assert _fields(back) == _fields(exc)
    assert isinstance(back, LifhwError)


def _raise(index: int) -> None:
    raise CASES[index]


def test_errors_raised_in_a_spawned_worker_arrive_intact():
    ctx = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        for index, sent in enumerate(CASES):
            with pytest.raises(type(sent)) as caught:
                pool.submit(_raise, index).result()
            assert _fields(caught.value) == _fields(sent)


def test_a_field_error_names_the_file_and_shows_a_large_value_by_its_first_items():
    assert str(FieldError("points", list(range(10**6)), "expected an object", "s.json")) == \
        "s.json: points = [0, 1, 2, 3, ...]: expected an object"
    assert str(FieldError("seed", 1.5, "expected int, got float", "r.json")) == \
        "r.json: seed = 1.5: expected int, got float"
    assert str(FieldError("seed", ..., "is missing", "r.json")) == "r.json: seed is missing"
    assert str(FieldError("", ..., "is not JSON", "r.json")) == "r.json: is not JSON"
    assert str(FieldError("l0_neuron.dt", "x", "expected a number, got str").in_file("m.npz")) == \
        "m.npz: l0_neuron.dt = 'x': expected a number, got str"
