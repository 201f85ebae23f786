"""The trim search's Python model (lifhw.cosim.sar) against a brute-force definition of where a successive
approximation must end on a monotone plant (no search loop), and its round-by-round prediction over a tile."""

from __future__ import annotations

import itertools
import math
import random

from lifhw.cosim import sar


def brute(table: list[float], target: float) -> int:
    """c = the largest code faster than the target; the nearer of c and c + 1 (c on a tie); 0 if none is faster."""
    faster = [c for c, t in enumerate(table) if t < target]
    c = max(faster, default=0)
    if c == 0:      # no trial was kept (code 0 is never a trial): the search ends on 0
        return 0
    if c + 1 == len(table):
        return c
    return c + 1 if table[c + 1] - target < target - table[c] else c


def _table(rng: random.Random, bits: int) -> list[float]:
    steps = [rng.randint(1, 50) for _ in range(2 ** bits)]
    return list(itertools.accumulate(steps, initial=rng.randint(100, 1000)))[:2 ** bits]


def test_random_monotone_tables():
    rng = random.Random(1)
    for _ in range(3000):
        bits = rng.randint(1, 6)
        table = _table(rng, bits)
        target = rng.randint(int(table[0]) - 60, int(table[-1]) + 60)
        result = sar.search(lambda c, table=table: table[c], target, bits)
        assert result.code == brute(table, target), (table, target, result)
        assert result.iterations == bits


def test_ties_go_to_the_faster_code():
    table = [100 + 10 * c for c in range(32)]
    result = sar.search(lambda c: table[c], 255, 5)      # 250 and 260 are equally near
    assert result.code == 15 and not result.chose_upper
    assert result.margin == 0.0                           # a tie is no margin at all


def test_saturation_and_silence():
    table = [100 + 10 * c for c in range(32)]
    assert sar.search(lambda c: table[c], 50, 5).code == 0          # every code too slow
    assert sar.search(lambda c: table[c], 10_000, 5).code == 31     # every code too fast
    silent = [t if c < 20 else math.inf for c, t in enumerate(table)]
    assert sar.search(lambda c: silent[c], 1000, 5, isi_max=1023).code == 19   # silent codes time out: too slow


def test_residual_bound_holds():
    rng = random.Random(2)
    for _ in range(2000):
        table = list(itertools.accumulate([rng.uniform(0.5, 3) for _ in range(32)], initial=100.0))[:32]
        target = rng.uniform(table[1] + 0.01, table[-1])
        result = sar.search(lambda c, table=table: table[c], target, 5)
        bound = sar.residual_bound(result, target)
        assert abs(target / table[result.code] - 1) <= bound + 1e-12


def test_prediction_in_rounds_is_the_search_of_each_neuron():
    rng = random.Random(3)
    tables = [_table(rng, 5) for _ in range(6)]
    targets = 500.0
    rounds = []

    def measure(codes):
        rounds.append(codes)
        return [tables[k][c] for k, c in enumerate(codes)]

    results = sar.predict(measure, len(tables), targets, 5)
    assert len(rounds) == 5                                # one tile transient per bit, all neurons at once
    for table, result in zip(tables, results, strict=True):
        alone = sar.search(lambda c, table=table: table[c], targets, 5)
        assert (result.code, result.trials) == (alone.code, alone.trials)
