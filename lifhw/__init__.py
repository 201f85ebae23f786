"""lifhw: co-simulation and hardware design kit for the leaky integrate-and-fire neuron.

One :class:`LIFParams` drives four levels — closed-form theory (:mod:`lifhw.theory`), a numpy
reference simulation (:mod:`lifhw.sim`), a transistor-level ngspice circuit and a fixed-point RTL —
and every level answers with an :class:`FICurve`.
"""

from .errors import LifhwError, ParameterError, RtlError, SpiceError, UnstableStepError
from .fi import FICurve
from .params import LIFParams
from .units import parse_value

__all__ = ["FICurve", "LIFParams", "LifhwError", "ParameterError", "RtlError", "SpiceError",
           "UnstableStepError", "parse_value"]
