import math
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lifhw import limits
from lifhw.errors import ParameterError
from lifhw.units import (
    QUANTITIES,
    check_array,
    check_value,
    format_value,
    parse_range,
    parse_value,
    parse_whole,
    read_sweep,
    spice_text,
)


@pytest.mark.parametrize("text, value", [
    ("200p", 200e-12), ("200pF", 200e-12), ("1.5n", 1.5e-9), ("100M", 100e6), ("100Meg", 100e6),
    ("100MEG", 100e6), ("100meg", 100e6), ("-70m", -70e-3), ("20ms", 20e-3), ("0.1u", 0.1e-6),
    ("1e-9", 1e-9), ("-0.07", -0.07), ("3", 3.0), ("2.5kOhm", 2.5e3), ("100MOhm", 100e6),
    ("140f", 140e-15), ("5mV", 5e-3), ("10pA", 10e-12), ("0.3V", 0.3), ("1kHz", 1e3), (".5n", 0.5e-9),
    (" 7 ", 7.0), ("1.5e3k", 1.5e6),
])
def test_parse_value_reads_spice_suffixes(text, value):
    assert parse_value(text) == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize("text", ["", "abc", "1x", "p", "nan", "inf", "1..2", "1e", "--1", "1 2", "12q"])
def test_parse_value_rejects_unreadable_text_naming_the_parameter(text):
    with pytest.raises(ParameterError) as err:
        parse_value(text, "c_m")
    assert str(err.value).startswith("c_m = ")


def test_parse_value_rejects_booleans_and_non_finite_numbers():
    for bad in (True, math.nan, math.inf):
        with pytest.raises(ParameterError):
            parse_value(bad, "x")


@given(st.integers(min_value=1, max_value=10**15), st.sampled_from([("", 1), ("k", 10**3), ("Meg", 10**6),
                                                                    ("G", 10**9), ("T", 10**12)]))
def test_parse_whole_reads_counts_past_a_dimensionless_magnitude(n, scale):
    # Bytes and steps pass 1e9 (the dimensionless cap of parse_value): only the caller's bounds apply.
    suffix, factor = scale
    expected = n * factor
    if expected > 10**15:
        with pytest.raises(ParameterError, match=r"^max_memory = "):
            parse_whole(f"{n}{suffix}", "max_memory", 1, 10**15)
    else:
        assert parse_whole(f"{n}{suffix}", "max_memory", 1, 10**15) == expected


@pytest.mark.parametrize("text", ["1.5", "1.0005k", "4GV", "abc", "0", "1e400", "-3"])
def test_parse_whole_refuses_what_is_not_a_whole_number_in_bounds(text):
    with pytest.raises(ParameterError, match=r"^n = "):
        parse_whole(text, "n", 1, 10**15)


@given(st.floats(min_value=-1e15, max_value=1e15, allow_nan=False).filter(lambda x: x == 0 or abs(x) >= 1e-30))
def test_plain_float_text_round_trips(x):
    assert parse_value(repr(x)) == x


def test_parse_range_linear_and_list():
    assert parse_range("0.1n:1n:10") == pytest.approx([k * 1e-10 for k in range(1, 11)], rel=1e-12)
    assert parse_range("1n,2n, 5n") == pytest.approx([1e-9, 2e-9, 5e-9])
    assert parse_range("3p:9p:1") == [3e-12]
    for bad in ("1:2", "1:2:0", "1:2:x", "", "1:2:3:4"):
        with pytest.raises(ParameterError):
            parse_range(bad, "i")


def test_format_value_uses_engineering_prefixes():
    assert format_value(200e-12, "F") == "200 pF"
    assert format_value(100e6, "Ohm") == "100 MOhm"
    assert format_value(-0.07, "V") == "-70 mV"


@pytest.mark.parametrize("text, unit, value", [
    ("200pF", "F", 200e-12), ("200p", "F", 200e-12), ("-50mV", "V", -50e-3), ("20ms", "s", 20e-3),
    ("2sec", "s", 2.0), ("10nS", "S", 10e-9), ("100MOhm", "Ohm", 100e6), ("100Meg", "Ohm", 100e6),
    ("5um", "m", 5e-6), ("5m", "m", 5e-3), ("0.1m/s", "m/s", 0.1), ("2mF/m^2", "F/m^2", 2e-3), ("27C", "degC", 27.0),
    ("-40degC", "degC", -40.0), ("1kHz", "Hz", 1e3), ("10pA", "A", 10e-12), ("5m", "", 5e-3),
    ("1e4W/m^2", "W/m^2", 1e4),
])
def test_each_quantity_reads_its_own_unit(text, unit, value):
    assert parse_value(text, "x", unit) == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize("text, unit, other", [
    ("200pF", "V", "capacitance"), ("200pF", "s", "capacitance"), ("20ms", "F", "time"), ("-50mV", "A", "voltage"),
    ("1kHz", "A", "frequency"), ("10pA", "", "current"), ("5um", "s", "length"), ("100MOhm", "S", "resistance"),
])
def test_a_unit_of_another_quantity_is_refused_naming_both(text, unit, other):
    with pytest.raises(ParameterError) as err:
        parse_value(text, "v_th", unit)
    assert err.value.name == "v_th" and other in str(err.value) and QUANTITIES[unit].name in str(err.value)


