"""Mismatch-aware training's forward pass (JAX, lifhw.learn.model with analog specs) against the numpy fast model
of lifhw.analognet on the same network, devices and events: two implementations of the device model."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from lifhw.analognet import fast, mapping
from lifhw.learn import model

from .helpers import CAL, events, tiny_net

SIGMA = {"sigma_vth": 8.7e-3, "sigma_vos": 4.9e-3, "sigma_ib": 0.05}


def _specs(net, m):
    device = {"a": m.a, "theta_v": CAL.theta_v, "v_zero": CAL.v_zero, "x_floor": m.x_floor, **SIGMA}
    return tuple(model.analog_spec(layer.q, layer.weight_bits, layer.acc_width, device) for layer in net.layers)


def test_the_training_forward_is_the_fast_model_on_nominal_devices():
    net, ev = tiny_net(), events(n=40)
    m = mapping.map_network(net, CAL)
    # float weights that round to the network's integers: the forward's 8-bit weights are the network's
    weights = [jnp.asarray(layer.weights / layer.q.rtl["THRESH"], dtype=jnp.float32) for layer in net.layers]
    out, _ = model.run(weights, _specs(net, m), jnp.asarray(np.swapaxes(ev, 0, 1), jnp.float32), "fast_sigmoid",
                       10.0)
    want = fast.run(m, net, fast.nominal_die(m, net), ev).counts[-1][0]
    got = np.asarray(out.sum(axis=0)).astype(int)
    assert want.sum() > 50
    # float32 against float64: a neuron-step within ~1e-6 θ of its threshold may go either way
    assert np.mean(got == want) >= 0.99


def test_the_training_draws_mismatch_per_sample_with_the_asked_sigma():
    import jax

    net = tiny_net()
    m = mapping.map_network(net, CAL)
    spec = _specs(net, m)[0]
    theta, v0, beta = model.device_draw(spec, (400, net.layers[0].n_out), jax.random.PRNGKey(3))
    lsb = net.layers[0].q.rtl["THRESH"] / CAL.theta_v
    n = theta.size
    assert abs(float(jnp.std(theta)) / (SIGMA["sigma_vth"] * lsb) - 1) < 4 / np.sqrt(2 * n)
    assert abs(float(jnp.std(v0)) / (SIGMA["sigma_vos"] * lsb) - 1) < 4 / np.sqrt(2 * n)
    again = model.device_draw(spec, (400, net.layers[0].n_out), jax.random.PRNGKey(3))
    assert bool(jnp.all(again[0] == theta))
    nominal = model.device_draw(spec, (2, net.layers[0].n_out))
    assert bool(jnp.all(nominal[2] == spec.beta))
