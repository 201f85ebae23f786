"""Training by backpropagation through time: a cross-entropy loss on the output spike counts, Adam (optax) with
a cosine-decaying learning rate.

The loss is ``softmax_cross_entropy(counts, label)``: the last layer's spike counts over the T steps are the
logits, so what is trained is exactly what is read out (the class with the most spikes, ties to the lowest
index, :attr:`lifhw.fixed.NetworkRun.prediction`). Every random draw comes from an explicit PRNG key split
from the seed: same seed, same numbers (JAX on CPU is deterministic).
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import optax

from .. import progress as lifhw_progress
from ..errors import ParameterError
from . import encode, model, surrogate


@dataclass(frozen=True)
class TrainConfig:
    """How to train: time steps per sample, epochs, batch, Adam's learning rate, surrogate, input encoding."""

    steps: int = 16
    epochs: int = 30
    batch: int = 64
    lr: float = 1e-2
    surrogate: str = "fast_sigmoid"
    slope: float = 10.0
    encoding: str = "rate"

    def __post_init__(self) -> None:
        for name, low in (("steps", 1), ("epochs", 0), ("batch", 1)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ParameterError(name, value, f"must be a whole number >= {low}")
        if not isinstance(self.lr, int | float) or not 0 < self.lr < 1:
            raise ParameterError("lr", self.lr, "must be a number in (0, 1)")
        surrogate.check(self.surrogate, self.slope)
        if self.encoding not in encode.ENCODINGS:
            raise ParameterError("encoding", self.encoding, f"must be one of {', '.join(encode.ENCODINGS)}")


def init_weights(key, sizes: list[int], gain: float = 2.0) -> list[jnp.ndarray]:
    """Gaussian weights, standard deviation gain/√n_in (threshold units per input spike)."""
    keys = jax.random.split(key, len(sizes) - 1)
    return [gain / np.sqrt(n_in) * jax.random.normal(k, (n_out, n_in), dtype=jnp.float32)
            for k, n_in, n_out in zip(keys, sizes[:-1], sizes[1:], strict=True)]


def device_events(key, intensity, steps: int, encoding: str):
    """Training events (T, B, n_in) float32 drawn on the device: fresh Bernoulli spikes per call (``rate``) or
    the deterministic latency code (the same rule as :func:`lifhw.learn.encode.latency`)."""
    if encoding == "rate":
        return jax.random.bernoulli(key, intensity[None], (steps,) + intensity.shape).astype(jnp.float32)
    t = jnp.rint((1.0 - intensity) * (steps - 1))
    return ((jnp.arange(steps)[:, None, None] == t[None]) & (intensity[None] > 0)).astype(jnp.float32)


def forward_counts(weights, specs, events_tbn, kind: str, slope: float, biases=None, key=None):
    """Output spike counts (B, n_out) and spikes per layer per sample (B, L) of a time-first batch (``key``: the
    analog layers' mismatch drawn per sample)."""
    out, totals = model.run(weights, specs, events_tbn, kind, slope, biases, key)
    return out.sum(axis=0), totals.sum(axis=0)


_forward = jax.jit(forward_counts, static_argnums=(1, 3, 4))


@dataclass
class FitState:
    """Where :func:`fit` stands after ``epoch`` epochs: everything the next epoch needs, exactly (the weights, the
    leaves of the optimizer's state in ``jax.tree_util`` order, the PRNG key, the biases, the best epoch's parameters
    when selecting) and the history so far."""

    epoch: int
    weights: list[np.ndarray]
    opt_state: list[np.ndarray]
    key: np.ndarray
    history: list[dict]
    #: the trained biases (None: a network without)
    biases: list[np.ndarray] | None = None
    #: when selecting on a validation split: the best epoch so far (0: none) and its weights and biases
    best_epoch: int = 0
    best_weights: list[np.ndarray] = field(default_factory=list)
    best_biases: list[np.ndarray] | None = None


@dataclass
class Evaluation:
    accuracy: float
    prediction: np.ndarray
    #: mean spikes per inference in each layer (hidden…, output)
    spikes_per_layer: list[float]


def evaluate(weights, specs, events: np.ndarray, labels: np.ndarray, config: TrainConfig,
             biases=None) -> Evaluation:
    """Accuracy of the JAX model on given events (N, T, n_in) bool (the same events the fixed model gets)."""
    counts, totals = _forward([jnp.asarray(w) for w in weights], specs,
                              jnp.asarray(np.swapaxes(events, 0, 1), dtype=jnp.float32), config.surrogate,
                              config.slope, None if biases is None else [jnp.asarray(b) for b in biases])
    prediction = np.asarray(jnp.argmax(counts, axis=-1))
    return Evaluation(float(np.mean(prediction == labels)), prediction, np.asarray(totals).mean(axis=0).tolist())


def make_train_step(specs: tuple, config: TrainConfig, optimizer):
    """One Adam step on a batch: ``step(params, opt_state, x, y, key) -> (params, opt_state, loss, n_correct)``
    with ``params = (weights, biases)`` (biases None for a network without), not yet jitted (:func:`fit` scans it
    over an epoch; the benchmark also runs it op by op)."""
    kind, slope = config.surrogate, config.slope

    def train_step(params, opt_state, x, y, key):
        # analog layers draw their mismatch per sample of every batch (a key of its own); the others' events stay
        # those of the batch key
        devices = None
        if any(spec.sigma_theta or spec.sigma_zero or spec.sigma_bias for spec in specs):
            key, devices = jax.random.split(key)
        events = device_events(key, x, config.steps, config.encoding)

        def loss_fn(p):
            counts, _ = forward_counts(p[0], specs, events, kind, slope, p[1], devices)
            return optax.softmax_cross_entropy_with_integer_labels(counts, y).mean(), counts

        (loss, counts), grads = jax.value_and_grad(loss_fn, has_aux=True)(params)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss, jnp.sum(jnp.argmax(counts, -1) == y)

    return train_step


def optimizer_for(config: TrainConfig, n_batches: int):
    """Adam with a cosine decay to zero over the run: the last epochs average out the Bernoulli input noise
    instead of chasing it."""
    return optax.adam(optax.cosine_decay_schedule(config.lr, max(config.epochs * n_batches, 1)))


@functools.lru_cache(maxsize=8)
def _compiled_epoch(specs: tuple, config: TrainConfig, n_batches: int, size: int):
    """The optimizer and one jitted epoch (the batch steps in a ``lax.scan``: one call and one transfer per epoch,
    not per batch), kept per setting so that training twice alike compiles once."""
    optimizer = optimizer_for(config, n_batches)
    step = make_train_step(specs, config, optimizer)

    def epoch(params, opt_state, x, y, order, key):
        batches = order[:n_batches * size].reshape(n_batches, size)
        keys = jax.random.split(key, n_batches)

        def one(carry, item):
            idx, k = item
            params, opt_state, loss, ok = step(*carry, x[idx], y[idx], k)
            return (params, opt_state), (loss, ok)

        (params, opt_state), (losses, correct) = jax.lax.scan(one, (params, opt_state), (batches, keys))
        return params, opt_state, losses.mean(), correct.sum()

    return optimizer, jax.jit(epoch)


def enable_compilation_cache(folder: Path | None = None) -> Path:
    """JAX's persistent compilation cache in ``folder`` (default ``$XDG_CACHE_HOME/lifhw/jax``, else
    ``~/.cache/lifhw/jax``): a second training run with the same shapes loads the compiled steps instead of
    compiling them again."""
    if folder is None:
        folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "lifhw" / "jax"
    folder.mkdir(parents=True, exist_ok=True)
    jax.config.update("jax_compilation_cache_dir", str(folder))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.5)
    return folder


