"""Accuracy of a network on analog neurons: nominal, per Monte Carlo die, beside the fixed network's, and the
SPICE subset's agreement with the fast model (what ``lifhw deploy --target analog`` prints)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import stats
from ..fixed import FixedNetwork, network_run
from ..jsonio import Record
from ..sizing.montecarlo import Mismatch
from . import dies as die_draws
from . import fast
from .mapping import AnalogMapping

#: Issue 24's acceptance: the nominal analog network (fast model) within this of the fixed network's accuracy.
NOMINAL_BOUND = 0.01


@dataclass(frozen=True)
class DieAccuracy(Record):
    """The fast model's accuracy of one network on the held-out samples: without mismatch (``nominal_accuracy``),
    on each of ``dies`` Monte Carlo dies of ``die_seed`` (``die_accuracy``, summarised in ``die_summary``), the fixed
    network's (``fixed_accuracy``) on the same events, the share of neuron-steps the membrane floor clipped per
    layer (nominal), and the σ the dies were drawn with."""

    samples: int
    dies: int
    die_seed: int
    nominal_accuracy: float
    fixed_accuracy: float
    die_accuracy: list[float]
    die_summary: dict[str, float]
    floor_fraction: list[float]
    mismatch: dict[str, float]


def accuracies(mapping: AnalogMapping, net: FixedNetwork, die: fast.Die, events, labels) -> np.ndarray:
    """Accuracy of every die of ``die`` on ``events`` against ``labels`` (K,)."""
    return np.mean(fast.run(mapping, net, die, events).prediction == np.asarray(labels)[None, :], axis=1)


def die_accuracy(mapping: AnalogMapping, net: FixedNetwork, events, labels, mismatch: Mismatch, dies: int,
                 seed: int) -> DieAccuracy:
    """The fast model's nominal and per-die accuracies of ``net`` (see :class:`DieAccuracy`)."""
    nominal = fast.run(mapping, net, fast.nominal_die(mapping, net), events)
    acc = accuracies(mapping, net, die_draws.draw(mapping, net, mismatch, seed, dies), events, labels)
    return DieAccuracy(samples=len(labels), dies=dies, die_seed=seed,
                       nominal_accuracy=float(np.mean(nominal.prediction[0] == labels)),
                       fixed_accuracy=float(np.mean(network_run(net, events).prediction == labels)),
                       die_accuracy=[float(a) for a in acc],
                       die_summary={**stats.describe(acc), "min": float(acc.min()), "max": float(acc.max())},
                       floor_fraction=list(nominal.floor_fraction), mismatch=mismatch.as_dict())


@dataclass(frozen=True)
class SpiceAgreement(Record):
    """The SPICE subset beside the fast model on the same samples and devices: nominal, or a Monte Carlo die
    (``die`` = [seed, k]) beside the fast model of that die made from its neurons' extraction.

    ``spice_agreement``: the share of samples whose predicted class SPICE and the fast model agree on;
    ``counts_equal[l]``: the share of samples whose every count of layer l agrees; ``count_distance[l]``: per
    sample D_l = Σ_i |c_i(SPICE) − c_i(fast)|; accuracies of both on the subset; spikes whose timing broke the
    windows; energy per inference (J, mean over the samples) of the neurons' supplies, the shared references and the
    ideal synapses (bookkept: every packet's charge from a vdd supply); the CPU seconds one sample costs in ngspice
    (mean over the samples of their stored costs, whenever computed) and the CPU seconds this run spent (0 when
    every result came from the store).

    The bound: a count can differ only where the fast model's margin |u − θ| at some neuron-step was below its
    error (:data:`lifhw.analognet.fast.MODEL_ERROR`); ``near_threshold[l]`` holds, per sample, those neuron-steps
    of layers 1..l, and ``within_bound`` says whether every sample without one has D_l = 0 in every layer.

    On a die, the negative control: the nominal fast model's ``nominal_model_counts_equal`` and
    ``nominal_model_count_distance`` against the same SPICE counts (what the die's extraction is worth), and the
    die's ``extraction``: per layer the spread (σ, V) of the neurons' θ and V_0 and of I_b,eff (relative) about the
    nominal reference, and that reference's offsets from the calibrated nominal model (trip − V_th, V_0 − the
    calibration's, I_b,eff over the mapping's: a design the calibration does not describe shows here)."""

    samples: int
    spice_accuracy: float
    fast_accuracy: float
    spice_agreement: float
    counts_equal: list[float]
    count_distance: list[list[int]]
    near_threshold: list[list[int]]
    within_bound: bool
    timing_violations: int
    energy_per_inference: dict[str, float]
    cpu_seconds_per_sample: float
    cpu_seconds: float
    die: list[int] | None = None
    nominal_model_counts_equal: list[float] | None = None
    nominal_model_count_distance: list[list[int]] | None = None
    extraction: list[dict] | None = None


