"""The one exception family of lifhw.

Every error a user can cause or meet derives from :class:`LifhwError`. The CLI maps
:class:`ParameterError` (bad input) to exit code 2 and every other :class:`LifhwError`
(a failed run) to exit code 1, printing the message as a single line.

Every error of the family survives pickling with its message and its fields (``name``, ``value``,
``rule`` of a ParameterError, whatever a subclass stores), so an error raised in a worker process
reaches the parent as itself, not as a failure to unpickle it.
"""

from __future__ import annotations

#: Longest rendering of a value in a ParameterError's message (characters).
SHOWN_MAX = 100


def _rebuild(cls: type[LifhwError], args: tuple, state: dict) -> LifhwError:
    """Recreate a pickled LifhwError without calling its ``__init__`` (whose signature is the subclass's)."""
    exc = cls.__new__(cls)
    exc.args = args
    exc.__dict__.update(state)
    return exc


class LifhwError(Exception):
    """Base class of every lifhw error.

    ``output``: what the failed command finished (a JSON-ready dict, its failed parts named in it), which the CLI
    prints with ``--json`` before the one error line; None when nothing is worth printing.
    """

    output: dict | None = None

    def __reduce__(self):
        # Exception pickles as cls(*self.args), which fails for subclasses whose __init__ takes fields
        # rather than the message; restore args (the message) and the fields directly instead.
        return (_rebuild, (type(self), self.args, dict(self.__dict__)))


class ParameterError(LifhwError, ValueError):
    """A parameter has a value outside what is allowed.

    The message names the parameter, the value it got and the rule it broke, e.g.
    ``c_m = -2e-10 F: must be > 0``.
    """

    def __init__(self, name: str, value: object, rule: str):
        self.name = name
        self.value = value
        self.rule = rule
        shown = f"{value:.6g}" if isinstance(value, float) else repr(value)
        if len(shown) > SHOWN_MAX:
            # A value of a thousand numbers would drown the one line that says what is wrong with it.
            size = f", {len(value)} values" if hasattr(value, "__len__") else ""
            shown = f"{shown[:SHOWN_MAX - 20]}...{size}"
        super().__init__(f"{name} = {shown}: {rule}")


class UnstableStepError(ParameterError):
    """Forward Euler was asked to step at h >= 2*tau, where its error grows each step."""

    def __init__(self, h: float, tau: float):
        self.h = h
        self.tau = tau
        super().__init__(
            "dt", h,
            f"forward Euler is unstable for dt >= 2*tau = {2 * tau:.6g} s (tau = {tau:.6g} s, "
            f"amplification |1 - dt/tau| = {abs(1 - h / tau):.6g} per step); use a smaller dt, "
            "method 'exact', or allow_unstable=True",
        )


class SpiceError(LifhwError):
    """An ngspice run failed; the message says which and where its log is."""


class Interrupted(LifhwError):
    """The run was stopped (Ctrl-C, SIGTERM) and kept what it had finished; the message says where (exit 130)."""


class RtlError(LifhwError):
    """An RTL simulation or synthesis run failed; the message says which and where its log is."""


class ConventionWarning(UserWarning):
    """A result that runs but may not be what the user meant (a NIR graph whose producer's convention lifhw can only
    guess): the CLI prints it as one ``lifhw: warning:`` line naming the flag that settles it."""
