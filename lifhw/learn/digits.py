"""The first task: scikit-learn's bundled 8×8 digits (1797 images, no download), held-out 20 % split.

:func:`run` is what ``lifhw learn digits`` does: train the float network, then for the chosen weight width a
quantization-aware fine-tuning from the float weights, the conversion to :class:`lifhw.fixed.FixedNetwork` and
its accuracy on the held-out split with the integer model, all on the same seeded input events.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import jax
import numpy as np

from .. import fixed
from ..errors import ParameterError
from ..limits import check_memory, check_steps
from . import convert, encode, model, train

#: The data set: load_digits' 1797 images of 8x8 pixels, ten classes.
N_IMAGES, N_PIXELS, N_CLASSES = 1797, 64, 10


@dataclass(frozen=True)
class DigitsConfig:
    """Network, neuron and training settings of the digits task (defaults: the acceptance run)."""

    hidden: tuple[int, ...] = (64,)
    bits: int = 8
    seed: int = 0
    qat_epochs: int = 10
    #: neuron: tau_m (s), step dt (s), refractory steps, reset mode, state width and leak of the fixed point
    tau: float = 20e-3
    dt: float = 1e-3
    ref_steps: int = 0
    reset_mode: str = "reset"
    width: int = 16
    leak: str = "mult"
    train: train.TrainConfig = field(default_factory=train.TrainConfig)

    def __post_init__(self) -> None:
        if not self.hidden or any(isinstance(n, bool) or not isinstance(n, int) or n < 1 for n in self.hidden):
            raise ParameterError("hidden", self.hidden, "must be one or more layer sizes >= 1")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ParameterError("seed", self.seed, "must be a whole number >= 0")
        fixed.FixedFormat(width=self.width, leak=self.leak, reset_mode=self.reset_mode)  # validates those three
        top = min(16, self.width)
        if isinstance(self.bits, bool) or not isinstance(self.bits, int) or not 2 <= self.bits <= top:
            raise ParameterError("bits", self.bits, f"must be a whole number of weight bits in 2..{top} "
                                                    "(at most the state width)")
        if isinstance(self.qat_epochs, bool) or not isinstance(self.qat_epochs, int) or self.qat_epochs < 0:
            raise ParameterError("qat_epochs", self.qat_epochs, "must be a whole number >= 0")
        for name in ("tau", "dt"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not 0 < value < float("inf"):
                raise ParameterError(name, value, "must be a finite number > 0 s")
        self.neuron()  # validates ref_steps, reset_mode
        self._check_work()

    def _check_work(self) -> None:
        """Refuse, before the data set is loaded, a run larger than lifhw.limits allows."""
        sizes = (N_PIXELS, *self.hidden, N_CLASSES)
        synapses = sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=False))
        steps, batch = self.train.steps, self.train.batch
        check_memory("hidden", list(self.hidden), 16 * synapses, "float32 weights, gradients and Adam's two moments: "
                     "bytes")
        check_memory("steps", steps, 4 * N_IMAGES * steps * N_PIXELS, "input events of every image: bytes")
        check_memory("batch", batch, 4 * 3 * min(batch, N_IMAGES) * steps * sum(sizes),
                     "one batch's activations kept for backpropagation: bytes")
        larger = max(("epochs", self.train.epochs), ("qat_epochs", self.qat_epochs), key=lambda item: item[1])
        check_steps(*larger, (self.train.epochs + self.qat_epochs) * N_IMAGES * steps,
                    "(epochs + qat_epochs) x images x steps: sample-steps")

    def neuron(self) -> model.LayerNeuron:
        beta = fixed.target_beta(model.LIFParams().replace(c_m=self.tau / model.LIFParams().r_m), self.dt)
        return model.LayerNeuron(beta=beta, reset_mode=self.reset_mode, ref_steps=self.ref_steps)


@dataclass(frozen=True)
class Split:
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    #: each test image's index in load_digits(): the id of its input-event stream
    id_test: np.ndarray


def load(seed: int, test_fraction: float = 0.2) -> Split:
    """Intensities in [0, 1] (pixel / 16), stratified split with ``random_state=seed``."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    data = load_digits()
    ids = np.arange(len(data.target))
    x_tr, x_te, y_tr, y_te, _, id_te = train_test_split(data.data / 16.0, data.target, ids, test_size=test_fraction,
                                                        random_state=seed, stratify=data.target)
    return Split(x_tr, y_tr, x_te, y_te, id_te)


def test_events(split: Split, config: DigitsConfig) -> np.ndarray:
    """The held-out input events (N, T, 64) every model is scored on (stream ``(seed + 1, image id)``)."""
    return encode.encode(split.x_test, config.train.steps, config.train.encoding, config.seed + 1, split.id_test)


