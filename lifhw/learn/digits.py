"""The first task: scikit-learn's bundled 8×8 digits (1797 images, no download), held-out 20 % split.

:func:`run` is what ``lifhw learn digits`` does: train the float network, then for the chosen weight width a
quantization-aware fine-tuning from the float weights, the conversion to :class:`lifhw.fixed.FixedNetwork` and
its accuracy on the held-out split with the integer model, all on the same seeded input events. Which integer
network is kept — the float weights merely rounded, or the quantization-aware weights of one of its epochs — is
decided on a validation split carved from the training images (:func:`load`); the held-out split is only scored.
"""

from __future__ import annotations

import time
import typing
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import jax
import numpy as np

from .. import fixed
from ..errors import Interrupted, ParameterError
from ..limits import check_memory, check_steps
from . import checkpoint as ckpt
from . import convert, encode, model, train

#: The data set: load_digits' 1797 images of 8x8 pixels, ten classes.
N_IMAGES, N_PIXELS, N_CLASSES = 1797, 64, 10


#: The largest seed: the split's (scikit-learn's random_state) is 32 bits.
SEED_MAX = 2**32 - 1


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
    #: a trained constant input per neuron and step (the core's bias bank)
    bias: bool = False
    train: train.TrainConfig = field(default_factory=train.TrainConfig)

    def __post_init__(self) -> None:
        if not self.hidden or any(isinstance(n, bool) or not isinstance(n, int) or n < 1 for n in self.hidden):
            raise ParameterError("hidden", self.hidden, "must be one or more layer sizes >= 1")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or not 0 <= self.seed <= SEED_MAX:
            raise ParameterError("seed", self.seed, f"must be a whole number in [0, {SEED_MAX}]")
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
    #: the validation images, carved from the training part (not trained on): what chooses between networks
    x_val: np.ndarray
    y_val: np.ndarray
    id_val: np.ndarray


