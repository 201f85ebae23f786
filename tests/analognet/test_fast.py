"""The fast device-aware network model and the mapping, against independent truths: an ODE solver for the leak's
flow, the discrete network's own float update for the linear limit, the definition of a floor and of a threshold's
order, and the seeding rule of the dies."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from lifhw import analog
from lifhw.analognet import dies, fast, mapping
from lifhw.errors import ParameterError
from lifhw.sizing.montecarlo import Mismatch

from .helpers import CAL, events, tiny_net

SIGMA = Mismatch(sigma_vos=4.9e-3, sigma_ib=0.05, sigma_vth=8.7e-3)


@pytest.mark.parametrize("x0", [0.3, -0.3, 5e-3, 0.0, 30 * 0.0259 / 0.73 * 2])
def test_tanh_flow_is_the_ode_solution(x0):
    # C dx/dt = -I_b tanh(a (x - v0)), integrated by an adaptive Runge-Kutta at tight tolerance
    a = 0.73 / (2 * float(analog.thermal_voltage(27.0)))
    c, i_b, v0, t = 2.6e-12, 9e-12, 5e-3, 3e-3
    tau = c / (a * i_b)
    ref = solve_ivp(lambda _, x: -i_b / c * np.tanh(a * (x - v0)), (0, t), [x0], rtol=1e-11, atol=1e-13).y[0, -1]
    assert fast.tanh_flow(x0, v0, a, tau, t) == pytest.approx(ref, abs=1e-9)


def _float_network(net, ev, theta_v, v0):
    """The discrete network's float update in volts: x <- v0 + beta (x - v0) + sum w theta_v / THRESH, fire at
    x >= theta_v, reset to 0 (what the analog network does with a linear leak and no floor)."""
    s_in = ev.astype(float)
    state = [np.full((ev.shape[0], layer.n_out), v0) for layer in net.layers]
    spikes = [np.zeros((ev.shape[0], ev.shape[1], layer.n_out), bool) for layer in net.layers]
    for k in range(ev.shape[1]):
        s = s_in[:, k]
        for index, layer in enumerate(net.layers):
            beta = layer.q.beta_q
            u = v0 + beta * (state[index] - v0) + s @ layer.weights.T * theta_v / layer.q.rtl["THRESH"]
            fire = u >= theta_v
            state[index] = np.where(fire, 0.0, u)
            spikes[index][:, k] = fire
            s = fire.astype(float)
    return [sp.sum(axis=1) for sp in spikes]


def test_linear_leak_without_floor_is_the_discrete_network():
    net, ev = tiny_net(), events()
    m = mapping.map_network(net, CAL)
    got = fast.run(m, net, fast.nominal_die(m, net), ev, linear=True).counts
    want = _float_network(net, ev, CAL.theta_v, CAL.v_zero)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g[0], w)
    assert sum(int(w.sum()) for w in want) > 100  # the check is about a network that fires


def test_the_mapping_keeps_beta_and_the_charge_per_threshold():
    net = tiny_net()
    m = mapping.map_network(net, CAL)
    for index, layer in enumerate(net.layers):
        assert math.exp(-m.dt / m.tau(index)) == pytest.approx(layer.q.beta_q, rel=1e-12)
        assert m.q_lsb[index] * layer.q.rtl["THRESH"] / CAL.c_eff == pytest.approx(CAL.theta_v, rel=1e-12)
        assert m.i_unit[index] * m.t_w == pytest.approx(m.q_lsb[index], rel=1e-12)


def test_floor_holds_a_deep_packet_and_thresholds_order_the_counts():
    net, ev = tiny_net(), events()
    m = mapping.map_network(net, CAL)
    nominal = fast.nominal_die(m, net)
    # one step of all inputs into a neuron with only negative weights: the membrane stops at the floor
    inhibit = dataclasses.replace(net.layers[0], weights=-np.full_like(net.layers[0].weights, 100))
    deep = type(net)((inhibit,))
    m1 = mapping.map_network(deep, CAL)
    run = fast.run(m1, deep, fast.nominal_die(m1, deep), np.ones((1, 1, 64), bool))
    assert run.floor_fraction[0] == 1.0
    # raising every threshold of layer 1 never raises a layer-1 count
    higher = dataclasses.replace(nominal, theta=(nominal.theta[0] + 0.02, *nominal.theta[1:]))
    base, high = fast.run(m, net, nominal, ev).counts[0], fast.run(m, net, higher, ev).counts[0]
    assert np.all(high <= base) and np.any(high < base)


def test_dies_are_reproducible_by_seed_and_independent_of_their_number():
    net = tiny_net()
    m = mapping.map_network(net, CAL)
    a = dies.draw(m, net, SIGMA, 7, 5)
    b = dies.draw(m, net, SIGMA, 7, 2)
    c = dies.draw(m, net, SIGMA, 8, 5)
    for field in ("theta", "v0", "i_b_eff"):
        for x, y, z in zip(getattr(a, field), getattr(b, field), getattr(c, field), strict=True):
            np.testing.assert_array_equal(x[:2], y)
            assert not np.any(x == z)
    # the draws have the asked sigma (512 neurons over 5 dies x 18: within 4 standard errors)
    many = dies.draw(m, net, SIGMA, 1, 64)
    theta = np.concatenate([t.ravel() for t in many.theta]) - CAL.theta_v
    assert abs(theta.std() / SIGMA.sigma_vth - 1) < 4 / math.sqrt(2 * theta.size)


def test_same_dies_same_accuracy_and_another_seed_differs():
    from lifhw.analognet import evaluate

    net, ev = tiny_net(), events(n=60)
    labels = np.arange(60) % 10
    m = mapping.map_network(net, CAL)
    one = evaluate.die_accuracy(m, net, ev, labels, SIGMA.scaled(4), 6, 3)
    two = evaluate.die_accuracy(m, net, ev, labels, SIGMA.scaled(4), 6, 3)
    assert one == two
    runs = [fast.run(m, net, dies.draw(m, net, SIGMA.scaled(4), s, 6), ev).counts[-1] for s in (3, 4)]
    assert not np.array_equal(*runs)


@pytest.mark.parametrize("change, flag", [
    (dict(reset_mode="subtract"), "model"),
    (dict(ref_steps=2), "model"),
])
def test_networks_the_circuits_cannot_build_are_refused(change, flag):
    with pytest.raises(ParameterError) as err:
        mapping.map_network(tiny_net(**change), CAL)
    assert err.value.name == flag


def test_weights_beyond_the_dac_and_steps_below_the_timing_floor_are_refused():
    net = tiny_net()
    with pytest.raises(ParameterError) as err:
        mapping.map_network(net, CAL, t_w=2e-7)
    assert err.value.name == "t_w"
    with pytest.raises(ParameterError) as err:
        mapping.map_network(net, CAL, dt=2e-4)
    assert err.value.name == "dt"
    with pytest.raises(ParameterError) as err:
        mapping.map_network(net, dataclasses.replace(CAL, circuit="ideal"))
    assert err.value.name == "circuit"
    with pytest.raises(ParameterError) as err:
        dies.draw(mapping.map_network(net, CAL), net, SIGMA, 0, 0)
    assert err.value.name == "dies"
