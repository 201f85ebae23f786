"""``lifhw spice``: the analog level (ngspice/sky130): fi, characterize, study."""

from __future__ import annotations

import sys
from pathlib import Path

from ..files import BUILD
from . import (
    MAX_WORKERS,
    ChoiceArg,
    PathArg,
    ValueArg,
    add_executor_args,
    add_params_args,
    command,
    command_group,
    executor_from_args,
    format_table,
    int_arg,
    params_from_args,
    range_arg,
    value_arg,
)


def _design(args):
    from ..spice.netlist import get_circuit

    # A bias not given is the circuit's own default (lif_ota and lif_lowpower differ).
    given = {name: getattr(args, name) for name in ("i_cmp", "i_ref", "i_inv") if getattr(args, name) is not None}
    return get_circuit(args.circuit).design(i_b=args.i_b, c_tsv=args.c_tsv, r_tsv=args.r_tsv, vdd=args.vdd,
                                            corner=args.corner, temp=args.temp, **given)


def _fi(args) -> dict:
    from ..spice.fisweep import run_fi, save_interrupted

    def on_point(k, _result):
        print(f"spice fi: point {k + 1}/{len(args.i)} done", file=sys.stderr)

    params, design = params_from_args(args), _design(args)
    measurement = None
    try:
        with executor_from_args(args) as executor:
            measurement = run_fi(args.circuit, params, design, args.i, args.t_sim, executor, args.partial, on_point)
    except KeyboardInterrupt:
        if measurement is None:
            raise
        # stopped while the workers were ending: every point is finished, and kept
        raise save_interrupted(measurement, args.partial, "every point finished") from None
    return measurement.flat()


def _characterize(args) -> dict:
    from ..spice import SpiceNeuron

    params, design = params_from_args(args), _design(args)
    with SpiceNeuron(args.circuit, params, design, workers=1, timeout=args.timeout) as neuron:
        char = neuron.characterize()
        return {**char.as_dict(), "netlist": str(neuron.netlist), "params": params.as_dict(),
                "design": design.as_dict()}


def _study(args) -> dict:
    from ..spice.study import run_study, write_study

    result = run_study(workers=args.workers, log=lambda m: print(m, file=sys.stderr))
    written = write_study(result, Path(args.out))
    return {"out": args.out, "files": [str(p) for p in written], **result.checks()}


def _array(args) -> dict:
    from ..spice.area import array_area
    from ..spice.array import corner_run, run_array

    rate = 30.0 if args.rate is None and args.i_in is None else args.rate
    if args.check is not None:
        with executor_from_args(args) as executor:
            return corner_run(args.circuit, executor, Path(args.out), args.corner, args.temp, rate, args.i_in,
                              args.t_sim, args.check).summary()
    with executor_from_args(args) as executor:
        result = run_array(args.circuit, args.neurons, executor, Path(args.out), rate=rate, i_in=args.i_in,
                           method=args.method, corner=args.corner, temp=args.temp, t_sim=args.t_sim)
    out = result.summary()
    out["area"] = array_area(args.circuit, args.neurons).as_dict()
    return out


def _human_array(r: dict) -> str:
    shown = {k: v for k, v in r.items() if k not in ("netlist", "area")}
    if "area" not in r:  # a --power-up run
        return format_table(shown)
    area = r["area"]
    shown.update({"area_per_neuron": area["per_neuron"], "area_array": area["array"]})
    return format_table(shown)


def _add_design_args(p) -> None:
    from .. import pdk
    from ..spice import OTADesign

    d = OTADesign()
    g = p.add_argument_group("analog design (SI; SPICE suffixes)")
    g.add_argument("--i-b", type=value_arg("i_b", 0.0, unit="A"), default=d.i_b, help="leak OTA bias (A)")
    for flag, what in (("i_cmp", "comparator bias"), ("i_ref", "refractory discharge current"),
                       ("i_inv", "starving unit of the spike/reset logic (lowpower)")):
        g.add_argument(f"--{flag.replace('_', '-')}", type=value_arg(flag, 0.0, unit="A"), default=None,
                       help=f"{what} (A); default: the circuit's ({_circuit_defaults(flag)})")
    g.add_argument("--c-tsv", type=value_arg("c_tsv", 0.0, exclusive=False, unit="F"), default=d.c_tsv,
                   help="TSV capacitance on the membrane (F); a 5x50 um TSV with 200 nm liner is ~140f")
    g.add_argument("--r-tsv", type=value_arg("r_tsv", 0.0, unit="Ohm"), default=d.r_tsv,
                   help="TSV series resistance (Ohm)")
    g.add_argument("--vdd", type=value_arg("vdd", pdk.VDD_RANGE[0], False, "V", pdk.VDD_RANGE[1]), default=d.vdd,
                   help="supply (V)")
    g.add_argument("--corner", choices=pdk.CORNERS, default=d.corner, help=f"{pdk.NAME} corner")
    g.add_argument("--temp", type=value_arg("temp", pdk.TEMP_RANGE[0], False, "degC", pdk.TEMP_RANGE[1]),
                   default=d.temp, help="temperature (C)")


