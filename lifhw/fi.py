"""The one answer every level gives, a firing-rate curve over input currents, and the contracts around it.

* :class:`FICurve` -- rate against constant input current, what every level returns;
* :class:`Level` -- a level (theory, reference simulation, SPICE, RTL, ...): a value configured at construction whose
  ``fi(params, currents)`` runs one :class:`~lifhw.params.LIFParams` and whose ``budget(params, currents)`` states
  how far from the closed form that answer may lie, and why (a :class:`Budget`);
* :class:`RateModel` -- a closed form of a neuron's rate (``isi``, ``rate``, ``fi``, ``tau``, ``rheobase``,
  ``linear_params``): the LIF's (:class:`lifhw.theory.ClosedForm`), the OTA neuron's tanh and measured-I-V theories
  (:mod:`lifhw.ota_theory`) and a sized design (:class:`lifhw.sizing.SizedNeuron`); :class:`IsiRateModel` derives
  the rate and the f-I of a model from its time to threshold and dead time, once for all of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

import numpy as np

from .params import LIFParams


@dataclass(frozen=True)
class FICurve:
    """Firing rate against constant input current.

    Attributes
    ----------
    current : ndarray
        Input currents (A).
    rate : ndarray
        Steady firing rates (Hz); 0 where the neuron is silent, NaN where a point failed.
    label : str
        Which level produced it ("theory", "exact dt=0.1ms", "spice ota tt 27C", ...).
    metadata : dict
        Anything that qualifies the curve (method, dt, corner, parameters), JSON-serialisable.
    """

    current: np.ndarray
    rate: np.ndarray
    label: str
    metadata: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "current", np.asarray(self.current, dtype=float))
        object.__setattr__(self, "rate", np.asarray(self.rate, dtype=float))
        if self.current.shape != self.rate.shape:
            raise ValueError(f"current and rate shapes differ: {self.current.shape} vs {self.rate.shape}")

    def as_dict(self) -> dict:
        """JSON-ready: current and rate as lists, NaN as None."""
        return {
            "label": self.label,
            "current": self.current.tolist(),
            "rate": [None if np.isnan(r) else float(r) for r in self.rate],
            "metadata": self.metadata,
        }

    @classmethod
    def from_dict(cls, data: dict) -> FICurve:
        """The inverse of :meth:`as_dict` (None rates back to NaN); TypeError for anything else."""
        if not (isinstance(data.get("current"), list) and isinstance(data.get("rate"), list)
                and isinstance(data.get("label"), str) and isinstance(data.get("metadata", {}), dict)):
            raise TypeError("an f-I curve has lists 'current' and 'rate', a text 'label' and a 'metadata' object")
        rate = [np.nan if r is None else r for r in data["rate"]]
        return cls(np.asarray(data["current"], dtype=float), np.asarray(rate, dtype=float), data["label"],
                   data.get("metadata", {}))

    def relative_error(self, reference: FICurve, min_rate: float = 0.0) -> np.ndarray:
        """:func:`relative_error` of this curve's rates against ``reference``'s, at the currents where the
        reference rate exceeds ``min_rate``. The two curves must have been computed at the same currents."""
        if not np.allclose(self.current, reference.current, rtol=1e-12, atol=0):
            raise ValueError("curves were computed at different currents")
        mask = reference.rate > min_rate
        return relative_error(self.rate[mask], reference.rate[mask])


def relative_error(value, reference) -> np.ndarray:
    """|value/reference − 1|, elementwise: the one definition of "relative error" in lifhw.

    NaN where either is NaN or the reference is 0 (a relative error of something against nothing is
    undefined; callers choose where the reference is meaningful).
    """
    value, reference = np.asarray(value, dtype=float), np.asarray(reference, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(reference != 0, np.abs(value / np.where(reference != 0, reference, 1.0) - 1.0), np.nan)


def rate_of(isi) -> np.ndarray:
    """Rate (Hz) of inter-spike intervals (s): 1/ISI, 0 where the interval is infinite (the neuron is silent)."""
    with np.errstate(divide="ignore"):
        return np.where(np.isfinite(isi), 1.0 / isi, 0.0)


@dataclass(frozen=True)
class Budget:
    """How far a level's f-I may lie from the closed form, and why: at each current (A), a rate (Hz) between
    ``low`` and ``high``. ``source`` says where the bound comes from (a derivation, a step, a README)."""

    current: np.ndarray
    low: np.ndarray
    high: np.ndarray
    source: str

    def __post_init__(self) -> None:
        for name in ("current", "low", "high"):
            object.__setattr__(self, name, np.atleast_1d(np.asarray(getattr(self, name), dtype=float)))
        if not self.current.shape == self.low.shape == self.high.shape:
            raise ValueError(f"current, low and high shapes differ: {self.current.shape}, {self.low.shape}, "
                             f"{self.high.shape}")

    @classmethod
    def from_isi(cls, current, isi_low, isi_high, source: str, t_run=np.inf) -> Budget:
        """The band of rates whose inter-spike intervals (s) lie in [``isi_low``, ``isi_high``] (inf: silent).

        ``t_run`` (s, per current or one for all) is how long the level runs, from a neuron that starts below
        threshold: it measures a rate from two spikes or more, and the first comes within one ISI, so a rate that
        fits fewer than two ISIs in the run may read 0, and one whose shortest ISI outlasts the run reads 0.
        """
        isi_low, isi_high = np.asarray(isi_low, dtype=float), np.asarray(isi_high, dtype=float)
        with np.errstate(divide="ignore"):
            high = np.where(isi_low > 0, rate_of(isi_low), np.inf)
        low = np.where(2 * isi_high <= t_run, rate_of(isi_high), 0.0)
        return cls(current, low, np.where(isi_low > t_run, 0.0, high), source)

    @classmethod
    def unbounded(cls, current, source: str) -> Budget:
        """No claim against the closed form (``source`` says why, and what the level is compared with instead)."""
        current = np.atleast_1d(np.asarray(current, dtype=float))
        return cls(current, np.zeros_like(current), np.full_like(current, np.inf), source)

    def outside(self, curve: FICurve) -> np.ndarray:
        """Where ``curve`` (computed at this budget's currents) leaves the band (NaN rates, failed points, too)."""
        if not np.allclose(curve.current, self.current, rtol=1e-12, atol=0):
            raise ValueError("the curve and the budget are at different currents")
        return ~((curve.rate >= self.low) & (curve.rate <= self.high))

    def width(self, reference: FICurve) -> np.ndarray:
        """The band's largest relative distance from ``reference``'s rate at each current where that is > 0: how
        much the budget allows (a budget of 1 % has width 0.01)."""
        ref = reference.rate[reference.rate > 0]
        return np.maximum(relative_error(self.low[reference.rate > 0], ref),
                          relative_error(self.high[reference.rate > 0], ref))


@runtime_checkable
class Level(Protocol):
    """A level of lifhw: configured at construction (method, step, netlist, number format, where it runs), then the
    same question for any neuron. ``name`` is its ``lifhw fi --level`` name."""

    name: ClassVar[str]

    def fi(self, params: LIFParams, currents) -> FICurve:
        """The f-I curve of ``params`` at ``currents`` (A)."""

    def budget(self, params: LIFParams, currents) -> Budget:
        """Where :meth:`fi` may lie around the closed form of ``params`` at ``currents``, and why."""

    def as_dict(self) -> dict:
        """The level's configuration, JSON-ready."""


@runtime_checkable
class RateModel(Protocol):
    """A closed form of one neuron's firing rate under constant input current (SI units)."""

    @property
    def tau(self):
        """Small-signal membrane time constant (s)."""

    @property
    def rheobase(self):
        """Smallest constant current (A) that reaches threshold."""

    def isi(self, i_in) -> np.ndarray:
        """Inter-spike interval (s) at ``i_in`` (A); inf where the neuron is silent."""

    def rate(self, i_in) -> np.ndarray:
        """Steady rate (Hz) at ``i_in`` (A); 0 at or below the rheobase."""

    def fi(self, currents) -> FICurve:
        """The f-I curve at ``currents`` (A)."""

    def linear_params(self) -> LIFParams:
        """The linear LIF with the same small-signal leak, capacitance, threshold, reset and dead time."""


class IsiRateModel:
    """:class:`RateModel`'s ``isi``, ``rate`` and ``fi`` from a model's ``time_to_threshold(i_in)`` (s, from the
    reset; inf when never) and ``t_dead`` (s after each spike before it integrates again), and ``linear_params``
    from its ``c_eff``, ``g_m``, ``v_th``, ``v_reset``, ``t_dead`` and the rest point ``linear_rest`` of its linear
    equivalent. ``LABEL`` and ``MODEL`` name its curves."""

    LABEL: ClassVar[str]
    MODEL: ClassVar[str]

    if TYPE_CHECKING:  # what a model mixing this in provides
        @property
        def t_dead(self) -> Any: ...
        @property
        def c_eff(self) -> Any: ...
        @property
        def g_m(self) -> Any: ...
        @property
        def v_th(self) -> Any: ...
        @property
        def v_reset(self) -> Any: ...
        @property
        def linear_rest(self) -> Any: ...
        def time_to_threshold(self, i_in) -> np.ndarray: ...

    def isi(self, i_in) -> np.ndarray:
        """Inter-spike interval (s): time to threshold + t_dead; inf when silent."""
        return self.time_to_threshold(i_in) + self.t_dead

    def rate(self, i_in) -> np.ndarray:
        """Steady firing rate (Hz); 0 at or below the rheobase."""
        return rate_of(self.isi(i_in))

    def fi(self, currents, label: str | None = None) -> FICurve:
        """The f-I curve at ``currents`` (A), labelled ``label`` (default: the model's)."""
        currents = np.atleast_1d(np.asarray(currents, dtype=float))
        return FICurve(currents, self.rate(currents), label or self.LABEL, {"model": self.MODEL})

    def linear_params(self) -> LIFParams:
        """The linear LIF with the same g_m, C_eff, threshold, reset and (as t_ref) dead time, its leak centred on
        ``linear_rest``."""
        return LIFParams(c_m=float(self.c_eff), r_m=1.0 / float(self.g_m), v_rest=float(self.linear_rest),
                         v_th=float(self.v_th), v_reset=float(self.v_reset), t_ref=float(self.t_dead))
