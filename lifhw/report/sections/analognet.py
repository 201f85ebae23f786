"""Report section: the trained digits network on transistor neurons (issue 24), in the fast device-aware model only.

The network of the learning section mapped onto lif_ota neurons (:mod:`lifhw.analognet`): its nominal accuracy
beside the fixed network's, the accuracies of :data:`DIES` Monte Carlo dies drawn from the PDK's block statistics for
the standard network and for the mismatch-aware one (:data:`AWARE_EPOCHS` epochs of fine-tuning through the device
model) on the same dies, and the 5th-percentile and mean accuracy against the matched devices' area factor (the
sizing of ``lifhw size accuracy``) with the target marked. No SPICE of the network here: that subset costs ~32 CPU-s
per sample and is ``make analog``'s; the section pays the circuit's calibration and the block table once (stored).
"""

from __future__ import annotations

import resource
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ...analognet import calibrate, dies, mapping
from ...analognet.evaluate import NOMINAL_BOUND, DieAccuracy, accuracies, die_accuracy
from ...analognet.sizing import AREA_GRID, AccuracySizing, area_for_accuracy, matched_area
from ...jsonio import Record
from ...sizing.montecarlo import Mismatch
from .. import BudgetRow, ReportContext, Section, figure_html, table_html

KEY = "analognet"
ORDER = 47
CIRCUIT = "ota"
#: Monte Carlo dies of the fast model (die k of DIE_SEED from (DIE_SEED, k) alone) and their seed.
DIES, DIE_SEED = 50, 0
#: Mismatch-aware fine-tuning epochs (``lifhw learn digits --analog``'s default) at the block table's σ.
AWARE_EPOCHS = 10
#: The sizing: the QUANTILE of the dies must reach TARGET.
TARGET, QUANTILE = 0.95, 0.05


@dataclass(frozen=True)
class AnalogNet(Record):
    """The digits network on lif_ota: the standard and the mismatch-aware network on the same dies, the area sizing
    of the standard one, the dies redrawn (``redrawn_difference``: the largest |accuracy| change of a die drawn again
    from the same seed) and the CPU seconds of each phase (this process and its SPICE workers; the calibration and
    the block table cost 0 when they came from their stores)."""

    sizes: list[int]
    steps: int
    standard: DieAccuracy
    aware: DieAccuracy
    sizing: AccuracySizing
    matched_area_1x: float
    redrawn_difference: float
    cpu_device: float
    cpu_train: float
    cpu_aware: float
    cpu_dies: float
    cpu_sizing: float

    @property
    def cpu_total(self) -> float:
        return self.cpu_device + self.cpu_train + self.cpu_aware + self.cpu_dies + self.cpu_sizing


def cpu_seconds() -> float:
    """CPU seconds of this process and of its finished child processes (the SPICE workers)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def _config():
    from ...learn import digits

    return digits.DigitsConfig()


def device_numbers(build_dir: Path) -> tuple[mapping.Calibration, dict]:
    """The calibration and the block table of :data:`CIRCUIT` (SPICE, or read from their stores under
    ``build_dir``, where ``lifhw deploy --target analog`` run from the project folder finds them too)."""
    from ...spice import blocks
    from ...spice.deck import AnalogNeuron
    from ...spice.executor import LocalExecutor

    with LocalExecutor(2) as executor:
        cal = calibrate.calibrate(CIRCUIT, executor, build_dir / "analognet" / "calibration")
        neuron = AnalogNeuron(CIRCUIT)
        table = blocks.block_table(neuron.params, neuron.design, executor, store_root=build_dir / "spice" / "blocks",
                                   run_dir=build_dir / "spice" / "run")
    return cal, table


class _Device:
    """The device model training asks for once the integer network is chosen: :func:`device_numbers`, the CPU they
    cost and where the aware phase's CPU starts."""

    def __init__(self, build_dir: Path) -> None:
        self.build_dir = build_dir
        self.cal: mapping.Calibration | None = None
        self.table: dict = {}
        self.cpu = 0.0
        self.aware_start = 0.0

    def __call__(self, net) -> dict:
        start = cpu_seconds()
        self.cal, self.table = device_numbers(self.build_dir)
        self.aware_start = cpu_seconds()
        self.cpu = self.aware_start - start
        return dies.training_device(net, self.cal, self.table)


