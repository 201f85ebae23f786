"""Brunel network simulation: kernel laws, measures on known trains, states against mean field, CLI."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy.stats import poisson

from lifhw.cli import main
from lifhw.errors import ParameterError
from lifhw.network import STATES, BrunelNetwork, NetworkResult, _kernel, drive_for_rate, drive_range, simulate
from lifhw.network.brunel import poisson_table
from lifhw.network.meanfield import Coupling, siegert_cv, siegert_rate

DT, TAU = 1e-4, 20e-3


def _run_kernel(v, ptr, targets, mean_count, n_steps, n_delay=15, theta=0.02, j=1e-4, seed=3):
    cdf32, guide = poisson_table(mean_count)
    ring = np.zeros((n_delay, v.size))
    return _kernel.run(v, ring, ptr, targets, v.size, j, -5 * j, math.exp(-DT / TAU), theta, 0.01, 20, j, cdf32,
                       guide, n_steps, np.array([seed], np.uint64))


@pytest.mark.parametrize("mean", [0.0, 0.05, 2.0, 37.0, 2000.0])
def test_poisson_table_is_the_poisson_cdf(mean):
    cdf32, guide = poisson_table(mean)
    k = np.arange(cdf32.size - 1)
    assert np.all(np.abs(cdf32[:-1] / 2.0**32 - poisson.cdf(k, mean)) <= 2.0**-32)
    assert cdf32[-1] == 2**32 and poisson.sf(cdf32.size - 1, mean) < 2.0**-32
    # The guide is the count at the start of each top-byte bucket.
    starts = np.arange(256, dtype=np.uint64) << np.uint64(24)
    assert np.array_equal(guide, [(cdf32 <= s).sum() for s in starts])


def test_spike_arrives_after_the_delay_and_decays_exactly():
    # Neuron 0 starts just above threshold and fires in step 0; neuron 1 gets +J in step n_delay and then only decays.
    ptr = np.array([0, 1, 1])
    targets = np.array([1], np.uint16)
    v = np.array([0.021, 0.0])
    step, neuron = _run_kernel(v, ptr, targets, 0.0, 40, n_delay=15)
    assert step.tolist() == [0] and neuron.tolist() == [0]
    assert v[1] == pytest.approx(1e-4 * math.exp(-DT / TAU) ** (40 - 1 - 15), rel=1e-12)
    # Refractory for 20 steps after the spike, then free decay from v_reset.
    assert v[0] == pytest.approx(0.01 * math.exp(-DT / TAU) ** (40 - 1 - 20), rel=1e-12)


def test_free_membrane_moments_match_shot_noise_theory():
    # No synapses, unreachable threshold: V is filtered Poisson shot noise with jumps J, lam per step.
    n, lam, j = 4000, 2.0, 1e-4
    decay = math.exp(-DT / TAU)
    v = np.zeros(n)
    _run_kernel(v, np.zeros(n + 1, np.int64), np.zeros(0, np.uint16), lam, 1500, theta=1.0, j=j)
    mean = j * lam / (1 - decay)
    var = j * j * lam / (1 - decay * decay)
    assert np.mean(v) == pytest.approx(mean * (1 - decay**1500), rel=0.01)
    assert np.var(v) == pytest.approx(var, rel=0.06)


@pytest.mark.parametrize("j,mu", [(0.5e-3, 0.018), (0.2e-3, 0.022)])
def test_unconnected_neurons_fire_at_the_siegert_rate_and_cv(j, mu):
    # Shot noise of jumps j at rate R has mu = j R tau and sigma^2 = j mu: the diffusion limit is the Siegert theory.
    n, steps = 2000, 30_000
    v = np.full(n, 0.01)
    step, neuron = _run_kernel(v, np.zeros(n + 1, np.int64), np.zeros(0, np.uint16), mu / (j * TAU) * DT, steps, j=j)
    res = _result((step + 1) * DT, neuron, n, steps * DT, t_transient=0.2)
    sigma = math.sqrt(j * mu)
    assert res.rate == pytest.approx(float(siegert_rate(mu, sigma)), rel=0.05)
    assert res.cv_isi() == pytest.approx(siegert_cv(mu, sigma), rel=0.05)


@pytest.mark.parametrize("n_e,n_i,c_e,c_i", [(400, 100, 40, 10), (80_000, 60_000, 2, 1)])
def test_connectivity_has_the_fixed_in_degrees(n_e, n_i, c_e, c_i):
    # The second case spans three blocks of 65536 targets.
    n = n_e + n_i
    ptr, targets = _kernel.connect(n_e, n_i, c_e, c_i, np.array([7], np.uint64))
    blocks = (ptr.size - 1) // n
    assert blocks == -(-n // 65536)
    row = np.repeat(np.arange(n * blocks), np.diff(ptr))
    source, block = row // blocks, row % blocks
    full = targets.astype(np.int64) + (block << 16)
    assert np.all(np.bincount(full[source < n_e], minlength=n) == c_e)
    assert np.all(np.bincount(full[source >= n_e], minlength=n) == c_i)
    # Each row is ascending, so each source's whole list is.
    assert np.all((np.diff(full) >= 0) | (np.diff(row) != 0))


def _result(times, neurons, n=100, t_sim=10.0, t_transient=0.0):
    net = BrunelNetwork(n_e=4 * n // 5, n_i=n // 5, c_e=1, c_i=1)
    order = np.argsort(times, kind="stable")
    return NetworkResult(net, t_sim, t_transient, 0, np.asarray(times)[order], np.asarray(neurons)[order])


def test_measures_on_known_trains():
    rng = np.random.default_rng(0)
    n, t_sim = 100, 20.0
    # Independent Poisson trains: CV 1, chi^2 = 1/N.
    count = 40_000
    poisson_trains = _result(rng.uniform(0, t_sim, count), rng.integers(0, n, count), n, t_sim)
    assert poisson_trains.rate == pytest.approx(count / (n * t_sim))
    assert poisson_trains.cv_isi() == pytest.approx(1.0, abs=0.03)
    assert poisson_trains.synchrony() == pytest.approx(1 / n, rel=0.1)
    # Identical regular trains: CV 0, chi^2 = 1.
    times = np.tile(np.arange(0.0, t_sim, 0.0253), n)
    regular = _result(times, np.repeat(np.arange(n), times.size // n), n, t_sim)
    assert regular.cv_isi() == pytest.approx(0.0, abs=1e-12)
    assert regular.synchrony() == pytest.approx(1.0, rel=1e-9)


def test_oscillation_frequency_of_a_modulated_population():
    # Neurons fire in a cycle of 25 ms, each on a random subset of cycles: the population oscillates at 40 Hz.
    rng = np.random.default_rng(1)
    cycles = np.arange(0.0, 10.0, 0.025)
    neurons = rng.integers(0, 100, (cycles.size, 30))
    times = np.repeat(cycles, 30) + rng.normal(0, 1e-3, neurons.size).clip(-5e-3, 5e-3) + 0.01
    res = _result(times, neurons.ravel(), 100, 10.0)
    assert res.oscillation_frequency() == pytest.approx(40.0, abs=0.2)


def test_same_seed_same_spikes():
    net = BrunelNetwork.of_size(1250, g=5.0, eta=2.0)
    a, b, c = simulate(net, 0.1, seed=4), simulate(net, 0.1, seed=4), simulate(net, 0.1, seed=5)
    assert a.spike_time.size > 1000
    assert np.array_equal(a.spike_time, b.spike_time) and np.array_equal(a.spike_neuron, b.spike_neuron)
    assert not (a.spike_time.size == c.spike_time.size and np.array_equal(a.spike_neuron, c.spike_neuron))


def test_ai_state_full_size_matches_the_siegert_fixed_point():
    net = BrunelNetwork(g=5.0, eta=2.0)  # N = 12,500, C_E = 1000, C_I = 250
    res = simulate(net, 1.0, seed=1)
    assert res.rate == pytest.approx(net.siegert_rate(), rel=0.05)
    # Irregular, and asynchronous: chi^2 is a few 1/N (1/N = 8e-5), two orders below the SR state.
    assert res.cv_isi() > 0.3
    assert res.synchrony() < 0.03


def test_sr_state_is_synchronous_and_regular():
    g, eta = STATES["SR"]
    net = BrunelNetwork.of_size(2500, g=g, eta=eta)
    res = simulate(net, 0.2, seed=1)
    assert res.synchrony() > 0.1
    assert res.cv_isi() < 0.1
    assert res.rate == pytest.approx(net.siegert_rate(), rel=0.1)  # the near-saturated fixed point


def test_synchronous_irregular_states_oscillate_fast_and_slow():
    # Brunel (2000) Fig. 8: SI fast (g = 6, eta = 4) oscillates near 180 Hz, SI slow (g = 4.5, eta = 0.9) far slower.
    fast = simulate(BrunelNetwork(g=STATES["SI fast"][0], eta=STATES["SI fast"][1]), 0.5, seed=1)
    slow = simulate(BrunelNetwork(g=STATES["SI slow"][0], eta=STATES["SI slow"][1]), 0.5, seed=1)
    assert 150 < fast.oscillation_frequency() < 210 and fast.cv_isi() > 0.5
    assert slow.oscillation_frequency() < 40 and slow.rate < 10
    # chi^2 in bins matched to each rhythm: several times the AI state's ~0.01 (1 ms) and ~0.015 (5 ms).
    assert fast.synchrony(1e-3) > 0.025 and slow.synchrony(5e-3) > 0.05


@pytest.mark.parametrize("target", [10.0, 25.0])
def test_mean_field_drive_gives_the_target_rate(target):
    coupling = Coupling(g=5.0)
    eta = drive_for_rate(target, coupling) / 10.0  # nu_thr = 10 Hz for these couplings
    res = simulate(BrunelNetwork(g=5.0, eta=eta), 0.6, seed=2)
    assert res.rate == pytest.approx(target, rel=0.1)


def test_network_below_the_drive_range_is_silent():
    span = drive_range(Coupling(g=5.0))
    eta = 0.8 * span.nu_ext_silent / 10.0
    res = simulate(BrunelNetwork(g=5.0, eta=eta), 0.5, seed=3)
    assert res.rate < span.rate_silent


@pytest.mark.parametrize("kwargs,name", [({"g": -1.0}, "g"), ({"c_e": 20_000}, "c_e"), ({"c_i": 3000}, "c_i"),
                                         ({"delay": 1.55e-4}, "delay"), ({"eta": -0.5}, "eta"), ({"n_e": 0}, "n_e")])
def test_bad_network_parameters(kwargs, name):
    with pytest.raises(ParameterError, match=f"^{name} ="):
        BrunelNetwork(**kwargs)


def test_cli_brunel_json_and_determinism(capsys):
    argv = ["network", "brunel", "--g", "5", "--eta", "2", "--t-sim", "0.1", "--n", "1250", "--seed", "1", "--json"]
    assert main(argv) == 0
    first = json.loads(capsys.readouterr().out)
    assert {"rate", "cv_isi", "synchrony", "siegert_rate", "nu_ext"} <= first.keys()
    assert first["nu_ext"] == pytest.approx(20.0)
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out) == first


def test_cli_drive(capsys):
    assert main(["network", "drive", "--target-rate", "10", "--g", "5", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["nu_ext"] == pytest.approx(drive_for_rate(10.0, Coupling(g=5.0)))
    assert out["drive_range"]["nu_ext_silent"] < out["nu_ext"] < out["drive_range"]["nu_ext_runaway"]


@pytest.mark.parametrize("argv,name", [(["--g", "-1"], "g"), (["--n", "1000"], "c_e"), (["--n", "1252"], "n")])
def test_cli_bad_parameters_one_line(capsys, argv, name):
    assert main(["network", "brunel", *argv, "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and f"{name} =" in lines[0]
