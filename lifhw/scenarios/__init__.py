"""Biological scenarios of the LIF model, each checked against its own closed-form prediction.

Each scenario is a :class:`~lifhw.scenarios.base.Scenario` in its own module; :data:`SCENARIOS` maps
the CLI names to them. Call one with overrides (SI numbers or SPICE-style text) to get a
:class:`~lifhw.scenarios.base.ScenarioResult` whose ``as_dict()`` is the scenario JSON::

    from lifhw.scenarios import run
    result = run("allodynia", r_m_inflamed="300Meg")
    result.predicted, result.simulated, result.passed

==================  =========================================================================
``rheobase-opto``   rheobase by bisection on the intensity of a light-gated conductance
``allodynia``       inflammation raises R_m; the rheobase falls by R_m/R_m'
``spinal-gate``     the inhibitory conductance that silences a projection neuron
``wind-up``         the lowest stimulation frequency whose temporal summation reaches threshold
``place-field``     quasi-static f-I on a Gaussian position tuning against spikes over laps
``tsv-slowdown``    a TSV's capacitance on the membrane node and the rate it costs
``euler-stability`` forward-Euler error growth |1 − h/τ| across h = 2τ
==================  =========================================================================
"""

from __future__ import annotations

from ..errors import ParameterError
from ..params import LIFParams
from . import allodynia, euler_stability, place_field, rheobase_opto, spinal_gate, tsv_slowdown, wind_up
from .base import Param, Scenario, ScenarioResult

SCENARIOS: dict[str, Scenario] = {m.SCENARIO.name: m.SCENARIO for m in (
    rheobase_opto, allodynia, spinal_gate, wind_up, place_field, tsv_slowdown, euler_stability)}

__all__ = ["SCENARIOS", "Param", "Scenario", "ScenarioResult", "get", "run"]


def get(name: str) -> Scenario:
    """The scenario called ``name``."""
    if name not in SCENARIOS:
        raise ParameterError("scenario", name, f"unknown; choose one of {', '.join(SCENARIOS)}")
    return SCENARIOS[name]


def run(name: str, neuron: LIFParams | None = None, **overrides) -> ScenarioResult:
    """Run scenario ``name`` with its default neuron (or ``neuron``) and some parameters overridden."""
    return get(name)(neuron, **overrides)