@dataclass
class Fit:
    """What :func:`fit` returns: the weights and biases (None without), one history row per epoch, and the epoch
    whose parameters these are (the last one, or the best on the validation set when selecting)."""

    weights: list[np.ndarray]
    biases: list[np.ndarray] | None
    history: list[dict]
    epoch: int


def fit(weights, specs: tuple, x_train: np.ndarray, y_train: np.ndarray, config: TrainConfig, key, phase: str,
        progress: Callable[[dict], None] | None = None, biases=None,
        validation: tuple[np.ndarray, np.ndarray] | None = None, select: bool = False,
        resume: FitState | None = None, on_epoch: Callable[[FitState], None] | None = None) -> Fit:
    """Adam on the count loss for ``config.epochs`` epochs (biases trained too when given).

    Each history row has the loss and accuracy on the training batches; with ``validation`` (events, labels) also
    the accuracy on it, and with ``select`` the returned parameters are those of the epoch that scored best there
    (the first of equals). Nothing else is evaluated per epoch.

    ``on_epoch(state)`` is called after each epoch with a :class:`FitState`; ``resume``, such a state of a run with
    the same arguments, goes on after its epoch and ends with the parameters, history and choice that run would
    have had.
    """
    size = min(config.batch, len(x_train))
    n_batches = len(x_train) // size
    optimizer, epoch_step = _compiled_epoch(specs, config, n_batches, size)
    params = ([jnp.asarray(w, dtype=jnp.float32) for w in weights],
              None if biases is None else [jnp.asarray(b, dtype=jnp.float32) for b in biases])
    opt_state = optimizer.init(params)
    x_dev, y_dev = jnp.asarray(x_train, dtype=jnp.float32), jnp.asarray(y_train, dtype=jnp.int32)
    selecting = select and validation is not None
    history: list[dict] = []
    best, best_score = (params, 0), -1.0
    first = 1
    if resume is not None:
        params, opt_state, key = _restored(resume, params, opt_state, key)
        history, first = list(resume.history), resume.epoch + 1
        if selecting and resume.best_epoch > 0:
            best = ((list(map(jnp.asarray, resume.best_weights)), _arrays(resume.best_biases)), resume.best_epoch)
            best_score = history[resume.best_epoch - 1]["validation_accuracy"]
    for epoch in range(first, config.epochs + 1):
        start = time.perf_counter()
        key, k_perm, k_epoch = jax.random.split(key, 3)
        order = jax.random.permutation(k_perm, len(x_train))
        params, opt_state, loss, correct = epoch_step(params, opt_state, x_dev, y_dev, order, k_epoch)
        row = {"phase": phase, "epoch": epoch, "loss": float(loss),
               "train_accuracy": int(correct) / (n_batches * size)}
        if validation is not None:
            score = evaluate(params[0], specs, validation[0], validation[1], config, params[1]).accuracy
            row["validation_accuracy"] = score
            if select and score > best_score:
                best, best_score = (params, epoch), score
        row["seconds"] = time.perf_counter() - start
        history.append(row)
        if on_epoch is not None:  # before the progress line, which then tells of a kept epoch
            (best_w, best_b), best_epoch = best if selecting else (([], None), 0)
            leaves = [np.asarray(leaf) for leaf in jax.tree_util.tree_leaves(opt_state)]
            on_epoch(FitState(epoch, _host(params[0]), leaves, np.asarray(key), list(history), _host(params[1]),
                              best_epoch, _host(best_w), _host(best_b)))
        if progress:
            progress(row)
        lifhw_progress.reached(f"{phase} epoch {epoch}")
    (w, b), chosen = best if selecting else (params, config.epochs)
    return Fit(_host(w), _host(b), history, chosen)


