"""``lifhw deploy MODEL``: a trained network on the SNN core (rtl/snn_core.v), verified sample by sample."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from .. import fixed, jsonio, limits, readers
from ..analognet.mapping import CIRCUITS as ANALOG_CIRCUITS
from ..analognet.mapping import I_SYN_MAX, T_W, V_FLOOR
from ..digital import runner
from ..errors import ParameterError, RtlError
from ..files import BUILD
from ..jsonio import Record
from ..spice.deck import AnalogNeuron
from . import PathArg, add_executor_args, command, executor_from_args, format_table, int_arg, value_arg
from .nir import add_graph_args, model_file

#: The task whose held-out split is streamed: the digits of ``lifhw learn digits`` (64 inputs).
N_INPUTS = 64

T = TypeVar("T")


@dataclass(frozen=True)
class LearnedRun(Record):
    """What deploy reads of a learn folder's ``result.json``: how that run made its held-out events (None: the file
    does not say). Each value is held to the rule of the flag it stands for (``--seed``, ``--steps``,
    ``--encoding``)."""

    seed: int | None = None
    steps: int | None = None
    encoding: str | None = None

    def __post_init__(self) -> None:
        from ..learn import digits, train

        if self.seed is not None:
            digits.DigitsConfig(seed=self.seed)
        train.TrainConfig(**{k: v for k, v in (("steps", self.steps), ("encoding", self.encoding)) if v is not None})


def _load(model: str, bits: int | None, reset: str | None = None,
          bias: bool = False) -> tuple[fixed.FixedNetwork, LearnedRun, Path | None]:
    """(FixedNetwork, what the learn run's result.json says, that file) of a learn folder, a fixed.npz or a NIR
    file (read with ``--reset`` and ``--bias``); every file is checked before use (a FieldError names the file and
    the field)."""
    from ..learn import nirgraph

    path = Path(model)
    if path.suffix == ".nir":
        net, hints = nirgraph.load(path, reset=reset, bias=bias)
        return nirgraph.to_fixed(net, hints, bits)[0], LearnedRun(), None
    net = fixed.load_network(model_file(model))
    info = path / "result.json" if path.is_dir() else None
    if info is None or not os.path.lexists(info):
        return net, LearnedRun(), None
    return net, readers.read_json(info, LearnedRun), info


def _test_set(args):
    """(network, events, labels, seed, steps, encoding) of the model and the held-out split the flags ask for."""
    from ..learn import digits, train

    # Counts the user gave are judged before anything is loaded: each sample is `steps` core steps.
    limits.check_points("dies", args.dies, args.dies, "dies")
    limits.check_points("spice_samples", args.spice_samples, args.spice_samples, "SPICE samples")
    if args.samples is not None:
        limits.check_points("samples", args.samples, args.samples, "samples")
    if args.steps is not None:
        limits.check_steps("steps", args.steps, args.steps * (args.samples or 1), "core steps (samples x steps)")
    net, learned, info = _load(args.model, args.bits, args.reset, args.bias == "on")
    if net.n_in != N_INPUTS:
        raise ParameterError("model", net.sizes, f"has {net.n_in} inputs; the digits test set has {N_INPUTS}")
    defaults = digits.DigitsConfig()
    seed = _first(args.seed, learned.seed, defaults.seed)
    steps = _first(args.steps, learned.steps, defaults.train.steps)
    if args.steps is None and info is not None:
        with readers.fields(info):  # the file's steps are as bounded as the flag's
            limits.check_steps("steps", steps, steps * (args.samples or 1), "core steps (samples x steps)")
    encoding = _first(args.encoding, learned.encoding, defaults.train.encoding)
    config = digits.DigitsConfig(seed=seed, train=train.TrainConfig(steps=steps, encoding=encoding))
    split = digits.load(seed)
    n = args.samples if args.samples is not None else len(split.y_test)
    if n > len(split.y_test):
        raise ParameterError("samples", n, f"the digits held-out split has {len(split.y_test)} samples")
    return net, digits.test_events(split, config)[:n], split.y_test[:n], seed, steps, encoding


def _deploy(args) -> dict:
    if args.target == "analog":
        return _deploy_analog(args)
    from ..digital import snn

    net, events, labels, seed, steps, encoding = _test_set(args)
    result = snn.deploy(net, events, labels, Path(args.out), args.simulator, args.weight_width)
    if result["mismatches"]:
        raise RtlError(f"{result['mismatches']} mismatches between snn_core and lifhw.fixed "
                       f"(first: {result['messages'][0]}); see {Path(args.out) / 'deploy.json'} and "
                       f"{Path(args.out) / 'sim' / 'test.log'}")
    return {**result, "seed": seed, "steps": steps, "encoding": encoding}


def analog_setup(args, executor):
    """(network, events, labels, test-set dict, mapping, block table) of ``--target analog``'s flags (also ``lifhw
    size accuracy``'s); refusals that need no circuit numbers come before any SPICE."""
    from ..analognet import calibrate, mapping
    from ..spice import blocks

    net, events, labels, seed, steps, encoding = _test_set(args)
    mapping.check_network(net)  # before any SPICE: what no calibration can change
    if args.spice_samples > len(labels):
        raise ParameterError("spice_samples", args.spice_samples, f"at most the {len(labels)} held-out samples")
    cal = calibrate.calibrate(args.circuit, executor)
    mapped = mapping.map_network(net, cal, args.dt, args.t_w, args.v_floor, args.i_syn_max)
    neuron = AnalogNeuron(args.circuit)
    table = blocks.block_table(neuron.params, neuron.design, executor)
    return net, events, labels, {"seed": seed, "steps": steps, "encoding": encoding}, mapped, table


def _deploy_analog(args) -> dict:
    from ..analognet import evaluate
    from ..sizing.montecarlo import Mismatch

    with executor_from_args(args) as executor:
        net, events, labels, test_set, mapped, table = analog_setup(args, executor)
        mismatch = Mismatch.from_table(table, *mapped.areas)
        result = evaluate.die_accuracy(mapped, net, events, labels, mismatch, args.dies, args.die_seed)
        spice = None
        if args.spice_samples:
            m = args.spice_samples
            spice = evaluate.spice_agreement(mapped, net, events[:m], labels[:m], executor,
                                             die=spice_die(args)).as_dict()
    out = {"target": "analog", "circuit": args.circuit, **result.as_dict(), "spice": spice,
           "mapping": mapped.as_dict(), **test_set}
    jsonio.write(Path(args.out) / "analog.json", out, indent=1)
    return out


def spice_die(args) -> tuple[int, int] | None:
    """(seed, k) of the die the SPICE samples run on (``--die-seed``, ``--spice-die``), None for nominal devices."""
    return None if args.spice_die is None else (args.die_seed, args.spice_die)


def _first(*values: T | None) -> T:
    """The first of ``values`` that is given (not None)."""
    return next(v for v in values if v is not None)


def _human(result: dict) -> str:
    """The result as ``key: value`` lines, the sizes and memories on one line each."""
    if result.get("target") == "analog":
        shown = {k: v for k, v in result.items() if k not in ("die_accuracy", "mapping", "die_summary", "spice")}
        summary, spice = result["die_summary"], result["spice"]
        return format_table({**shown, "die mean": summary["mean"], "die 5th percentile": summary["q05"],
                             "die min": summary["min"], **spice_rows(spice)})
    memories = ", ".join(f"{m['name']} {m['words']}x{m['width']}" for m in result["memories"])
    shown = {k: v for k, v in result.items() if k not in ("messages", "memories", "sizes")}
    return format_table({"sizes": "-".join(map(str, result["sizes"])), **shown, "memories": memories})


def spice_rows(spice: dict | None) -> dict:
    """The SPICE subset's scalar results as ``spice <name>`` rows (the per-sample and per-neuron lists are in the
    JSON)."""
    rows = {f"spice {k}": v for k, v in (spice or {}).items()
            if k not in ("count_distance", "near_threshold", "nominal_model_count_distance", "extraction", "die")}
    if spice and spice.get("die") is not None:
        rows["spice die"] = "die {1} of seed {0}".format(*spice["die"])
    return rows


def add_analog_args(p, title: str = "--target analog: the neurons, the synapses (ideal switched current "
                                                   "sources) and the dies") -> None:
    """The flags of a network on transistor neurons: circuit, dies, SPICE subset, step, packet width, floor, DAC."""
    analog = p.add_argument_group(title)
    analog.add_argument("--circuit", choices=ANALOG_CIRCUITS, default="ota", help="the transistor neuron")
    analog.add_argument("--dies", type=int_arg("dies", 1, count=True), default=100,
                        help="Monte Carlo dies (the PDK's block mismatch, fast model)")
    analog.add_argument("--die-seed", type=int_arg("die_seed", 0), default=0,
                        help="seed of the dies: die k is drawn from (seed, k) alone")
    analog.add_argument("--spice-samples", type=int_arg("spice_samples", 0, count=True), default=0,
                        help="held-out samples also run in ngspice (every neuron a transistor circuit), compared "
                             "with the fast model")
    analog.add_argument("--spice-die", type=int_arg("spice_die", 0), default=None,
                        help="run the SPICE samples on Monte Carlo die K of --die-seed (sky130's own per-instance "
                             "mismatch, each neuron drawn from (seed, K, layer, neuron)) against the fast model of "
                             "that die, measured from its own SPICE neurons (default: nominal devices)")
    analog.add_argument("--dt", type=value_arg("dt", 0.0, unit="s"), default=None,
                        help="the analog step (default: the network's); only beta is the network's")
    analog.add_argument("--t-w", type=value_arg("t_w", 0.0, unit="s"), default=T_W,
                        help="width of a synapse's charge packet")
    analog.add_argument("--v-floor", type=value_arg("v_floor", 0.0, unit="V"), default=V_FLOOR,
                        help="lowest membrane voltage the synapses' compliance allows")
    analog.add_argument("--i-syn-max", type=value_arg("i_syn_max", 0.0, unit="A"), default=I_SYN_MAX,
                        help="a synapse's full-scale current")


def add_test_set_args(p) -> None:
    """The flags of the held-out split a network runs on, and of reading a NIR graph as that network."""
    p.add_argument("--samples", type=int_arg("samples", 1, count=True), default=None,
                   help="held-out samples to stream (default: all of them)")
    group = p.add_argument_group("test set (default: the learn folder's result.json, else lifhw learn's defaults)")
    group.add_argument("--steps", type=int_arg("steps", 1, count=True), default=None, help="time steps per sample")
    group.add_argument("--encoding", choices=("rate", "latency"), default=None, help="input events")
    group.add_argument("--seed", type=int_arg("seed", 0), default=None, help="split and event seed")
    p.add_argument("--bits", type=int_arg("bits", 2, 16), default=None,
                   help="weight width for a NIR graph without lifhw metadata (default 8)")
    add_graph_args(p.add_argument_group("a NIR graph"))


def register(subparsers) -> None:
    p = command(subparsers, "deploy", _deploy,
                "run a trained network on the SNN core (rtl/snn_core.v): Verilog parameters and weight image, a "
                "cocotb regression over the digits held-out split against lifhw.fixed, Yosys area", _human)
    p.add_argument("model", type=PathArg("model", "read"),
                   help="a `lifhw learn` output folder, a fixed.npz or a NIR file (.nir)")
    p.add_argument("--out", type=PathArg("out", "dir", hold=True), default=str(BUILD / "deploy"),
                   help="output folder (--target analog: its result as analog.json)")
    p.add_argument("--simulator", choices=runner.SIMULATORS, default="icarus",
                   help="icarus (the reference) or verilator (compiles ~40 s, then runs ~10x faster)")
    p.add_argument("--weight-width", type=int_arg("weight_width", 2, 32), default=None,
                   help="the core's weight memory width (default: the model's widest weights)")
    add_test_set_args(p)
    p.add_argument("--target", choices=("rtl", "analog"), default="rtl",
                   help="rtl: snn_core.v under cocotb; analog: transistor neurons (the fast device-aware model on "
                        "Monte Carlo dies, SPICE on a subset)")
    add_analog_args(p)
    add_executor_args(p)
