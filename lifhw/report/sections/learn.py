"""Report section: a spiking network trained with surrogate gradients, run in the RTL's integer arithmetic."""

from __future__ import annotations

from dataclasses import asdict

import numpy as np

from .. import BudgetRow, ReportContext, Section, figure_html, table_html

KEY = "learn"
ORDER = 45
#: Weight widths of the accuracy ladder.
BITS = (8, 6, 4)
#: Acceptance of the learning issue: float ≥ 95 %, 8-bit fixed point ≥ 94 % on the held-out 20 %.
FLOAT_BOUND, FIXED8_BOUND = 0.95, 0.94


def _config():
    from ...learn import digits

    return digits.DigitsConfig()


def _compute(config) -> dict:
    import time

    from ...learn import convert, digits, model, train

    start = time.perf_counter()
    split = digits.load(config.seed)
    events = digits.test_events(split, config)
    float_net, history = digits.train_float(config, split)
    float_seconds = time.perf_counter() - start
    float_eval = train.evaluate(float_net.weights, tuple(model.float_spec(n) for n in float_net.neurons), events,
                                split.y_test, config.train)
    out = {"history": history, "float_accuracy": float_eval.accuracy, "float_seconds": float_seconds,
           "float_spikes_per_layer": float_eval.spikes_per_layer, "sizes": float_net.sizes, "bits": {}}
    for bits in BITS:
        start = time.perf_counter()
        choice = digits.train_fixed(config, float_net, split, bits)
        fixed_net, layers, qat_history = choice.fixed_net, choice.layers, choice.history
        qat_seconds = time.perf_counter() - start
        score = digits.score_fixed(fixed_net, events, split.y_test)
        rounded = digits.score_fixed(convert.to_fixed(float_net, layers), events, split.y_test)
        out["bits"][str(bits)] = {"fixed_accuracy": score["accuracy"], "rounded_accuracy": rounded["accuracy"],
                                  "spikes_per_layer": score["spikes_per_layer"], "history": qat_history,
                                  "qat_seconds": qat_seconds, "thresh": [p.q.rtl["THRESH"] for p in layers],
                                  "acc_width": [p.acc_width for p in layers],
                                  "saturates": [layer.saturates for layer in fixed_net.layers],
                                  "source": choice.source, "epoch": choice.epoch}
    return out


def _surrogate_figure():
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
    return figure_html(fig, "the spike is the Heaviside step; learning uses the derivative of a smooth step σ_k "
                            "(peak k/2)")


def build(ctx: ReportContext) -> Section:
    import matplotlib.pyplot as plt

    config = _config()
    bar = ctx.progress("learning (JAX)", 1)
    data = ctx.cached("learn", {"config": asdict(config), "bits": list(BITS)}, lambda: _compute(config))
    bar.update()

    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9, 3.6))
    rows = data["history"] + data["bits"][str(BITS[0])]["history"]
    epochs = np.arange(1, len(rows) + 1)
    phase = [r["phase"] for r in rows]
    n_float = phase.count("float")
    ax_loss.semilogy(epochs, [r["loss"] for r in rows], "o-", ms=3)
    ax_acc.plot(epochs, [r["train_accuracy"] for r in rows], "o-", ms=3, label="training batches")
    ax_acc.plot(epochs, [r.get("validation_accuracy", np.nan) for r in rows], "s-", ms=3,
                label="validation (chooses the integer network)")
    for ax in (ax_loss, ax_acc):
        ax.axvline(n_float + 0.5, color="gray", lw=0.8, ls="--")
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
    fig.suptitle(f"float training, then {BITS[0]}-bit quantization-aware training (after the dashed line)", fontsize=9)
    ax_loss.set_ylabel("cross-entropy of the spike counts")
    ax_acc.set_ylabel("accuracy")
    ax_acc.legend(fontsize=8)
    curves = figure_html(fig, "training curves: loss and accuracy per epoch")

    fig, ax = plt.subplots(figsize=(6, 3.6))
    fixed_acc = [data["bits"][str(b)]["fixed_accuracy"] for b in BITS]  # the validation split's choice
    rounded_acc = [data["bits"][str(b)]["rounded_accuracy"] for b in BITS]
    ax.axhline(data["float_accuracy"], color="k", lw=1.5, label="float")
    ax.plot(BITS, fixed_acc, "o-", label="fixed point, chosen on validation (QAT epoch or rounded)")
    ax.plot(BITS, rounded_acc, "s--", label="fixed point, float weights rounded")
    ax.set_xlabel("signed weight bits")
    ax.set_ylabel("held-out accuracy")
    ax.set_xticks(BITS)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ladder = figure_html(fig, "accuracy: float against the integer model (lifhw.fixed) at 8, 6 and 4 weight bits")

    float_spikes = float(sum(data["float_spikes_per_layer"]))
    table_rows = [["float (JAX)", data["float_accuracy"], "—", float_spikes, "—", "—"]]
    for b in BITS:
        d = data["bits"][str(b)]
        kept = "rounded float weights" if d["source"] == "rounded" else f"QAT epoch {d['epoch']}"
        table_rows.append([f"{b}-bit (lifhw.fixed), {kept}", d["fixed_accuracy"], d["rounded_accuracy"],
                           float(sum(d["spikes_per_layer"])), ", ".join(map(str, d["thresh"])),
                           ", ".join(f"{w}{' (may saturate)' if s else ''}" for w, s in
                                     zip(d["acc_width"], d["saturates"], strict=True))])
    table = table_html(["model", "accuracy", "accuracy without QAT", "spikes per inference", "THRESH (LSB) per layer",
                        "ACC_W per layer"], table_rows)
    eight = data["bits"][str(BITS[0])]
    train_seconds = data["float_seconds"] + eight["qat_seconds"]
    cfg = config.train
    html = (f"<p>scikit-learn digits (8×8, 1797 images), stratified held-out 20 %, seed {config.seed}. Network "
            f"{'–'.join(map(str, data['sizes']))} of LIF neurons (τ = {config.tau * 1e3:g} ms, dt = "
            f"{config.dt * 1e3:g} ms, reset to {config.reset_mode}), {cfg.steps} steps of {cfg.encoding}-coded input "
            f"per sample; {cfg.epochs} float epochs and {config.qat_epochs} quantization-aware epochs per weight "
            f"width, {cfg.surrogate} surrogate (k = {cfg.slope:g}). Every accuracy is scored on the same seeded input "
            "events; the fixed-point rows run the integer model <code>lifhw.fixed.network_run</code>, the golden "
            f"model of the SNN core. Training (float + {BITS[0]}-bit) took {train_seconds:.0f} s on this machine.</p>"
            + curves + ladder + table + _surrogate_figure())
    budget = [BudgetRow("learned network, float", "digits held-out accuracy", 1 - data["float_accuracy"],
                        1 - FLOAT_BOUND, "acceptance of the learning issue: accuracy ≥ 95 %"),
              BudgetRow(f"learned network, {BITS[0]}-bit fixed point", "digits held-out accuracy",
                        1 - eight["fixed_accuracy"], 1 - FIXED8_BOUND,
                        "acceptance of the learning issue: accuracy ≥ 94 %")]
    summary = {"float_accuracy": data["float_accuracy"], "train_seconds": train_seconds,
               "fixed_accuracy": {str(b): data["bits"][str(b)]["fixed_accuracy"] for b in BITS},
               "spikes_per_inference": {"float": float_spikes, **{str(b): float(sum(data["bits"][str(b)][
                   "spikes_per_layer"])) for b in BITS}}}
    return Section(KEY, "Learning: surrogate gradients in the RTL's arithmetic", html, budget, summary)
