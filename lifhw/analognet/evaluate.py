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
