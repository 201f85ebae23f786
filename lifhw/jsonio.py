"""JSON in and out of lifhw: the one writer, its one NaN policy, and typed results that read themselves back.

**The policy.** JSON has no NaN or infinity, so every writer of lifhw goes through :func:`dumps`: NaN, +inf and
−inf are written as ``null``, and a reader that expects a float reads ``null`` back as NaN
(:meth:`Record.from_dict`, :meth:`lifhw.fi.FICurve.from_dict`). numpy arrays and scalars are written as lists and
numbers, tuples as lists, paths as text, and any object with ``as_dict()`` (or a dataclass without one) as its
dict. The output of a command (``--json``), the report's cache and ``summary.json``, the stores of finished SPICE
samples and the files under ``build/`` are all written this way.

**Typed results.** A result above the levels (a study, a Monte Carlo, a row of the sizing loop) is a frozen
dataclass deriving from :class:`Record`; its fields are annotated with the types :func:`read` knows (``float``,
``int``, ``bool``, ``str``, ``np.ndarray``, ``list[...]``, ``tuple[...]``, ``dict[str, ...]``, ``X | None``,
another dataclass, or a class with ``from_dict`` such as :class:`~lifhw.fi.FICurve`). ``as_dict()`` gives its JSON
and ``from_dict()`` reads it back, checking every field's type: what does not read back as the type raises
:class:`~lifhw.errors.FieldError` naming the field (``Sample.points[2].rate = 'x': expected a number, got str``),
and so does a field the class itself refuses (its ``__post_init__`` raising ParameterError), so a stored entry of the
wrong shape is never taken for a result. Dicts live only at that edge. Reading a *file* (bounded, strict JSON, the
file named in the error) is :mod:`lifhw.readers`'.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import types
import typing
from pathlib import Path, PurePath
from typing import Any

import numpy as np

from .errors import FieldError, ParameterError, field_name
from .files import write_atomic


def plain(obj: Any) -> Any:
    """``obj`` as JSON-ready Python: dicts, lists, str, int, float, bool and None; NaN and ±inf as None."""
    if obj is None or isinstance(obj, str):
        return obj
    if isinstance(obj, bool | np.bool_):
        return bool(obj)
    if isinstance(obj, int | np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        value = float(obj)
        return value if math.isfinite(value) else None
    if isinstance(obj, dict):
        return {key: plain(value) for key, value in obj.items()}
    if isinstance(obj, list | tuple):
        return [plain(value) for value in obj]
    if isinstance(obj, np.ndarray):
        return plain(obj.tolist())
    if isinstance(obj, PurePath):
        return str(obj)
    if hasattr(obj, "as_dict"):
        return plain(obj.as_dict())
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def dumps(obj: Any, indent: int | None = None, sort_keys: bool = False) -> str:
    """``obj`` as JSON text under the policy of this module (one line unless ``indent``)."""
    return json.dumps(plain(obj), indent=indent, sort_keys=sort_keys, allow_nan=False)


def write(path: Path | str, obj: Any, indent: int | None = 1, sort_keys: bool = False) -> None:
    """Write ``obj`` as JSON to ``path``, atomically (:func:`lifhw.files.write_atomic`)."""
    write_atomic(Path(path), dumps(obj, indent, sort_keys).encode())


def read(kind: Any, value: Any, where: str = "value") -> Any:
    """``value`` (parsed JSON) as an instance of the annotation ``kind``; ``where`` names it in an error.

    ``null`` is NaN where a float is expected; an int is accepted where a float is, a bool nowhere but a bool.
    """
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if kind is Any:
        return value
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        if set(inner) == {int, float}:  # a count or a measure: an int stays one, anything else is a float
            return value if isinstance(value, int) and not isinstance(value, bool) else read(float, value, where)
        if len(inner) != 1:
            raise TypeError(f"{where}: cannot read a union of {inner} from JSON")
        return read(inner[0], value, where)
    if kind is float:
        if value is None:
            return math.nan
        _expect(isinstance(value, int | float) and not isinstance(value, bool), "a number", value, where)
        try:
            return float(value)
        except OverflowError:  # an int of hundreds of digits
            raise FieldError(where, value, "is beyond the range of a float") from None
    if kind in (int, bool, str):
        _expect(isinstance(value, kind) and (kind is bool or not isinstance(value, bool)), kind.__name__, value,
                where)
        return value
    if kind is np.ndarray:
        _expect(isinstance(value, list), "a list of numbers", value, where)
        try:
            return np.array(value, dtype=float)
        except (TypeError, ValueError, OverflowError) as exc:
            raise FieldError(where, value, f"is not a list of numbers ({exc})") from None
    if origin in (list, tuple):
        _expect(isinstance(value, list), "a list", value, where)
        if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
            if len(args) != len(value):
                raise FieldError(where, value, f"has {len(value)} items, not {len(args)}")
            return tuple(read(a, v, f"{where}[{k}]") for k, (a, v) in enumerate(zip(args, value, strict=True)))
        items = [read(args[0], v, f"{where}[{k}]") for k, v in enumerate(value)] if args else list(value)
        return tuple(items) if origin is tuple else items
    if kind is dict or origin is dict:
        _expect(isinstance(value, dict), "an object", value, where)
        if not args:
            return dict(value)
        return {key: read(args[1], v, field_name(where, key)) for key, v in value.items()}
    own = getattr(getattr(kind, "from_dict", None), "__func__", None)
    if dataclasses.is_dataclass(kind) and own in (None, _RECORD_FROM_DICT):
        # field by field, so that an error names the path to the field
        return read_fields(typing.cast(type, kind), value, where)
    if hasattr(kind, "from_dict"):
        _expect(isinstance(value, dict), "an object", value, where)
        try:
            return kind.from_dict(value)
        except ParameterError as exc:  # a FieldError too: its name is relative to the value the class read
            raise FieldError(field_name(where, exc.name), exc.value, exc.rule) from None
        except (KeyError, TypeError, ValueError, IndexError) as exc:  # a from_dict of its own, less particular
            raise FieldError(where, value, f"does not read as {kind.__name__} ({type(exc).__name__}: {exc})") from None
    raise TypeError(f"{where}: cannot read a {kind!r} from JSON")


def _expect(ok: bool, what: str, value: Any, where: str) -> None:
    if not ok:
        raise FieldError(where, value, f"expected {what}, got {type(value).__name__}")


def read_fields(cls: type, data: Any, where: str) -> Any:
    """The dataclass ``cls`` from the dict ``data``: each field read as its annotation; a missing field takes its
    default (a field without one is a FieldError); keys that are not fields are ignored."""
    _expect(isinstance(data, dict), "an object", data, where)
    hints = _hints(cls)
    values = {}
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        if f.name not in data:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise FieldError(field_name(where, f.name), ..., "is missing")
            continue
        values[f.name] = read(hints[f.name], data[f.name], field_name(where, f.name))
    try:
        return cls(**values)
    except FieldError:
        raise
    except ParameterError as exc:  # the class's own rule (its __post_init__), named at its place in the data
        raise FieldError(field_name(where, exc.name), exc.value, exc.rule) from None


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


class Record:
    """A result that is a dataclass of JSON-typed fields: ``as_dict()`` is its JSON, ``from_dict()`` its inverse.

    Subclasses are ``@dataclass(frozen=True)``; a field's annotation says how it reads back (:func:`read`).
    """

    def as_dict(self) -> dict:
        return {f.name: plain(getattr(self, f.name)) for f in dataclasses.fields(typing.cast(Any, self))}

    @classmethod
    def from_dict(cls, data: dict):
        return read_fields(cls, data, cls.__name__)


_RECORD_FROM_DICT = vars(Record)["from_dict"].__func__