def train_float(config: DigitsConfig, split: Split, events: np.ndarray,
                progress: Callable[[dict], None] | None = None) -> tuple[model.FloatNetwork, list[dict]]:
    key = jax.random.PRNGKey(config.seed)
    k_init, k_fit = jax.random.split(key)
    sizes = [split.x_train.shape[1], *config.hidden, 10]
    neuron = config.neuron()
    specs = tuple(model.float_spec(neuron) for _ in sizes[1:])
    initial = train.init_weights(k_init, sizes)
    weights, history = train.fit(initial, specs, split.x_train, split.y_train, events, split.y_test, config.train,
                                 k_fit, "float", progress)
    return model.FloatNetwork(tuple(weights), (neuron,) * len(weights), config.dt), history


def train_fixed(config: DigitsConfig, net: model.FloatNetwork, split: Split, events: np.ndarray, bits: int,
                progress: Callable[[dict], None] | None = None):
    """Quantization-aware fine-tuning at ``bits``; returns (QAT float network, FixedNetwork, layer plans, history)."""
    layers = convert.plan(net, bits, config.width, config.leak)
    specs = tuple(model.qat_spec(p.q, p.weight_bits, p.acc_width) for p in layers)
    qat_config = train.TrainConfig(**{**asdict(config.train), "epochs": config.qat_epochs,
                                      "lr": config.train.lr / 3})
    k_fit = jax.random.fold_in(jax.random.PRNGKey(config.seed), bits)
    weights, history = train.fit(list(net.weights), specs, split.x_train, split.y_train, events, split.y_test,
                                 qat_config, k_fit, f"qat{bits}", progress)
    qat_net = model.FloatNetwork(tuple(weights), net.neurons, net.dt, net.discretization)
    return qat_net, convert.to_fixed(qat_net, layers), layers, history


def train_analog(config: DigitsConfig, net: model.FloatNetwork, split: Split, events: np.ndarray, layers,
                 device: dict, epochs: int, progress: Callable[[dict], None] | None = None):
    """Mismatch-aware fine-tuning from ``net``'s weights through the analog neurons' device model
    (:func:`lifhw.learn.model.analog_spec` of each layer plan of ``layers``, its mismatch drawn per sample of every
    batch), then the same conversion to integers (same THRESH as ``layers``); returns (FixedNetwork, history)."""
    specs = tuple(model.analog_spec(p.q, p.weight_bits, p.acc_width, device) for p in layers)
    fit_config = train.TrainConfig(**{**asdict(config.train), "epochs": epochs, "lr": config.train.lr / 3})
    k_fit = jax.random.fold_in(jax.random.PRNGKey(config.seed), 1000 + config.bits)
    weights, history = train.fit(list(net.weights), specs, split.x_train, split.y_train, events, split.y_test,
                                 fit_config, k_fit, "analog", progress)
    aware = model.FloatNetwork(tuple(weights), net.neurons, net.dt, net.discretization)
    return convert.to_fixed(aware, layers), history


def score_fixed(net: fixed.FixedNetwork, events: np.ndarray, labels: np.ndarray) -> dict:
    """Accuracy and spikes per inference of the integer model (lifhw.fixed.network_run) on the events."""
    result = fixed.network_run(net, events)
    per_layer = [float(c.sum(axis=-1).mean()) for c in result.counts]
    return {"accuracy": float(np.mean(result.prediction == labels)), "prediction": result.prediction,
            "spikes_per_layer": per_layer}


def run(config: DigitsConfig, progress: Callable[[dict], None] | None = None) -> dict:
    """The whole task; returns the numbers and the networks (``float_net``, ``qat_net``, ``fixed_net``)."""
    start = time.perf_counter()
    split = load(config.seed)
    events = test_events(split, config)
    float_net, history = train_float(config, split, events, progress)
    qat_net, fixed_net, layers, qat_history = train_fixed(config, float_net, split, events, config.bits, progress)
    train_seconds = time.perf_counter() - start
    neuron = config.neuron()
    float_eval = train.evaluate(float_net.weights, tuple(model.float_spec(neuron) for _ in float_net.weights),
                                events, split.y_test, config.train)
    fixed_score = score_fixed(fixed_net, events, split.y_test)
    return {"float_accuracy": float_eval.accuracy, "fixed_accuracy": fixed_score["accuracy"],
            "train_seconds": train_seconds, "history": history + qat_history,
            "float_spikes_per_inference": sum(float_eval.spikes_per_layer),
            "fixed_spikes_per_inference": sum(fixed_score["spikes_per_layer"]),
            "float_spikes_per_layer": float_eval.spikes_per_layer,
            "fixed_spikes_per_layer": fixed_score["spikes_per_layer"],
            "n_test": len(split.y_test), "n_train": len(split.y_train),
            "float_net": float_net, "qat_net": qat_net, "fixed_net": fixed_net, "layers": layers,
            "fixed_prediction": fixed_score["prediction"], "float_prediction": float_eval.prediction}
