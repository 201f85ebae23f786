"""SPICE-style engineering values: the one parser used at every edge (CLI, config, netlists), and the
physical quantities lifhw accepts — which unit letters each takes and how large or small it may be.

Accepted text: a plain float (``1e-9``, ``-0.07``), optionally followed by a SPICE scale suffix and then the
unit of the value's quantity (``200p``, ``200pF``, ``1.5n``, ``100M``, ``100Meg``, ``-70m``, ``20ms``,
``0.1u``, ``2.5kOhm``). Suffixes are SPICE's and case-insensitive except that ``M`` and ``m`` both mean
milli in SPICE; lifhw follows the convention designers actually type: ``M`` (upper case, alone) and
``Meg``/``MEG`` mean 1e6, ``m`` means 1e-3 (so a bare ``5m`` is 5 milli-units: 5 mm as a length, 5 ms as
a time). As in SPICE, ``f`` after a number is femto and ``a`` atto (``1F`` is 1 fF, write ``1`` for a farad).

The unit after the scale must be the quantity's (:data:`QUANTITIES`): ``200pF`` is a capacitance and is
refused for a voltage or a time. Each quantity accepts these unit spellings (any case):

==============  =========  ==============================  ==================  ==============
quantity        SI unit    unit spellings after a scale    smallest non-zero   largest |value|
==============  =========  ==============================  ==================  ==============
capacitance     F          F                               1e-21 F             1 F
resistance      Ohm        Ohm, Ohms, Ω                    1e-3 Ω              1e30 Ω
conductance     S          S, Siemens, mho                 1e-30 S             1e3 S
voltage         V          V                               1e-15 V             1e3 V
current         A          A                               1e-21 A             1 A
time            s          s, sec                          1e-15 s             1e6 s
frequency       Hz         Hz                              1e-9 Hz             1e12 Hz
length          m          m (``5um``; a bare ``m`` is     1e-12 m             1e3 m
                           milli)
speed           m/s        m/s                             1e-9 m/s            1e3 m/s
MIM density     F/m^2      F/m^2, F/m2                     1e-9 F/m²           1 F/m²
intensity       W/m^2      W/m^2, W/m2                     1e-9 W/m²           1e12 W/m²
temperature     degC       C, degC, °C                     (any)               1e4 °C, >= -273.15 °C
dimensionless   (none)     none (scales only: ``5m``;      1e-15               1e9
                           ``10%`` is 0.1)
==============  =========  ==============================  ==================  ==============

Why these magnitudes: each bracket holds every neuron, chip and experiment lifhw models with decades to
spare (1 F is a supercapacitor, 1e30 Ω admits the perfect integrator r_m = 1e25 Ω, 1e6 s is eleven days),
while keeping every product lifhw forms from a handful of them (τ = R·C, V_∞ = R·I, charges, energies) far
from overflow and underflow — 1e308 is not a capacitance, 1e-300 s is not a step. The PDK narrows
temperature and supply further (:mod:`lifhw.pdk`). Anything else raises
:class:`~lifhw.errors.ParameterError` naming the parameter; nothing is ever read as zero.
"""

from __future__ import annotations

import math
import numbers
import re
from dataclasses import dataclass

import numpy as np

from .errors import ParameterError
from .limits import check_points


@dataclass(frozen=True)
class Quantity:
    """A physical quantity: its unit, the unit spellings it accepts and the magnitudes lifhw models."""

    name: str
    unit: str
    spellings: tuple[str, ...]
    tiny: float
    huge: float
    lowest: float = -math.inf

    def accepts(self, unit_text: str) -> bool:
        return unit_text == "" or unit_text.lower() in self.spellings

    def shown(self) -> str:
        return self.unit or "no unit"


