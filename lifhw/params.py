"""The single parameter set that drives every level of lifhw.

:class:`LIFParams` describes the membrane of one leaky integrate-and-fire neuron,

.. math::  C_m \\frac{dV}{dt} = -\\frac{V - V_{rest}}{R_m} + I(t),

with a spike when :math:`V` reaches :math:`V_{th}`, after which :math:`V` is held at
:math:`V_{reset}` for the refractory period :math:`t_{ref}`.

==========  ======  =====================================  ========
name        unit    meaning                                default
==========  ======  =====================================  ========
``c_m``     F       membrane capacitance                   200 pF
``r_m``     Ω       membrane (leak) resistance             100 MΩ
``v_rest``  V       resting (leak reversal) potential      −70 mV
``v_th``    V       spike threshold                        −50 mV
``v_reset`` V       potential after a spike                −70 mV
``t_ref``   s       absolute refractory period             2 ms
==========  ======  =====================================  ========

Derived: ``tau_m = r_m * c_m`` (20 ms by default), ``g_l = 1 / r_m`` (10 nS) and ``rheobase =
(v_th - v_rest) / r_m`` (200 pA). The defaults are a textbook cortical neuron (Gerstner et al.,
*Neuronal Dynamics*, 2014, ch. 1).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from .errors import ParameterError
from .units import check_value

#: Field name -> (unit, one-line meaning); the CLI and the docs read it so nothing is typed twice.
FIELDS: dict[str, tuple[str, str]] = {
    "c_m": ("F", "membrane capacitance"),
    "r_m": ("Ohm", "membrane (leak) resistance"),
    "v_rest": ("V", "resting potential"),
    "v_th": ("V", "spike threshold"),
    "v_reset": ("V", "potential after a spike"),
    "t_ref": ("s", "absolute refractory period"),
}


@dataclass(frozen=True)
class LIFParams:
    """Membrane parameters of one LIF neuron, SI units, validated on construction.

    Build from a leak conductance with :meth:`from_g_l`. All fields are floats; use
    :meth:`replace` to derive a variant (it validates again).
    """

    c_m: float = 200e-12
    r_m: float = 100e6
    v_rest: float = -70e-3
    v_th: float = -50e-3
    v_reset: float = -70e-3
    t_ref: float = 2e-3

    def __post_init__(self) -> None:
        for name, (unit, _) in FIELDS.items():
            # Any real number, numpy scalars included, within the magnitudes of its quantity (lifhw.units).
            object.__setattr__(self, name, check_value(getattr(self, name), name, unit))
        if self.c_m <= 0:
            raise ParameterError("c_m", self.c_m, "must be > 0 F")
        if self.r_m <= 0:
            raise ParameterError("r_m", self.r_m, "must be > 0 Ohm")
        if self.t_ref < 0:
            raise ParameterError("t_ref", self.t_ref, "must be >= 0 s")
        if self.v_th <= self.v_reset:
            raise ParameterError("v_th", self.v_th, f"must be > v_reset = {self.v_reset:.6g} V")
        if self.v_th <= self.v_rest:
            raise ParameterError("v_th", self.v_th, f"must be > v_rest = {self.v_rest:.6g} V")

    @classmethod
    def from_g_l(cls, g_l: float, **kwargs: float) -> LIFParams:
        """Build from a leak conductance ``g_l`` (S) instead of ``r_m``."""
        return cls(r_m=1.0 / check_value(g_l, "g_l", "S", minimum=0), **kwargs)

    @property
    def tau_m(self) -> float:
        """Membrane time constant R_m·C_m (s)."""
        return self.r_m * self.c_m

    @property
    def g_l(self) -> float:
        """Leak conductance 1/R_m (S)."""
        return 1.0 / self.r_m

    @property
    def rheobase(self) -> float:
        """Smallest constant current that ever reaches threshold, (V_th − V_rest)/R_m (A)."""
        return (self.v_th - self.v_rest) / self.r_m

    def replace(self, **changes: float) -> LIFParams:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict[str, float]:
        """The six fields as a plain dict (SI), for JSON."""
        return {name: getattr(self, name) for name in FIELDS}