@pytest.mark.parametrize("unit", sorted(QUANTITIES))
def test_magnitudes_outside_the_quantity_are_refused(unit):
    q = QUANTITIES[unit]
    assert parse_value(0.0, "x", unit) == 0.0
    assert parse_value(q.huge, "x", unit) == q.huge
    for bad in (q.huge * 10, -q.huge * 10, 1e308, math.nan, math.inf):
        with pytest.raises(ParameterError, match="^x = "):
            parse_value(bad, "x", unit)
    if q.tiny > 0:
        assert parse_value(q.tiny, "x", unit) == q.tiny
        with pytest.raises(ParameterError, match="magnitude"):
            parse_value(q.tiny / 10, "x", unit)


def test_numpy_scalars_are_numbers_and_numpy_booleans_are_not():
    assert parse_value(np.float32(0.5), "x", "V") == pytest.approx(0.5)
    assert parse_value(np.int64(3), "x", "") == 3.0
    with pytest.raises(ParameterError):
        parse_value(np.bool_(True), "x", "")


def test_a_huge_sweep_is_refused_before_its_values_exist():
    sweep = read_sweep("0:1n:1000000000", "i", "A")
    assert len(sweep) == 10**9
    with pytest.raises(ParameterError) as err:
        sweep.values()
    assert err.value.name == "i" and "--max-points" in str(err.value)
    with limits.override(max_points=20_000):
        assert len(parse_range("0:1n:20000", "i", "A")) == 20_000
    with limits.override(max_points=19_999):
        with pytest.raises(ParameterError, match="points = 20000, more than .* = 19999"):
            parse_range("0:1n:20000", "i", "A")


def test_limits_override_is_scoped_and_checked():
    default = limits.current()
    with limits.override(max_steps=5) as inner:
        assert inner.max_steps == 5 and limits.current().max_points == default.max_points
        with pytest.raises(ParameterError, match="max_steps = 5"):
            limits.check_steps("dt", 1e-4, 6)
        assert limits.check_steps("dt", 1e-4, 4.2) == 5  # a fraction of a step is a step
    assert limits.current() == default
    for bad in ({"max_steps": 0}, {"max_steps": 1.5}, {"max_nothing": 3}):
        with pytest.raises(ParameterError):
            with limits.override(**bad):
                pass


@given(st.floats(min_value=0, max_value=1), st.sampled_from(["F", "A", "V", "s", "Ohm", "Hz", "S", "m"]))
def test_spice_text_reads_back(where, unit):
    # What help and messages show is what a user can type: it parses back to the value (6 digits), anywhere in the
    # quantity's magnitudes.
    q = QUANTITIES[unit]
    x = 10.0 ** (math.log10(q.tiny) + where * (math.log10(q.huge) - math.log10(q.tiny)))
    text = spice_text(x, unit)
    assert re.fullmatch(r"-?[0-9.]+(e[-+][0-9]+)?((T|G|Meg|k|m|u|n|p|f|a)?" + re.escape(unit) + ")?", text), text
    assert ("e" in text.replace("Meg", "")) == (not 1e-18 <= x < 1e15), text
    assert parse_value(text, "x", unit) == pytest.approx(x, rel=5e-6)


def test_percent_is_a_pure_number_only():
    assert parse_value("10%", "tol", "") == pytest.approx(0.1)
    assert parse_value("2.5 %", "tol", "") == pytest.approx(0.025)
    with pytest.raises(ParameterError, match="^c_m = '10%'"):
        parse_value("10%", "c_m", "F")


@pytest.mark.parametrize("text", ["1e-400", "-1e-400", "0.000001e-320", "1e-330p"])
def test_a_number_too_small_for_a_float_is_never_read_as_zero(text):
    with pytest.raises(ParameterError, match="underflows to 0"):
        parse_value(text, "t_ref", "s")
    assert parse_value("0e-400", "t_ref", "s") == 0.0  # zero written with an exponent is still zero


def test_minus_zero_is_zero():
    assert str(parse_value("-0", "v", "V")) == "0.0"
    assert str(check_value(-0.0, "v", "V")) == "0.0"


@pytest.mark.parametrize(("kwargs", "good", "bad", "rule"), [
    ({"minimum": 0}, 1e-12, 0.0, "must be > 0 F"),
    ({"minimum": 0, "exclusive": False}, 0.0, -1e-12, "must be >= 0 F"),
    ({"maximum": 1e-9}, 1e-9, 2e-9, "must be <= 1e-09 F"),
    ({"minimum": 0, "maximum": 1e-9}, 1e-9, 0.0, r"must be in \(0, 1e-09\] F"),
])
def test_check_value_and_check_array_share_one_rule(kwargs, good, bad, rule):
    assert check_value(good, "c", "F", **kwargs) == good
    with pytest.raises(ParameterError, match=f"^c = .*: {rule}$"):
        check_value(bad, "c", "F", **kwargs)
    assert check_array([good, good], "c", "F", **kwargs).tolist() == [good, good]
    with pytest.raises(ParameterError, match=f"^c \\(one of 3\\) = .*: {rule}$"):
        check_array([good, bad, good], "c", "F", **kwargs)


def test_check_array_refuses_what_check_value_refuses():
    for bad in (np.nan, np.inf, 1e300, 1e-300):
        with pytest.raises(ParameterError):
            check_array(np.array([1e-12, bad]), "c", "F")
    with pytest.raises(ParameterError, match="must be real numbers"):
        check_array(["a", "b"], "c", "F")


def test_parse_whole_shows_a_refused_value_as_it_was_read():
    # an int out of bounds as the int, a scaled or exponent value as its float: never 301 digits
    with pytest.raises(ParameterError, match=r"^bits = 40: "):
        parse_whole("40", "bits", 2, 16)
    with pytest.raises(ParameterError, match=r"^n = 1e\+300: "):
        parse_whole("1e300", "n", 0, 2**63 - 1)