#: Every quantity a lifhw parameter can be, by SI unit (the table above).
QUANTITIES: dict[str, Quantity] = {q.unit: q for q in (
    Quantity("capacitance", "F", ("f",), 1e-21, 1.0),
    Quantity("resistance", "Ohm", ("ohm", "ohms", "Ω"), 1e-3, 1e30),
    Quantity("conductance", "S", ("s", "siemens", "mho"), 1e-30, 1e3),
    Quantity("voltage", "V", ("v",), 1e-15, 1e3),
    Quantity("current", "A", ("a",), 1e-21, 1.0),
    Quantity("time", "s", ("s", "sec"), 1e-15, 1e6),
    Quantity("frequency", "Hz", ("hz",), 1e-9, 1e12),
    Quantity("length", "m", ("m",), 1e-12, 1e3),
    Quantity("speed", "m/s", ("m/s",), 1e-9, 1e3),
    Quantity("MIM density", "F/m^2", ("f/m^2", "f/m2"), 1e-9, 1.0),
    Quantity("intensity", "W/m^2", ("w/m^2", "w/m2"), 1e-9, 1e12),
    Quantity("temperature", "degC", ("c", "degc", "°c"), 0.0, 1e4, lowest=-273.15),
    Quantity("dimensionless number", "", (), 1e-15, 1e9),
)}
#: A value whose quantity the caller did not declare: any unit spelling, the widest magnitudes of the table.
ANY = Quantity("value", "any unit", tuple(sorted({s for q in QUANTITIES.values() for s in q.spellings})),
               min(q.tiny for q in QUANTITIES.values() if q.tiny > 0), max(q.huge for q in QUANTITIES.values()))

# Longest suffixes first so that "meg" is not read as "m" + "eg".
_SCALES = [
    ("meg", 1e6), ("mil", 25.4e-6),
    ("t", 1e12), ("g", 1e9), ("k", 1e3),
    ("m", 1e-3), ("u", 1e-6), ("µ", 1e-6), ("n", 1e-9), ("p", 1e-12), ("f", 1e-15), ("a", 1e-18),
]
_EXAMPLE = "a number such as 200p, 1.5n, 100Meg, -70m or 1e-9"
_NUMBER = re.compile(r"^\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*(.*?)\s*$")


def quantity(unit: str | None) -> Quantity:
    """The :class:`Quantity` whose SI unit is ``unit`` (:data:`ANY` for None)."""
    if unit is None:
        return ANY
    if unit not in QUANTITIES:
        raise ParameterError("unit", unit, f"is not a quantity lifhw knows; one of {', '.join(map(repr, QUANTITIES))}")
    return QUANTITIES[unit]


def bounds_rule(unit: str | None, minimum: float | None = None, maximum: float | None = None,
                exclusive: bool = True) -> str:
    """The rule a bounded value breaks, as an error message says it: ``must be > 0 F``, ``must be in [0, 1]``."""
    shown = f" {unit}" if unit else ""
    if minimum is not None and maximum is not None:
        return f"must be in {'(' if exclusive else '['}{minimum:g}, {maximum:g}]{shown}"
    if minimum is not None:
        return f"must be {'>' if exclusive else '>='} {minimum:g}{shown}"
    return f"must be <= {maximum:g}{shown}"


def _within(value, minimum: float | None, maximum: float | None, exclusive: bool):
    above = True if minimum is None else (value > minimum if exclusive else value >= minimum)
    return above & (True if maximum is None else value <= maximum)


