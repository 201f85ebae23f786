"""The integer network model (lifhw.fixed.FixedNetwork) against the single-neuron model applied by hand."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lifhw import LIFParams, fixed
from lifhw.errors import ParameterError


def _neuron(width: int, acc_width: int, leak: str, reset_mode: str, t_ref: float, v_reset_mv: float,
            frac_drop: int) -> fixed.QuantizedLIF:
    params = LIFParams(t_ref=t_ref, v_reset=-70e-3 + v_reset_mv * 1e-3)
    frac = fixed.auto_frac(params, width) - frac_drop
    return fixed.quantize(params, 1e-3, fixed.FixedFormat(width=width, frac=frac, leak=leak, reset_mode=reset_mode,
                                                          in_width=acc_width))


def _reference_run(net: fixed.FixedNetwork, spikes_in: np.ndarray):
    """Neuron by neuron, one scalar call of fixed.step each, with the saturating sum written out in Python."""
    states = [[(layer.q.rtl["V_RESET"], 0) for _ in range(layer.n_out)] for layer in net.layers]
    spikes_out = [np.zeros((spikes_in.shape[0], layer.n_out), dtype=bool) for layer in net.layers]
    v_out = [np.zeros((spikes_in.shape[0], layer.n_out), dtype=np.int64) for layer in net.layers]
    for t in range(spikes_in.shape[0]):
        below = [bool(x) for x in spikes_in[t]]
        for k, layer in enumerate(net.layers):
            lo, hi = -2 ** (layer.acc_width - 1), 2 ** (layer.acc_width - 1) - 1
            now = []
            for i in range(layer.n_out):
                acc = 0
                for j, active in enumerate(below):
                    if active:
                        acc = min(max(acc + int(layer.weights[i, j]), lo), hi)
                if layer.bias is not None:  # the last term of the sum (rtl/README.md, Network)
                    acc = min(max(acc + int(layer.bias[i]), lo), hi)
                v, ref = states[k][i]
                v_next, ref_next, spike = fixed.step(layer.q, np.array([v]), np.array([ref]), np.array([acc]))
                states[k][i] = (int(v_next[0]), int(ref_next[0]))
                now.append(bool(spike[0]))
                v_out[k][t, i] = states[k][i][0]
            spikes_out[k][t] = now
            below = now
    return spikes_out, v_out


@st.composite
def networks(draw):
    n_layers = draw(st.integers(1, 3))
    sizes = [draw(st.integers(1, 9)) for _ in range(n_layers + 1)]
    layers = []
    for k in range(n_layers):
        width = draw(st.integers(8, 20))
        bits = draw(st.integers(2, min(width, 10)))
        # Narrow accumulators on purpose: saturation (and so the order of the sum) must be modelled too.
        acc = draw(st.integers(bits, min(width, bits + 4)))
        q = _neuron(width, acc, draw(st.sampled_from(fixed.LEAK_MODES)), draw(st.sampled_from(fixed.RESET_MODES)),
                    draw(st.sampled_from([0.0, 1e-3, 3e-3])), draw(st.sampled_from([0.0, -5.0])),
                    draw(st.integers(0, 6)))
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        w = rng.integers(-(2 ** (bits - 1)), 2 ** (bits - 1), (sizes[k + 1], sizes[k]))
        bias = rng.integers(-(2 ** (bits - 1)), 2 ** (bits - 1), sizes[k + 1]) if draw(st.booleans()) else None
        layers.append(fixed.FixedLayer(w, q, bits, acc, bias))
    n_steps = draw(st.integers(1, 12))
    density = draw(st.sampled_from([0.1, 0.5, 0.9]))
    spikes = np.random.default_rng(draw(st.integers(0, 2**32 - 1))).random((n_steps, sizes[0])) < density
    return fixed.FixedNetwork(tuple(layers)), spikes


@settings(max_examples=150, deadline=None)
@given(networks())
def test_network_equals_step_neuron_by_neuron(case):
    net, spikes_in = case
    run = fixed.network_run(net, spikes_in, record_v=True)
    want_spikes, want_v = _reference_run(net, spikes_in)
    for k in range(len(net.layers)):
        np.testing.assert_array_equal(run.spikes[k], want_spikes[k])
        np.testing.assert_array_equal(run.v[k], want_v[k])


def test_the_bias_is_added_last_and_saturates():
    # +7 +7 then a bias of -8 in a 4-bit accumulator: 7, clip(14) = 7, -1 (bias first it would be -8, -1, 6).
    q = _neuron(8, 4, "mult", "reset", 0.0, 0.0, 0)
    layer = fixed.FixedLayer(np.array([[7, 7]]), q, 4, 4, np.array([-8]))
    assert layer.saturates and layer.accumulate(np.array([True, True])).tolist() == [-1]
    assert layer.accumulate(np.array([False, False])).tolist() == [-8]  # a constant input on every step
    assert fixed.default_acc_width(4, 2, 16, bias=True) == 4 + 2 == fixed.default_acc_width(4, 3, 16)
    with pytest.raises(ParameterError, match="bias"):
        fixed.FixedLayer(np.array([[7, 7]]), q, 4, 4, np.array([8]))


def test_the_sum_saturates_in_ascending_input_order():
    # +7 +7 -8 in a 4-bit accumulator: 7, clip(14) = 7, -1. Exactly (or -8 first) it would be 6.
    q = _neuron(8, 4, "mult", "reset", 0.0, 0.0, 0)
    layer = fixed.FixedLayer(np.array([[7, 7, -8]]), q, 4, 4)
    assert layer.saturates
    assert layer.accumulate(np.array([True, True, True])).tolist() == [-1]
    assert fixed.FixedLayer(np.array([[-8, 7, 7]]), q, 4, 4).accumulate(np.ones(3, bool)).tolist() == [6]


@pytest.mark.parametrize("n_in", [1, 2, 3, 63, 64, 65, 784])
@pytest.mark.parametrize("bits", [2, 4, 8])
def test_default_accumulator_never_saturates(n_in, bits):
    acc = fixed.default_acc_width(bits, n_in, 32)
    q = _neuron(32, acc, "mult", "reset", 0.0, 0.0, 0)
    for value in (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1):
        layer = fixed.FixedLayer(np.full((1, n_in), value), q, bits, acc)
        assert not layer.saturates
        assert layer.accumulate(np.ones(n_in, bool)).tolist() == [value * n_in]


def test_batched_run_is_independent_samples_from_reset():
    rng = np.random.default_rng(3)
    q = _neuron(12, 10, "shift", "subtract", 2e-3, 0.0, 2)
    net = fixed.FixedNetwork((fixed.FixedLayer(rng.integers(-32, 32, (6, 5)), q, 6, 10),
                              fixed.FixedLayer(rng.integers(-32, 32, (3, 6)), q, 6, 10)))
    spikes = rng.random((4, 10, 5)) < 0.6
    batched = fixed.network_run(net, spikes)
    for b in range(4):
        single = fixed.network_run(net, spikes[b])
        np.testing.assert_array_equal(batched.counts[-1][b], single.counts[-1])
    assert batched.prediction.shape == (4,)


def test_prediction_breaks_ties_toward_the_lowest_index():
    run = fixed.NetworkRun((np.array([[0, 1, 1], [0, 1, 1]], dtype=bool),), None)
    assert run.counts[-1].tolist() == [0, 2, 2] and int(run.prediction) == 1


def test_save_and_load_give_the_same_network(tmp_path):
    rng = np.random.default_rng(5)
    net = fixed.FixedNetwork((fixed.FixedLayer(rng.integers(-128, 128, (7, 4)), _neuron(16, 11, "mult", "reset",
                                                                                           1e-3, 0.0, 3), 8, 11),))
    fixed.save_network(net, tmp_path / "fixed.npz")
    back = fixed.load_network(tmp_path / "fixed.npz")
    assert back.layers[0].bias is None
    biased = fixed.FixedNetwork((fixed.FixedLayer(net.layers[0].weights, net.layers[0].q, 8, 11,
                                                  rng.integers(-128, 128, 7)),))
    fixed.save_network(biased, tmp_path / "biased.npz")
    np.testing.assert_array_equal(fixed.load_network(tmp_path / "biased.npz").layers[0].bias, biased.layers[0].bias)
    np.testing.assert_array_equal(back.layers[0].weights, net.layers[0].weights)
    assert back.layers[0].q.rtl == net.layers[0].q.rtl
    assert (back.layers[0].weight_bits, back.layers[0].acc_width) == (8, 11)
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    with pytest.raises(ParameterError, match="bad.npz: is not a readable .npz file"):
        fixed.load_network(tmp_path / "bad.npz")


@pytest.mark.parametrize("kwargs, name", [
    ({"weights": np.array([[8]])}, "weights"),              # beyond 4 bits
    ({"weights": np.array([[0.5]])}, "weights"),            # not integers
    ({"weights": np.zeros(3, dtype=int)}, "weights"),       # not a matrix
    ({"weight_bits": 1}, "weight_bits"),
    ({"acc_width": 3}, "acc_width"),                        # narrower than the weights
    ({"acc_width": 6}, "q"),                                # IN_WIDTH of q is 5
])
def test_layer_rejects_what_the_core_cannot_hold(kwargs, name):
    args = {"weights": np.array([[1]]), "q": _neuron(8, 5, "mult", "reset", 0.0, 0.0, 0), "weight_bits": 4,
            "acc_width": 5, **kwargs}
    with pytest.raises(ParameterError) as err:
        fixed.FixedLayer(**args)
    assert err.value.name == name


def test_network_rejects_layers_that_do_not_chain():
    q = _neuron(8, 5, "mult", "reset", 0.0, 0.0, 0)
    with pytest.raises(ParameterError, match="layer 2 has n_in = 3"):
        fixed.FixedNetwork((fixed.FixedLayer(np.ones((2, 2), int), q, 4, 5),
                            fixed.FixedLayer(np.ones((1, 3), int), q, 4, 5)))