def load(seed: int, test_fraction: float = 0.2, validation_fraction: float = 0.15) -> Split:
    """Intensities in [0, 1] (pixel / 16), stratified split with ``random_state=seed``: the held-out
    ``test_fraction``, then ``validation_fraction`` of the rest for validation (same seed, stratified)."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    data = load_digits()
    ids = np.arange(len(data.target))
    x_tr, x_te, y_tr, y_te, id_tr, id_te = train_test_split(data.data / 16.0, data.target, ids,
                                                            test_size=test_fraction, random_state=seed,
                                                            stratify=data.target)
    x_tr, x_va, y_tr, y_va, _, id_va = train_test_split(x_tr, y_tr, id_tr, test_size=validation_fraction,
                                                        random_state=seed, stratify=y_tr)
    return Split(x_tr, y_tr, x_te, y_te, id_te, x_va, y_va, id_va)


def test_events(split: Split, config: DigitsConfig) -> np.ndarray:
    """The held-out input events (N, T, 64) every model is scored on (stream ``(seed + 1, image id)``)."""
    return encode.encode(split.x_test, config.train.steps, config.train.encoding, config.seed + 1, split.id_test)


def validation_events(split: Split, config: DigitsConfig) -> np.ndarray:
    """The validation input events (stream ``(seed + 2, image id)``)."""
    return encode.encode(split.x_val, config.train.steps, config.train.encoding, config.seed + 2, split.id_val)


def train_float(config: DigitsConfig, split: Split, progress: Callable[[dict], None] | None = None,
                resume: train.FitState | None = None,
                on_epoch: Callable[[train.FitState], None] | None = None) -> tuple[model.FloatNetwork, list[dict]]:
    key = jax.random.PRNGKey(config.seed)
    k_init, k_fit = jax.random.split(key)
    sizes = [split.x_train.shape[1], *config.hidden, 10]
    neuron = config.neuron()
    specs = tuple(model.float_spec(neuron) for _ in sizes[1:])
    weights = train.init_weights(k_init, sizes)
    biases = [np.zeros(n, dtype=np.float32) for n in sizes[1:]] if config.bias else None
    fitted = train.fit(weights, specs, split.x_train, split.y_train, config.train, k_fit, "float", progress, biases,
                       resume=resume, on_epoch=on_epoch)
    return float_network(config, fitted.weights, fitted.biases), fitted.history


def float_network(config: DigitsConfig, weights, biases=None) -> model.FloatNetwork:
    """The float network of ``config`` with ``weights`` and ``biases`` (None: without)."""
    return model.FloatNetwork(tuple(weights), (config.neuron(),) * len(weights), config.dt,
                              biases=None if biases is None else tuple(biases))


@dataclass(frozen=True)
class FixedChoice:
    """The integer network :func:`train_fixed` keeps and why: ``source`` is ``rounded`` (the float weights
    rounded) or ``qat`` (the quantization-aware weights of ``epoch``), whichever scored best on the validation
    split (``validation``: the rounded network's accuracy and the best epoch's)."""

    qat_net: model.FloatNetwork
    fixed_net: fixed.FixedNetwork
    layers: list
    history: list[dict]
    source: str
    epoch: int
    validation: dict


def train_fixed(config: DigitsConfig, net: model.FloatNetwork, split: Split, bits: int,
                progress: Callable[[dict], None] | None = None, resume: train.FitState | None = None,
                on_epoch: Callable[[train.FitState], None] | None = None) -> FixedChoice:
    """Quantization-aware fine-tuning at ``bits`` from the float weights, then the choice between the rounded
    float weights and the best quantization-aware epoch on the validation split (ties to the rounded weights)."""
    layers = convert.plan(net, bits, config.width, config.leak)
    specs = tuple(model.qat_spec(p.q, p.weight_bits, p.acc_width) for p in layers)
    qat_config = train.TrainConfig(**{**asdict(config.train), "epochs": config.qat_epochs,
                                      "lr": config.train.lr / 3})
    k_fit = jax.random.fold_in(jax.random.PRNGKey(config.seed), bits)
    val = validation_events(split, config)
    fitted = train.fit(list(net.weights), specs, split.x_train, split.y_train, qat_config, k_fit, f"qat{bits}",
                       progress, None if net.biases is None else list(net.biases), (val, split.y_val), select=True,
                       resume=resume, on_epoch=on_epoch)
    qat_net = model.FloatNetwork(tuple(fitted.weights), net.neurons, net.dt, net.discretization,
                                 None if fitted.biases is None else tuple(fitted.biases))
    rounded = convert.to_fixed(net, layers)
    scores = {"rounded": score_fixed(rounded, val, split.y_val)["accuracy"],
              "qat": max((row["validation_accuracy"] for row in fitted.history), default=-1.0)}
    if scores["qat"] > scores["rounded"]:
        return FixedChoice(qat_net, convert.to_fixed(qat_net, layers), layers, fitted.history, "qat", fitted.epoch,
                           scores)
    return FixedChoice(net, rounded, layers, fitted.history, "rounded", 0, scores)


@dataclass(frozen=True)
class AnalogPhase:
    """Mismatch-aware fine-tuning after the integer network is chosen (:func:`run`): ``epochs`` epochs through the
    device model whose numbers ``device(fixed_net)`` gives for the chosen network's neurons (lifhw.analognet's
    calibration and mapping: the keys of :func:`lifhw.learn.model.analog_spec`); ``settings`` (the circuit, the
    mismatch scale) are what a checkpoint of the run must match besides the :class:`DigitsConfig`."""

    settings: dict
    epochs: int
    device: Callable[[fixed.FixedNetwork], dict]


def train_analog(config: DigitsConfig, net: model.FloatNetwork, split: Split, layers, device: dict, epochs: int,
                 progress: Callable[[dict], None] | None = None, resume: train.FitState | None = None,
                 on_epoch: Callable[[train.FitState], None] | None = None) -> tuple[fixed.FixedNetwork, list[dict]]:
    """Mismatch-aware fine-tuning from ``net``'s weights through the analog neurons' device model
    (:func:`lifhw.learn.model.analog_spec` of each layer plan of ``layers``, its mismatch drawn per sample of every
    batch), then the same conversion to integers (same THRESH as ``layers``); returns (FixedNetwork, history). The
    validation accuracy (nominal devices) is reported per epoch; the last epoch's weights are kept."""
    specs = tuple(model.analog_spec(p.q, p.weight_bits, p.acc_width, device) for p in layers)
    fit_config = train.TrainConfig(**{**asdict(config.train), "epochs": epochs, "lr": config.train.lr / 3})
    k_fit = jax.random.fold_in(jax.random.PRNGKey(config.seed), 1000 + config.bits)
    fitted = train.fit(list(net.weights), specs, split.x_train, split.y_train, fit_config, k_fit, "analog", progress,
                       None if net.biases is None else list(net.biases), (validation_events(split, config),
                                                                          split.y_val),
                       resume=resume, on_epoch=on_epoch)
    aware = model.FloatNetwork(tuple(fitted.weights), net.neurons, net.dt, net.discretization,
                               None if fitted.biases is None else tuple(fitted.biases))
    return convert.to_fixed(aware, layers), fitted.history


def score_fixed(net: fixed.FixedNetwork, events: np.ndarray, labels: np.ndarray) -> dict:
    """Accuracy and spikes per inference of the integer model (lifhw.fixed.network_run) on the events."""
    result = fixed.network_run(net, events)
    per_layer = [float(c.sum(axis=-1).mean()) for c in result.counts]
    return {"accuracy": float(np.mean(result.prediction == labels)), "prediction": result.prediction,
            "spikes_per_layer": per_layer}


