"""Training by backpropagation through time: a cross-entropy loss on the output spike counts, Adam (optax) with
a cosine-decaying learning rate.

The loss is ``softmax_cross_entropy(counts, label)``: the last layer's spike counts over the T steps are the
logits, so what is trained is exactly what is read out (the class with the most spikes, ties to the lowest
index, :attr:`lifhw.fixed.NetworkRun.prediction`). Every random draw comes from an explicit PRNG key split
from the seed: same seed, same numbers (JAX on CPU is deterministic).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
import optax

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


def forward_counts(weights, specs, events_tbn, kind: str, slope: float, key=None):
    """Output spike counts (B, n_out) and spikes per layer per sample (B, L) of a time-first batch (``key``: the
    analog layers' mismatch drawn per sample)."""
    out, totals = model.run(weights, specs, events_tbn, kind, slope, key)
    return out.sum(axis=0), totals.sum(axis=0)


_forward = jax.jit(forward_counts, static_argnums=(1, 3, 4))


@dataclass
class Evaluation:
    accuracy: float
    prediction: np.ndarray
    #: mean spikes per inference in each layer (hidden…, output)
    spikes_per_layer: list[float]


def evaluate(weights, specs, events: np.ndarray, labels: np.ndarray, config: TrainConfig) -> Evaluation:
    """Accuracy of the JAX model on given events (N, T, n_in) bool (the same events the fixed model gets)."""
    counts, totals = _forward([jnp.asarray(w) for w in weights], specs,
                         jnp.asarray(np.swapaxes(events, 0, 1), dtype=jnp.float32), config.surrogate, config.slope)
    prediction = np.asarray(jnp.argmax(counts, axis=-1))
    return Evaluation(float(np.mean(prediction == labels)), prediction, np.asarray(totals).mean(axis=0).tolist())


def make_train_step(specs: tuple, config: TrainConfig, optimizer):
    """One Adam step on a batch: ``step(weights, opt_state, x, y, key) -> (weights, opt_state, loss, n_correct)``,
    not yet jitted (:func:`fit` jits it; the benchmark also runs it without)."""
    kind, slope = config.surrogate, config.slope

    def train_step(weights, opt_state, x, y, key):
        # analog layers draw their mismatch per sample of every batch (a key of its own); the others' events stay
        # those of the batch key
        devices = None
        if any(spec.sigma_theta or spec.sigma_zero or spec.sigma_bias for spec in specs):
            key, devices = jax.random.split(key)
        events = device_events(key, x, config.steps, config.encoding)

        def loss_fn(w):
            counts, _ = forward_counts(w, specs, events, kind, slope, devices)
            return optax.softmax_cross_entropy_with_integer_labels(counts, y).mean(), counts

        (loss, counts), grads = jax.value_and_grad(loss_fn, has_aux=True)(weights)
        updates, opt_state = optimizer.update(grads, opt_state, weights)
        return optax.apply_updates(weights, updates), opt_state, loss, jnp.sum(jnp.argmax(counts, -1) == y)

    return train_step


def optimizer_for(config: TrainConfig, n_batches: int):
    """Adam with a cosine decay to zero over the run: the last epochs average out the Bernoulli input noise
    instead of chasing it."""
    return optax.adam(optax.cosine_decay_schedule(config.lr, max(config.epochs * n_batches, 1)))


@functools.lru_cache(maxsize=8)
def _compiled_step(specs: tuple, config: TrainConfig, n_batches: int):
    """The optimizer and the jitted step, kept per setting so that training twice alike compiles once."""
    optimizer = optimizer_for(config, n_batches)
    return optimizer, jax.jit(make_train_step(specs, config, optimizer))


def fit(weights, specs: tuple, x_train: np.ndarray, y_train: np.ndarray, eval_events: np.ndarray,
        eval_labels: np.ndarray, config: TrainConfig, key, phase: str,
        progress: Callable[[dict], None] | None = None) -> tuple[list[np.ndarray], list[dict]]:
    """Adam on the count loss for ``config.epochs`` epochs; returns the weights and one history row per epoch
    (loss and accuracy on the training batches, accuracy on ``eval_events``)."""
    n_batches = max(len(x_train) // config.batch, 1)
    optimizer, train_step = _compiled_step(specs, config, n_batches)
    weights = [jnp.asarray(w, dtype=jnp.float32) for w in weights]
    opt_state = optimizer.init(weights)
    x_dev, y_dev = jnp.asarray(x_train, dtype=jnp.float32), jnp.asarray(y_train, dtype=jnp.int32)
    history = []
    for epoch in range(1, config.epochs + 1):
        start = time.perf_counter()
        key, k_perm = jax.random.split(key)
        order = jax.random.permutation(k_perm, len(x_train))
        losses, correct, seen = [], 0, 0
        for b in range(n_batches):
            key, k_batch = jax.random.split(key)
            idx = order[b * config.batch:(b + 1) * config.batch]
            weights, opt_state, loss, ok = train_step(weights, opt_state, x_dev[idx], y_dev[idx], k_batch)
            losses.append(float(loss))
            correct, seen = correct + int(ok), seen + len(idx)
        held_out = evaluate(weights, specs, eval_events, eval_labels, config)
        row = {"phase": phase, "epoch": epoch, "loss": float(np.mean(losses)), "train_accuracy": correct / seen,
               "test_accuracy": held_out.accuracy, "seconds": time.perf_counter() - start}
        history.append(row)
        if progress:
            progress(row)
    return [np.asarray(w) for w in weights], history
