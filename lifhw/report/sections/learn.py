"""Report section: a spiking network trained with surrogate gradients, run in the RTL's integer arithmetic."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from ...jsonio import Record
from .. import BudgetRow, ReportContext, Section, figure_html, table_html

KEY = "learn"
ORDER = 45
#: Weight widths of the accuracy ladder.
BITS = (8, 6, 4)
#: Acceptance of the learning issue: float ≥ 95 %, 8-bit fixed point ≥ 94 % on the held-out 20 %.
FLOAT_BOUND, FIXED8_BOUND = 0.95, 0.94


@dataclass(frozen=True)
class Epoch(Record):
    """One training epoch: its phase (float or quantization-aware), loss and accuracies (the validation split's only
    where it chooses the integer network: the quantization-aware epochs; NaN otherwise)."""

    phase: str
    epoch: int
    loss: float
    train_accuracy: float
    seconds: float
    validation_accuracy: float = math.nan


@dataclass(frozen=True)
class Quantized(Record):
    """The network at one weight width: the kept integer network's and the merely rounded accuracy, spikes, the
    integer plan, and which was kept on the validation split (``source`` rounded or qat, the QAT ``epoch``)."""

    fixed_accuracy: float
    rounded_accuracy: float
    spikes_per_layer: list[float]
    history: list[Epoch]
    qat_seconds: float
    thresh: list[int]
    acc_width: list[int]
    saturates: list[bool]
    source: str
    epoch: int

    @property
    def spikes(self) -> float:
        return float(sum(self.spikes_per_layer))


@dataclass(frozen=True)
class Learned(Record):
    """The digits task: the float network's training and accuracy, and each weight width of :data:`BITS` (keyed by
    its bits as text)."""

    history: list[Epoch]
    float_accuracy: float
    float_seconds: float
    float_spikes_per_layer: list[float]
    sizes: list[int]
    bits: dict[str, Quantized]

    def at(self, bits: int) -> Quantized:
        return self.bits[str(bits)]

    @property
    def train_seconds(self) -> float:
        return self.float_seconds + self.at(BITS[0]).qat_seconds


def _config():
    from ...learn import digits

    return digits.DigitsConfig()


def _train(config) -> Learned:
    import time

    from ...learn import convert, digits, model, train

    start = time.perf_counter()
    split = digits.load(config.seed)
    events = digits.test_events(split, config)
    float_net, history = digits.train_float(config, split)
    float_seconds = time.perf_counter() - start
    float_eval = train.evaluate(float_net.weights, tuple(model.float_spec(n) for n in float_net.neurons), events,
                                split.y_test, config.train, float_net.biases)
    bits = {}
    for width in BITS:
        start = time.perf_counter()
        choice = digits.train_fixed(config, float_net, split, width)
        fixed_net, layers = choice.fixed_net, choice.layers
        qat_seconds = time.perf_counter() - start
        score = digits.score_fixed(fixed_net, events, split.y_test)
        rounded = digits.score_fixed(convert.to_fixed(float_net, layers), events, split.y_test)
        bits[str(width)] = Quantized(score["accuracy"], rounded["accuracy"], score["spikes_per_layer"],
                                     [Epoch(**row) for row in choice.history], qat_seconds,
                                     [int(p.q.rtl["THRESH"]) for p in layers], [int(p.acc_width) for p in layers],
                                     [bool(layer.saturates) for layer in fixed_net.layers], choice.source,
                                     choice.epoch)
    return Learned([Epoch(**row) for row in history], float_eval.accuracy, float_seconds,
                   list(float_eval.spikes_per_layer), list(float_net.sizes), bits)


def compute(ctx: ReportContext) -> Learned:
    config = _config()
    bar = ctx.progress("learning (JAX)", 1)
    result = ctx.cached("learn", {"config": asdict(config), "bits": list(BITS)}, lambda: _train(config), Learned)
    bar.update()
    return result


def _surrogate_figure():
    """The Heaviside step, its smooth steps σ_k and their derivatives (what learning uses)."""
    import matplotlib.pyplot as plt

    from ...learn import surrogate

    x = np.linspace(-1.0, 1.0, 801)
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7, 5), sharex=True)
    top.plot(x, np.asarray(surrogate.smooth_step(x, "heaviside", 1.0)), "k-", lw=2, label="Heaviside H (forward)")
    for kind in ("fast_sigmoid", "arctan"):
        for k in (5.0, 25.0):
            top.plot(x, np.asarray(surrogate.smooth_step(x, kind, k)), lw=1, label=f"σ {kind}, k = {k:g}")
            bottom.plot(x, np.asarray(surrogate.surrogate_grad(x, kind, k)), lw=1, label=f"{kind}, k = {k:g}")
    bottom.axhline(0, color="k", lw=2, label="H' = 0 (δ at 0)")
    top.set_ylabel("spike")
    bottom.set_ylabel("derivative used by learning")
    bottom.set_xlabel("(v − θ)/θ")
    top.legend(fontsize=7)
    bottom.legend(fontsize=7)
    return fig


def figures(result: Learned) -> dict:
    """'curves': loss and accuracy per epoch (float, then quantization-aware at BITS[0]); 'ladder': accuracy against
    the weight width; 'surrogate': the surrogate derivatives."""
    import matplotlib.pyplot as plt

    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9, 3.6))
    rows = result.history + result.at(BITS[0]).history
    epochs = np.arange(1, len(rows) + 1)
    n_float = [r.phase for r in rows].count("float")
    ax_loss.semilogy(epochs, [r.loss for r in rows], "o-", ms=3)
    ax_acc.plot(epochs, [r.train_accuracy for r in rows], "o-", ms=3, label="training batches")
    ax_acc.plot(epochs, [r.validation_accuracy for r in rows], "s-", ms=3,
                label="validation (chooses the integer network)")
    for ax in (ax_loss, ax_acc):
        ax.axvline(n_float + 0.5, color="gray", lw=0.8, ls="--")
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
    fig.suptitle(f"float training, then {BITS[0]}-bit quantization-aware training (after the dashed line)", fontsize=9)
    ax_loss.set_ylabel("cross-entropy of the spike counts")
    ax_acc.set_ylabel("accuracy")
    ax_acc.legend(fontsize=8)
    figs = {"curves": fig}

    fig, ax = plt.subplots(figsize=(6, 3.6))
    ax.axhline(result.float_accuracy, color="k", lw=1.5, label="float")
    ax.plot(BITS, [result.at(b).fixed_accuracy for b in BITS], "o-",
            label="fixed point, chosen on validation (QAT epoch or rounded)")
    ax.plot(BITS, [result.at(b).rounded_accuracy for b in BITS], "s--", label="fixed point, float weights rounded")
    ax.set_xlabel("signed weight bits")
    ax.set_ylabel("held-out accuracy")
    ax.set_xticks(BITS)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    figs["ladder"] = fig
    figs["surrogate"] = _surrogate_figure()
    return figs


def html(result: Learned, figs: dict) -> str:
    float_spikes = float(sum(result.float_spikes_per_layer))
    table_rows = [["float (JAX)", result.float_accuracy, "—", float_spikes, "—", "—"]]
    for b in BITS:
        d = result.at(b)
        kept = "rounded float weights" if d.source == "rounded" else f"QAT epoch {d.epoch}"
        table_rows.append([f"{b}-bit (lifhw.fixed), {kept}", d.fixed_accuracy, d.rounded_accuracy, d.spikes,
                           ", ".join(map(str, d.thresh)),
                           ", ".join(f"{w}{' (may saturate)' if s else ''}"
                                     for w, s in zip(d.acc_width, d.saturates, strict=True))])
    table = table_html(["model", "accuracy", "accuracy without QAT", "spikes per inference", "THRESH (LSB) per layer",
                        "ACC_W per layer"], table_rows)
    config = _config()
    cfg = config.train
    return (f"<p>scikit-learn digits (8×8, 1797 images), stratified held-out 20 %, seed {config.seed}. Network "
            f"{'–'.join(map(str, result.sizes))} of LIF neurons (τ = {config.tau * 1e3:g} ms, dt = "
            f"{config.dt * 1e3:g} ms, reset to {config.reset_mode}), {cfg.steps} steps of {cfg.encoding}-coded input "
            f"per sample; {cfg.epochs} float epochs and {config.qat_epochs} quantization-aware epochs per weight "
            f"width, {cfg.surrogate} surrogate (k = {cfg.slope:g}). Every accuracy is scored on the same seeded input "
            "events; the fixed-point rows run the integer model <code>lifhw.fixed.network_run</code>, the golden "
            f"model of the SNN core. Training (float + {BITS[0]}-bit) took {result.train_seconds:.0f} s on this "
            "machine.</p>"
            + figure_html(figs["curves"], "training curves: loss and accuracy per epoch")
            + figure_html(figs["ladder"], "accuracy: float against the integer model (lifhw.fixed) at 8, 6 and 4 "
                                          "weight bits")
            + table
            + figure_html(figs["surrogate"], "the spike is the Heaviside step; learning uses the derivative of a "
                                             "smooth step σ_k (peak k/2)"))


def budget(result: Learned) -> list[BudgetRow]:
    return [BudgetRow("learned network, float", "digits held-out accuracy", 1 - result.float_accuracy,
                      1 - FLOAT_BOUND, "acceptance of the learning issue: accuracy ≥ 95 %"),
            BudgetRow(f"learned network, {BITS[0]}-bit fixed point", "digits held-out accuracy",
                      1 - result.at(BITS[0]).fixed_accuracy, 1 - FIXED8_BOUND,
                      "acceptance of the learning issue: accuracy ≥ 94 %")]


def build(ctx: ReportContext) -> Section:
    result = compute(ctx)
    summary = {"float_accuracy": result.float_accuracy, "train_seconds": result.train_seconds,
               "fixed_accuracy": {str(b): result.at(b).fixed_accuracy for b in BITS},
               "spikes_per_inference": {"float": float(sum(result.float_spikes_per_layer)),
                                        **{str(b): result.at(b).spikes for b in BITS}}}
    return Section(KEY, "Learning: surrogate gradients in the RTL's arithmetic", html(result, figures(result)),
                   budget(result), summary)
