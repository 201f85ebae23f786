"""Every level through one contract, and every closed form through another.

A level (:class:`lifhw.fi.Level`) answers ``fi(params, currents)`` for any neuron and states its own error budget
around the closed form (``budget``: a band of rates and where it comes from). Each one here runs the same neuron
at the same currents and is held to: a monotone non-decreasing f-I, exactly zero below the rheobase, every rate
inside its own budget, and a budget that claims something (a few per cent at most where the neuron fires).
A new level (the co-simulated tile of issue 22) joins by being added to ``LEVELS``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lifhw import LIFParams, theory
from lifhw.digital import Rtl
from lifhw.fi import Budget, FICurve, Level, RateModel
from lifhw.ota_theory import MeasuredNeuron
from lifhw.sim import Simulation
from lifhw.sizing import TSV, DevicePoint, size
from lifhw.spice import Spice, ota_params

P = LIFParams()
#: Two currents below the rheobase, one just above it (its rate is low and steep there), three well above.
CURRENTS = np.array([0.5, 0.95, 1.05, 1.5, 3.0, 8.0]) * P.rheobase
#: Where the neuron fires well enough for a budget to be judged as a relative width.
FIRING = CURRENTS >= 1.5 * P.rheobase
#: The widest budget a level may state where it fires (relative to the closed form): a claim, not a shrug.
MAX_WIDTH = 0.05
BUILD = Path(__file__).resolve().parents[1] / "build" / "test_levels"

LEVELS = {
    "theory": theory.Theory(),
    "sim exact": Simulation("exact", dt=1e-4),
    "sim euler": Simulation("euler", dt=P.tau_m / 200),
    "sim ivp": Simulation("ivp", t_sim=1.0),
    "spice lif_ideal": Spice("ideal", run_dir=BUILD / "spice"),
    "rtl": Rtl(work=BUILD / "rtl"),
}


@pytest.fixture(scope="module", params=list(LEVELS), ids=list(LEVELS))
def answer(request) -> tuple[Level, FICurve, Budget]:
    """Each level's f-I curve of ``P`` at ``CURRENTS`` and its budget (computed once per level)."""
    level = LEVELS[request.param]
    return level, level.fi(P, CURRENTS), level.budget(P, CURRENTS)


def test_it_is_a_level(answer):
    level, curve, budget = answer
    assert isinstance(level, Level) and level.name in ("theory", "sim", "spice", "rtl")
    assert curve.current.tolist() == CURRENTS.tolist() and budget.current.tolist() == CURRENTS.tolist()
    assert budget.source and isinstance(level.as_dict(), dict)


def test_monotone_non_decreasing(answer):
    _, curve, _ = answer
    assert np.all(np.diff(curve.rate) >= 0), curve.rate


def test_exactly_zero_below_the_rheobase(answer):
    _, curve, _ = answer
    assert curve.rate[CURRENTS < P.rheobase].tolist() == [0.0, 0.0]
    assert np.all(curve.rate[CURRENTS > P.rheobase] > 0)


def test_within_its_own_budget(answer):
    level, curve, budget = answer
    outside = budget.outside(curve)
    assert not outside.any(), (f"{level.name}: {curve.rate[outside]} outside [{budget.low[outside]}, "
                               f"{budget.high[outside]}] ({budget.source})")


def test_the_budget_claims_something(answer):
    _, _, budget = answer
    closed = theory.fi(P, CURRENTS)
    assert np.all(budget.width(closed)[FIRING[closed.rate > 0]] <= MAX_WIDTH)
    assert budget.high[CURRENTS < P.rheobase].tolist() == [0.0, 0.0]  # silence is claimed, not merely allowed


def test_a_level_outside_its_budget_is_caught():
    # Forward Euler at h = tau/20 is 2.5 % fast: held to the exact integrator's budget it must fail, and to its own
    # budget (which knows tau_e) pass.
    coarse = Simulation("euler", dt=P.tau_m / 20)
    curve = coarse.fi(P, CURRENTS)
    assert Simulation("exact").budget(P, CURRENTS).outside(curve)[FIRING].all()
    assert not coarse.budget(P, CURRENTS).outside(curve).any()


def test_euler_budget_is_centred_on_its_effective_time_constant():
    # At step boundaries forward Euler is the exact propagator of tau_e = -h/ln(1 - h/tau): the exact integrator
    # run on a neuron with that time constant (a second method) lies inside the Euler budget of the original one.
    h = P.tau_m / 10
    tau_e = -h / np.log(1 - h / P.tau_m)
    budget = Simulation("euler", dt=h).budget(P, CURRENTS)
    effective = Simulation("exact", dt=h).fi(P.replace(c_m=tau_e / P.r_m), CURRENTS)
    assert not budget.outside(effective).any()


def test_a_transistor_circuit_makes_no_claim_against_the_closed_form():
    budget = Spice("ota").budget(ota_params(), [20e-12, 50e-12])
    assert budget.low.tolist() == [0.0, 0.0] and np.isinf(budget.high).all()
    assert "device-aware theory" in budget.source


def test_a_budget_with_too_short_a_run_allows_silence():
    # One ISI of ~24 ms fits a 30 ms run, two do not: the level may read 0 there; an ISI beyond the run must read 0.
    isi = float(theory.isi(P, 1.5 * P.rheobase))
    budget = Budget.from_isi([1.0, 2.0, 3.0], [isi] * 3, [isi] * 3, "test", np.array([3 * isi, 1.5 * isi, 0.5 * isi]))
    assert budget.low.tolist() == [1 / isi, 0.0, 0.0] and budget.high.tolist() == [1 / isi, 1 / isi, 0.0]


def _closed_forms() -> dict[str, RateModel]:
    device = DevicePoint("tt", 27.0, 0.7, 1e-15, 1.0, "test")
    sized = size(0.3, TSV.from_value(0.0), device, tau=20e-3, i_b=10e-12, t_ref=2e-3)
    tanh = sized.neuron()
    # The tanh leak as a measured I-V (sampled finely): the quadrature of the device-aware theory.
    v = np.linspace(-0.05, 0.35, 801)
    measured = MeasuredNeuron(tuple(v), tuple(float(tanh.i_b) * np.tanh(float(tanh.kappa) * v / 0.0517)),
                              float(tanh.c_eff), 0.0, 0.0, 0.3, 2e-3)
    return {"closed form": theory.ClosedForm(P), "tanh": tanh, "measured": measured, "sized": sized}


@pytest.mark.parametrize("name", ["closed form", "tanh", "measured", "sized"])
def test_every_closed_form_is_a_rate_model(name):
    model = _closed_forms()[name]
    assert isinstance(model, RateModel)
    rheobase = float(model.rheobase)
    currents = np.array([0.9, 0.999, 1.001, 1.5, 3.0, 10.0]) * rheobase
    rate = model.rate(currents)
    assert rate[:2].tolist() == [0.0, 0.0] and np.all(rate[2:] > 0) and np.all(np.diff(rate) >= 0)
    np.testing.assert_array_equal(model.fi(currents).rate, rate)
    np.testing.assert_allclose(rate[2:], 1 / model.isi(currents[2:]), rtol=1e-12)
    # The linear equivalent has the same small-signal time constant and dead time.
    linear = model.linear_params()
    assert linear.tau_m == pytest.approx(float(model.tau), rel=1e-12)
    assert float(theory.isi(linear, 1e3 * rheobase)) == pytest.approx(float(model.isi(1e3 * rheobase)), rel=0.02)