def _host(arrays):
    """``arrays`` (a list of device arrays, or None) as numpy arrays."""
    return None if arrays is None else [np.asarray(a) for a in arrays]


def _arrays(arrays):
    """``arrays`` (a list of numpy arrays, or None) on the device."""
    return None if arrays is None else [jnp.asarray(a) for a in arrays]


def _restored(state: FitState, params: tuple, opt_state, key) -> tuple[tuple, object, object]:
    """The parameters (weights, biases), optimizer state and key of ``state`` in place of the fresh ones;
    ParameterError unless each saved array has its fresh one's shape and type (a checkpoint of another network,
    or of one with biases where this has none or the other way round)."""
    leaves, tree = jax.tree_util.tree_flatten(opt_state)
    groups = (("weights", params[0], state.weights), ("biases", params[1] or [], state.biases or []),
              ("optimizer state", leaves, state.opt_state), ("PRNG key", [key], [state.key]))
    for what, fresh, saved in groups:
        if len(fresh) != len(saved) or any(np.shape(f) != np.shape(s) or np.asarray(f).dtype != np.asarray(s).dtype
                                           for f, s in zip(fresh, saved, strict=True)):
            raise ParameterError("resume", f"epoch {state.epoch}",
                                 f"the checkpoint's {what} does not fit this network (another network's checkpoint)")
    return ((_arrays(state.weights), _arrays(state.biases)),
            jax.tree_util.tree_unflatten(tree, [jnp.asarray(leaf) for leaf in state.opt_state]), jnp.asarray(state.key))
