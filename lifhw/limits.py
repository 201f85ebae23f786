"""How much work one call may ask for: documented bounds, each with the flag that raises it.

A value can be a valid number of its quantity and still ask for more than a machine has: ``--dt 200p`` with
``--t-sim 0.2`` is 10^9 time steps (7.5 GiB for the time axis alone, hours of stepping). Every simulation,
sweep and population checks the work its parameters imply against these limits *before* it starts, and the
error names the parameter that implied the work and the flag that raises the limit.

==============  =======  =================================================================  ================
limit           default  what it bounds                                                     raise it with
==============  =======  =================================================================  ================
``max_steps``   10^7     time steps of one simulation (lifhw.sim takes 25-50 µs a step: a    ``--max-steps``
                         few minutes; ngspice ~10 µs a step of lif_ideal), of the network
                         (and its neuron updates / 1000), of a whole scenario run, of one
                         SPICE transient, of the RTL; spike events inside the steps of one
                         simulation; a training run's samples x steps
``max_points``  10^5     values in one sweep or list (``--i 0:1n:N``), neurons of a          ``--max-points``
                         population (Monte Carlo, network, scenario conditions x laps)
``max_memory``  2 GiB    bytes of the arrays one run holds at once (recorded traces, the     ``--max-memory``
                         network's connectivity and delay ring)
==============  =======  =================================================================  ================

The CLI sets the limits of one command from its flags; from Python, ``with lifhw.limits.override(
max_steps=10**8): ...`` raises them for the calls inside (a context variable, so threads and nested calls
each see their own).
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import math
from collections.abc import Iterator
from dataclasses import dataclass

from .errors import ParameterError


@dataclass(frozen=True)
class Limits:
    """The work bounds in force (see the module's table)."""

    max_steps: int = 10**7
    max_points: int = 10**5
    max_memory: int = 2 * 2**30


#: The command-line flag that sets each limit.
FLAGS = {"max_steps": "--max-steps", "max_points": "--max-points", "max_memory": "--max-memory"}

DEFAULT = Limits()
_CURRENT: contextvars.ContextVar[Limits] = contextvars.ContextVar("lifhw_limits", default=DEFAULT)


def current() -> Limits:
    """The limits in force for this call."""
    return _CURRENT.get()


@contextlib.contextmanager
def override(**changes: int) -> Iterator[Limits]:
    """Run the body with some limits changed (``max_steps=``, ``max_points=``, ``max_memory=``; ints >= 1)."""
    for name, value in changes.items():
        if name not in FLAGS:
            raise ParameterError(name, value, f"is not a limit; the limits are {', '.join(FLAGS)}")
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ParameterError(name, value, "must be a whole number >= 1")
    token = _CURRENT.set(dataclasses.replace(current(), **changes))
    try:
        yield current()
    finally:
        _CURRENT.reset(token)


def _check(limit: str, amount: float, name: str, value: object, what: str) -> int:
    bound = getattr(current(), limit)
    if not amount <= bound:  # also refuses nan
        raise ParameterError(name, value, f"{what} = {amount:.6g}, more than the limit {limit} = {bound:.6g}; "
                                          f"raise it with {FLAGS[limit]} (or lifhw.limits.override)")
    return int(amount)


def check_steps(name: str, value: object, steps: float, what: str = "time steps") -> int:
    """``steps`` (a float: it may be astronomically large) as an int, or ParameterError naming ``name``."""
    return _check("max_steps", math.ceil(steps) if math.isfinite(steps) else steps, name, value, what)


def check_points(name: str, value: object, n: float, what: str = "points") -> int:
    """``n`` values of a sweep or members of a population as an int, or ParameterError naming ``name``."""
    return _check("max_points", n, name, value, what)


def check_memory(name: str, value: object, n_bytes: float, what: str = "bytes of arrays") -> int:
    """``n_bytes`` a run would hold as an int, or ParameterError naming ``name``."""
    return _check("max_memory", n_bytes, name, value, what)
