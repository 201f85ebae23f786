"""The one answer every level gives: a firing-rate curve over input currents."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


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
        return cls(data["current"], rate, data["label"], data.get("metadata", {}))

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
