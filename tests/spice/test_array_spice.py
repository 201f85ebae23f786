"""The array deck in ngspice (``make array``; marked ``array``, left out of ``make test``: minutes of CPU): one
neuron on the bias block of transistors through one spike and its reset, held to conservation of charge on the
membrane and to the block's closed-form taps."""

from __future__ import annotations

import numpy as np
import pytest

from lifhw.spice.array import array_deck, run_deck
from lifhw.spice.deck import AnalogNeuron
from lifhw.spice.executor import LocalExecutor
from lifhw.spice.measure import spike_times

pytestmark = [pytest.mark.slow, pytest.mark.array]

I_IN = 34e-12


@pytest.fixture(scope="module")
def one_spike(tmp_path_factory):
    """lif_lowpower on its bias block, its membrane started 20 mV below V_th: one spike, the 2 ms hold and the
    release, with the charge it sends into the block's v_reset and vg outputs metered."""
    neuron = AnalogNeuron("lowpower")
    text = array_deck(neuron, 1, I_IN, v_start=[neuron.params.v_th - 0.02], meters=True)
    with LocalExecutor(1, timeout=3600) as executor:
        vectors = run_deck(text, tmp_path_factory.mktemp("array"), "one-spike", 5e-3, 2e-6, executor)
    return neuron, vectors


def _integral(t, y, t0, t1):
    keep = (t >= t0) & (t <= t1)
    return float(np.trapezoid(y[keep], t[keep]))


def test_reset_charge_is_the_membrane_charge(one_spike):
    """What the reset switch sinks into v_reset from the spike to the release is the membrane's C_m·ΔV plus the
    input current over that time (the leak is off at V_rest = V_reset; the comparator's gates load the membrane
    with a few fF over C_m's 2.6 pF)."""
    neuron, v = one_spike
    t = v["time"]
    (spike,), releases = spike_times(t, v["spk0"], v["rst0"], 1.8)
    (release,) = releases[releases > spike]
    t0, t1 = spike - 20e-6, release  # from just before the switch closes (the comparator's trip) to its release
    q_meter = _integral(t, v["vmeter_vreset#branch"], t0, t1)
    v0, v1 = np.interp(t0, t, v["mem0"]), np.interp(t1, t, v["mem0"])
    expected = neuron.params.c_m * (v0 - v1) + I_IN * (t1 - t0)
    assert q_meter == pytest.approx(expected, rel=0.01)
    assert release - spike == pytest.approx(neuron.params.t_ref, rel=0.1)


def test_ladder_taps_are_the_supply_over_six(one_spike):
    """v_rest and v_th are taps of a ladder of six identical diodes: 2/6 and 3/6 of the block's supply."""
    _, v = one_spike
    assert v["rest"][0] == pytest.approx(1.8 * 2 / 6, abs=2e-3)
    assert v["vth"][0] == pytest.approx(1.8 * 3 / 6, abs=2e-3)



@pytest.fixture(scope="module")
def tt27(tmp_path_factory):
    """lif_lowpower on its block at tt 27 °C from the operating point, beside the neuron with its ideal sources."""
    from lifhw.spice.array import corner_run

    with LocalExecutor(1, timeout=3600) as executor:
        return corner_run("lowpower", executor, tmp_path_factory.mktemp("corner"), "tt", 27.0, i_in=I_IN)


def test_block_neuron_fires_resets_and_releases_like_the_ideal_one_at_tt27(tt27):
    """At the corner the block was sized at, the neuron on it fires, resets and releases; its rate is the ideal
    sources' within 5 % (the issue's acceptance) and its reset hold, timed by the block's i_ref leg (5.04 pA for
    5 pA), the ideal one's within 5 %; the membrane is released at the ladder's v_rest tap, vdda·2/6."""
    assert tt27.works
    assert tt27.rate == pytest.approx(tt27.ideal_rate, rel=0.05)
    assert tt27.hold == pytest.approx(tt27.ideal_hold, rel=0.05)
    assert np.allclose(tt27.v_release, 1.8 * 2 / 6, atol=0.03)


@pytest.mark.xfail(strict=True, reason="the start-up chain pulls only refg: the resistor stack's gate refr stays at "
                                       "vdda and the loop cannot close (circuits/README.md, bias block, start-up)")
def test_block_starts_by_itself_from_power_up(tmp_path):
    """Both supplies ramped from 0 V, no initial condition and no operating-point guess: the reference must start
    by itself and the neuron then fire, reset and release."""
    from lifhw.spice.array import corner_run

    with LocalExecutor(1, timeout=3600) as executor:
        run = corner_run("lowpower", executor, tmp_path, "tt", 27.0, i_in=I_IN, start="power-up", t_sim=0.15)
    assert run.works