def _circuit_defaults(name: str) -> str:
    from ..spice.netlist import get_circuit, transistor_circuits
    from ..units import format_value

    return ", ".join(f"{c} {format_value(getattr(get_circuit(c).design(), name), 'A')}"
                     for c in transistor_circuits())


def _array_circuits() -> tuple[str, ...]:
    from ..spice.array import BLOCKS

    return tuple(BLOCKS)


def _array_starts() -> tuple[str, ...]:
    from ..spice.array import STARTS

    return STARTS


def register(subparsers) -> None:
    from .. import pdk
    from ..spice import ota_params
    from ..spice.fisweep import PARTIAL_DIR
    from ..spice.netlist import CIRCUITS, transistor_circuits

    sub = command_group(subparsers, "spice", "analog level: ngspice/sky130 LIF netlists")

    p = command(sub, "fi", _fi, "f-I sweep of a neuron netlist in ngspice, with the theory at the same currents")
    p.add_argument("--circuit", choices=tuple(CIRCUITS), default="ota", help="netlist")
    add_params_args(p, ota_params())
    _add_design_args(p)
    p.add_argument("--i", type=range_arg("i", "A"), default="20p:500p:8",
                   help="currents (A): START:STOP:N or a comma list")
    p.add_argument("--t-sim", type=ValueArg("t_sim", "s", 0.0, auto=True), default=None, metavar="AUTO|TIME",
                   help="simulated time per point (s); AUTO (default) gives >= 5 ISIs")
    p.add_argument("--partial", type=PathArg("partial", "file"), default=None,
                   help=f"where finished points go if some fail or the run is interrupted (default: a new file "
                        f"under {PARTIAL_DIR}/ for each run); the points an existing one holds finished for the same "
                        f"neuron are taken from it, not run again")
    add_executor_args(p)

    p = command(sub, "characterize", _characterize,
                "OTA characterisation: DC I-V of the membrane node, tanh fit (kappa, i_b_eff), dead time",
                human=lambda r: format_table({k: v for k, v in r.items() if k not in ("v", "i_leak")}))
    p.add_argument("--circuit", choices=transistor_circuits(), default="ota", help="netlist")
    add_params_args(p, ota_params())
    _add_design_args(p)
    p.add_argument("--timeout", type=value_arg("timeout", 0.0, unit="s"), default=300.0,
                   help="seconds one SPICE run may take before it is reported failed")

    p = command(sub, "array", _array,
                "energy per spike and area of N neurons sharing one bias block built of transistors (every supply "
                "counted, inputs apart)", human=_human_array)
    p.add_argument("--circuit", type=ChoiceArg("circuit", _array_circuits), default="lowpower",
                   help="neuron netlist (its bias block is circuits/bias_<circuit>.cir)")
    p.add_argument("--neurons", type=int_arg("neurons", 1, count=True), default=64, help="neurons in the array")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--rate", type=value_arg("rate", 0.0, unit="Hz"), default=None,
                      help="firing rate (Hz): the input is the current the neuron's device-aware theory (ideal "
                           "sources) gives this rate for; default 30")
    what.add_argument("--i-in", type=value_arg("i_in", 0.0, unit="A"), default=None, help="input current (A)")
    p.add_argument("--method", choices=("auto", "full", "lumped"), default="auto",
                   help="full: every neuron simulated; lumped: one, the other N-1 as their mean charge into the "
                        "block's sink outputs; auto: full up to 16")
    p.add_argument("--corner", choices=pdk.CORNERS, default=pdk.NOMINAL_CORNER, help=f"{pdk.NAME} corner")
    p.add_argument("--temp", type=value_arg("temp", pdk.TEMP_RANGE[0], False, "degC", pdk.TEMP_RANGE[1]),
                   default=pdk.NOMINAL_TEMP, help="temperature (C)")
    p.add_argument("--t-sim", type=ValueArg("t_sim", "s", 0.0, auto=True), default=None, metavar="AUTO|TIME",
                   help="simulated time (s); AUTO (default) gives 5 ISIs and a half")
    p.add_argument("--check", type=ChoiceArg("check", _array_starts), default=None,
                   help="instead of energy: does one neuron on the block fire, reset and release at --corner and "
                        "--temp, its rate and reset hold beside the neuron with ideal sources there at the same "
                        "input; the block started from its operating point (op) or with the supplies ramped from "
                        "0 V and no initial condition (power-up: the reference must start by itself)")
    p.add_argument("--out", type=PathArg("out", "dir"), default=str(BUILD / "spice" / "array"),
                   help="where the decks go")
    add_executor_args(p, workers=1, timeout=3600.0)

    p = command(sub, "study", _study, "characterise, sweep ideal/OTA/OTA+TSV and write build/spice (make spice)")
    p.add_argument("--out", type=PathArg("out", "dir", hold=True), default=str(BUILD / "spice"), help="output folder")
    p.add_argument("--workers", type=int_arg("workers", 1, MAX_WORKERS), default=2, help="worker processes")
