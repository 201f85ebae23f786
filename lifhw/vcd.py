"""Reading a value change dump (IEEE 1364 VCD) into arrays: the co-simulation's waveform pair
(``digital.vcd`` of the periphery, ``analog.vcd`` of ngspice's membranes and spike lines, one time axis) for the
report and the notebooks.

:func:`read` gives each variable's changes as times (s) and values: a ``real`` as its number, a vector or a wire
as its integer value (an ``x`` or ``z`` bit reads as 0). Times may be written as decimals (cocotb's simulation time
is a float); they are scaled by the ``$timescale``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import FieldError

_UNITS = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9, "ps": 1e-12, "fs": 1e-15}


@dataclass(frozen=True)
class Signal:
    """One variable of a dump: its changes, ``times`` (s, ascending) and ``values``."""

    name: str
    kind: str                  # the $var type: real, wire, reg, ...
    width: int
    times: np.ndarray
    values: np.ndarray

    def at(self, t: np.ndarray | float) -> np.ndarray:
        """The value held at each time ``t`` (s): the last change at or before it (NaN before the first)."""
        index = np.searchsorted(self.times, t, side="right") - 1
        return np.where(index >= 0, self.values[np.maximum(index, 0)], np.nan)


def _number(text: str, kind: str) -> float:
    if kind == "real":
        return float(text)
    return float(int(re.sub("[xXzZ]", "0", text), 2))


def read(path: Path) -> dict[str, Signal]:
    """Every variable of the dump at ``path``, by its name (the last scope's, if two scopes share a name). A dump
    that does not parse raises FieldError naming the file."""
    path = Path(path)
    try:
        scale, ids, changes = _parse(iter(path.read_text().split()))
    except (ValueError, StopIteration) as exc:
        if isinstance(exc, FieldError):
            raise exc.in_file(str(path)) from None
        raise FieldError("", ..., f"is not a value change dump ({type(exc).__name__}: {exc})", str(path)) from None
    return {name: Signal(name, kind, width, np.array(changes[code][0]) * scale, np.array(changes[code][1]))
            for code, (name, kind, width) in ids.items()}


def _parse(words: Iterator[str]) -> tuple[float, dict[str, tuple[str, str, int]], dict[str, tuple[list, list]]]:
    """The timescale (s), the variables by their code (name, type, width) and each one's (times, values)."""
    scale = None
    ids: dict[str, tuple[str, str, int]] = {}
    changes: dict[str, tuple[list[float], list[float]]] = {}
    now = 0.0
    for word in words:
        if word == "$timescale":
            spec = "".join(iter(words.__next__, "$end"))
            found = re.fullmatch(r"(1|10|100)(s|ms|us|ns|ps|fs)", spec)
            if found is None:
                raise FieldError("$timescale", spec, "must be 1, 10 or 100 s, ms, us, ns, ps or fs")
            scale = int(found.group(1)) * _UNITS[found.group(2)]
        elif word == "$var":
            kind, width, code, name, *_ = iter(words.__next__, "$end")
            ids[code] = (name, kind, int(width))
            changes[code] = ([], [])
        elif word.startswith("$"):
            if word not in ("$dumpvars", "$dumpall", "$dumpon", "$dumpoff", "$end"):
                for _ in iter(words.__next__, "$end"):
                    pass
        elif word[0] == "#":
            now = float(word[1:])
        elif word[0] in "rRbB":
            code = next(words)
            if code in ids:
                changes[code][0].append(now)
                changes[code][1].append(_number(word[1:], ids[code][1]))
        elif word[1:] in ids:
            changes[word[1:]][0].append(now)
            changes[word[1:]][1].append(_number(word[0], "wire"))
    if scale is None:
        raise FieldError("$timescale", ..., "is missing")
    return scale, ids, changes
