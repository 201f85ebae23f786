"""Measurements on synthetic traces whose answers are known exactly."""

from __future__ import annotations

import numpy as np
import pytest

from lifhw.spice import crossings, measure


def test_crossings_interpolate_linearly():
    t = np.array([0.0, 1.0, 2.0, 3.0])
    y = np.array([0.0, 2.0, 0.0, 2.0])
    assert crossings(t, y, 0.5).tolist() == pytest.approx([0.25, 2.25])
    assert crossings(t, y, 0.5, rising=False).tolist() == pytest.approx([1.75])


def _train(period=10e-3, width=1e-3, n=6, i_dd=2e-9, vdd=1.8, glitch=False):
    t = np.linspace(0, n * period, 200001)
    phase = t % period
    spk = np.where((phase > 5e-3) & (phase < 5e-3 + width), vdd, 0.0)
    if glitch:  # spk drops and rises again 0.2 ms into the reset hold
        spk = spk.copy()
        spk[(phase > 5e-3 + 0.2e-3) & (phase < 5e-3 + 0.21e-3)] = 0.0
    rst = np.where((phase > 5e-3) & (phase < 5e-3 + 3 * width), vdd, 0.0)
    return {"time": t, "spk": spk, "rst": rst, "mem": np.zeros_like(t), "vdd#branch": np.full_like(t, -i_dd)}


def test_rate_cv_and_energy_of_a_regular_train():
    vectors = _train()
    tr = measure(vectors, 1e-10, 60e-3, 1.8, "rst")
    assert len(tr.spike_times) == 6
    assert tr.rate == pytest.approx(100.0, rel=1e-4)
    assert tr.isi_cv < 1e-3  # the square wave is sampled every 3 µs
    # constant supply current: energy per spike = V_dd * I_dd * period
    assert tr.energy_per_spike == pytest.approx(1.8 * 2e-9 * 10e-3, rel=1e-4)
    assert tr.charge_times == pytest.approx(np.full(5, 10e-3 - 3e-3), rel=1e-3)


def test_a_glitch_during_the_reset_is_not_a_spike():
    tr = measure(_train(glitch=True), 1e-10, 60e-3, 1.8, "rst")
    assert len(tr.spike_times) == 6 and tr.rate == pytest.approx(100.0, rel=1e-4)


def test_fewer_than_two_spikes_is_rate_zero():
    vectors = _train(n=1)
    tr = measure(vectors, 1e-10, 10e-3, 1.8, "rst")
    assert tr.rate == 0.0 and np.isnan(tr.energy_per_spike)
