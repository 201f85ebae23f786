"""Surrogate-gradient learning against independent truths: finite differences, a hand-written discrete LIF,
the integer model, binomial statistics, and the digits acceptance numbers."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from lifhw import fixed
from lifhw.errors import ParameterError
from lifhw.learn import convert, digits, encode, model, train


def _smooth_numpy(x, kind, k):
    """The smoothed spike functions of the surrogate module's docstring, in float64 numpy."""
    if kind == "fast_sigmoid":
        return 0.5 * (1 + k * x / (1 + k * np.abs(x)))
    return 0.5 + np.arctan(np.pi * k * x / 2) / np.pi


@pytest.mark.parametrize("kind", ["fast_sigmoid", "arctan"])
@pytest.mark.parametrize("slope", [2.0, 10.0, 25.0])
def test_surrogate_gradient_of_one_step_is_the_derivative_of_the_smoothed_spike(kind, slope):
    beta, theta, v = 0.9, 1.0, 0.4
    spec = model.StepSpec(beta=beta, theta=theta)

    def one_step(x):
        _, _, s = model.lif_step(spec, kind, slope, jnp.float32(v), jnp.int32(0), x)
        return s

    h = 1e-6
    for x in np.linspace(-0.5, 1.5, 21):
        got = float(jax.grad(one_step)(jnp.float32(x)))
        u = beta * v + x
        want = (_smooth_numpy((u + h - theta) / theta, kind, slope)
                - _smooth_numpy((u - h - theta) / theta, kind, slope)) / (2 * h)
        assert got == pytest.approx(want, rel=1e-4, abs=1e-6)
        assert float(one_step(jnp.float32(x))) == float(u >= theta)  # forward: the exact Heaviside


def test_heaviside_derivative_leaves_the_network_at_chance():
    config = digits.DigitsConfig(hidden=(32,), train=train.TrainConfig(epochs=2, surrogate="heaviside"))
    split = digits.load(0)
    events = digits.test_events(split, config)
    key = jax.random.PRNGKey(0)
    init = train.init_weights(key, [64, 32, 10])
    specs = tuple(model.float_spec(config.neuron()) for _ in range(2))
    held_out = (events, split.y_test)
    fitted = train.fit(init, specs, split.x_train, split.y_train, config.train, key, "heaviside", validation=held_out)
    for before, after in zip(init, fitted.weights, strict=True):
        np.testing.assert_array_equal(np.asarray(before), after)  # the gradient is exactly zero
    # chance is 10 %; 0.2 is > 5 binomial standard deviations above it for 360 samples
    assert all(row["validation_accuracy"] < 0.2 for row in fitted.history)
    surrogate_cfg = train.TrainConfig(epochs=4)
    learned = train.fit(init, specs, split.x_train, split.y_train, surrogate_cfg, key, "fs", validation=held_out)
    # the same start with a surrogate derivative leaves chance: above that bound from its first epoch, and rising
    scores = [row["validation_accuracy"] for row in learned.history]
    assert min(scores) > 0.2 and scores[-1] > scores[0]


def _hand_lif(weights, neurons, events, biases=None):
    """An independent discrete-time LIF network in numpy float64 (the order of rtl/README.md); the delayed
    subtraction as snnTorch's documentation writes it: u[t] = beta*u[t-1] + x[t] - theta*s[t-1]."""
    states = [(np.full(w.shape[0], n.v_reset), np.zeros(w.shape[0], int), np.zeros(w.shape[0], bool))
              for w, n in zip(weights, neurons, strict=True)]
    biases = biases or [0.0] * len(weights)
    out = []
    for s in events:
        layer_in = s.astype(float)
        for k, (w, n) in enumerate(zip(weights, neurons, strict=True)):
            v, ref, last = states[k]
            u = n.beta * v + w @ layer_in + biases[k] - (last if n.reset_mode == "subtract-delayed" else 0.0)
            fired = (ref == 0) & (u >= 1.0)
            after = {"subtract": u - 1.0, "subtract-delayed": u, "reset": np.full_like(u, n.v_reset)}[n.reset_mode]
            v = np.where(ref > 0, v, np.where(fired, after, u))
            ref = np.where(ref > 0, ref - 1, np.where(fired, n.ref_steps, 0))
            states[k] = (v, ref, np.where(ref > 0, last, fired) if n.ref_steps else fired)
            layer_in = fired.astype(float)
        out.append(layer_in)
    return np.array(out)


