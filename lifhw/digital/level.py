"""The digital level as a :class:`~lifhw.fi.Level`: the fixed-point RTL's f-I measured in Icarus."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import numpy as np

from .. import fixed
from ..fi import Budget, FICurve
from ..files import BUILD
from ..params import LIFParams
from ..units import check_value
from . import bounds
from .study import fi_measure

#: Rates the band's two edges and the RTL compute from the same interval in different orders may differ by this
#: much (relative): the band is widened by it.
ROUNDING = 1e-9


@dataclass(frozen=True)
class Rtl:
    """The RTL level: ``rtl/lif_core.v`` in Icarus (``dv/tb_lif_core.v``, one neuron per current) on the integers
    :func:`lifhw.fixed.quantize` maps a LIFParams to with step ``dt`` (s) and number format ``fmt``, for ``t_sim`` s;
    Icarus works in a folder of its own under ``work``."""

    name: ClassVar[str] = "rtl"
    fmt: fixed.FixedFormat = field(default_factory=fixed.FixedFormat)
    dt: float = 1e-4
    t_sim: float = 2.0
    work: Path = BUILD / "rtl" / "fi"

    def __post_init__(self) -> None:
        for name in ("dt", "t_sim"):
            check_value(getattr(self, name), name, "s", minimum=0)

    def fi(self, params: LIFParams, currents) -> FICurve:
        """The RTL's f-I curve. The metadata carries the integers (``quantized``) and ``spike_mismatches``, the spikes
        in which the RTL differs from the bit-exact model on the same input codes (0 unless the RTL is wrong)."""
        q = fixed.quantize(params, self.dt, self.fmt)
        data = fi_measure(q, currents, self.t_sim, Path(self.work))
        return dataclasses.replace(data.rtl, metadata={"dt": self.dt, "quantized": q.as_dict(), "t_sim": self.t_sim,
                                                       "spike_mismatches": data.spike_mismatches})

    def budget(self, params: LIFParams, currents) -> Budget:
        """The band rtl/README.md proves around the closed form of ``params`` (:func:`lifhw.digital.bounds.
        continuous_band`: the current within one input LSB plus the mapping errors, the ISI within one step),
        derived for ``reset_mode`` "reset"; rates need two spikes within ``t_sim``."""
        currents = np.atleast_1d(np.asarray(currents, dtype=float))
        if self.fmt.reset_mode != "reset":
            return Budget.unbounded(currents, f"reset_mode {self.fmt.reset_mode!r}: rtl/README.md derives the band "
                                              "for 'reset' only")
        q = fixed.quantize(params, self.dt, self.fmt)
        low, high = bounds.continuous_band(q, currents)
        with np.errstate(divide="ignore"):
            isi_low, isi_high = 1.0 / (high * (1 + ROUNDING)), 1.0 / (low * (1 - ROUNDING))
        return Budget.from_isi(currents, isi_low, isi_high, "rtl/README.md: current within i_lsb/I + mapping errors, "
                                                            "ISI + dt", self.t_sim)

    def as_dict(self) -> dict:
        return {"dt": self.dt, "t_sim": self.t_sim, "fmt": dataclasses.asdict(self.fmt)}


def fi(params: LIFParams, currents, dt: float = 1e-4, fmt: fixed.FixedFormat | None = None, t_sim: float = 2.0,
       work: Path = BUILD / "rtl" / "fi") -> FICurve:
    """The RTL's f-I curve: :meth:`Rtl.fi`."""
    return Rtl(fmt or fixed.FixedFormat(), dt, t_sim, work).fi(params, currents)
