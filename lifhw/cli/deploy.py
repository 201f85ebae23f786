"""``lifhw deploy MODEL``: a trained network on the SNN core (rtl/snn_core.v), verified sample by sample."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from .. import fixed, limits, readers
from ..digital import runner
from ..errors import ParameterError, RtlError
from ..files import BUILD
from ..jsonio import Record
from . import PathArg, command, format_table, int_arg
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


def _deploy(args) -> dict:
    from ..digital import snn
    from ..learn import digits, train

    # Counts the user gave are judged before anything is loaded: each sample is `steps` core steps.
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
    events = digits.test_events(split, config)[:n]
    result = snn.deploy(net, events, split.y_test[:n], Path(args.out), args.simulator, args.weight_width)
    if result["mismatches"]:
        raise RtlError(f"{result['mismatches']} mismatches between snn_core and lifhw.fixed "
                       f"(first: {result['messages'][0]}); see {Path(args.out) / 'deploy.json'} and "
                       f"{Path(args.out) / 'sim' / 'test.log'}")
    return {**result, "seed": seed, "steps": steps, "encoding": encoding}


def _first(*values: T | None) -> T:
    """The first of ``values`` that is given (not None)."""
    return next(v for v in values if v is not None)


def _human(result: dict) -> str:
    """The result as ``key: value`` lines, the sizes and memories on one line each."""
    memories = ", ".join(f"{m['name']} {m['words']}x{m['width']}" for m in result["memories"])
    shown = {k: v for k, v in result.items() if k not in ("messages", "memories", "sizes")}
    return format_table({"sizes": "-".join(map(str, result["sizes"])), **shown, "memories": memories})


def register(subparsers) -> None:
    p = command(subparsers, "deploy", _deploy,
                "run a trained network on the SNN core (rtl/snn_core.v): Verilog parameters and weight image, a "
                "cocotb regression over the digits held-out split against lifhw.fixed, Yosys area", _human)
    p.add_argument("model", type=PathArg("model", "read"),
                   help="a `lifhw learn` output folder, a fixed.npz or a NIR file (.nir)")
    p.add_argument("--out", type=PathArg("out", "dir", hold=True), default=str(BUILD / "deploy"), help="output folder")
    p.add_argument("--simulator", choices=runner.SIMULATORS, default="icarus",
                   help="icarus (the reference) or verilator (compiles ~40 s, then runs ~10x faster)")
    p.add_argument("--samples", type=int_arg("samples", 1, count=True), default=None,
                   help="held-out samples to stream (default: all of them)")
    p.add_argument("--weight-width", type=int_arg("weight_width", 2, 32), default=None,
                   help="the core's weight memory width (default: the model's widest weights)")
    group = p.add_argument_group("test set (default: the learn folder's result.json, else lifhw learn's defaults)")
    group.add_argument("--steps", type=int_arg("steps", 1, count=True), default=None, help="time steps per sample")
    group.add_argument("--encoding", choices=("rate", "latency"), default=None, help="input events")
    group.add_argument("--seed", type=int_arg("seed", 0), default=None, help="split and event seed")
    p.add_argument("--bits", type=int_arg("bits", 2, 16), default=None,
                   help="weight width for a NIR graph without lifhw metadata (default 8)")
    add_graph_args(p.add_argument_group("a NIR graph"))
