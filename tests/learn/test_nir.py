"""NIR export/import: round trips, a graph in snnTorch's convention against a hand-written LIF, and rejections."""

from __future__ import annotations

import jax.numpy as jnp
import nir
import numpy as np
import pytest
from nir_reference import exact_counts, run_graph

from lifhw import fixed
from lifhw.errors import ParameterError
from lifhw.learn import convert, model, nirgraph


def _net(discretization="exact", reset_mode="reset", ref_steps=0, beta=0.9, v_reset=0.0):
    rng = np.random.default_rng(4)
    neuron = model.LayerNeuron(beta=beta, v_reset=v_reset, reset_mode=reset_mode, ref_steps=ref_steps)
    return model.FloatNetwork((rng.normal(0, 0.5, (7, 5)), rng.normal(0, 0.5, (3, 7))), (neuron, neuron), 1e-3,
                              discretization)


@pytest.mark.parametrize("discretization, reset_mode, ref_steps, beta, v_reset", [
    ("exact", "reset", 0, 0.9, 0.0), ("euler", "subtract", 3, 0.95, 0.0), ("exact", "reset", 1, 0.8, -0.25),
    ("euler", "reset", 0, 1.0, 0.0)])  # the last one is an IF layer
def test_export_import_is_the_identity(tmp_path, discretization, reset_mode, ref_steps, beta, v_reset):
    net = _net(discretization, reset_mode, ref_steps, beta, v_reset)
    nirgraph.write(nirgraph.to_graph(net), tmp_path / "net.nir")
    back, hints = nirgraph.from_graph(nirgraph.read(tmp_path / "net.nir"))
    assert hints == {"nodes": ["lif_0", "lif_1"]}  # no fixed-point metadata: a float network's graph
    assert (back.dt, back.discretization) == (net.dt, net.discretization)
    for a, b in zip(net.weights, back.weights, strict=True):
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=0)  # identity up to the round-off of tau <-> beta
    for a, b in zip(net.neurons, back.neurons, strict=True):
        assert (b.reset_mode, b.ref_steps) == (a.reset_mode, a.ref_steps)
        assert b.beta == pytest.approx(a.beta, rel=1e-14) and b.v_reset == pytest.approx(a.v_reset, abs=1e-15)


def test_fixed_network_through_nir_gives_the_same_integers(tmp_path):
    rng = np.random.default_rng(9)
    neuron = model.LayerNeuron(beta=0.95, reset_mode="subtract", ref_steps=1)
    net = model.FloatNetwork((rng.normal(0, 0.5, (9, 6)), rng.normal(0, 0.5, (4, 9))), (neuron, neuron), 1e-3)
    layers = convert.plan(net, 6, leak="shift")
    original = convert.to_fixed(net, layers)
    float_net, meta = nirgraph.fixed_to_float(original)
    nirgraph.write(nirgraph.to_graph(float_net, meta), tmp_path / "fixed.nir")
    back, hints = nirgraph.from_graph(nirgraph.read(tmp_path / "fixed.nir"))
    again = convert.to_fixed(back, convert.plan(back, hints["lifhw_weight_bits"], hints["lifhw_width"],
                                                hints["lifhw_leak"], hints["lifhw_leak_frac"], hints["lifhw_frac"]))
    for a, b in zip(original.layers, again.layers, strict=True):
        np.testing.assert_array_equal(a.weights, b.weights)
        assert a.q.rtl == b.q.rtl and a.acc_width == b.acc_width


def test_snntorch_convention_graph_simulates_like_a_hand_written_lif(tmp_path):
    # Written with nir's own API as snnTorch exports a Leaky network: beta = 1 - dt/tau, r = tau/dt,
    # v_leak = 0, reset to zero, dt = 1e-4 s (and no dt in the file).
    dt, rng = 1e-4, np.random.default_rng(11)
    taus = (5e-3, 2e-3)
    thresholds = (np.full(12, 1.0), rng.uniform(0.5, 1.5, 4))  # per-neuron thresholds fold into the weights
    weights = (rng.normal(0, 0.8, (12, 20)), rng.normal(0, 1.0, (4, 12)))
    params = []
    for tau, theta, w in zip(taus, thresholds, weights, strict=True):
        n = w.shape[0]
        params.append({"tau": np.full(n, tau), "r": np.full(n, tau / dt), "v_leak": np.zeros(n),
                       "v_threshold": theta, "v_reset": np.zeros(n)})
    graph = nir.NIRGraph.from_list(nir.Linear(weight=weights[0]), nir.LIF(**params[0]),
                                   nir.Linear(weight=weights[1]), nir.LIF(**params[1]))
    nir.write(str(tmp_path / "snntorch.nir"), graph)
    net, _ = nirgraph.from_graph(nirgraph.read(tmp_path / "snntorch.nir"))
    assert net.dt == dt and net.discretization == "euler"
    assert net.neurons[0].beta == pytest.approx(1 - dt / taus[0], rel=1e-15)
    events = rng.random((200, 3, 20)) < 0.2
    got, _ = model.run([jnp.asarray(w, jnp.float32) for w in net.weights],
                       tuple(model.float_spec(n) for n in net.neurons), jnp.asarray(events, jnp.float32),
                       "fast_sigmoid", 10.0)
    want = np.swapaxes(run_graph(graph, np.swapaxes(events, 0, 1), dt=dt, discretization="euler"), 0, 1)
    np.testing.assert_array_equal(np.asarray(got), want)
    assert want.sum() > 20  # the comparison is about spikes that happen


