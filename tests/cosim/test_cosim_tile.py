"""The co-simulated tile against independent truths: the plain ngspice transient of the same deck with the codes
the digital set (spike counts equal, times within one sync interval + one transient step), the analog crossings
(every AER event's address and timestamp), simultaneous spikes (no event lost)."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest

from lifhw.cosim import run
from lifhw.cosim.tile import Tile
from lifhw.errors import SpiceError


@pytest.fixture(scope="module")
def tile_run(tmp_path_factory):
    # neurons 0 and 1 are the same circuit with the same codes (no mismatch): they cross at the same instant until
    # the host silences neuron 0 at 0.6 t_sim; the default schedule changes every code while the tile runs
    work = tmp_path_factory.mktemp("tile")
    return run.run_tile("ota", 3, 0.08, 1e-5, work, in_codes=[40, 40, 50], waves=work / "waves"), work / "waves"


def test_spikes_equal_the_plain_transient(tile_run):
    tile_run, _ = tile_run
    assert tile_run.code_changes >= 8                      # the host's writes reached the DAC registers
    for neuron in tile_run.neurons:
        assert neuron.spikes == neuron.spikes_spice and neuron.spikes >= 2
        assert neuron.max_time_offset <= tile_run.time_bound


def test_every_aer_event_is_its_neurons_crossing(tile_run):
    tile_run, _ = tile_run
    assert tile_run.aer_events == sum(n.spikes for n in tile_run.neurons)
    assert tile_run.lost_events == 0 and not tile_run.overflow
    assert tile_run.aer_stamp_errors == [0]                # each stamp = the synchroniser's edge + 2, exactly
    for neuron in tile_run.neurons:
        assert neuron.aer_events == neuron.spikes
        assert neuron.aer_max_error <= tile_run.aer_bound


def test_simultaneous_spikes_lose_no_event(tile_run):
    tile_run, _ = tile_run
    before = 0.6 * tile_run.t_sim                          # the host silences neuron 0 here
    stamps = [[ts for a, ts, t in tile_run.events if a == k and t < before] for k in (0, 1)]
    assert stamps[0] == stamps[1] and len(stamps[0]) >= 2  # the same instants, both delivered with one stamp
    assert tile_run.lost_events == 0


def test_a_failed_analog_run_names_ngspice_s_message(tmp_path):
    deck = tmp_path / "broken.cir"
    text = Tile("ota", 1).render({"in": [[(0.0, 30)]], "trim": [[(0.0, 16)]]})
    deck.write_text(text.replace("idac_bit units=1", "idac_missing units=1"))
    with pytest.raises(SpiceError, match="idac_missing") as info:
        run._plain(tmp_path, Tile("ota", 1), deck, 1e-3, None, None, "plain")
    assert "log:" in str(info.value)


@pytest.mark.parametrize("argv, flag", [
    (["tile", "--sync", "0"], "sync"),
    (["tile", "--neurons", "0"], "neurons"),
    (["tile", "--circuit", "ideal"], "circuit"),
    (["tile", "--neurons", "2", "--in-codes", "30,64"], "in_codes"),
    (["tile", "--neurons", "2", "--trim-codes", "3"], "trim_codes"),
    (["trim", "--target-rate", "1"], "target_rate"),
])
def test_bad_input_is_one_line_naming_the_parameter(argv, flag, tmp_path):
    done = subprocess.run([sys.executable, "-m", "lifhw", "cosim", *argv, "--work", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and flag in lines[0]


def test_the_result_reads_back_as_its_type(tile_run):
    tile_run, _ = tile_run
    again = run.TileRun.from_dict(json.loads(json.dumps(tile_run.as_dict())))
    assert again.neurons[0].spikes == tile_run.neurons[0].spikes
    assert math.isfinite(again.ratio_cpu)


def test_the_waveform_pair_shows_each_spike_on_one_time_axis(tile_run):
    tile_run, waves = tile_run
    digital = (waves / "digital.vcd").read_text()
    assert "spk_i" in digital and "ev_ts_o" in digital
    analog = (waves / "analog.vcd").read_text().splitlines()
    ids = {line.split()[4]: line.split()[3] for line in analog if line.startswith("$var real")}
    spk0 = ids["spk0"]
    levels = [float(line.split()[0][1:]) for line in analog if line.startswith("r") and line.split()[1] == spk0]
    rises = sum(1 for a, b in zip(levels, levels[1:], strict=False) if a < 0.9 <= b)
    assert rises == tile_run.neurons[0].spikes