def run(config: DigitsConfig, progress: Callable[[dict], None] | None = None, checkpoint: Path | None = None,
        resume: bool = False, analog: AnalogPhase | None = None) -> dict:
    """The whole task; returns the numbers and the networks (``float_net``, ``qat_net``, ``fixed_net``; with
    ``analog`` also ``analog_net`` and ``analog_history``, the mismatch-aware phase).

    ``checkpoint``: a file written after every epoch (:mod:`lifhw.learn.checkpoint`); interrupted (Ctrl-C,
    SIGTERM), the run raises :class:`~lifhw.errors.Interrupted` naming it. ``resume``: go on from that file, written
    by a run with the same ``config``, to the same result as a run never interrupted.
    """
    start = time.perf_counter()
    split = load(config.seed)
    settings = asdict(config)
    if analog is not None:
        settings["analog"] = {**analog.settings, "epochs": analog.epochs}
    saved = ckpt.load(typing.cast(Path, checkpoint), settings) if resume else None
    # the last checkpoint this run wrote or resumed from (None: none, so an interruption keeps nothing)
    where = {"phase": saved.phase, "epoch": saved.state.epoch} if saved else None

    def keep(phase: str, float_net: model.FloatNetwork | None = None, float_history=(),
             qat_state: train.FitState | None = None) -> Callable[[train.FitState], None] | None:
        def write(state: train.FitState) -> None:
            ckpt.save(typing.cast(Path, checkpoint),
                      ckpt.Checkpoint(settings, phase, state, float_net.weights if float_net else (),
                                      tuple(float_history), float_net.biases if float_net else None, qat_state))
            nonlocal where
            where = {"phase": phase, "epoch": state.epoch}

        return write if checkpoint is not None else None

    resumed = {saved.phase: saved.state} if saved else {}
    if saved is not None and saved.qat_state is not None:
        resumed["qat"] = saved.qat_state
    # the qat phase's last state, kept in the analog phase's checkpoints: resumed from, it chooses again at once
    qat_last: list[train.FitState] = []

    def keep_qat(float_net: model.FloatNetwork, history: list[dict]) -> Callable[[train.FitState], None] | None:
        write = keep("qat", float_net, history)
        if write is None or analog is None:
            return write

        def both(state: train.FitState) -> None:
            qat_last[:] = [state]
            write(state)

        return both

    try:
        if saved is not None and saved.phase != "float":
            float_net = float_network(config, saved.float_weights, saved.float_biases)
            history = list(saved.float_history)
        else:
            float_net, history = train_float(config, split, progress, resumed.get("float"), keep("float"))
        float_seconds = time.perf_counter() - start
        choice = train_fixed(config, float_net, split, config.bits, progress, resumed.get("qat"),
                             keep_qat(float_net, history))
        analog_net: fixed.FixedNetwork | None = None
        analog_history: list[dict] = []
        if analog is not None:
            qat_state = qat_last[0] if qat_last else resumed.get("qat")
            analog_net, analog_history = train_analog(
                config, float_net, split, choice.layers, analog.device(choice.fixed_net), analog.epochs, progress,
                resumed.get("analog"), keep("analog", float_net, history, qat_state))
    except KeyboardInterrupt:
        if where is None:
            raise
        total = {"float": config.train.epochs, "qat": config.qat_epochs,
                 "analog": analog.epochs if analog else 0}[str(where["phase"])]
        raise Interrupted(f"{where['phase']} epoch {where['epoch']} of {total} finished, checkpoint {checkpoint}; "
                          "the same command with --resume goes on from it") from None
    train_seconds = time.perf_counter() - start
    events = test_events(split, config)
    neuron = config.neuron()
    float_eval = train.evaluate(float_net.weights, tuple(model.float_spec(neuron) for _ in float_net.weights),
                                events, split.y_test, config.train, float_net.biases)
    fixed_net, qat_net, layers = choice.fixed_net, choice.qat_net, choice.layers
    fixed_score = score_fixed(fixed_net, events, split.y_test)
    return {"float_accuracy": float_eval.accuracy, "fixed_accuracy": fixed_score["accuracy"],
            "train_seconds": train_seconds, "float_seconds": float_seconds, "history": history + choice.history,
            "fixed_source": choice.source, "fixed_epoch": choice.epoch, "validation": choice.validation,
            "n_val": len(split.y_val),
            "float_spikes_per_inference": sum(float_eval.spikes_per_layer),
            "fixed_spikes_per_inference": sum(fixed_score["spikes_per_layer"]),
            "float_spikes_per_layer": float_eval.spikes_per_layer,
            "fixed_spikes_per_layer": fixed_score["spikes_per_layer"],
            "n_test": len(split.y_test), "n_train": len(split.y_train),
            "float_net": float_net, "qat_net": qat_net, "fixed_net": fixed_net, "layers": layers,
            "fixed_prediction": fixed_score["prediction"], "float_prediction": float_eval.prediction,
            **({"analog_net": analog_net, "analog_history": analog_history} if analog is not None else {})}
