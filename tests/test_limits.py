"""What the limits count, checked in-process against the limit at its edge (no run is timed): a population's
neurons, the RTL's currents, a SPICE sweep's points, the process's own memory."""

from __future__ import annotations

import numpy as np
import pytest

from lifhw import limits
from lifhw.errors import ParameterError
from lifhw.params import LIFParams
from lifhw.sim import NEURONS_PER_STEP, simulate, steps_of_work
from lifhw.spice.sweep import check_sweep

P = LIFParams()


def test_one_neuron_is_the_unit_and_a_population_costs_more_per_step():
    assert steps_of_work(1000, 1) == 1000
    assert steps_of_work(1000, NEURONS_PER_STEP + 1) == 2000
    assert steps_of_work(1000, 151, conductances_vary=True) == 2000


def test_a_population_is_refused_at_the_work_its_neurons_add():
    currents = np.full(NEURONS_PER_STEP + 1, 1e-9)  # twice the work of one neuron a step
    with limits.override(max_steps=199), pytest.raises(ParameterError, match="max_steps = 199"):
        simulate(P, 0.01, 1e-4, currents)  # 100 steps: its time axis alone is within the limit
    with limits.override(max_steps=200):
        assert simulate(P, 0.01, 1e-4, currents).t.size == 101


def test_the_rtl_counts_every_current():
    from lifhw import fixed
    from lifhw.digital.study import fi_measure

    q = fixed.quantize(P, 1e-4, fixed.FixedFormat(width=16))
    work = limits.COST_RTL_NEURON_STEP * 1000 * 6
    # Refused before Icarus compiles anything (no work folder is made).
    with limits.override(max_steps=int(work) - 1), pytest.raises(ParameterError, match="6 currents"):
        fi_measure(q, np.linspace(0.2e-9, 1.5e-9, 6), 0.1, work=None)


def test_a_spice_sweep_counts_all_its_points():
    job = {"t_stop": 1.0, "max_step": 1e-3}  # 1000 steps
    cost = limits.COST_SPICE_STEP * 1000 + limits.COST_SPICE_POINT
    with limits.override(max_steps=int(10 * cost)):
        check_sweep([job] * 10)
        with pytest.raises(ParameterError, match="11 points"):
            check_sweep([job] * 11)


def test_memory_counts_the_process_itself():
    with limits.override(max_memory=limits.PROCESS_BYTES + 100):
        limits.check_memory("x", 1, 100)
        with pytest.raises(ParameterError, match="MiB of the process"):
            limits.check_memory("x", 1, 101)
