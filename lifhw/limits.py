"""How much work one call may ask for: documented bounds, each with the flag that raises it.

A value can be a valid number of its quantity and still ask for more than a machine has: ``--dt 200p`` with
``--t-sim 0.2`` is 10^9 time steps (7.5 GiB for the time axis alone, hours of stepping). Every simulation,
sweep and population checks the work its parameters imply against these limits *before* it starts, and the
error names the parameter that implied the work and the flag that raises the limit.

==============  =========  ===============================================================  ================
limit           default    what it bounds                                                   raise it with
==============  =========  ===============================================================  ================
``max_steps``   2x10^6     the work of one run, counted in *steps*: one step of lifhw.sim   ``--max-steps``
                           for one neuron; other work counts what it costs in those steps
                           (lifhw.sim's ``steps_of_work``, the COST_* constants below): a
                           population's neurons, a network's neuron updates and synapse
                           draws, a SPICE sweep's transient steps summed over its points,
                           the RTL's neuron-steps, a scenario's every simulation; spike
                           events of one simulation; a training run's samples x steps
``max_points``  10^5       values in one sweep or list (``--i 0:1n:N``), neurons of a       ``--max-points``
                           population (Monte Carlo, network, scenario conditions x laps)
``max_memory``  2 GiB      bytes the process holds at its peak: the arrays a run           ``--max-memory``
                           allocates (recorded traces, the network's connectivity, delay
                           ring, spike lists) plus PROCESS_BYTES for the interpreter and
                           its libraries
==============  =========  ===============================================================  ================

Calibration (this machine: 2 cores shared, CPU seconds of one process from ``/usr/bin/time``, startup
subtracted; a loaded core gives the same CPU seconds, only later): ``lifhw fi --method exact --i 1n --dt 1e-4
--t-sim 5`` (5x10^4 steps) took 2.2 s, 44 µs a step, so max_steps = 2x10^6 is ~90 s of stepping and no accepted
run passes ~2 minutes of CPU. The issue's runs past 150 s (``fi --t-sim 1000`` at 10^7 steps, ``rtl fi
--t-sim 1000``, ``scenario allodynia --t-touch 10k``, ``scenario place-field --speed 1m``, ``spice fi --i
1n:2n:100000``) are all more than that and refused.

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

    max_steps: int = 2 * 10**6
    max_points: int = 10**5
    max_memory: int = 2 * 2**30


# What other work costs in steps of lifhw.sim for one neuron (see the module's calibration; CPU seconds measured on
# this machine, startup subtracted).
#: One neuron-step of the RTL f-I (Icarus runs the testbench, then the bit-exact and float models): ``rtl fi``
#: at --t-sim 4 against 0.5 (2.1x10^5 more neuron-steps of 6 currents) took 3.27 s more, 15.6 µs each.
COST_RTL_NEURON_STEP = 0.4
#: One transient step of ngspice on lif_ideal in a worker: a sweep of 12 points of ~63 000 steps took 5.3 s more
#: CPU (parent and worker, ru_utime + ru_stime of self and children) than one of 2 points: 8.4 µs a step.
COST_SPICE_STEP = 0.2
#: The fixed cost of one SPICE point (the job's round trip to the worker, ngspice's set-up, the measurement): 20
#: points of 2600 steps took 0.41 s more than 2, ~20 ms a point, what their steps alone cost; counted as 50 steps.
COST_SPICE_POINT = 50
#: The resident size of a lifhw process before its run allocates: ru_maxrss of ``network brunel --n 100 --c-e 10
#: --c-i 3 --t-sim 0.01`` (numpy, numba and the compiled kernel) was 194 MB with numba's cache warm and 248 MB
#: with it cold (a fresh clone compiles the kernel, and LLVM's memory stays resident), of ``fi --t-sim 0.01`` 88 MB;
#: on the CI machine, cold, 292 MB (279 MiB: LLVM's resident share differs between hosts), hence the margin.
PROCESS_BYTES = 384 * 2**20


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
    """``n_bytes`` of arrays a run would hold, plus PROCESS_BYTES, as an int, or ParameterError naming ``name``."""
    return _check("max_memory", n_bytes + PROCESS_BYTES, name, value,
                  f"{what} + {PROCESS_BYTES / 2**20:.0f} MiB of the process itself")