def test_an_integer_networks_ties_fire_in_a_float64_nir_interpreter():
    # weights that are multiples of 1/12 threshold: many integer sums land exactly on THRESH from rest
    rng = np.random.default_rng(5)
    weights = (rng.integers(-2, 5, (20, 24)) / 12.0, rng.integers(-2, 5, (6, 20)) / 12.0)
    net = model.FloatNetwork(weights, (model.LayerNeuron(beta=0.9),) * 2, 1e-3)
    integer = convert.to_fixed(net, convert.plan(net, 8))
    events = rng.random((200, 12, 24)) < 0.25
    want, ties = exact_counts(integer, events)
    assert ties > 100 and want.sum() > 1000
    # the exact reference is lifhw.fixed but for the core's rounded leak
    rounded, _ = exact_counts(integer, events, rounded_leak=True)
    np.testing.assert_array_equal(rounded, fixed.network_run(integer, events).counts[-1])
    graph = nirgraph.to_graph(*nirgraph.fixed_to_float(integer), integer=True)
    np.testing.assert_array_equal(run_graph(graph, events).sum(axis=1), want)


def _lif(n, **changes):
    base = {"tau": np.full(n, 5e-3), "r": np.full(n, 50.0), "v_leak": np.zeros(n), "v_threshold": np.ones(n),
            "v_reset": np.zeros(n)}
    return nir.LIF(**{**base, **changes})


@pytest.mark.parametrize("nodes, name", [
    ([nir.Affine(weight=np.ones((3, 2)), bias=np.ones(3)), _lif(3)], "node 'affine'.bias"),
    ([nir.Linear(weight=np.ones((3, 2))), _lif(3, tau=np.array([5e-3, 6e-3, 5e-3]))], "node 'lif'.tau"),
    ([nir.Linear(weight=np.ones((3, 2))), _lif(3, tau=np.full(3, 5e-5))], "node 'lif'.tau"),   # < dt, Euler
    ([nir.Linear(weight=np.ones((3, 2))), _lif(3, v_threshold=np.full(3, -1.0))], "node 'lif'.v_threshold"),
    ([nir.Linear(weight=np.ones((3, 2))),
      nir.CubaLIF(tau_syn=np.full(3, 5e-3), tau_mem=np.full(3, 5e-3), r=np.ones(3), v_leak=np.zeros(3),
                  v_threshold=np.ones(3))], "node 'cubalif'.tau_syn"),
    ([nir.Linear(weight=np.ones((3, 2))), nir.LI(tau=np.ones(3), r=np.ones(3), v_leak=np.zeros(3))], "node 'li'.type"),
    ([nir.Linear(weight=np.ones((3, 2)))], "node 'output'"),
])
def test_what_cannot_run_is_rejected_naming_node_and_field(nodes, name):
    graph = nir.NIRGraph.from_list(*nodes)
    with pytest.raises(ParameterError) as err:
        nirgraph.from_graph(graph)
    assert err.value.name == name
    assert "\n" not in str(err.value)


def test_cubalif_without_synaptic_memory_is_a_lif():
    dt, n = 1e-4, 3
    w = np.random.default_rng(0).normal(0, 1, (n, 2))
    cuba = nir.CubaLIF(tau_syn=np.full(n, dt), tau_mem=np.full(n, 5e-3), r=np.full(n, 50.0), v_leak=np.zeros(n),
                       v_threshold=np.ones(n), w_in=np.full(n, 2.0))
    lif = _lif(n, r=np.full(n, 100.0))  # r·w_in = 100 in both
    a, _ = nirgraph.from_graph(nir.NIRGraph.from_list(nir.Linear(weight=w), cuba))
    b, _ = nirgraph.from_graph(nir.NIRGraph.from_list(nir.Linear(weight=w), lif))
    np.testing.assert_allclose(a.weights[0], b.weights[0], rtol=1e-15)
    assert a.neurons == b.neurons


def test_an_if_layer_has_no_fixed_point_form():
    net = _net(beta=1.0)
    with pytest.raises(ParameterError, match="LEAK_MULT"):
        convert.plan(net, 8)
    back, hints = nirgraph.from_graph(nirgraph.to_graph(net))
    with pytest.raises(ParameterError, match="^node 'lif_0'.type = 'IF': does not leak"):
        nirgraph.to_fixed(back, hints)


def test_unreadable_file_is_one_parameter_error(tmp_path):
    (tmp_path / "x.nir").write_text("not hdf5")
    with pytest.raises(ParameterError) as err:
        nirgraph.read(tmp_path / "x.nir")
    assert err.value.path == str(tmp_path / "x.nir") and str(err.value).startswith(f"{tmp_path / 'x.nir'}: ")
