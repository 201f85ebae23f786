"""Sizing the neurons for an accuracy: the smallest matched-device area whose dies keep a network's accuracy.

One common area factor a scales W·L of the three matched groups (the leak OTA's pair and load, its tail mirror, the
comparator's pair and load; :data:`lifhw.spice.design.AREA_FACTORS`): their σ fall as a^slope from the block
table's Pelgrom fit. For each a on a log grid the fast model evaluates the same dies (the same seed, so the same
standard normals: common random numbers make the curve a clean staircase), and the ``quantile`` of the die accuracies
is compared with the target; inside the first grid step that meets it, a bisection on log a finds the smallest
area. The nominal devices are the calibration's at 1× (a larger device moves the nominal leak only through its
second-order effects; the SPICE check of the sized design sees them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from ..errors import ParameterError
from ..fixed import FixedNetwork
from ..jsonio import Record
from ..sizing.montecarlo import BLOCK_OF, Mismatch
from ..units import check_value
from . import dies as die_draws
from .evaluate import accuracies
from .mapping import AnalogMapping

#: The grid of area factors: the smallest keeps the 1/1 µm comparator pair at 0.5/0.5 µm (sky130's nfet minimum W
#: is 0.42 µm); the largest, 512, stays within the sizing's AREA_MAX (625).
AREA_GRID = tuple(0.25 * 2.0 ** k for k in range(12))
#: Bisection steps on log a inside the first grid step that meets the target (a factor 2 to 2^(1/2^6): ~1 %).
BISECTIONS = 6


@dataclass(frozen=True)
class AccuracySizing(Record):
    """The smallest common area factor ``area_factor`` whose dies reach ``target`` at ``quantile``, the matched
    area per neuron there (µm²), the quantile and mean accuracy at it, and the curve over the grid (``grid``: area
    factor, quantile, mean)."""

    target: float
    quantile: float
    dies: int
    die_seed: int
    area_factor: float
    matched_area_um2: float
    accuracy_at_quantile: float
    mean_accuracy: float
    grid: list[list[float]]


def matched_area(table: dict, area: float) -> float:
    """µm² of one neuron's matched devices at area factor ``area`` (every kind of device a matched pair)."""
    return area * sum(2 * wl for block in BLOCK_OF.values() for wl in table["blocks"][block[1]]["devices"].values())


def area_for_accuracy(mapping: AnalogMapping, net: FixedNetwork, events, labels, table: dict, target: float,
                      quantile: float, dies: int, seed: int) -> AccuracySizing:
    """The smallest area factor (see the module docstring) whose ``quantile`` die accuracy is at least ``target``;
    refuses (naming ``target_accuracy``) a target no grid area reaches."""
    check_value(target, "target_accuracy", "", minimum=0, maximum=1)
    check_value(quantile, "quantile", "", minimum=0, maximum=1, exclusive=False)

    def evaluate(area: float) -> tuple[float, float]:
        mismatch = Mismatch.from_table(table, area, area, area)
        acc = accuracies(mapping, net, die_draws.draw(mapping, net, mismatch, seed, dies), events, labels)
        return float(np.quantile(acc, quantile)), float(np.mean(acc))

    grid = [[a, *evaluate(a)] for a in AREA_GRID]
    meets = [row for row in grid if row[1] >= target]
    if not meets:
        raise ParameterError("target_accuracy", target, f"is not reached by the {quantile:g} quantile of {dies} "
                             f"dies at any area factor up to {AREA_GRID[-1]:g} (best "
                             f"{max(row[1] for row in grid):.4f}): the network's own accuracy limits it")
    first = grid.index(meets[0])
    best = meets[0]
    if first > 0:
        lo, hi = math.log(grid[first - 1][0]), math.log(best[0])
        for _ in range(BISECTIONS):
            mid = 0.5 * (lo + hi)
            q, mean = evaluate(math.exp(mid))
            if q >= target:
                hi, best = mid, [math.exp(mid), q, mean]
            else:
                lo = mid
    return AccuracySizing(target=float(target), quantile=float(quantile), dies=dies, die_seed=seed,
                          area_factor=best[0], matched_area_um2=matched_area(table, best[0]),
                          accuracy_at_quantile=best[1], mean_accuracy=best[2], grid=grid)


def sized(mapping: AnalogMapping, sizing: AccuracySizing) -> AnalogMapping:
    """``mapping`` with its matched devices at the sizing's area factor (what the SPICE check simulates)."""
    return replace(mapping, areas=(sizing.area_factor,) * 3)