@pytest.mark.parametrize("reset_mode, ref_steps, v_reset, bias", [
    ("reset", 0, 0.0, False), ("subtract", 2, 0.0, False), ("reset", 1, -0.3, False),
    ("subtract-delayed", 0, 0.0, True), ("subtract", 0, 0.0, True)])
def test_float_network_is_the_hand_written_discrete_lif(reset_mode, ref_steps, v_reset, bias):
    rng = np.random.default_rng(1)
    neuron = model.LayerNeuron(beta=0.85, v_reset=v_reset, reset_mode=reset_mode, ref_steps=ref_steps)
    # a positive mean so that both layers fire often (≈ 1 output update in 4, every reset path taken)
    weights = [rng.normal(0.2, 0.6, (12, 20)), rng.normal(0.2, 0.6, (5, 12))]
    biases = [rng.normal(0, 0.2, 12).astype(np.float32), rng.normal(0, 0.2, 5).astype(np.float32)] if bias else None
    events = rng.random((30, 4, 20)) < 0.3
    got, _ = model.run([jnp.asarray(w, jnp.float32) for w in weights], (model.float_spec(neuron),) * 2,
                       jnp.asarray(events, jnp.float32), "fast_sigmoid", 10.0, biases)
    assert np.asarray(got).sum() > 100
    for b in range(4):
        want = _hand_lif([w.astype(np.float32) for w in weights], [neuron] * 2, events[:, b], biases)
        np.testing.assert_array_equal(np.asarray(got)[:, b], want)


@pytest.mark.parametrize("bits, reset_mode, ref_steps, leak, bias", [
    (8, "reset", 0, "mult", False), (4, "subtract", 2, "mult", False), (6, "reset", 1, "shift", False),
    (8, "subtract-delayed", 0, "mult", True), (6, "subtract-delayed", 2, "shift", False)])
def test_quantization_aware_forward_is_the_integer_model(bits, reset_mode, ref_steps, leak, bias):
    rng = np.random.default_rng(bits)
    neuron = model.LayerNeuron(beta=0.93, reset_mode=reset_mode, ref_steps=ref_steps)
    biases = (rng.normal(0, 0.3, 16), rng.normal(0, 0.3, 6)) if bias else None
    net = model.FloatNetwork((rng.normal(0, 0.5, (16, 30)), rng.normal(0, 0.5, (6, 16))), (neuron, neuron), 1e-3,
                             biases=biases)
    layers = convert.plan(net, bits, leak=leak)
    fixed_net = convert.to_fixed(net, layers)
    assert all((layer.bias is not None) == bias for layer in fixed_net.layers)
    events = rng.random((40, 25, 30)) < 0.4
    specs = tuple(model.qat_spec(p.q, p.weight_bits, p.acc_width) for p in layers)
    out, _ = model.run([jnp.asarray(w, jnp.float32) for w in net.weights], specs,
                       jnp.asarray(np.swapaxes(events, 0, 1), jnp.float32), "fast_sigmoid", 10.0,
                       None if biases is None else [jnp.asarray(b, jnp.float32) for b in biases])
    want = fixed.network_run(fixed_net, events).spikes[-1]
    np.testing.assert_array_equal(np.swapaxes(np.asarray(out), 0, 1), want)


def test_conversion_uses_the_finest_weight_step_that_holds_the_largest_weight():
    rng = np.random.default_rng(2)
    net = model.FloatNetwork((rng.normal(0, 0.4, (8, 10)),), (model.LayerNeuron(beta=0.95),), 1e-3)
    for bits in (4, 6, 8):
        (layer,) = convert.plan(net, bits)
        w_max, limit = np.abs(net.weights[0]).max(), 2 ** (bits - 1) - 1
        assert w_max * layer.q.rtl["THRESH"] <= limit < w_max * round(model.THETA_VOLTS * 2.0 ** (layer.q.frac + 1))
        w_int = convert.integer_weights(net.weights[0], layer)
        assert np.all(np.abs(w_int / layer.q.rtl["THRESH"] - net.weights[0]) <= 0.5 / layer.q.rtl["THRESH"] + 1e-7)
        assert layer.q.beta_q == pytest.approx(0.95, abs=2 ** -17) and layer.acc_width == bits + 4


