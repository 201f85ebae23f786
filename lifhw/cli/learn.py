"""``lifhw learn digits``: train a spiking network on scikit-learn's digits, quantize it, write the models."""

from __future__ import annotations

import sys
from pathlib import Path

from .. import fixed, jsonio, limits
from ..analognet.mapping import CIRCUITS as ANALOG_CIRCUITS
from ..analognet.mapping import Calibration
from ..errors import ParameterError
from ..files import BUILD
from . import IntArg, ListArg, PathArg, command, command_group, int_arg, value_arg
from .nir import CONSUMERS, export_for

#: The checkpoint a run writes in its --out folder after every epoch (lifhw.learn.checkpoint).
CHECKPOINT = "checkpoint.npz"


def _progress(row: dict) -> None:
    validation = f"  validation {100 * row['validation_accuracy']:5.1f} %" if "validation_accuracy" in row else ""
    print(f"{row['phase']:>6} epoch {row['epoch']:3d}: loss {row['loss']:.4f}  "
          f"train {100 * row['train_accuracy']:5.1f} %{validation}  ({row['seconds']:.1f} s)", file=sys.stderr,
          flush=True)


def _digits(args) -> dict:
    from ..learn import digits, nirgraph, train

    train.enable_compilation_cache()
    # the analog phase's work is judged before any training, with or without --analog
    limits.check_steps("analog_epochs", args.analog_epochs, args.analog_epochs * digits.N_IMAGES * args.steps,
                       "analog_epochs x images x steps: sample-steps")
    limits.check_points("dies", args.dies, args.dies, "dies")
    config = digits.DigitsConfig(
        hidden=tuple(args.hidden), bits=args.bits, seed=args.seed, qat_epochs=args.qat_epochs, tau=args.tau, dt=args.dt,
        ref_steps=args.ref_steps, reset_mode=args.reset_mode, width=args.width, leak=args.leak, bias=args.bias,
        train=train.TrainConfig(steps=args.steps, epochs=args.epochs, batch=args.batch, lr=args.lr,
                                surrogate=args.surrogate, slope=args.slope, encoding=args.encoding))
    if args.analog:  # what the circuits cannot build is refused before any training (lifhw.analognet.mapping)
        for flag, wrong, allowed in (
                ("bias", args.bias, "not with --analog: the transistor neurons have no bias input"),
                ("reset_mode", args.reset_mode != "reset", "must be reset with --analog: the circuits' reset switch "
                                                            "sets the membrane to V_rest"),
                ("ref_steps", args.ref_steps != 0, "must be 0 with --analog: the mapping realises no refractory "
                                                   "hold")):
            if wrong:
                raise ParameterError(flag, getattr(args, flag), allowed)
    out = Path(args.out)
    analog = _AnalogDevice(args.analog, args.mismatch_scale) if args.analog else None
    result = digits.run(config, progress=None if args.quiet else _progress, checkpoint=out / CHECKPOINT,
                        resume=args.resume, analog=analog.phase(args.analog_epochs) if analog else None)
    fixed.save_network(result["fixed_net"], out / "fixed.npz")
    deployed, hints = nirgraph.fixed_to_float(result["fixed_net"])
    exported = {"model_nir": export_for(deployed, hints, args.nir_for, out / "model.nir"),
                "float_nir": export_for(result["float_net"], {}, args.nir_for, out / "float.nir")}
    history = result["history"]
    summary = {
        "float_accuracy": result["float_accuracy"], "fixed_accuracy": result["fixed_accuracy"],
        "train_seconds": result["train_seconds"], "float_seconds": result["float_seconds"], "bits": args.bits,
        "seed": args.seed, "fixed_source": result["fixed_source"], "fixed_epoch": result["fixed_epoch"],
        "validation": result["validation"], "n_val": result["n_val"],
        # what the held-out events are made of (digits.test_events), so lifhw deploy can stream the same ones
        "steps": args.steps, "encoding": args.encoding,
        "sizes": result["float_net"].sizes, "n_train": result["n_train"], "n_test": result["n_test"],
        "float_spikes_per_inference": result["float_spikes_per_inference"],
        "fixed_spikes_per_inference": result["fixed_spikes_per_inference"],
        "float_spikes_per_layer": result["float_spikes_per_layer"],
        "fixed_spikes_per_layer": result["fixed_spikes_per_layer"],
        "layers": [{"rtl": p.q.rtl, "frac": p.q.frac, "weight_bits": p.weight_bits, "acc_width": p.acc_width,
                    "saturates": layer.saturates}
                   for p, layer in zip(result["layers"], result["fixed_net"].layers, strict=True)],
        "files": {"fixed": str(out / "fixed.npz"), "model_nir": str(out / "model.nir"),
                  "float_nir": str(out / "float.nir")},
        "nir": {"for": args.nir_for, "notes": exported["model_nir"]["notes"], "run": exported["model_nir"]["run"]},
        "history": history,
        # per-epoch columns for the human table
        "epoch": list(range(1, len(history) + 1)), "loss": [r["loss"] for r in history],
        "train_accuracy": [r["train_accuracy"] for r in history],
        "validation_accuracy": [r.get("validation_accuracy") for r in history],
    }
    columns = ("epoch", "loss", "train_accuracy", "validation_accuracy")
    if args.analog:
        summary["analog"] = _analog(args, config, result, analog, out)
    jsonio.write(out / "result.json", {k: v for k, v in summary.items() if k not in columns})
    return summary


