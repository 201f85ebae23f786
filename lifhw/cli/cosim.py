"""``lifhw cosim ...``: transistor neurons in ngspice and their Verilog periphery in one lockstep run (issue 22)."""

from __future__ import annotations

from pathlib import Path

from ..files import BUILD, run_folder
from . import FractionArg, IntArg, ListArg, PathArg, command, command_group, format_table, value_arg

#: Neurons of one tile: the periphery's register map and one ngspice process hold this many comfortably.
MAX_NEURONS = 64


def _folder(args, prefix: str):
    return run_folder(Path(args.work), prefix)


def _tile(args) -> dict:
    from ..cosim.run import run_tile

    with _folder(args, "tile") as work:
        result = run_tile(args.circuit, args.neurons, args.t_sim, args.sync, work, args.in_codes, args.trim_codes,
                          waves=args.waves)
    return {**result.as_dict(), "ratio_wall": result.ratio_wall, "ratio_cpu": result.ratio_cpu}


def _trim(args) -> dict:
    from ..cosim.run import run_trim

    with _folder(args, "trim") as work:
        result = run_trim(args.circuit, args.neurons, args.seed, args.target_rate, args.sync, work, args.in_code,
                          args.tolerance)
    return result.as_dict()


def _human(result: dict) -> str:
    """The scalars, then one row per neuron."""
    scalars = {k: v for k, v in result.items() if k not in ("neurons", "events")}
    neurons = result["neurons"]
    keys = [k for k in neurons[0] if k != "neuron"]
    columns = {"neuron": [n["neuron"] for n in neurons], **{k: [n[k] for n in neurons] for k in keys}}
    return format_table(scalars) + "\n" + format_table(columns)


def _common(p) -> None:
    from ..cosim.tile import CIRCUITS

    p.add_argument("--circuit", choices=CIRCUITS, default="ota", help="the transistor neuron of the tile")
    p.add_argument("--neurons", type=IntArg("neurons", 1, MAX_NEURONS, count=True), default=4,
                   help="neurons in the tile (one ngspice process)")
    p.add_argument("--sync", type=value_arg("sync", 0.0, unit="s"), default=1e-5,
                   help="sync interval: the digital's latency seen by the analog while the digital is busy")
    p.add_argument("--work", type=PathArg("work", "dir"), default=str(BUILD / "cosim"),
                   help="folder for each run's deck, HDL build and logs (kept when a run fails)")


def register(subparsers) -> None:
    from ..cosim.tile import IN_BITS, TRIM_BITS

    sub = command_group(subparsers, "cosim", "mixed-signal co-simulation: ngspice neurons + Verilog periphery")

    p = command(sub, "tile", _tile, "a tile co-simulated against the plain ngspice transient of the same deck",
                _human)
    _common(p)
    p.add_argument("--t-sim", type=value_arg("t_sim", 0.0, unit="s"), default=0.2, help="simulated time")
    p.add_argument("--in-codes", type=ListArg("in_codes", IntArg("in_codes", 0, (1 << IN_BITS) - 1)),
                   default=None, help="input DAC codes, one per neuron (default 30, 33, 36, ...)")
    p.add_argument("--trim-codes", type=ListArg("trim_codes", IntArg("trim_codes", 0, (1 << TRIM_BITS) - 1)),
                   default=None, help="trim DAC codes, one per neuron (default 16 each)")
    p.add_argument("--waves", type=PathArg("waves", "dir"), default=None,
                   help="folder for the waveform pair: digital.vcd (Icarus) and analog.vcd (ngspice), one time axis")

    p = command(sub, "trim", _trim, "the Verilog trim search calibrating a Monte Carlo tile, against its prediction",
                _human)
    _common(p)
    p.add_argument("--seed", type=IntArg("seed", 0, 2**31 - 1), default=1, help="mismatch sample (ngspice setseed)")
    p.add_argument("--target-rate", type=value_arg("target_rate", 0.0, unit="Hz"), default=30.0,
                   help="the rate every neuron is trimmed to")
    p.add_argument("--in-code", type=IntArg("in_code", 0, (1 << IN_BITS) - 1), default=34,
                   help="every neuron's input DAC code")
    p.add_argument("--tolerance", type=FractionArg("tolerance"), default=0.01,
                   help="the yields count neurons within this share of the target rate")