def test_rate_code_fires_at_the_intensity_and_is_reproducible():
    p = np.tile(np.linspace(0, 1, 11), (3, 1))
    spikes = encode.rate(p, 4000, seed=3)
    rate = spikes.mean(axis=1)
    sigma = np.sqrt(p * (1 - p) / 4000)
    assert np.all(np.abs(rate - p) <= 5 * sigma + 1e-12)
    np.testing.assert_array_equal(spikes, encode.rate(p, 4000, seed=3))
    assert not np.array_equal(spikes[0], spikes[1])  # each sample its own stream
    # a sample's stream depends on its id, not on its place in the batch
    np.testing.assert_array_equal(encode.rate(p[:1], 50, 3, sample_ids=[2])[0], encode.rate(p, 50, 3)[2])


def test_latency_code_is_one_spike_earlier_for_brighter_inputs():
    p = np.array([[0.0, 0.25, 0.5, 1.0]])
    spikes = encode.latency(p, 9)[0]
    assert spikes.sum(axis=0).tolist() == [0, 1, 1, 1]
    assert [int(np.flatnonzero(spikes[:, j])[0]) for j in (1, 2, 3)] == [6, 4, 0]


@pytest.mark.parametrize("call, name", [
    (lambda: encode.rate(np.array([[1.5]]), 4, 0), "intensity"),
    (lambda: encode.encode(np.zeros((1, 2)), 4, "phase", 0), "encoding"),
    (lambda: train.TrainConfig(surrogate="relu"), "surrogate"),
    (lambda: train.TrainConfig(slope=-1.0), "slope"),
    (lambda: digits.DigitsConfig(hidden=(0,)), "hidden"),
    (lambda: model.LayerNeuron(beta=1.5), "beta"),
    (lambda: convert.plan(model.FloatNetwork((np.ones((2, 2)),), (model.LayerNeuron(0.9),), 1e-3), 1), "bits"),
])
def test_bad_settings_name_the_parameter(call, name):
    with pytest.raises(ParameterError) as err:
        call()
    assert err.value.name == name


def test_digits_acceptance(digits_run):
    assert digits_run["float_accuracy"] >= 0.95
    assert digits_run["fixed_accuracy"] >= 0.94
    assert digits_run["n_test"] == 360  # 20 % of 1797, stratified
    # The quantization-aware network's JAX forward pass and the integer model agree on every test sample.
    config = digits.DigitsConfig()
    split = digits.load(0)
    events = digits.test_events(split, config)
    specs = tuple(model.qat_spec(p.q, p.weight_bits, p.acc_width) for p in digits_run["layers"])
    qat = train.evaluate(digits_run["qat_net"].weights, specs, events, split.y_test, config.train)
    np.testing.assert_array_equal(qat.prediction, digits_run["fixed_prediction"])
    assert qat.spikes_per_layer == pytest.approx(digits_run["fixed_spikes_per_layer"], rel=1e-6)
    # the fixed model's accuracy is recomputed from its predictions, not trusted
    assert digits_run["fixed_accuracy"] == np.mean(digits_run["fixed_prediction"] == split.y_test)
    assert math.isfinite(digits_run["train_seconds"])


def test_same_seed_same_numbers():
    config = digits.DigitsConfig(hidden=(16,), qat_epochs=1, train=train.TrainConfig(epochs=2))
    first, second = digits.run(config), digits.run(config)
    for key in ("float_accuracy", "fixed_accuracy", "float_spikes_per_inference"):
        assert first[key] == second[key]
    assert [r["loss"] for r in first["history"]] == [r["loss"] for r in second["history"]]
    for a, b in zip(first["fixed_net"].layers, second["fixed_net"].layers, strict=True):
        np.testing.assert_array_equal(a.weights, b.weights)
