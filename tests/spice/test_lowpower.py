"""lif_lowpower.cir (sky130): the device-aware theory's f-I, TSV, energy, every corner and a long clean run."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from lifhw import pdk
from lifhw.spice import SpiceNeuron, crossings, measure, ota_params, typical_tsv_capacitance
from lifhw.spice import montecarlo as mc
from lifhw.spice.executor import LocalExecutor
from lifhw.spice.netlist import get_circuit
from lifhw.spice.study import ACCEPTANCE, ENERGY_RATE, LOWPOWER_SPEC, energy_at_rate

CIRCUIT = get_circuit("lowpower")


def test_fi_rheobase_and_energy_conservation(lowpower_tt):
    char = lowpower_tt.characterize()
    # The leak is lif_ota's OTA follower: the rheobase is the tanh fit's I_b,eff*tanh(...) at V_th.
    assert char.rheobase == pytest.approx(char.tanh_rheobase, rel=ACCEPTANCE["lowpower_rheobase_rel_error"])
    currents = np.array([0.5, 1.2, 2.0, 5.0, 20.0, 40.0]) * char.rheobase
    result = lowpower_tt.sweep(currents).check()
    assert result.rate[0] == 0 and len(result.transients[0].spike_times) == 0
    assert all(t.n_isi >= 3 for t in result.transients[1:])
    np.testing.assert_allclose(result.rate[1:], char.rate(currents[1:]), rtol=ACCEPTANCE["lowpower_max_rel_error"])
    quiescent, shared = lowpower_tt.quiescent()
    design = lowpower_tt.design
    # The shared references carry i_b + i_cmp (through the replica) + i_inv + the pfet bias diode's copy of i_inv +
    # i_ref, all from vdd_ref; the pfet copy's mirror error (~5 %) is all that may add to it.
    references = design.vdd * (design.i_b + design.i_cmp + 2 * design.i_inv + design.i_ref)
    assert references <= shared <= 1.1 * references
    for tr in result.transients:
        assert tr.shared_power == pytest.approx(shared, rel=1e-3)  # nothing of a spike reaches the references
    # Per spike the neuron spends at least what its comparator and logic spend at rest over one ISI (the quiescent
    # power but the leak's V_dd*I_b,eff: the saturated leak takes its tail from the membrane, not from vdd, for most
    # of a ramp, so even P_q*ISI is no bound near rheobase) plus charging c_ref to vdd once.
    c_ref = CIRCUIT.timer.c_ref(lowpower_tt.params.t_ref, design.i_ref)
    for tr in result.transients[1:]:
        floor = (quiescent - design.vdd * char.i_b_eff) / tr.rate + c_ref * design.vdd ** 2
        assert tr.energy_per_spike >= floor, tr.rate


def test_energy_per_spike_at_30_hz_and_quiescent_power(lowpower_tt):
    # The spec bounds (tt, 27 °C, default C_m) at ENERGY_RATE: energy per spike and power at rest.
    char = lowpower_tt.characterize()
    quiescent, _ = lowpower_tt.quiescent()
    got = energy_at_rate(lowpower_tt, char, quiescent)
    assert got.rate == pytest.approx(ENERGY_RATE, rel=ACCEPTANCE["lowpower_max_rel_error"])
    assert got.energy_per_spike <= LOWPOWER_SPEC["energy_per_spike"]
    assert 0 < quiescent <= LOWPOWER_SPEC["quiescent_power"]
    # The operating point is the rest state: a transient with no input draws the same mean power.
    rest = lowpower_tt.transient(0.0, t_stop=0.1)
    assert len(rest.spike_times) == 0 and rest.supply_power == pytest.approx(quiescent, rel=0.02)


def test_tsv_scales_the_charging_time(lowpower_tt, lowpower_tsv):
    current = 4 * lowpower_tt.characterize().rheobase
    base = lowpower_tt.transient(current)
    loaded = lowpower_tsv.transient(current, t_stop=base.t_stop * 1.2)
    ratio = np.mean(loaded.charge_times) / np.mean(base.charge_times)
    expected = (lowpower_tt.params.c_m + typical_tsv_capacitance()) / lowpower_tt.params.c_m
    assert ratio == pytest.approx(expected, rel=ACCEPTANCE["tsv_rel_error"])


@pytest.mark.slow
def test_one_second_at_three_times_rheobase_no_spurious_spike_or_reset(lowpower_tt):
    char = lowpower_tt.characterize()
    i_in = 3 * char.rheobase
    job = lowpower_tt.job(i_in, t_stop=1.0)
    (raw,) = lowpower_tt.pool.map([job])
    tr = measure(raw, i_in, 1.0, CIRCUIT.design().vdd, CIRCUIT.release_node)
    # The device-aware theory: the membrane starts at V_reset, spikes one charge time plus the comparator delay
    # later, then once per ISI.
    first = float(char.time_to_threshold(i_in)) + char.comparator_delay
    expected = int(np.floor((1.0 - first) * float(char.rate(i_in)))) + 1
    assert abs(len(tr.spike_times) - expected) <= 1
    vdd = CIRCUIT.design().vdd
    # no double spike: every rising edge of spk is a counted spike
    assert len(crossings(raw["time"], raw["spk"], vdd / 2)) == len(tr.spike_times)
    # no reset without a spike: each rising edge of rst follows a spike by less than 1 ms
    resets = crossings(raw["time"], raw["rst"], vdd / 2)
    assert len(resets) == len(tr.spike_times)
    for t in resets:
        assert np.any((tr.spike_times <= t) & (tr.spike_times > t - 1e-3))


def test_refractory_hold_follows_t_ref():
    # c_ref = t_ref*i_ref/DV_REF - C_PAR: a hold of twice the default
    params = ota_params(t_ref=4e-3)
    with SpiceNeuron("lowpower", params, workers=1, timeout=120) as neuron:
        assert neuron.characterize().t_hold == pytest.approx(4e-3, rel=0.1)


def _corner(corner: str, temp: float) -> dict:
    with SpiceNeuron("lowpower", design=CIRCUIT.design(corner=corner, temp=temp), workers=1, timeout=300) as neuron:
        char = neuron.characterize()  # fails unless its single calibration spike resets and releases
        tr = neuron.transient(3 * char.rheobase)
        return {"corner": corner, "temp": temp, "t_hold": char.t_hold, "n_spikes": len(tr.spike_times),
                "releases": len(tr.release_times), "threshold": float(np.mean(tr.thresholds)), "rate": tr.rate,
                "theory": float(char.rate(3 * char.rheobase)), "t_ref": neuron.params.t_ref,
                "v_th": neuron.params.v_th}


@pytest.mark.slow
@pytest.mark.regress  # 15 corner points, two ngspice workers: ~5 CPU-min
def test_every_corner_fires_resets_and_releases():
    points = [(c, t) for c in pdk.CORNERS for t in (-40.0, 27.0, 125.0)]
    with ThreadPoolExecutor(2) as pool:  # each thread drives its own ngspice worker process
        rows = list(pool.map(lambda p: _corner(*p), points))
    for row in rows:
        print(row)  # the realised threshold and hold at each corner (pytest -s)
        assert row["n_spikes"] >= 5 and row["releases"] >= row["n_spikes"] - 1, row
        assert row["rate"] == pytest.approx(row["theory"], rel=ACCEPTANCE["lowpower_max_rel_error"]), row
        # the latch trips within a few tens of mV of V_th (it trips 3-20 mV below it at 125 °C)
        assert abs(row["threshold"] - row["v_th"]) < 0.03, row
        if row["temp"] == 27.0:
            assert row["t_hold"] == pytest.approx(row["t_ref"], rel=0.1), row


def test_spice_monte_carlo_runs_on_lowpower(lowpower_tt, tmp_path):
    char = lowpower_tt.characterize()
    i_in = 3 * char.rheobase
    with LocalExecutor(2, timeout=300) as executor:
        result = mc.run_montecarlo(lowpower_tt.neuron, [i_in], 8, 1, executor,
                                   store_root=tmp_path, run_dir=tmp_path, quiet=True)
    assert result.failed == [] and len(result.samples) == 8
    # the nominal deck (mismatch switched off) is the characterised neuron: the device-aware theory's rate
    assert result.nominal.points[0].rate == pytest.approx(float(char.rate(i_in)),
                                                          rel=ACCEPTANCE["lowpower_max_rel_error"])
    # every mismatched sample fires and resets; the draw moves the latch's trip point
    assert all(s.points[0].n_spikes >= 2 for s in result.samples)
    assert mc.column(result.samples, "threshold", 0).std() > 1e-3
