"""Sizing for accuracy, against its definition: the returned area's dies meet the target at the quantile, the grid
point below the first that meets it does not, and a target beyond the network's own accuracy is refused."""

from __future__ import annotations

import numpy as np
import pytest

from lifhw.analognet import dies, fast, mapping, sizing
from lifhw.analognet.evaluate import accuracies
from lifhw.errors import ParameterError
from lifhw.sizing.montecarlo import Mismatch

from .helpers import CAL, TABLE, events, tiny_net


@pytest.fixture(scope="module")
def task():
    net, ev = tiny_net(), events(n=60)
    m = mapping.map_network(net, CAL)
    # the labels are the nominal network's own answers: every die's error is mismatch's
    labels = fast.run(m, net, fast.nominal_die(m, net), ev).prediction[0]
    return net, ev, m, labels


def test_the_returned_area_is_the_smallest_that_meets_the_target(task):
    net, ev, m, labels = task
    curve = sizing.area_for_accuracy(m, net, ev, labels, TABLE, 1e-9, 0.05, 20, 5).grid
    q = [row[1] for row in curve]
    assert q[-1] > q[0]  # mismatch costs accuracy at the smallest devices
    target = 0.5 * (q[0] + q[-1])
    result = sizing.area_for_accuracy(m, net, ev, labels, TABLE, target, 0.05, 20, 5)
    first = next(k for k, row in enumerate(curve) if row[1] >= target)
    assert first > 0 and curve[first - 1][1] < target
    assert curve[first - 1][0] < result.area_factor <= curve[first][0]
    mismatch = Mismatch.from_table(TABLE, *(result.area_factor,) * 3)
    acc = accuracies(m, net, dies.draw(m, net, mismatch, 5, 20), ev, labels)
    assert np.quantile(acc, 0.05) == result.accuracy_at_quantile >= target
    assert result.matched_area_um2 == pytest.approx(result.area_factor * 2 * (1 + 1 + 4 + 4 + 8))


def test_a_target_no_area_reaches_is_refused(task):
    net, ev, m, labels = task
    with pytest.raises(ParameterError) as err:
        sizing.area_for_accuracy(m, net, ev, (labels + 1) % 10, TABLE, 0.99, 0.05, 5, 0)
    assert err.value.name == "target_accuracy"