class _AnalogDevice:
    """The device model of ``circuit``'s neurons for mismatch-aware training (lifhw.analognet: calibration, mapping,
    the block table's σ × ``scale``), measured in ngspice when training first asks for it."""

    def __init__(self, circuit: str, scale: float) -> None:
        self.circuit, self.scale = circuit, scale
        self.cal: Calibration | None = None
        self.table: dict = {}

    def phase(self, epochs: int):
        from ..learn import digits

        return digits.AnalogPhase({"circuit": self.circuit, "mismatch_scale": self.scale}, epochs, self.device)

    def device(self, net) -> dict:
        from ..analognet import calibrate, dies, mapping
        from ..spice import blocks
        from ..spice.deck import AnalogNeuron
        from ..spice.executor import LocalExecutor

        mapping.check_network(net)
        with LocalExecutor(2) as executor:
            self.cal = calibrate.calibrate(self.circuit, executor)
            neuron = AnalogNeuron(self.circuit)
            self.table = blocks.block_table(neuron.params, neuron.design, executor)
        return dies.training_device(net, self.cal, self.table, self.scale)


def _analog(args, config, result: dict, analog: _AnalogDevice, out: Path) -> dict:
    """The mismatch-aware network (trained by digits.run through ``analog``'s device model) written as analog.npz,
    and the standard and the aware network's accuracy on the same ``--dies`` dies of the fast model."""
    import numpy as np

    from ..analognet import evaluate, mapping
    from ..learn import digits
    from ..sizing.montecarlo import Mismatch

    standard, aware, history = result["fixed_net"], result["analog_net"], result["analog_history"]
    assert analog.cal is not None  # measured when training asked for the device model
    fixed.save_network(aware, out / "analog.npz")
    split = digits.load(config.seed)
    events = digits.test_events(split, config)
    unscaled = Mismatch.from_table(analog.table)
    scores = {name: evaluate.die_accuracy(mapping.map_network(net, analog.cal), net, events, split.y_test, unscaled,
                                          args.dies, args.die_seed) for name, net in (("standard", standard),
                                                                                       ("aware", aware))}
    paired = np.subtract(scores["aware"].die_accuracy, scores["standard"].die_accuracy)
    return {"circuit": args.analog, "mismatch_scale": args.mismatch_scale, "epochs": args.analog_epochs,
            "history": history, "file": str(out / "analog.npz"),
            **{name: {"fixed_accuracy": r.fixed_accuracy, "nominal_accuracy": r.nominal_accuracy,
                      "die_mean": r.die_summary["mean"], "die_q05": r.die_summary["q05"],
                      "die_min": r.die_summary["min"], "die_accuracy": r.die_accuracy}
               for name, r in scores.items()},
            "paired_difference": {"mean": float(paired.mean()),
                                  "stderr": float(paired.std(ddof=1) / np.sqrt(len(paired))) if len(paired) > 1
                                  else float("nan")}}


