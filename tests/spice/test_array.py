"""The array deck (N neurons on one bias block of transistors), its energy accounting and the area model.

No SPICE here (seconds): the deck is parsed, the accounting runs on waveforms whose integrals are known in closed
form, the area model is held to hand-computed geometry. The transient checks of the array (charge per spike against
C·ΔV, the ladder's taps, the lumped method against the full deck) are in test_array_spice.py (``make array``).
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from lifhw import pdk
from lifhw.errors import ParameterError
from lifhw.spice import area as ar
from lifhw.spice.array import BLOCKS, array_deck, measure_array, stray_sources
from lifhw.spice.deck import AnalogNeuron

#: Every SPICE element kind that is an ideal source, independent or controlled (V, I, E, G, F, H, B).
IDEAL_KINDS = set("vieghfb")


def _ideal_elements(text: str) -> list[tuple[str, list[str]]]:
    """Every ideal-source element line of a deck, inside a subcircuit or not: (name, tokens)."""
    return [(t[0].lower(), t) for t in (line.split() for line in text.splitlines())
            if t and t[0][0].lower() in IDEAL_KINDS]


def _allowed(name: str, tokens: list[str], n: int, loads: bool, meters: bool) -> bool:
    if name in ("vdd", "vdda"):
        return True
    if name in {f"iin{k}" for k in range(n)}:
        return tokens[1] == "0" and tokens[2] == f"mem{name[3:]}"
    if loads and name in ("iload_vreset", "iload_vg"):
        return True
    return meters and name in ("vmeter_vreset", "vmeter_vg") and tokens[-1] == "0"


@pytest.mark.parametrize("circuit", sorted(BLOCKS))
@pytest.mark.parametrize("n, loads, meters", [(1, False, True), (3, False, False), (1, True, False)])
def test_array_deck_has_no_ideal_source_but_supplies_and_inputs(circuit, n, loads, meters):
    neuron = AnalogNeuron(circuit)
    load = {"vreset": 1e-10} if loads else None
    text = array_deck(neuron, n, 30e-12, v_start=[0.6 + 0.1 * k for k in range(n)], loads=load, meters=meters)
    found = _ideal_elements(text)
    assert [name for name, tokens in found if not _allowed(name, tokens, n, loads, meters)] == []
    assert stray_sources(text) == []
    # the single neuron's ideal references are gone, replaced by one block instance; each neuron is there once
    names = {name for name, _ in found}
    assert not names & {"i_b", "i_inv", "i_ref", "i_cmp", "e_vg", "v_rest", "v_th", "v_reset", "vdd_ref", "i_in"}
    lines = text.splitlines()
    assert sum(line.startswith("xbias ") for line in lines) == 1
    assert sorted(line.split()[0] for line in lines if line.startswith("xn")) == sorted(f"xn{k}" for k in range(n))
    assert {"vdd", "vdda"} <= names and sum(name.startswith("iin") for name in names) == n


def test_stray_source_check_catches_a_planted_source():
    text = array_deck(AnalogNeuron("lowpower"), 1, 30e-12)
    planted = text.replace(".ends bias_lowpower", "e_vg vg 0 vgr 0 1\n.ends bias_lowpower")
    assert stray_sources(planted) == ["e_vg"]
    assert stray_sources(text.replace("vdda vdda 0", "v_ref vdda 0")) == ["v_ref"]
    assert stray_sources(text + "vmeter_vreset a b dc 0.1\n") == ["vmeter_vreset"]


def test_block_refuses_a_neuron_it_was_not_built_for():
    neuron = AnalogNeuron("lowpower", design=AnalogNeuron("lowpower").design.replace(i_b=20e-12))
    with pytest.raises(ParameterError, match="i_b"):
        array_deck(neuron, 1, 30e-12)


def test_array_deck_refuses_bad_sizes():
    neuron = AnalogNeuron("ota")
    with pytest.raises(ParameterError, match="neurons"):
        array_deck(neuron, 0, 30e-12)
    with pytest.raises(ParameterError, match="v_start"):
        array_deck(neuron, 2, 30e-12, v_start=[0.6])
    with pytest.raises(ParameterError, match="load"):
        array_deck(neuron, 1, 30e-12, loads={"vth": 1e-12})


@pytest.mark.parametrize("circuit", sorted(BLOCKS))
def test_power_up_deck_starts_unpowered_with_no_hint(circuit):
    """A power-up deck gives the simulator nothing but the circuit: the supplies are 0 V at t = 0 and ramp to V_dd,
    no node has an initial condition or an operating-point guess; it is still transistors but for the supplies."""
    neuron = AnalogNeuron(circuit)
    text = array_deck(neuron, 1, 30e-12, power_up=1e-4)
    assert not [line for line in text.splitlines() if line.lower().startswith((".ic", ".nodeset"))]
    started = array_deck(neuron, 1, 30e-12, pin=True)  # what the power-up deck leaves out: the guess, the pins
    assert ".nodeset" in started.lower() and "v(xbias.refn)=0.3" in started
    assert "v(xbias.refn)" not in array_deck(neuron, 1, 30e-12)  # unpinned, the guess only steers the op
    supplies = {t[0]: t[3:] for t in (line.split() for line in text.splitlines()) if t and t[0] in ("vdd", "vdda")}
    assert supplies == {name: ["pwl(0", "0", "0.0001", "1.8)"] for name in ("vdd", "vdda")}
    assert stray_sources(text) == []
    assert "v(xbias.refn)" in text and "v(xbias.refg)" in text
    with pytest.raises(ParameterError, match="v_start"):
        array_deck(neuron, 1, 30e-12, v_start=[0.6], power_up=1e-4)


def _synthetic(n_sim: int, isi: float, i_own: float, i_block: float, vdd: float, i_in: float):
    """An array transient with known integrals: neuron k spikes every ``isi`` from k·isi/n_sim + isi/2 (spk and rst
    pulses), constant supply currents, membranes a 0.6–0.9 V sawtooth."""
    t = np.linspace(0.0, 10.3 * isi, 200001)
    vectors = {"time": t, "vdd#branch": np.full_like(t, -i_own), "vdda#branch": np.full_like(t, -i_block)}
    for k in range(n_sim):
        phase = ((t - k * isi / n_sim - isi / 2) % isi) / isi
        started = t >= k * isi / n_sim + isi / 2
        vectors[f"spk{k}"] = np.where(started & (phase < 0.01), vdd, 0.0)
        vectors[f"rst{k}"] = np.where(started & (phase < 0.05), vdd, 0.0)
        vectors[f"mem{k}"] = 0.6 + 0.3 * phase
    return vectors


@pytest.mark.parametrize("n_sim, neurons", [(1, 1), (3, 3), (1, 64)])
def test_energy_accounting_against_closed_form(n_sim, neurons):
    isi, i_own, i_block, vdd, i_in = 0.033, 20e-12 * n_sim, 835e-12, 1.8, 34e-12
    energy = measure_array(_synthetic(n_sim, isi, i_own, i_block, vdd, i_in), n_sim, neurons, i_in, vdd)
    # neuron 0 fires 10 times after isi/2: the window is 9 ISIs long
    assert energy.window[1] - energy.window[0] == pytest.approx(9 * isi, rel=1e-4)
    assert energy.rates == pytest.approx([1 / isi] * n_sim, rel=1e-4)
    spikes = 9 * neurons  # every neuron, simulated or lumped, fires 9 times in 9 ISIs
    assert energy.spikes == pytest.approx(spikes, rel=1e-4)
    assert energy.sources["vdd"] == pytest.approx(vdd * i_own * 9 * isi / (9 * n_sim), rel=1e-4)
    assert energy.sources["vdda"] == pytest.approx(vdd * i_block * 9 * isi / spikes, rel=1e-4)
    assert energy.energy_per_spike == pytest.approx(sum(energy.sources.values()), rel=1e-12)
    assert energy.block_power == pytest.approx(vdd * i_block, rel=1e-6)
    # the sawtooth's mean is 0.75 V: I·∫V_mem over the window is I·0.75 V·9 ISIs per neuron
    assert energy.input_energy["i_v_mem"] == pytest.approx(i_in * 0.75 * isi, rel=1e-3)
    assert energy.input_energy["rail"] == pytest.approx(i_in * vdd * isi, rel=1e-4)


def test_energy_accounting_refuses_too_few_spikes():
    vectors = _synthetic(1, 0.033, 1e-12, 1e-12, 1.8, 1e-12)
    short = {k: v[:len(v) // 6] for k, v in vectors.items()}
    with pytest.raises(Exception, match="at least 3 spikes"):
        measure_array(short, 1, 1, 1e-12, 1.8)


def test_mim_area_against_its_geometry():
    area_density, perimeter_density = pdk.mim_densities()
    assert area_density == pytest.approx(2.0e-3) and perimeter_density == pytest.approx(0.19e-9)
    for c in (15e-15, 2.6e-12, 40e-12):
        side = math.sqrt(ar.mim_area(c)) - 2 * pdk.MIM_ENCLOSURE
        assert area_density * side ** 2 + 4 * perimeter_density * side == pytest.approx(c, rel=1e-12)
    # 2.6 pF: 35.88 um by hand (2e-3 s^2 + 7.6e-10 s = 2.6e-12), 36.88 um with the plate's enclosure
    assert ar.mim_area(2.6e-12) == pytest.approx(36.88e-6 ** 2, rel=1e-3)


def test_parts_of_a_netlist_by_hand():
    text = ("x1 d g s b sky130_fd_pr__nfet_01v8 w=1 l=4\n"
            "x2 d g s b sky130_fd_pr__pfet_01v8 w={w_p} l=0.5 m=3\n"
            "c_m mem 0 {c_m}\nc_tsv tsv 0 1e-13\nr1 a b 1k\n")
    got = ar.parts(text, {"w_p": 2.0, "c_m": 1e-12})
    assert got.transistors == 4
    assert got.gate_area == pytest.approx((1 * 4 + 3 * 2 * 0.5) * 1e-12)
    # footprints (L + 0.85 um)(W + 0.84 um), times the layout factor 2
    assert got.device_area == pytest.approx(2 * (4.85 * 1.84 + 3 * 1.35 * 2.84) * 1e-12)
    assert got.mim_capacitance == pytest.approx(1e-12)  # the TSV's capacitor is not MIM


@pytest.mark.parametrize("circuit", sorted(BLOCKS))
def test_area_per_neuron_is_the_neuron_plus_the_block_over_n(circuit):
    one, many = ar.array_area(circuit, 1), ar.array_area(circuit, 64)
    assert many.neuron == one.neuron and many.block == one.block
    for k in range(2):
        assert one.per_neuron[k] - many.per_neuron[k] == pytest.approx(one.block_area * (1 - 1 / 64), rel=1e-12)
        assert many.array[k] == pytest.approx(64 * many.per_neuron[k], rel=1e-12)
    assert many.neuron_stacked <= many.neuron_side_by_side
    # the membrane's MIM alone is a floor of the neuron's area
    assert many.neuron_stacked >= ar.mim_area(2.6e-12)
    with_tsv = ar.array_area(circuit, 64, tsv=True)
    assert with_tsv.per_neuron[0] - many.per_neuron[0] == pytest.approx(math.pi * 12.5e-6 ** 2, rel=1e-9)


@pytest.mark.parametrize("args, words", [
    (["--neurons", "0"], ["neurons", "0"]),
    (["--rate", "600"], ["rate", "600"]),
    (["--rate", "0"], ["rate"]),
    (["--circuit", "ideal"], ["circuit", "ideal"]),
    (["--check", "warm"], ["check", "warm"]),
    (["--neurons", "1e30"], ["neurons"]),
])
def test_array_cli_refuses_in_one_line(lifhw_in_process, one_line_exit_2, args, words):
    one_line_exit_2(lifhw_in_process("spice", "array", *args, "--json"), *words)


def test_size_reports_area_beside_energy():
    import json
    import subprocess
    import sys

    run = subprocess.run([sys.executable, "-m", "lifhw", "size", "--tau", "20m", "--i-b", "10p", "--c-tsv", "140f",
                          "--v-swing", "0.3", "--kappa", "0.68", "--i-off", "1f", "--circuit", "lowpower", "--json"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    got = json.loads(run.stdout)
    area = got["area"]
    # the sized C_m's MIM (not the netlist's 2.6 pF), the TSV's keep-out since the TSV is on, the block over N
    assert area["mim_area"] == pytest.approx(ar.mim_area(got["c_m"]) + ar.mim_area(ar.parts(
        AnalogNeuron("lowpower").subckt(), AnalogNeuron("lowpower").values()).mim_capacitance - 2.6e-12), rel=1e-9)
    assert area["tsv_keepout"] == pytest.approx(ar.tsv_keepout(), rel=1e-12)
    for n, (stacked, side) in area["per_neuron"].items():
        assert stacked == pytest.approx(area["neuron_stacked"] + area["tsv_keepout"] + area["block_area"] / int(n))
        assert side == pytest.approx(area["neuron_side_by_side"] + area["tsv_keepout"] + area["block_area"] / int(n))
    assert got["energy_per_spike"] > 0


def test_report_section_rows_split_the_block_over_n():
    """The array section's table: the simulated rows as measured; the computed ones are the same own supply with
    the same block power shared by N neurons at the same rate, and every row's total is its parts' sum."""
    from lifhw.report.sections import array as section
    from lifhw.spice.array import ArrayRun

    vdd, isi = 1.8, 0.033
    single = measure_array(_synthetic(1, isi, 20e-12, 835e-12, vdd, 34e-12), 1, 1, 34e-12, vdd)
    lumped = measure_array(_synthetic(1, isi, 21e-12, 835e-12, vdd, 34e-12), 1, 64, 34e-12, vdd)
    run = ArrayRun("lowpower", 64, "lumped", "tt", 27.0, 34e-12, 30.0, 29.7, lumped, single, "* deck")
    rows = {row[0]: row for row in section.energy_rows(run)}
    assert rows[1][3:6] == [single.sources["vdd"], single.sources["vdda"], single.energy_per_spike]
    assert rows[64][3:6] == [lumped.sources["vdd"], lumped.sources["vdda"], lumped.energy_per_spike]
    for n in (16, 256):
        assert rows[n][4] == pytest.approx(vdd * 835e-12 * isi / n, rel=1e-4)
        assert rows[n][5] == pytest.approx(rows[n][3] + rows[n][4], rel=1e-12)
    assert ArrayRun.from_dict(run.as_dict()) == run
    page = section.html(run)
    assert "lif_lowpower, N = 64" in page and "µm²" in page


def test_lumped_run_loads_the_block_with_the_single_neurons_charge(monkeypatch, tmp_path):
    """run_array's lumped method without SPICE: the N = 1 deck's metered charge per spike times its rate times
    N − 1 becomes the loads of the lumped deck, and the block's energy is shared by all N neurons' spikes."""
    from lifhw.spice import array

    isi, vdd, q_reset, q_vg = 0.033, 1.8, 0.8e-12, 0.2e-12
    decks = []

    def fake_run(text, directory, stem, t_stop, max_step, executor):
        decks.append(text)
        vectors = _synthetic(text.count("\niin"), isi, 20e-12, 835e-12, vdd, 34e-12)
        if "vmeter_vreset" in text:  # a constant current carrying q per ISI
            vectors["vmeter_vreset#branch"] = np.full_like(vectors["time"], q_reset / isi)
            vectors["vmeter_vg#branch"] = np.full_like(vectors["time"], q_vg / isi)
        return vectors

    monkeypatch.setattr(array, "run_deck", fake_run)
    monkeypatch.setattr(array, "input_for_rate", lambda neuron, rate, i_in, executor: (34e-12, 30.3))
    got = array.run_array("lowpower", 64, None, tmp_path, rate=30.0)
    assert got.method == "lumped" and len(decks) == 2
    assert got.single.charge == pytest.approx({"vreset": q_reset, "vg": q_vg}, rel=1e-4)
    loads = {line.split()[0]: float(line.split()[-1]) for line in decks[1].splitlines() if line.startswith("iload_")}
    assert loads == pytest.approx({"iload_vreset": 63 * q_reset / isi, "iload_vg": 63 * q_vg / isi}, rel=1e-4)
    assert stray_sources(decks[1]) == []
    assert got.energy.sources["vdda"] == pytest.approx(vdd * 835e-12 * isi / 64, rel=1e-4)
    # a second run reads both transients back from the store: no simulation
    again = array.run_array("lowpower", 64, None, tmp_path, rate=30.0)
    assert len(decks) == 2 and again == got
    full = array.run_array("lowpower", 16, None, tmp_path, rate=30.0)
    assert full.method == "full" and full.single is None and full.energy.simulated == 16
    starts = [v for v in re.search(r"^\.ic (.*)$", decks[-1], re.MULTILINE).group(1).split() if v.startswith("v(mem")]
    assert len(set(starts)) == 16  # out of phase
