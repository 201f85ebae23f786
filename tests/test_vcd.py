"""The VCD reader against dumps whose every change is known: hand-written text (timescales, decimal times, x/z bits,
$dumpvars, comments) and the co-simulation's own writers (lifhw.cosim.waves)."""

from __future__ import annotations

import numpy as np
import pytest

from lifhw import vcd
from lifhw.cosim import waves
from lifhw.errors import FieldError

TEXT = """$date today $end
$timescale 10 ns $end
$comment a comment with $var inside is skipped $end
$scope module top $end
$var real 64 ! v $end
$var wire 4 " bus [3:0] $end
$var wire 1 # clk $end
$upscope $end
$enddefinitions $end
$dumpvars
r0.5 !
b1x01 "
z#
$end
#3
1#
r-1.25e-3 !
#7.5
b1111 "
0#
"""


def test_a_hand_written_dump_reads_as_written(tmp_path):
    path = tmp_path / "a.vcd"
    path.write_text(TEXT)
    signals = vcd.read(path)
    assert sorted(signals) == ["bus", "clk", "v"]
    v, bus, clk = signals["v"], signals["bus"], signals["clk"]
    assert (v.kind, v.width, bus.width, clk.width) == ("real", 64, 4, 1)
    np.testing.assert_allclose(v.times, [0.0, 30e-9])
    np.testing.assert_array_equal(v.values, [0.5, -1.25e-3])
    np.testing.assert_allclose(bus.times, [0.0, 75e-9])
    np.testing.assert_array_equal(bus.values, [0b1001, 0b1111])       # x reads as 0
    np.testing.assert_array_equal(clk.values, [0, 1, 0])
    # the value held: the last change at or before each time, NaN before the first
    np.testing.assert_array_equal(clk.at(np.array([29e-9, 31e-9, 80e-9])), [0, 1, 0])
    assert np.isnan(v.at(-1e-9))


def test_what_the_cosimulation_writes_reads_back(tmp_path):
    t = np.array([0.0, 1e-6, 1e-6 + 4e-13, 2.5e-6])                   # two points inside one ps: the first is kept
    waves.write_analog_vcd(tmp_path / "analog.vcd", 3e-6, {"time": t, "v(mem0)": [0.6, 0.7, 0.71, 0.9],
                                                           "v(spk0)": [0.0, 0.0, 0.0, 1.8]})
    analog = vcd.read(tmp_path / "analog.vcd")
    np.testing.assert_allclose(analog["mem0"].times, 3e-6 + t[[0, 1, 3]], rtol=0, atol=1e-15)
    np.testing.assert_array_equal(analog["mem0"].values, [0.6, 0.7, 0.9])
    np.testing.assert_array_equal(analog["spk0"].values, [0.0, 0.0, 1.8])
    # cocotb's times are floats: the digital writer may print them with a decimal point
    waves.write_digital_vcd(tmp_path / "digital.vcd", {"spk_i": 2, "we_i": 1},
                            [(1000.0, "spk_i", 0), (1000.0, "we_i", 0), (2500.0, "spk_i", 2), (4000.0, "we_i", 1)])
    digital = vcd.read(tmp_path / "digital.vcd")
    np.testing.assert_allclose(digital["spk_i"].times, [1e-9, 2.5e-9])
    np.testing.assert_array_equal(digital["spk_i"].values, [0, 2])
    np.testing.assert_array_equal(digital["we_i"].values, [0, 1])


@pytest.mark.parametrize("header, rule", [("", "missing"), ("$timescale 3 ns $end\n", "must be 1, 10 or 100")])
def test_a_dump_without_a_known_timescale_is_refused_naming_it(tmp_path, header, rule):
    path = tmp_path / "bad.vcd"
    path.write_text(header + "$var real 64 ! v $end\n$enddefinitions $end\n#1\nr1 !\n")
    with pytest.raises(FieldError, match=rule) as info:
        vcd.read(path)
    assert "$timescale" in str(info.value) and str(path) in str(info.value)


@pytest.mark.parametrize("body", ["#1\nr1 !\n#x2\n", "#1\nrnot-a-number !\n", "#1\nb10", "$var real 64 $end\n"])
def test_a_dump_that_does_not_parse_is_refused_naming_the_file(tmp_path, body):
    path = tmp_path / "bad.vcd"
    path.write_text("$timescale 1ps $end\n$var real 64 ! v $end\n$enddefinitions $end\n" + body)
    with pytest.raises(FieldError, match="is not a value change dump") as info:
        vcd.read(path)
    assert str(path) in str(info.value) and len(str(info.value).splitlines()) == 1
