"""The network in ngspice (every neuron a lif_ota, partitioned by layer) against the fast device-aware model on the
same samples: a second simulator. A count may differ only where the fast model's margin at some neuron-step was
within its stated error (``fast.MODEL_ERROR``); predictions must agree."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from lifhw.analognet import calibrate, evaluate, fast, mapping
from lifhw.spice.executor import LocalExecutor

from .helpers import events, tiny_net


@pytest.fixture(scope="module")
def spice_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("analognet")
    net, ev = tiny_net(sizes=(64, 6, 4)), events(n=2, steps=4)
    labels = np.zeros(2, dtype=int)
    with LocalExecutor(2, 600) as executor:
        cal = calibrate.calibrate("ota", executor, store_root=root / "cal")
        m = mapping.map_network(net, cal)
        agreement = evaluate.spice_agreement(m, net, ev, labels, executor, store_root=root / "spice")
    return net, ev, m, agreement, root


def test_spice_counts_agree_with_the_fast_model_within_its_bound(spice_run):
    net, ev, m, agreement, _ = spice_run
    assert agreement.timing_violations == 0
    assert agreement.spice_agreement == 1.0
    assert agreement.within_bound, (agreement.count_distance, agreement.near_threshold)
    # the comparison discriminates: the network fires, and a fast model 30 mV off in threshold counts otherwise
    model = fast.run(m, net, fast.nominal_die(m, net), ev)
    assert all(c.sum() > 0 for c in model.counts)
    nominal = fast.nominal_die(m, net)
    off = dataclasses.replace(nominal, theta=tuple(t + 0.03 for t in nominal.theta))
    shifted = fast.run(m, net, off, ev).counts
    assert any(not np.array_equal(a, b) for a, b in zip(model.counts, shifted, strict=True))


def test_energy_per_inference_is_split_by_supply(spice_run):
    net, ev, m, agreement, _ = spice_run
    e = agreement.energy_per_inference
    assert e["neurons"] > 0 and e["shared_references"] > 0
    # the ideal synapses' charge: every input spike's |w| units of q_lsb from vdd, layer by layer (SPICE's spikes
    # for layer 2 equal the model's where the counts agree, which the test above asserts)
    model = fast.run(m, net, fast.nominal_die(m, net), ev)
    inputs = [ev, model.spikes[0][0]]
    want = sum(float(np.einsum("mkj,ij->", s.astype(int), np.abs(layer.weights))) * q * 1.8
               for s, layer, q in zip(inputs, net.layers, m.q_lsb, strict=True)) / len(ev)
    if agreement.count_distance[0] == [0, 0]:
        assert e["synapses"] == pytest.approx(want, rel=1e-12)


def test_a_second_run_reads_every_neuron_from_the_store(spice_run):
    net, ev, m, agreement, root = spice_run
    with LocalExecutor(1, 60) as executor:
        again = evaluate.spice_agreement(m, net, ev, np.zeros(2, dtype=int), executor, store_root=root / "spice")
    assert again.cpu_seconds == 0
    # what a sample costs is read back with it (a neuron's transients take CPU seconds, not zero)
    assert again.cpu_seconds_per_sample == agreement.cpu_seconds_per_sample > 0
    assert again.count_distance == agreement.count_distance
