"""The one exception family of lifhw.

Every error a user can cause or meet derives from :class:`LifhwError`. The CLI maps
:class:`ParameterError` (bad input) to exit code 2 and every other :class:`LifhwError`
(a failed run) to exit code 1, printing the message as a single line.

Every error of the family survives pickling with its message and its fields (``name``, ``value``,
``rule`` of a ParameterError, whatever a subclass stores), so an error raised in a worker process
reaches the parent as itself, not as a failure to unpickle it.
"""

from __future__ import annotations

import reprlib

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
            size = f", {len(value)} {'characters' if isinstance(value, str) else 'values'}" if hasattr(
                value, "__len__") else ""
            shown = f"{shown[:SHOWN_MAX - 20]}...{size}"
        super().__init__(f"{name} = {shown}: {rule}")


class FieldError(ParameterError):
    """A field of data lifhw reads back (a file a user handed it, a result it stored) is missing or not what it must
    be.

    ``name`` is the field's place in the data (``points[2].rate``, ``l0_neuron.params.c_m``; ``""`` for the data as a
    whole) and ``path`` the file, once known: ``build/learn/result.json: seed = 'abc': expected int, got str``. A
    ``value`` of ``...`` means there is none to show (``result.json: seed is missing``).
    """

    def __init__(self, name: str, value: object, rule: str, path: str | None = None):
        # A value read from a file may be a list of a million numbers: show its first few only.
        ParameterError.__init__(self, name, _Short(value), rule)
        self.value, self.path = value, path
        text = self.args[0] if value is not ... else f"{name} {rule}"
        text = text if name else rule
        self.args = (f"{path}: {text}" if path else text,)

    def in_file(self, path: str, prefix: str = "") -> FieldError:
        """This error as one of the file ``path``, its field under ``prefix`` (:func:`field_name`)."""
        return FieldError(field_name(prefix, self.name), self.value, self.rule, str(path))


def field_name(prefix: str, name: str) -> str:
    """``name`` under ``prefix``: ``prefix.name``, or ``prefixname`` when ``prefix`` ends in ``_`` (the members
    ``l0_weights``, ``l0_acc_width`` of a model file)."""
    if not prefix or not name:
        return prefix or name
    return f"{prefix}{name}" if prefix.endswith("_") else f"{prefix}.{name}"


def _short_repr() -> reprlib.Repr:
    shown = reprlib.Repr()
    shown.maxlevel, shown.maxstring, shown.maxother = 2, 60, 60
    shown.maxlist = shown.maxtuple = shown.maxdict = shown.maxset = 4
    return shown


class _Short:
    """A value shown by its first items (reprlib), whatever its size."""

    _REPR = _short_repr()

    def __init__(self, value: object):
        self.value = value

    def __repr__(self) -> str:
        value = self.value
        return f"{value:.6g}" if isinstance(value, float) else self._REPR.repr(value)


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
