"""Mismatch-aware training's forward pass (JAX, lifhw.learn.model with analog specs) against the numpy fast model
of lifhw.analognet on the same network, devices and events: two implementations of the device model. The
mismatch-aware phase of a digits run checkpoints like the others: resumed, it ends where the uninterrupted run ends."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest

from lifhw.analognet import fast, mapping
from lifhw.errors import Interrupted, ParameterError
from lifhw.learn import digits, model, train

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


def _analog_phase(scale: float = 1.0):
    """The mismatch-aware phase of a digits run on CAL's circuit, the mismatch above times ``scale``."""

    def device(net):
        m = mapping.map_network(net, CAL)
        return {"a": m.a, "theta_v": CAL.theta_v, "v_zero": CAL.v_zero, "x_floor": m.x_floor,
                **{k: scale * v for k, v in SIGMA.items()}}

    return digits.AnalogPhase({"circuit": "ota", "mismatch_scale": scale}, 2, device)


#: A small digits run (two epochs in each phase).
SMALL = digits.DigitsConfig(hidden=(16,), bits=6, qat_epochs=2, train=train.TrainConfig(epochs=2, steps=8))


@pytest.fixture(scope="module")
def whole_analog_run():
    return digits.run(SMALL, analog=_analog_phase())


@pytest.mark.parametrize("phase", ["qat", "analog"])
def test_interrupted_mismatch_aware_training_resumes_bit_for_bit(whole_analog_run, tmp_path, phase):
    def stop(row):
        if row["phase"].startswith(phase) and row["epoch"] == 1:
            raise KeyboardInterrupt

    checkpoint = tmp_path / "checkpoint.npz"
    with pytest.raises(Interrupted, match=f"{phase} epoch 1 of 2 finished"):
        digits.run(SMALL, stop, checkpoint=checkpoint, analog=_analog_phase())
    rows = []
    resumed = digits.run(SMALL, rows.append, checkpoint=checkpoint, resume=True, analog=_analog_phase())
    # only the epochs not kept are trained again: the mismatch draws (keyed per batch) go on where they stopped
    assert [row["phase"] for row in rows] == (["qat6"] if phase == "qat" else []) + ["analog", "analog"][
        (phase == "analog"):]
    whole = whole_analog_run
    for ours, theirs in zip(resumed["analog_net"].layers, whole["analog_net"].layers, strict=True):
        assert np.array_equal(ours.weights, theirs.weights) and ours.q == theirs.q
    strip = [{k: v for k, v in row.items() if k != "seconds"} for row in whole["analog_history"]]
    assert [{k: v for k, v in row.items() if k != "seconds"} for row in resumed["analog_history"]] == strip
    assert resumed["fixed_source"] == whole["fixed_source"] and resumed["fixed_epoch"] == whole["fixed_epoch"]
    for ours, theirs in zip(resumed["fixed_net"].layers, whole["fixed_net"].layers, strict=True):
        assert np.array_equal(ours.weights, theirs.weights)


def test_the_mismatch_changes_what_is_learned_and_a_checkpoint_of_other_analog_settings_is_refused(
        whole_analog_run, tmp_path):
    def stop(row):
        if row["phase"] == "analog" and row["epoch"] == 1:
            raise KeyboardInterrupt

    checkpoint = tmp_path / "checkpoint.npz"
    with pytest.raises(Interrupted):
        digits.run(SMALL, stop, checkpoint=checkpoint, analog=_analog_phase(0.0))
    with pytest.raises(ParameterError, match=r"other settings \(analog\)"):
        digits.run(SMALL, checkpoint=checkpoint, resume=True, analog=_analog_phase())
    with pytest.raises(ParameterError, match=r"other settings \(analog\)"):
        digits.run(SMALL, checkpoint=checkpoint, resume=True)
    without = digits.run(SMALL, checkpoint=checkpoint, resume=True, analog=_analog_phase(0.0))
    # the same start, keys and epochs: only the drawn mismatch differs (negative control of the draws' effect)
    assert any(not np.array_equal(a.weights, b.weights)
               for a, b in zip(without["analog_net"].layers, whole_analog_run["analog_net"].layers, strict=True))
