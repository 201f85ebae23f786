"""The report's analognet section on a small trained network (the calibration and the block table given, no SPICE):
its figures' data against independent truths — the histogram holds every die once, the marked mean and 5th
percentile are those of the listed accuracies, the nominal accuracy is that of dies drawn without mismatch, the area
curve's 1× point is the section's own dies — its budget rows failing where they must, and the cache."""

from __future__ import annotations

import dataclasses

import matplotlib
import numpy as np
import pytest

from lifhw import LIFParams
from lifhw.analognet import dies, mapping
from lifhw.analognet.evaluate import accuracies
from lifhw.learn import digits, train
from lifhw.report import ReportContext
from lifhw.report.sections import analognet as section
from lifhw.sizing.montecarlo import Mismatch

from .helpers import CAL, TABLE

matplotlib.use("Agg")
# A small network trained (float, 8-bit, mismatch-aware) once for the module (~45 s): in make analog, where make
# test has no room.
pytestmark = [pytest.mark.slow, pytest.mark.analog]
SMALL = digits.DigitsConfig(hidden=(16,), qat_epochs=1, train=train.TrainConfig(epochs=2))
DIES = 12


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    patch = pytest.MonkeyPatch()
    trained = {}
    run = digits.run

    def keep(*args, **kwargs):
        trained.update(run(*args, **kwargs))
        return trained

    patch.setattr(section, "_config", lambda: SMALL)
    patch.setattr(section, "device_numbers", lambda build_dir: (CAL, TABLE))
    patch.setattr(section, "DIES", DIES)
    patch.setattr(section, "AWARE_EPOCHS", 1)
    patch.setattr(section, "TARGET", 0.2)  # a target the small network reaches at some area
    patch.setattr(digits, "run", keep)
    ctx = ReportContext(LIFParams(), tmp_path_factory.mktemp("analognet-report"), quiet=True)
    try:
        result = section.compute(ctx)
        yield ctx, result, trained
    finally:
        patch.undo()


def test_the_histogram_holds_every_die_once_in_a_bin_of_its_own_accuracy(built):
    _, r, _ = built
    edges = section.accuracy_bins(r)
    for d in (r.standard, r.aware):
        assert len(d.die_accuracy) == d.dies == DIES
        counts, _ = np.histogram(d.die_accuracy, edges)
        assert counts.sum() == DIES
        # an accuracy is a whole number of samples over the held-out split, the centre of its one-sample bin
        correct = np.asarray(d.die_accuracy) * d.samples
        np.testing.assert_allclose(correct, np.rint(correct), atol=1e-9)
        centres = 0.5 * (edges[:-1] + edges[1:])
        assert all(np.min(np.abs(centres - a)) < 1e-9 for a in d.die_accuracy)


def test_the_marked_mean_and_5th_percentile_are_those_of_the_listed_accuracies(built):
    _, r, _ = built
    figs = section.figures(r)
    marked = {round(float(line.get_xdata()[0]), 9) for line in figs["dies"].axes[0].lines}
    for d in (r.standard, r.aware):
        acc = np.asarray(d.die_accuracy)
        assert d.die_summary["mean"] == pytest.approx(acc.sum() / len(acc), abs=1e-12)
        # the 5th percentile by its definition: linear between the order statistics around 0.05·(K − 1)
        ordered, h = np.sort(acc), 0.05 * (len(acc) - 1)
        q05 = ordered[int(h)] + (h - int(h)) * (ordered[int(h) + 1] - ordered[int(h)])
        assert d.die_summary["q05"] == pytest.approx(q05, abs=1e-12)
        assert {round(100 * d.die_summary["mean"], 9), round(100 * q05, 9)} <= marked
    matplotlib.pyplot.close("all")


def test_the_nominal_accuracy_is_that_of_dies_without_mismatch(built):
    _, r, trained = built
    split = digits.load(SMALL.seed)
    events = digits.test_events(split, SMALL)
    for name, net, d in (("standard", trained["fixed_net"], r.standard), ("aware", trained["analog_net"], r.aware)):
        m = mapping.map_network(net, CAL)
        flat = dies.draw(m, net, Mismatch(0.0, 0.0, 0.0), 7, 3)
        got = accuracies(m, net, flat, events, split.y_test)
        np.testing.assert_array_equal(got, d.nominal_accuracy, err_msg=name)
        assert d.fixed_accuracy == digits.score_fixed(net, events, split.y_test)["accuracy"]


def test_the_area_curve_at_1x_is_the_section_s_own_dies(built):
    # the sizing draws the same normals at every area: its 1× point is the standard network's dies at the default
    # design, which the histogram shows
    _, r, _ = built
    row = next(row for row in r.sizing.grid if row[0] == 1.0)
    assert row[1] == pytest.approx(r.standard.die_summary["q05"], abs=1e-12)
    assert row[2] == pytest.approx(r.standard.die_summary["mean"], abs=1e-12)
    assert r.sizing.accuracy_at_quantile >= r.sizing.target
    assert r.matched_area_1x == pytest.approx(r.sizing.matched_area_um2 / r.sizing.area_factor)


def test_the_budget_passes_and_its_rows_fail_where_they_must(built):
    _, r, _ = built
    assert r.redrawn_difference == 0.0
    assert [row.passed for row in section.budget(r)] == [True, True, True, True]
    off = dataclasses.replace(r, standard=dataclasses.replace(r.standard,
                                                              nominal_accuracy=r.standard.fixed_accuracy + 0.02),
                              redrawn_difference=1 / r.standard.samples)
    assert [row.passed for row in section.budget(off)][:2] == [False, False]
    falls = [[0.25, 0.9, 0.9], [0.5, 0.95, 0.95], [1.0, 0.93, 0.94], [2.0, 0.96, 0.96]]
    assert section.monotone_drop(falls, 1) == pytest.approx(0.02)
    assert section.monotone_drop(sorted(falls, key=lambda row: row[1]), 1) == pytest.approx(0.02)  # order-free
    assert not section.budget(dataclasses.replace(r, sizing=dataclasses.replace(r.sizing, grid=falls)))[2].passed


def test_the_page_and_the_cache(built, monkeypatch):
    ctx, r, _ = built
    monkeypatch.setattr(section, "_config", lambda: SMALL)
    monkeypatch.setattr(section, "DIES", DIES)
    monkeypatch.setattr(section, "AWARE_EPOCHS", 1)
    monkeypatch.setattr(section, "TARGET", 0.2)

    def no_work(*args, **kwargs):
        raise AssertionError("the cache should have answered")

    monkeypatch.setattr(section, "_compute", no_work)
    page = section.build(ctx)
    assert page.key == "analognet" and page.html.count("data:image/png;base64,") == 2
    assert f"--dies {DIES} --die-seed 0" in page.html and "make analog" in page.html
    assert page.summary["standard"]["die_q05"] == r.standard.die_summary["q05"]
    assert r.cpu_total == pytest.approx(sum(page.summary["cpu_seconds"].values()))
    assert min(page.summary["cpu_seconds"].values()) >= 0