def check_value(value: float, name: str, unit: str | None = None, *, minimum: float | None = None,
                maximum: float | None = None, exclusive: bool = True) -> float:
    """``value`` as a float if it is a finite number within the magnitudes of ``unit``'s quantity and, if given,
    above ``minimum`` (strictly unless ``exclusive`` is False) and at most ``maximum``.

    The one validator of a number in lifhw: accepts Python and numpy real scalars (not booleans); raises
    :class:`ParameterError` naming ``name``. −0 is returned as 0.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ParameterError(name, value, f"must be a real number in SI units, not a {type(value).__name__} "
                                          "(text goes through lifhw.units.parse_value)")
    value = float(value) + 0.0
    q = quantity(unit)
    if not math.isfinite(value):
        raise ParameterError(name, value, "must be a finite number")
    if value < q.lowest:
        raise ParameterError(name, value, f"must be >= {q.lowest:g} {q.unit}")
    if value != 0 and not q.tiny <= abs(value) <= q.huge:
        raise ParameterError(name, value, f"must be 0 or of magnitude {q.tiny:g} to {q.huge:g} {q.shown()}, the "
                                          f"{q.name}s lifhw models (lifhw.units.QUANTITIES)")
    if (minimum is not None or maximum is not None) and not _within(value, minimum, maximum, exclusive):
        raise ParameterError(name, value, bounds_rule(unit, minimum, maximum, exclusive))
    return value


def check_array(values, name: str, unit: str | None = None, *, minimum: float | None = None,
                maximum: float | None = None, exclusive: bool = True) -> np.ndarray:
    """:func:`check_value` for every member of ``values`` (a number or an array of them): a float array, or one
    :class:`ParameterError` naming ``name`` and the first member that breaks the rule."""
    try:
        arr = np.asarray(values, dtype=float) + 0.0
    except (TypeError, ValueError):
        raise ParameterError(name, values, "must be real numbers in SI units") from None
    q = quantity(unit)
    magnitude = np.abs(arr)
    ok = np.isfinite(arr) & (arr >= q.lowest) & ((arr == 0) | ((magnitude >= q.tiny) & (magnitude <= q.huge)))
    if minimum is not None or maximum is not None:
        ok &= _within(arr, minimum, maximum, exclusive)
    if not np.all(ok):
        bad = arr.reshape(-1)[int(np.argmin(ok.reshape(-1)))]
        check_value(float(bad), name if arr.ndim == 0 else f"{name} (one of {arr.size})", unit, minimum=minimum,
                    maximum=maximum, exclusive=exclusive)
    return arr


def parse_value(text: str | float | int, name: str = "value", unit: str | None = None) -> float:
    """Read a SPICE-style value of quantity ``unit`` and return it as a float in SI units.

    Parameters
    ----------
    text : str or number
        ``"200p"``, ``"100Meg"``, ``"-70m"``, ``"20ms"``, ``"1e-9"``, or a number (checked, returned as float).
    name : str
        The parameter's name, used in the error message.
    unit : str or None
        The SI unit of the parameter's quantity (a key of :data:`QUANTITIES`, ``""`` for a pure number): the
        unit letters the text may carry and the magnitudes it may have. None accepts any unit letters.

    Raises
    ------
    ParameterError
        If the text is not a number with an optional scale suffix and a unit of the quantity, or the number
        is not finite or outside the quantity's magnitudes.
    """
    if isinstance(text, str):
        return check_value(_read(text, name, quantity(unit)), name, unit)
    return check_value(text, name, unit)


def parse_whole(text: str, name: str, minimum: int, maximum: int) -> int:
    """Read a whole number written plainly or with a scale (``10k``, ``4G``, ``1e4``) and return it as an int in
    [minimum, maximum].

    The bounds are the caller's alone, not a quantity's magnitudes: a count of bytes or steps may pass 1e9.
    ParameterError names ``name`` for text that is not a number, not whole, or out of bounds.
    """
    rule = f"must be a whole number in [{minimum}, {maximum}]"
    shown: int | float
    try:
        value = shown = int(text)
    except ValueError:
        shown = _read(text, name, quantity(""))  # refused as read: 1e+300, not its 301 digits
        if not shown.is_integer():
            raise ParameterError(name, shown, rule) from None
        value = int(shown)
    if not minimum <= value <= maximum:
        raise ParameterError(name, shown, rule)
    return value


def _read(text: str, name: str, q: Quantity) -> float:
    """The finite number ``text`` spells with its scale and unit letters of ``q``; magnitudes are not checked."""
    match = _NUMBER.match(text)
    if not match:
        raise ParameterError(name, text, f"expected {_EXAMPLE}")
    value = float(match.group(1)) * _suffix_scale(match.group(2), q, name, text)
    if not math.isfinite(value):
        raise ParameterError(name, text, "must be a finite number")
    if value == 0 and re.search(r"[1-9]", match.group(1).lower().partition("e")[0]):
        # 1e-400 is not zero: it is a number too small for a float, which nothing may read as 0.
        raise ParameterError(name, text, "is too small to represent (underflows to 0)")
    return value


def _scale_of(suffix: str, q: Quantity) -> float | None:
    """The scale of ``suffix`` if it is a scale and/or a unit spelling of ``q``, else None."""
    if suffix == "":
        return 1.0
    if suffix == "%" and q.unit == "":
        return 0.01
    # Upper-case M alone (or followed by a unit) is mega: "100M" resistors, "100MOhm".
    if suffix[0] == "M" and not suffix.lower().startswith("meg") and q.accepts(suffix[1:]):
        return 1e6
    low = suffix.lower()
    for prefix, scale in _SCALES:
        if low.startswith(prefix) and q.accepts(low[len(prefix):]):
            return scale
    return 1.0 if q.accepts(low) else None


def _suffix_scale(suffix: str, q: Quantity, name: str, text: str) -> float:
    scale = _scale_of(suffix, q)
    if scale is not None:
        return scale
    others = [f"{o.name} ({o.unit})" for o in QUANTITIES.values() if _scale_of(suffix, o) is not None]
    if others:
        raise ParameterError(name, text, f"{suffix!r} is a unit of {' or '.join(others)}, but {name} is a "
                                         f"{q.name}: write {q.shown()} or only a scale, e.g. 200p")
    raise ParameterError(name, text, f"unknown suffix {suffix!r}; use a scale T G Meg k m u n p f a, optionally "
                                     f"followed by the unit ({q.shown()})")


#: Engineering exponents and their prefixes: as a human reads them (µ, M) and as SPICE and our parser read them.
_PREFIXES = {12: ("T", "T"), 9: ("G", "G"), 6: ("M", "Meg"), 3: ("k", "k"), 0: ("", ""), -3: ("m", "m"),
             -6: ("µ", "u"), -9: ("n", "n"), -12: ("p", "p"), -15: ("f", "f"), -18: ("a", "a")}


def _engineering(value: float) -> int:
    return max(-18, min(12, int(math.floor(math.log10(abs(value)) / 3) * 3)))


def format_value(value: float, unit: str = "", digits: int = 4) -> str:
    """Format an SI value with an engineering prefix, e.g. ``format_value(2e-10, 'F') == '200 pF'``."""
    if value == 0 or not math.isfinite(value):
        return f"{value:g} {unit}".strip()
    exp3 = _engineering(value)
    return f"{value / 10 ** exp3:.{digits}g} {_PREFIXES[exp3][0]}{unit}".strip()


def spice_text(value: float, unit: str = "") -> str:
    """``value`` as text a user types and :func:`parse_value` reads back for quantity ``unit`` (to 6 digits), with a
    SPICE scale and the unit: ``spice_text(2e-7, "A") == "200nA"``, ``spice_text(1e8, "Ohm") == "100MegOhm"``;
    pure numbers and temperatures as plain numbers (``0.68``, ``27C``)."""
    suffix = "" if unit in ("", "degC") else unit
    if value == 0 or not math.isfinite(value) or unit in ("", "degC"):
        return f"{value:g}{'C' if unit == 'degC' else suffix}"
    exp3 = _engineering(value)
    # Beyond the prefixes (aS, 1e30 Ohm) the mantissa keeps its exponent.
    exp3 = exp3 if 1e-18 <= abs(value) < 1e15 else 0
    if exp3 == 0 and _scale_of(suffix, quantity(unit)) != 1.0:
        suffix = ""  # alone, F is femto and A atto in SPICE: one farad is written 1
    return f"{value / 10 ** exp3:.6g}{_PREFIXES[exp3][1]}{suffix}"


@dataclass(frozen=True)
class Sweep:
    """A sweep as read from text, before its values exist: ``START:STOP:N`` or an explicit list.

    Reading checks the syntax and every number; :meth:`values` makes the list, after checking the number of
    points against :func:`lifhw.limits.check_points` (so a typo such as ``0:1n:10000000`` is refused before a
    list of ten million floats is built).
    """

    name: str
    text: str
    n: int
    start: float = 0.0
    stop: float = 0.0
    listed: tuple[float, ...] | None = None

    def __len__(self) -> int:
        return self.n

    def values(self) -> list[float]:
        check_points(self.name, self.text, self.n)
        if self.listed is not None:
            return list(self.listed)
        if self.n == 1:
            return [self.start]
        return [self.start + (self.stop - self.start) * k / (self.n - 1) for k in range(self.n)]


def read_sweep(text: str, name: str = "i", unit: str | None = None) -> Sweep:
    """Read ``START:STOP:N`` (N linearly spaced points, both ends included) or a comma list, without expanding it.

    Each number accepts the suffixes of :func:`parse_value` for quantity ``unit``.
    """
    text = str(text).strip()
    if ":" in text:
        parts = text.split(":")
        if len(parts) != 3:
            raise ParameterError(name, text, "a sweep is START:STOP:N or a comma-separated list")
        start = parse_value(parts[0], name, unit)
        stop = parse_value(parts[1], name, unit)
        try:
            n = int(parts[2])
        except ValueError:
            raise ParameterError(name, text, "N in START:STOP:N must be a whole number >= 1") from None
        if n < 1:
            raise ParameterError(name, text, "N in START:STOP:N must be a whole number >= 1")
        return Sweep(name, text, n, start, stop)
    items = [t for t in text.split(",") if t.strip()]
    if not items:
        raise ParameterError(name, text, "a sweep is START:STOP:N or a comma-separated list of at least one value")
    return Sweep(name, text, len(items), listed=tuple(parse_value(t, name, unit) for t in items))


def parse_range(text: str, name: str = "i", unit: str | None = None) -> list[float]:
    """The values of the sweep ``text`` (:func:`read_sweep`), at most ``lifhw.limits.current().max_points``."""
    return read_sweep(text, name, unit).values()
