"""What every scenario shares: its declaration, its result and the threshold search an experimenter runs.

A :class:`Scenario` declares its name, the neuron it uses (LIFParams with scenario-specific defaults),
its own parameters (:class:`Param`, SI, overridable from the CLI with SPICE-style values), a ``run``
function returning a :class:`ScenarioResult` and a ``figure`` function drawing that result.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..errors import ParameterError
from ..params import FIELDS, LIFParams
from ..theory import firing_rate
from ..units import parse_range, parse_value


@dataclass(frozen=True)
class Param:
    """One scenario parameter.

    Attributes
    ----------
    name : str
        Python name (``r_m_inflamed``); the CLI flag is ``--r-m-inflamed``.
    default : float, tuple of float, or None
        Default in SI units; ``None`` means "derived from the others" (``help`` says how).
    unit : str
        SI unit, for help texts.
    help : str
    minimum : float or None
        Values must be strictly greater than this.
    is_list : bool
        A comma list or START:STOP:N sweep instead of a single value.
    integer : bool
        A whole number (a count or a seed).
    work : bool
        The value sets how much the run simulates (laps, steps): the run refuses, up front, what it cannot do
        within :mod:`lifhw.limits`.

    ``unit`` is also the value's quantity: the unit letters SPICE-style text may carry and the magnitudes it
    may have (:data:`lifhw.units.QUANTITIES`).
    """

    name: str
    default: float | tuple[float, ...] | None
    unit: str
    help: str
    minimum: float | None = None
    is_list: bool = False
    integer: bool = False
    work: bool = False

    def parse(self, value) -> float | int | tuple[float, ...]:
        """``value`` (SI number, SPICE-style text, or a sequence for list parameters) checked and in SI."""
        if self.is_list:
            if isinstance(value, str):
                values = parse_range(value, self.name, self.unit)
            else:
                values = [parse_value(v, self.name, self.unit) for v in np.atleast_1d(value).tolist()]
            if not values:
                raise ParameterError(self.name, value, "must hold at least one value")
            for v in values:
                self._check(v)
            return tuple(values)
        parsed = parse_value(value, self.name, self.unit)
        self._check(parsed)
        return int(parsed) if self.integer else parsed

    def _check(self, value: float) -> None:
        if self.minimum is not None and not value > self.minimum:
            raise ParameterError(self.name, value, f"must be > {self.minimum:g} {self.unit}".rstrip())
        if self.integer and not value.is_integer():
            raise ParameterError(self.name, value, "must be a whole number")


def rel_error(predicted: float, simulated: float) -> float:
    """|simulated − predicted| / |predicted|; the absolute difference when the prediction is 0."""
    if predicted == 0:
        return abs(simulated)
    return abs(simulated - predicted) / abs(predicted)


@dataclass
class ScenarioResult:
    """A scenario's answer: its parameters, closed-form prediction and simulated value.

    Attributes
    ----------
    scenario : str
    params : dict
        Every parameter used, SI: the LIFParams fields then the scenario's own.
    predicted, simulated : dict
        The same names, numbers in SI units.
    tolerance : float
        Largest allowed relative error of each simulated number against its prediction.
    checks : dict
        Further yes/no conditions that must hold for the scenario to pass (e.g. "silent before").
    details : dict
        Further JSON-ready numbers worth reporting (rates, trial counts).
    series : dict
        Arrays for the figure (not part of the JSON unless asked for).
    """

    scenario: str
    params: dict
    predicted: dict
    simulated: dict
    tolerance: float
    checks: dict = field(default_factory=dict)
    details: dict = field(default_factory=dict)
    series: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.predicted = {k: float(v) for k, v in self.predicted.items()}
        self.simulated = {k: float(v) for k, v in self.simulated.items()}
        self.checks = {k: bool(v) for k, v in self.checks.items()}

    @property
    def errors(self) -> dict[str, float]:
        """Relative error of each simulated number against its prediction."""
        return {k: rel_error(self.predicted[k], self.simulated[k]) for k in self.predicted}

    @property
    def passed(self) -> bool:
        return all(e <= self.tolerance for e in self.errors.values()) and all(self.checks.values())

    def as_dict(self, series: bool = False) -> dict:
        """The JSON of the issue (plus ``errors``, ``checks`` and ``details``); ``series`` adds figure arrays."""
        out = {"scenario": self.scenario, "params": self.params, "predicted": self.predicted,
               "simulated": self.simulated, "tolerance": self.tolerance, "passed": self.passed,
               "errors": self.errors, "checks": self.checks, "details": self.details}
        if series:
            out["series"] = {k: np.asarray(v).tolist() for k, v in self.series.items()}
        return out

    @classmethod
    def from_dict(cls, data: dict) -> ScenarioResult:
        """Inverse of :meth:`as_dict` (``series`` included when present)."""
        return cls(data["scenario"], data["params"], data["predicted"], data["simulated"], data["tolerance"],
                   data.get("checks", {}), data.get("details", {}),
                   {k: np.asarray(v) for k, v in data.get("series", {}).items()})


@dataclass(frozen=True)
class Scenario:
    """Declaration of one scenario.

    ``run(neuron, **values)`` gets the neuron and every parameter of ``params`` (SI) and returns a
    :class:`ScenarioResult`; ``figure(result)`` returns a matplotlib figure.
    """

    name: str
    title: str
    summary: str
    params: tuple[Param, ...]
    run: Callable[..., ScenarioResult]
    figure: Callable[[ScenarioResult], object]
    #: LIFParams fields this scenario sets differently from the textbook defaults (its docstring says why).
    neuron_defaults: dict = field(default_factory=dict)
    #: Where the scenario's tolerance comes from (shown in the report's error budget).
    tolerance_note: str = "acceptance bound of 2 %; the simulation is exact up to the bisection's bracket"

    def neuron(self, base: LIFParams | None = None) -> LIFParams:
        """The scenario's default neuron: ``base`` (default LIFParams()) with ``neuron_defaults`` applied."""
        return (base or LIFParams()).replace(**self.neuron_defaults)

    def __call__(self, neuron: LIFParams | None = None, **overrides) -> ScenarioResult:
        """Run with the default neuron (or ``neuron``) and parameters, some overridden (SI or SPICE text)."""
        known = {p.name: p for p in self.params}
        unknown = sorted(set(overrides) - set(known))
        if unknown:
            allowed = ", ".join(known) or "none"
            raise ParameterError(unknown[0], overrides[unknown[0]],
                                 f"not a parameter of scenario {self.name}; allowed: {allowed}")
        values = {name: (p.parse(overrides[name]) if overrides.get(name) is not None else p.default)
                  for name, p in known.items()}
        return self.run(self.neuron() if neuron is None else neuron, **values)