def _compute(build_dir: Path) -> AnalogNet:
    from ...learn import digits

    config = _config()
    device = _Device(build_dir)
    start = cpu_seconds()
    learned = digits.run(config, analog=digits.AnalogPhase({"circuit": CIRCUIT, "mismatch_scale": 1.0},
                                                           AWARE_EPOCHS, device))
    end = cpu_seconds()
    assert device.cal is not None  # measured when training asked for the device model
    split = digits.load(config.seed)
    events, labels = digits.test_events(split, config), split.y_test
    standard_net, aware_net = learned["fixed_net"], learned["analog_net"]
    mismatch = Mismatch.from_table(device.table)
    mapped = {name: mapping.map_network(net, device.cal) for name, net in (("standard", standard_net),
                                                                           ("aware", aware_net))}
    t0 = cpu_seconds()
    standard = die_accuracy(mapped["standard"], standard_net, events, labels, mismatch, DIES, DIE_SEED)
    aware = die_accuracy(mapped["aware"], aware_net, events, labels, mismatch, DIES, DIE_SEED)
    redrawn = accuracies(mapped["standard"], standard_net,
                         dies.draw(mapped["standard"], standard_net, mismatch, DIE_SEED, DIES), events, labels)
    t2 = cpu_seconds()
    sizing = area_for_accuracy(mapped["standard"], standard_net, events, labels, device.table, TARGET, QUANTILE,
                               DIES, DIE_SEED)
    t3 = cpu_seconds()
    return AnalogNet(sizes=list(standard_net.sizes), steps=config.train.steps, standard=standard, aware=aware,
                     sizing=sizing, matched_area_1x=matched_area(device.table, 1.0),
                     redrawn_difference=float(np.max(np.abs(redrawn - np.asarray(standard.die_accuracy)))),
                     cpu_device=device.cpu, cpu_train=device.aware_start - start - device.cpu,
                     cpu_aware=end - device.aware_start, cpu_dies=t2 - t0, cpu_sizing=t3 - t2)


def compute(ctx: ReportContext) -> AnalogNet:
    config = _config()
    bar = ctx.progress("trained network on lif_ota (fast model)", 1)
    result = ctx.cached("analognet", {"config": asdict(config), "circuit": CIRCUIT, "dies": DIES,
                                      "die_seed": DIE_SEED, "aware_epochs": AWARE_EPOCHS, "target": TARGET,
                                      "quantile": QUANTILE},
                        lambda: _compute(ctx.build_dir), AnalogNet)
    bar.update()
    return result


def accuracy_bins(r: AnalogNet) -> np.ndarray:
    """Histogram edges one held-out sample (1/samples) wide, centred on the accuracies a die can have."""
    step = 1.0 / r.standard.samples
    values = r.standard.die_accuracy + r.aware.die_accuracy
    low, high = round(min(values) / step), round(max(values) / step)
    return (np.arange(low, high + 2) - 0.5) * step


def monotone_drop(grid: list[list[float]], column: int) -> float:
    """The largest fall of ``grid``'s ``column`` from one area factor to any larger one (0 for a curve that never
    falls as the devices grow)."""
    values = [row[column] for row in sorted(grid)]
    return max([values[i] - min(values[i:]) for i in range(len(values))])