def register(subparsers) -> None:
    sub = command_group(subparsers, "learn", "train spiking networks with surrogate gradients (JAX)")
    p = command(sub, "digits", _digits, "train on scikit-learn's 8x8 digits (held-out 20 %), quantize to the RTL's "
                                        "integers, write fixed.npz, model.nir and float.nir")
    p.add_argument("--hidden", type=ListArg("hidden", int_arg("hidden", 1, count=True)), default=(64,),
                   help="hidden layer sizes, e.g. 64 or 128,64")
    p.add_argument("--steps", type=int_arg("steps", 1, count=True), default=16, help="time steps per sample")
    p.add_argument("--epochs", type=int_arg("epochs", 0, count=True), default=30, help="float training epochs")
    p.add_argument("--qat-epochs", type=int_arg("qat_epochs", 0, count=True), default=10,
                   help="quantization-aware fine-tuning epochs")
    p.add_argument("--bits", type=int_arg("bits", 2, 16), default=8, help="signed weight width")
    p.add_argument("--encoding", choices=("rate", "latency"), default="rate", help="input events")
    p.add_argument("--seed", type=int_arg("seed", 0), default=0, help="split, initial weights and events")
    p.add_argument("--batch", type=int_arg("batch", 1), default=64, help="batch size (at most the training set)")
    p.add_argument("--lr", type=value_arg("lr", 0.0, unit="", maximum=1.0), default=1e-2,
                   help="Adam learning rate, cosine-decayed")
    p.add_argument("--surrogate", choices=("fast_sigmoid", "arctan", "heaviside"), default="fast_sigmoid",
                   help="spike derivative used by learning (heaviside: the true one, zero)")
    p.add_argument("--slope", type=value_arg("slope", 0.0, unit=""), default=10.0, help="surrogate steepness k")
    group = p.add_argument_group("neuron (shared by every layer)")
    group.add_argument("--tau", type=value_arg("tau", 0.0, unit="s"), default=20e-3, help="membrane tau (s)")
    group.add_argument("--dt", type=value_arg("dt", 0.0, unit="s"), default=1e-3, help="time step (s)")
    group.add_argument("--ref-steps", type=int_arg("ref_steps", 0, 2**16 - 1), default=0, help="refractory steps")
    group.add_argument("--reset-mode", choices=fixed.RESET_MODES, default="reset",
                       help="after a spike: set to V_reset, subtract the threshold, or subtract it on the next step "
                            "(snnTorch's reset_delay=True)")
    group.add_argument("--bias", action="store_true", help="train a constant input per neuron and step (the core's "
                                                           "bias bank)")
    group.add_argument("--width", type=IntArg("width", *fixed.WIDTH_RANGE), default=16, help="fixed-point state width")
    group.add_argument("--leak", choices=("mult", "shift"), default="mult", help="fixed-point leak")
    p.add_argument("--out", type=PathArg("out", "dir", hold=True), default=str(BUILD / "learn"), help="output folder")
    p.add_argument("--quiet", action="store_true", help="no per-epoch progress on stderr")
    group = p.add_argument_group("mismatch-aware training on transistor neurons (lifhw.analognet)")
    group.add_argument("--analog", choices=ANALOG_CIRCUITS, default=None,
                       help="also fine-tune through this circuit's device model with the PDK's mismatch drawn per "
                            "sample (analog.npz), and compare it with the standard network on the same dies")
    group.add_argument("--mismatch-scale", type=value_arg("mismatch_scale", 0.0, exclusive=False, unit=""),
                       default=1.0, help="multiply the training's mismatch sigma (0: analog-aware without mismatch)")
    group.add_argument("--analog-epochs", type=int_arg("analog_epochs", 0, count=True), default=10,
                       help="mismatch-aware fine-tuning epochs")
    group.add_argument("--dies", type=int_arg("dies", 1, count=True), default=100,
                       help="Monte Carlo dies of the comparison (the block table's sigma, fast model)")
    group.add_argument("--die-seed", type=int_arg("die_seed", 0), default=0, help="seed of the dies")
    p.add_argument("--nir-for", choices=CONSUMERS, default="nir",
                   help="whose importer model.nir and float.nir are written for (lifhw nir export --for)")
    p.add_argument("--resume", action="store_true",
                   help=f"go on from the checkpoint an interrupted run with the same settings left in --out "
                        f"({CHECKPOINT}, written after every epoch); the result is the uninterrupted run's")