def result_params(neuron: LIFParams, **values) -> dict:
    """The ``params`` of a result: the neuron's fields then the scenario's values, JSON-ready."""
    out = {name: getattr(neuron, name) for name in FIELDS}
    for name, value in values.items():
        out[name] = list(value) if isinstance(value, tuple) else value
    return out


def threshold_search(above: Callable[[np.ndarray], np.ndarray], lo: float, hi: float, rtol: float = 1e-5,
                     n_parallel: int = 1, log: bool = False, max_rounds: int = 60) -> tuple[float, list]:
    """Smallest x in (lo, hi] at which the monotone test ``above`` turns true, as an experimenter brackets it.

    Each round tests ``n_parallel`` values evenly spaced strictly inside the bracket (in log space when
    ``log``) at once — ``n_parallel = 1`` is bisection — and keeps the sub-bracket where the test turns
    true. ``above(x)`` takes an array and returns a boolean array; it must be false at ``lo`` and true at
    ``hi`` (checked). Stops when ``hi − lo <= rtol·hi``.

    Returns the bracket's midpoint and the trials ``[(x, outcome), ...]`` in the order they were run.
    """
    ends = above(np.array([lo, hi]))
    if ends[0] or not ends[1]:
        raise ParameterError("search range", [lo, hi],
                             "the test must be false at the lower end and true at the upper end")
    trials = [(lo, False), (hi, True)]
    for _ in range(max_rounds):
        if hi - lo <= rtol * hi:
            break
        frac = np.arange(1, n_parallel + 1) / (n_parallel + 1)
        xs = np.exp(np.log(lo) + frac * np.log(hi / lo)) if log else lo + frac * (hi - lo)
        outcome = np.asarray(above(xs), dtype=bool)
        trials += list(zip(xs.tolist(), outcome.tolist(), strict=True))
        hits = np.flatnonzero(outcome)
        first = hits[0] if hits.size else n_parallel
        lo = xs[first - 1] if first > 0 else lo
        hi = xs[first] if first < n_parallel else hi
    return 0.5 * (lo + hi), trials


def steady_rate(neuron: LIFParams, g_e=0.0, e_e: float = 0.0, g_i=0.0, e_i: float | None = None,
                i_in=0.0) -> np.ndarray:
    """Closed-form firing rate (Hz) under constant conductances g_e, g_i (S) and current i_in (A).

    Constant conductances make the neuron an LIF with leak g_L + g_e + g_i and an equivalent current
    g_e(E_e − V_rest) + g_i(E_i − V_rest) + I, so :func:`lifhw.theory.firing_rate` applies. Arrays
    broadcast; ``e_i`` defaults to ``v_rest`` (shunting).
    """
    e_i = neuron.v_rest if e_i is None else e_i
    g_e, g_i, i_in = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in (g_e, g_i, i_in)))
    g_tot = neuron.g_l + g_e + g_i
    i_eq = g_e * (e_e - neuron.v_rest) + g_i * (e_i - neuron.v_rest) + i_in
    flat = [float(firing_rate(neuron.replace(r_m=1.0 / g), i)) for g, i in zip(g_tot.ravel(), i_eq.ravel(),
                                                                            strict=True)]
    return np.array(flat).reshape(g_tot.shape)
