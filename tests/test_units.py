import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lifhw.errors import ParameterError
from lifhw.units import format_value, parse_range, parse_value


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
