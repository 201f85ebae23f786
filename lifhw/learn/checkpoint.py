"""A training run's checkpoint, written after every epoch (atomically: a reader sees the last whole one), so that
an interrupted ``lifhw learn digits`` goes on with ``--resume`` and ends where an uninterrupted run with the same
settings ends, bit for bit: the weights, the optimizer's state and the PRNG key are stored exactly, and JAX on
CPU computes the same epoch from the same state.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .. import jsonio
from ..errors import ParameterError
from ..files import write_atomic
from .train import FitState

FORMAT = "lifhw-learn-checkpoint-1"
#: The phases of a digits run, in order: float training, quantization-aware fine-tuning, then (with an analog
#: circuit) mismatch-aware fine-tuning.
PHASES = ("float", "qat", "analog")


@dataclass(frozen=True)
class Checkpoint:
    """Where a run of ``config`` (a DigitsConfig as a dict) stands: in ``phase`` after ``state.epoch`` epochs;
    in the ``qat`` and ``analog`` phases also the trained float network's weights, biases (None: without) and history
    it started from; in the ``analog`` phase also the finished ``qat`` phase's last state (what chose the integer
    network)."""

    config: dict
    phase: str
    state: FitState
    float_weights: tuple[np.ndarray, ...] = ()
    float_history: tuple[dict, ...] = ()
    float_biases: tuple[np.ndarray, ...] | None = None
    qat_state: FitState | None = None


def save(path: Path, checkpoint: Checkpoint) -> None:
    """Write ``checkpoint`` to ``path`` (``.npz``, no pickles), replacing the previous one at once."""
    arrays: dict[str, Any] = {
        "format": np.array(FORMAT), "config": np.array(jsonio.dumps(checkpoint.config, sort_keys=True)),
        "phase": np.array(checkpoint.phase),
        "float_history": np.array(jsonio.dumps(list(checkpoint.float_history)))}
    _put(arrays, "", checkpoint.state)
    if checkpoint.qat_state is not None:
        _put(arrays, "q", checkpoint.qat_state)
    _put_group(arrays, "f", checkpoint.float_weights)
    _put_group(arrays, "fb", checkpoint.float_biases or ())
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    write_atomic(Path(path), buffer.getvalue())


def _put_group(arrays: dict[str, Any], name: str, group) -> None:
    # A group of no arrays stands for None among the biases: a network has at least one layer.
    arrays[f"n_{name}"] = np.array(len(group))
    arrays.update({f"{name}{k}": np.asarray(a) for k, a in enumerate(group)})


def _put(arrays: dict[str, Any], prefix: str, state: FitState) -> None:
    """``state``'s numbers and arrays under names starting with ``prefix``."""
    arrays.update({f"{prefix}epoch": np.array(state.epoch), f"{prefix}key": state.key,
                   f"{prefix}best_epoch": np.array(state.best_epoch),
                   f"{prefix}history": np.array(jsonio.dumps(state.history))})
    for name, group in (("w", state.weights), ("o", state.opt_state), ("b", state.biases or ()),
                        ("bw", state.best_weights), ("bb", state.best_biases or ())):
        _put_group(arrays, prefix + name, group)


def _group(files: dict, name: str) -> list:
    return [files[f"{name}{k}"] for k in range(int(files[f"n_{name}"]))]


def _state(files: dict, prefix: str) -> FitState:
    """The :class:`FitState` :func:`_put` stored under ``prefix``; ValueError if its numbers do not fit together."""
    epoch, best_epoch = files[f"{prefix}epoch"].item(), files[f"{prefix}best_epoch"].item()
    if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
        raise ValueError(f"epoch {epoch!r}")
    history = json.loads(files[f"{prefix}history"].item())
    if not (isinstance(history, list) and len(history) == epoch):
        raise ValueError(f"a history of {epoch} epochs expected")
    if isinstance(best_epoch, bool) or not isinstance(best_epoch, int) or not 0 <= best_epoch <= epoch:
        raise ValueError(f"best epoch {best_epoch!r} of {epoch}")
    groups = {name: _group(files, prefix + name) for name in ("w", "o", "b", "bw", "bb")}
    return FitState(epoch, groups["w"], groups["o"], files[f"{prefix}key"], history, groups["b"] or None, best_epoch,
                    groups["bw"], groups["bb"] or None)


def load(path: Path, config: dict) -> Checkpoint:
    """The checkpoint at ``path`` of a run with ``config``; ParameterError (``resume``) if there is none, it is not
    a readable checkpoint, or it was written for other settings (naming the first that differs)."""
    path = Path(path)
    if not path.is_file():
        raise ParameterError("resume", str(path), "no checkpoint there: nothing to go on from (run without --resume)")
    try:
        with np.load(path, allow_pickle=False) as data:
            files = {key: data[key] for key in data.files}
        if files["format"].item() != FORMAT:
            raise ValueError(f"not a {FORMAT} file")
        saved = json.loads(files["config"].item())
        phase = files["phase"].item()
        if phase not in PHASES:
            raise ValueError(f"phase {phase!r}")
        float_history = json.loads(files["float_history"].item())
        if not isinstance(float_history, list):
            raise ValueError("a float history expected")
        state = _state(files, "")
        # an analog phase after no qat epochs has no qat state: its choice is the rounded network's
        qat_state = _state(files, "q") if phase == "analog" and "qepoch" in files else None
        float_weights, float_biases = _group(files, "f"), _group(files, "fb")
    except (OSError, ValueError, KeyError, EOFError, TypeError, zipfile.BadZipFile) as exc:
        raise ParameterError("resume", str(path), f"is not a readable checkpoint ({type(exc).__name__}: {exc})") \
            from None
    current = json.loads(jsonio.dumps(config, sort_keys=True))
    if saved != current:
        differs = sorted(key for key in set(saved) | set(current) if saved.get(key) != current.get(key))
        raise ParameterError("resume", str(path), f"was written by a run with other settings ({', '.join(differs)})")
    return Checkpoint(saved, phase, state, tuple(float_weights), tuple(float_history), tuple(float_biases) or None,
                      qat_state)
