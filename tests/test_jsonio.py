"""The one JSON writer (NaN and infinity as null) and typed results that read themselves back, refusing what is not
their type."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from lifhw import jsonio
from lifhw.errors import FieldError
from lifhw.fi import FICurve
from lifhw.params import LIFParams


def test_nan_and_infinity_are_written_as_null_everywhere_in_the_tree():
    text = jsonio.dumps({"a": math.nan, "b": [1.0, math.inf, -math.inf], "c": np.array([0.5, np.nan]),
                         "d": (np.float64("nan"), np.float32(2.0)), "e": {"f": np.int64(3), "g": np.bool_(True)}})
    assert json.loads(text) == {"a": None, "b": [1.0, None, None], "c": [0.5, None], "d": [None, 2.0],
                                "e": {"f": 3, "g": True}}
    assert "NaN" not in text and "Infinity" not in text


def test_objects_paths_and_dataclasses_are_written_as_their_json():
    @dataclass
    class Plain:
        x: float
        path: Path

    got = json.loads(jsonio.dumps({"params": LIFParams(), "plain": Plain(1.0, Path("/tmp/x"))}))
    assert got == {"params": LIFParams().as_dict(), "plain": {"x": 1.0, "path": "/tmp/x"}}
    with pytest.raises(TypeError, match="not JSON serialisable: object"):
        jsonio.dumps({"x": object()})


def test_write_is_atomic_json_with_the_same_policy(tmp_path):
    jsonio.write(tmp_path / "sub" / "x.json", {"rate": [float("nan"), 3.0]}, sort_keys=True)
    assert json.loads((tmp_path / "sub" / "x.json").read_text()) == {"rate": [None, 3.0]}
    assert [p.name for p in (tmp_path / "sub").iterdir()] == ["x.json"]


@dataclass(frozen=True)
class Point(jsonio.Record):
    i_in: float
    n_spikes: int


@dataclass(frozen=True)
class Result(jsonio.Record):
    name: str
    curve: FICurve
    points: list[Point]
    columns: np.ndarray
    params: LIFParams
    pair: tuple[float, float]
    errors: tuple[str | None, ...]
    by_name: dict[str, float]
    note: str | None = None
    extra: dict = field(default_factory=dict)


def _result() -> Result:
    return Result("x", FICurve([1e-10, 2e-10], [0.0, math.nan], "c"), [Point(1e-10, 3), Point(2e-10, 0)],
                  np.array([[1.0, math.nan], [math.inf, 2.0]]), LIFParams(c_m=1e-10), (1.0, 2.0), ("failed", None),
                  {"a": 1.5, "b": math.nan})


def test_a_record_reads_back_from_its_json_with_nan_where_a_float_is_expected():
    result = _result()
    back = Result.from_dict(json.loads(jsonio.dumps(result)))
    assert back.name == "x" and back.points == result.points and back.params == result.params
    assert back.pair == (1.0, 2.0) and back.errors == ("failed", None) and back.note is None and back.extra == {}
    assert back.curve.label == "c" and np.isnan(back.curve.rate[1]) and back.curve.rate[0] == 0.0
    # an infinity, like NaN, is written as null: it reads back as NaN (a missing number)
    np.testing.assert_array_equal(back.columns, [[1.0, np.nan], [np.nan, 2.0]])
    assert back.by_name["a"] == 1.5 and math.isnan(back.by_name["b"])
    assert isinstance(back.points[0].n_spikes, int) and isinstance(back.points[0].i_in, float)


@pytest.mark.parametrize("change, where", [
    (lambda d: d.pop("name"), "Result.name is missing"),
    (lambda d: d.update(name=3), "Result.name = 3: expected str, got int"),
    (lambda d: d["points"][1].update(n_spikes=2.5), r"Result.points\[1\].n_spikes = 2.5: expected int, got float"),
    (lambda d: d["points"][0].update(n_spikes=True), r"Result.points\[0\].n_spikes = True: expected int, got bool"),
    (lambda d: d["points"][0].update(i_in="1p"), r"Result.points\[0\].i_in = '1p': expected a number, got str"),
    (lambda d: d.update(columns={"a": 1}), r"Result.columns = \{'a': 1\}: expected a list of numbers, got dict"),
    (lambda d: d.update(columns=[["a", 1.0]]), r"Result.columns = \[\['a', 1.0\]\]: is not a list of numbers"),
    (lambda d: d.update(pair=[1.0]), r"Result.pair = \[1.0\]: has 1 items, not 2"),
    (lambda d: d.update(by_name={"a": "b"}), "Result.by_name.a = 'b': expected a number, got str"),
    (lambda d: d["curve"].update(rate=3.0), "f-I curve"),
    (lambda d: d.update(params={"c_m": -1.0}), "c_m"),
])
def test_what_is_not_the_type_is_refused_naming_the_field(change, where):
    data = json.loads(jsonio.dumps(_result()))
    change(data)
    with pytest.raises(FieldError, match=where):
        Result.from_dict(data)
