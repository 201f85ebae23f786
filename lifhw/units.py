"""SPICE-style engineering values: the one parser used at every edge (CLI, config, netlists).

Accepted: plain floats (``1e-9``, ``-0.07``), a number followed by a SPICE scale suffix and an
optional unit (``200p``, ``200pF``, ``1.5n``, ``100M``, ``100Meg``, ``-70m``, ``20ms``, ``0.1u``,
``2.5kOhm``). Suffixes are SPICE's and case-insensitive except that ``M`` and ``m`` both mean milli
in SPICE; lifhw follows the convention designers actually type: ``M`` (upper case, alone) and
``Meg``/``MEG`` mean 1e6, ``m`` means 1e-3. Anything unreadable raises
:class:`~lifhw.errors.ParameterError`; nothing is ever read as zero.
"""

from __future__ import annotations

import math
import re

from .errors import ParameterError

# Longest suffixes first so that "meg" is not read as "m" + "eg".
_SCALES = [
    ("meg", 1e6), ("mil", 25.4e-6),
    ("t", 1e12), ("g", 1e9), ("k", 1e3),
    ("m", 1e-3), ("u", 1e-6), ("µ", 1e-6), ("n", 1e-9), ("p", 1e-12), ("f", 1e-15), ("a", 1e-18),
]
# Units a user may append after the scale; they carry no value.
_UNITS = ("ohms", "ohm", "hz", "sec", "s", "f", "v", "a", "h", "Ω", "siemens", "mho")

_NUMBER = re.compile(r"^\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*(.*?)\s*$")


def parse_value(text: str | float | int, name: str = "value") -> float:
    """Read a SPICE-style value and return it as a float in SI units.

    Parameters
    ----------
    text : str or number
        ``"200p"``, ``"100Meg"``, ``"-70m"``, ``"20ms"``, ``"1e-9"``, or a number (returned as float).
    name : str
        The parameter's name, used in the error message.

    Raises
    ------
    ParameterError
        If the text is not a number with an optional known scale suffix and unit, or is not finite.
    """
    if isinstance(text, bool):
        raise ParameterError(name, text, "expected a number such as 200p, 1.5n, 100Meg, -70m or 1e-9")
    if isinstance(text, int | float):
        value = float(text)
    else:
        match = _NUMBER.match(str(text))
        if not match:
            raise ParameterError(name, text, "expected a number such as 200p, 1.5n, 100Meg, -70m or 1e-9")
        value = float(match.group(1)) * _suffix_scale(match.group(2), name, text)
    if not math.isfinite(value):
        raise ParameterError(name, text, "must be a finite number")
    return value


def _suffix_scale(suffix: str, name: str, text: str) -> float:
    if suffix == "":
        return 1.0
    # Upper-case M alone (or followed by a unit) is mega: "100M" resistors, "100MOhm".
    if suffix[0] == "M" and not suffix.lower().startswith("meg") and _is_unit(suffix[1:]):
        return 1e6
    low = suffix.lower()
    for prefix, scale in _SCALES:
        if low.startswith(prefix.lower()) and _is_unit(low[len(prefix):]):
            return scale
    if _is_unit(low):
        return 1.0
    raise ParameterError(name, text, f"unknown suffix {suffix!r}; use T G Meg k m u n p f a, "
                                     "optionally followed by a unit (F, Ohm, V, A, s, Hz)")


def _is_unit(rest: str) -> bool:
    return rest == "" or rest.lower() in _UNITS


def format_value(value: float, unit: str = "", digits: int = 4) -> str:
    """Format an SI value with an engineering prefix, e.g. ``format_value(2e-10, 'F') == '200 pF'``."""
    if value == 0 or not math.isfinite(value):
        return f"{value:g} {unit}".strip()
    prefixes = {12: "T", 9: "G", 6: "M", 3: "k", 0: "", -3: "m", -6: "µ", -9: "n", -12: "p", -15: "f",
                -18: "a"}
    exp3 = int(math.floor(math.log10(abs(value)) / 3) * 3)
    exp3 = max(-18, min(12, exp3))
    return f"{value / 10 ** exp3:.{digits}g} {prefixes[exp3]}{unit}".strip()


def parse_range(text: str, name: str = "i") -> list[float]:
    """Read a sweep: ``START:STOP:N`` (N linearly spaced points, both ends included) or a comma list.

    Each number accepts the suffixes of :func:`parse_value`.
    """
    text = str(text).strip()
    if ":" in text:
        parts = text.split(":")
        if len(parts) != 3:
            raise ParameterError(name, text, "a sweep is START:STOP:N or a comma-separated list")
        start = parse_value(parts[0], name)
        stop = parse_value(parts[1], name)
        try:
            n = int(parts[2])
        except ValueError:
            raise ParameterError(name, text, "N in START:STOP:N must be a whole number >= 1") from None
        if n < 1:
            raise ParameterError(name, text, "N in START:STOP:N must be a whole number >= 1")
        if n == 1:
            return [start]
        return [start + (stop - start) * k / (n - 1) for k in range(n)]
    items = [t for t in text.split(",") if t.strip()]
    if not items:
        raise ParameterError(name, text, "a sweep is START:STOP:N or a comma-separated list")
    return [parse_value(t, name) for t in items]