def figures(r: AnalogNet) -> dict:
    """'dies': the histogram of die accuracies, standard and mismatch-aware, each mean and 5th percentile marked,
    the nominal and fixed accuracies; 'area': the quantile and mean accuracy against the area factor, the target and
    the sized area marked."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    pct = 100
    fig, ax = plt.subplots(figsize=(8, 4))
    edges = (accuracy_bins(r) * pct).tolist()
    for name, d, color in (("standard", r.standard, "C0"), ("mismatch-aware", r.aware, "C3")):
        ax.hist(np.asarray(d.die_accuracy) * pct, bins=edges, color=color, alpha=0.5,
                label=f"{name}: {d.dies} dies")
        ax.axvline(d.die_summary["mean"] * pct, color=color, lw=1.5, label=f"{name}: mean")
        ax.axvline(d.die_summary["q05"] * pct, color=color, lw=1.5, ls="--", label=f"{name}: 5th percentile")
        ax.axvline(d.nominal_accuracy * pct, color=color, lw=1, ls=":", label=f"{name}: nominal devices")
    ax.axvline(r.standard.fixed_accuracy * pct, color="k", lw=1, label="fixed network (lifhw.fixed)")
    ax.set_xlabel("held-out accuracy (%), fast device-aware model")
    ax.set_ylabel("dies")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
    figs = {"dies": fig}

    s = r.sizing
    grid = np.array(sorted(s.grid))
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.semilogx(grid[:, 0], grid[:, 1] * pct, "o-", label=f"{s.quantile:g} quantile of {s.dies} dies")
    ax.semilogx(grid[:, 0], grid[:, 2] * pct, "s--", label="mean of the dies")
    ax.axhline(s.target * pct, color="k", lw=1, label=f"target {s.target * pct:g} %")
    ax.axvline(s.area_factor, color="C2", lw=1.5, label=f"smallest area meeting it: {s.area_factor:.3g}×")
    ax.axvline(1.0, color="0.5", lw=1, ls=":", label="the default design (1×)")
    ax.axhline(r.standard.nominal_accuracy * pct, color="0.5", lw=1, ls="-.", label="nominal devices")
    ax.set_xlabel(f"matched-device area factor (1× = {r.matched_area_1x:.3g} µm² per neuron)")
    ax.set_ylabel("held-out accuracy (%)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
    figs["area"] = fig
    return figs


def html(r: AnalogNet, figs: dict) -> str:
    s = r.sizing
    rows = [[name, d.fixed_accuracy, d.nominal_accuracy, d.die_summary["mean"], d.die_summary["q05"],
             d.die_summary["min"], d.die_summary["max"]] for name, d in (("standard", r.standard),
                                                                         ("mismatch-aware", r.aware))]
    paired = np.subtract(r.aware.die_accuracy, r.standard.die_accuracy)
    sizes = "–".join(map(str, r.sizes))
    mm = r.standard.mismatch
    costs = table_html(["phase", "CPU (s)"], [
        ["calibration and block table (SPICE; 0: read from their stores)", r.cpu_device],
        ["float and 8-bit training (the learning section's network, trained again here: its cache keeps "
         "numbers, not networks)", r.cpu_train],
        [f"mismatch-aware fine-tuning, {AWARE_EPOCHS} epochs", r.cpu_aware],
        [f"{r.standard.dies} dies × 2 networks and the standard's redrawn, fast model", r.cpu_dies],
        [f"area sizing ({len(AREA_GRID)} grid areas + bisection, {s.dies} dies each)", r.cpu_sizing],
        ["total", r.cpu_total]])
    return (
        f"<p>The {sizes} digits network of the learning section (8-bit, {r.steps} steps of rate-coded input) on "
        f"transistor-level <code>lif_{CIRCUIT}</code> neurons in sky130: each layer's discrete update mapped to "
        "synchronous windows with ideal switched-current synapses, the neurons in the fast device-aware model "
        "(<code>lifhw.analognet.fast</code>: the OTA leak's tanh flow, the realised thresholds, the membrane floor, "
        "calibrated once in ngspice). A die draws every neuron's threshold, leak zero and leak bias from the σ of the "
        f"PDK's block Monte Carlo at the default design (σ_vth {mm['sigma_vth'] * 1e3:.3g} mV, σ_vos "
        f"{mm['sigma_vos'] * 1e3:.3g} mV, σ_ib {mm['sigma_ib'] * 100:.3g} %); die k of seed {r.standard.die_seed} "
        f"from (seed, k) alone, so both networks meet the same {r.standard.dies} dies. All {r.standard.samples} "
        "held-out samples. The mismatch-aware network is the standard one fine-tuned "
        f"{AWARE_EPOCHS} epochs through the device model with mismatch drawn per sample "
        "(<code>lifhw learn digits --analog</code>).</p>"
        + table_html(["network", "fixed (lifhw.fixed)", "nominal devices", "dies: mean", "dies: 5th percentile",
                      "dies: min", "dies: max"], rows)
        + f"<p>Mismatch-aware − standard, die by die: {paired.mean() * 100:+.3g} points (mean), "
          f"{paired.std(ddof=1) / np.sqrt(len(paired)) * 100:.2g} standard error.</p>"
        + figure_html(figs["dies"], f"accuracy of {r.standard.dies} Monte Carlo dies (fast model), standard and "
                                    "mismatch-aware network on the same dies; solid: mean, dashed: 5th percentile, "
                                    "dotted: nominal devices")
        + f"<p>Area: one factor scales W·L of the three matched groups (leak OTA pair and load, tail mirror, "
          f"comparator pair and load); their σ fall by the block table's Pelgrom fit. Each area meets the same "
          f"{s.dies} dies (common random numbers). The smallest area whose {s.quantile:g} quantile reaches "
          f"{s.target * 100:g} %: {s.area_factor:.3g}× ({s.matched_area_um2:.3g} µm² of matched devices per "
          f"neuron), {s.accuracy_at_quantile * 100:.4g} % there, mean {s.mean_accuracy * 100:.4g} %.</p>"
        + figure_html(figs["area"], f"{s.quantile:g} quantile and mean accuracy of {s.dies} dies against the "
                                    "matched-device area factor, the target marked")
        + "<p>No SPICE of the network in this section: the fast model's agreement with the transistor-level network "
          "(20 samples in ngspice, ~32 CPU-s each, and one sized die with sky130's own per-instance mismatch) is "
          "<code>make analog</code>'s. Reproduce: <code>lifhw learn digits --out build/learn</code>; the standard "
          f"network's dies: <code>lifhw deploy build/learn --target analog --circuit {CIRCUIT} --dies "
          f"{r.standard.dies} --die-seed {r.standard.die_seed}</code>; standard beside mismatch-aware on the same "
          f"dies: <code>lifhw learn digits --analog {CIRCUIT} --analog-epochs {AWARE_EPOCHS} --dies "
          f"{r.standard.dies} --die-seed {r.standard.die_seed} --out build/learn-analog</code>; the area curve: "
          f"<code>lifhw size accuracy build/learn --target-accuracy {s.target:g} --quantile {s.quantile:g} --dies "
          f"{s.dies} --die-seed {s.die_seed} --spice-samples 0 --json</code> (its <code>grid</code>).</p>"
        + costs)


def budget(r: AnalogNet) -> list[BudgetRow]:
    s = r.sizing
    # common random numbers: a larger device scales the same normals down, so the curve may fall only by what a
    # die's few samples near a decision flip; one held-out sample of the quantile's die is the noise allowed
    noise = 1.0 / r.standard.samples
    return [
        BudgetRow(f"{'–'.join(map(str, r.sizes))} network on lif_{CIRCUIT}, nominal devices: |accuracy − fixed|",
                  "lifhw.fixed network_run, same events", abs(r.standard.nominal_accuracy
                                                              - r.standard.fixed_accuracy),
                  NOMINAL_BOUND, "issue 24: the nominal fast model within 1 point of the fixed network"),
        BudgetRow(f"{r.standard.dies} dies redrawn from seed {r.standard.die_seed}: max |Δ accuracy|",
                  "the same dies drawn again", r.redrawn_difference, 0.0,
                  "issue 24: die k drawn from (seed, k) alone"),
        BudgetRow(f"area curve: largest fall of the {s.quantile:g} quantile as the devices grow",
                  "a curve non-decreasing in area", monotone_drop(s.grid, 1), noise,
                  "Pelgrom: σ falls with area; one held-out sample of noise"),
        BudgetRow(f"sized area {s.area_factor:.3g}×: target − {s.quantile:g} quantile", "the target",
                  s.target - s.accuracy_at_quantile, 0.0, "lifhw size accuracy: the sized dies meet the target"),
    ]


def summary(r: AnalogNet) -> dict:
    s = r.sizing
    return {"circuit": CIRCUIT, "sizes": r.sizes, "dies": r.standard.dies, "die_seed": r.standard.die_seed,
            "fixed_accuracy": r.standard.fixed_accuracy,
            **{name: {"nominal_accuracy": d.nominal_accuracy, "die_mean": d.die_summary["mean"],
                      "die_q05": d.die_summary["q05"], "die_min": d.die_summary["min"]}
               for name, d in (("standard", r.standard), ("aware", r.aware))},
            "aware_epochs": AWARE_EPOCHS,
            "sizing": {"target": s.target, "quantile": s.quantile, "area_factor": s.area_factor,
                       "matched_area_um2": s.matched_area_um2, "accuracy_at_quantile": s.accuracy_at_quantile},
            "cpu_seconds": {"device": r.cpu_device, "train": r.cpu_train, "aware": r.cpu_aware, "dies": r.cpu_dies,
                            "sizing": r.cpu_sizing}}


def build(ctx: ReportContext) -> Section:
    r = compute(ctx)
    return Section(KEY, "The trained network on transistor neurons: dies, mismatch-aware training, area",
                   html(r, figures(r)), budget(r), summary(r))
