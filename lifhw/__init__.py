"""lifhw: co-simulation and hardware design kit for the leaky integrate-and-fire neuron.

One :class:`LIFParams` drives four levels — closed-form theory (:mod:`lifhw.theory`), a numpy
reference simulation (:mod:`lifhw.sim`), a transistor-level ngspice circuit and a fixed-point RTL —
and every level answers with an :class:`FICurve`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the names as a type checker sees them (``X as X``: re-exported)
    from .errors import LifhwError as LifhwError
    from .errors import ParameterError as ParameterError
    from .errors import RtlError as RtlError
    from .errors import SpiceError as SpiceError
    from .errors import UnstableStepError as UnstableStepError
    from .fi import FICurve as FICurve
    from .params import LIFParams as LIFParams
    from .units import parse_value as parse_value

#: Where each public name lives. They load on first use, so that ``import lifhw`` (which every ``lifhw.x`` import
#: runs first) loads no numpy: the command line catches a Ctrl-C from its first instant (lifhw.__main__).
_HOME = {"LifhwError": "errors", "ParameterError": "errors", "RtlError": "errors", "SpiceError": "errors",
         "UnstableStepError": "errors", "FICurve": "fi", "LIFParams": "params", "parse_value": "units"}

__all__ = sorted(_HOME)


def __getattr__(name: str):
    if name not in _HOME:
        raise AttributeError(f"module 'lifhw' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_HOME[name]}", __name__), name)