def _count_distance(spice_counts: list[np.ndarray], fast_counts: list[np.ndarray]) -> list[np.ndarray]:
    """D_l per sample: Σ_i |c_i(SPICE) − c_i(fast)| of every layer."""
    return [np.abs(s - f).sum(axis=-1) for s, f in zip(spice_counts, fast_counts, strict=True)]


def _spread(mapping: AnalogMapping, run) -> list[dict]:
    """Per layer: the die's θ, V_0 and relative I_b,eff spread about its nominal reference, and the reference's
    offsets from the calibrated nominal model."""
    cal, out = mapping.calibration, []
    for neurons, ref, i_b_eff in zip(run.extraction, run.reference, mapping.i_b_eff, strict=True):
        out.append({"theta_sigma": float(np.std([n["trip"] for n in neurons])),
                    "v_zero_sigma": float(np.std([n["v_zero"] for n in neurons])),
                    "i_b_eff_sigma": float(np.std([n["i_b_eff"] / ref["i_b_eff"] for n in neurons])),
                    "reference_trip_offset": ref["trip"] - (cal.v_rest + cal.theta_v),
                    "reference_v_zero_offset": ref["v_zero"] - (cal.v_rest + cal.v_zero),
                    "reference_i_b_eff_ratio": ref["i_b_eff"] / i_b_eff})
    return out


def spice_agreement(mapping: AnalogMapping, net: FixedNetwork, events, labels, executor, store_root=None,
                    die: tuple[int, int] | None = None) -> SpiceAgreement:
    """Run ``events`` (the SPICE subset) in ngspice (:func:`lifhw.analognet.spicenet.run_network`) on nominal
    devices, or on Monte Carlo die ``die`` = (seed, k), and compare with the fast model of the same devices."""
    from . import spicenet

    kwargs = {} if store_root is None else {"store_root": store_root}
    run = spicenet.run_network(mapping, net, events, executor, die=die, **kwargs)
    nominal = fast.nominal_die(mapping, net)
    model = fast.run(mapping, net, nominal if die is None else die_draws.extracted(mapping, run), events)
    spice_counts = [np.asarray(c, dtype=np.int64) for c in run.counts]
    fast_counts = [c[0] for c in model.counts]
    spice_pred = np.argmax(spice_counts[-1], axis=-1)
    labels = np.asarray(labels)
    m = len(labels)
    distance = _count_distance(spice_counts, fast_counts)
    control = {}
    if die is not None:
        nominal_counts = [c[0] for c in fast.run(mapping, net, nominal, events).counts]
        control = {"die": list(die), "extraction": _spread(mapping, run),
                   "nominal_model_counts_equal": [float(np.mean(np.all(s == f, axis=-1)))
                                                  for s, f in zip(spice_counts, nominal_counts, strict=True)],
                   "nominal_model_count_distance": [d.tolist() for d in _count_distance(spice_counts,
                                                                                       nominal_counts)]}
    near = np.cumsum([n[0] for n in model.near], axis=0)  # a layer inherits the flips of the layers before it
    return SpiceAgreement(
        samples=m, spice_accuracy=float(np.mean(spice_pred == labels)),
        fast_accuracy=float(np.mean(model.prediction[0] == labels)),
        spice_agreement=float(np.mean(spice_pred == model.prediction[0])),
        counts_equal=[float(np.mean(np.all(s == f, axis=-1))) for s, f in zip(spice_counts, fast_counts,
                                                                              strict=True)],
        count_distance=[d.tolist() for d in distance], near_threshold=near.tolist(),
        within_bound=bool(all(np.all(d[n == 0] == 0) for d, n in zip(distance, near, strict=True))),
        timing_violations=run.timing_violations,
        energy_per_inference={"neurons": float(np.mean(run.energy_neurons)),
                              "shared_references": float(np.mean(run.energy_shared)),
                              "synapses": float(np.mean(run.energy_synapses))},
        cpu_seconds_per_sample=float(np.mean(run.sample_cpu_seconds)), cpu_seconds=run.cpu_seconds, **control)
