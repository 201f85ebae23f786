"""``lifhw spice``: the analog level (ngspice/sky130): fi, characterize, study."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from .. import theory
from ..files import write_atomic
from . import (
    MAX_WORKERS,
    PathArg,
    ValueArg,
    add_params_args,
    command,
    command_group,
    format_table,
    int_arg,
    params_from_args,
    range_arg,
    to_json,
    value_arg,
)


def _design(args):
    from ..spice import OTADesign

    return OTADesign(i_b=args.i_b, i_cmp=args.i_cmp, i_ref=args.i_ref, c_tsv=args.c_tsv, r_tsv=args.r_tsv,
                     vdd=args.vdd, corner=args.corner, temp=args.temp)


def _fi(args) -> dict:
    from ..spice import SpiceNeuron, SweepError

    params, design = params_from_args(args), _design(args)
    currents = np.asarray(args.i, dtype=float)
    out = {"circuit": args.circuit, "params": params.as_dict(), "design": design.as_dict()}
    with SpiceNeuron(args.circuit, params, design, workers=args.workers, timeout=args.timeout) as neuron:
        out["netlist"] = str(neuron.netlist)
        if neuron.circuit.transistors:
            char = neuron.characterize()
            out.update(kappa=char.kappa, i_b_eff=char.i_b_eff, g_m=char.g_m, rheobase=char.rheobase,
                       tanh_rheobase=char.tanh_rheobase, t_dead=char.t_dead, tau=char.tau)
            out["linear_rate"] = theory.firing_rate(char.linear_params(), currents)
        else:
            out.update(kappa=None, i_b_eff=None, rheobase=params.rheobase)
        out["theory_rate"] = neuron.theory().rate(currents)
        jobs = [neuron.job(i, args.t_sim) for i in currents]
        result = neuron.sweep(currents, args.t_sim,
                              on_point=lambda k, r: print(f"spice fi: point {k + 1}/{len(currents)} done",
                                                          file=sys.stderr))
    out.update(current=currents, rate=result.rate, n_spikes=result.column("n_spikes"),
               isi_cv=result.column("isi_cv"), energy_per_spike=result.column("energy_per_spike"),
               charge_time=result.column("charge_time"), t_sim=[j["t_stop"] for j in jobs], errors=result.errors)
    try:
        result.check()
    except SweepError as exc:
        partial = Path(args.partial)
        write_atomic(partial, to_json(out).encode())
        raise SweepError(f"{exc} (finished points saved to {partial})", result) from None
    return out


def _characterize(args) -> dict:
    from ..spice import SpiceNeuron

    params, design = params_from_args(args), _design(args)
    with SpiceNeuron("ota", params, design, workers=1, timeout=args.timeout) as neuron:
        char = neuron.characterize()
        return {**char.as_dict(), "netlist": str(neuron.netlist), "params": params.as_dict(),
                "design": design.as_dict()}


def _study(args) -> dict:
    from ..spice.study import run_study, write_study

    data = run_study(workers=args.workers, log=lambda m: print(m, file=sys.stderr))
    written = write_study(data, Path(args.out))
    return {"out": args.out, "files": [str(p) for p in written], **data["checks"]}


def _add_design_args(p) -> None:
    from .. import pdk
    from ..spice import OTADesign

    d = OTADesign()
    g = p.add_argument_group("analog design (SI; SPICE suffixes)")
    g.add_argument("--i-b", type=value_arg("i_b", 0.0, unit="A"), default=d.i_b, help="leak OTA bias (A)")
    g.add_argument("--i-cmp", type=value_arg("i_cmp", 0.0, unit="A"), default=d.i_cmp, help="comparator bias (A)")
    g.add_argument("--i-ref", type=value_arg("i_ref", 0.0, unit="A"), default=d.i_ref,
                   help="refractory discharge current (A)")
    g.add_argument("--c-tsv", type=value_arg("c_tsv", 0.0, exclusive=False, unit="F"), default=d.c_tsv,
                   help="TSV capacitance on the membrane (F); a 5x50 um TSV with 200 nm liner is ~140f")
    g.add_argument("--r-tsv", type=value_arg("r_tsv", 0.0, unit="Ohm"), default=d.r_tsv,
                   help="TSV series resistance (Ohm)")
    g.add_argument("--vdd", type=value_arg("vdd", pdk.VDD_RANGE[0], False, "V", pdk.VDD_RANGE[1]), default=d.vdd,
                   help="supply (V)")
    g.add_argument("--corner", choices=pdk.CORNERS, default=d.corner, help=f"{pdk.NAME} corner")
    g.add_argument("--temp", type=value_arg("temp", pdk.TEMP_RANGE[0], False, "degC", pdk.TEMP_RANGE[1]),
                   default=d.temp, help="temperature (C)")
    g.add_argument("--timeout", type=value_arg("timeout", 0.0, unit="s"), default=300.0,
                   help="seconds one point may run before it is reported failed")


def register(subparsers) -> None:
    from ..spice import ota_params
    from ..spice.netlist import CIRCUITS

    sub = command_group(subparsers, "spice", "analog level: ngspice/sky130 LIF netlists")

    p = command(sub, "fi", _fi, "f-I sweep of lif_ideal or lif_ota in ngspice, with the theory at the same currents")
    p.add_argument("--circuit", choices=tuple(CIRCUITS), default="ota", help="netlist")
    add_params_args(p, ota_params())
    _add_design_args(p)
    p.add_argument("--i", type=range_arg("i", "A"), default="20p:500p:8",
                   help="currents (A): START:STOP:N or a comma list")
    p.add_argument("--t-sim", type=ValueArg("t_sim", "s", 0.0, auto=True), default=None, metavar="AUTO|TIME",
                   help="simulated time per point (s); AUTO (default) gives >= 5 ISIs")
    p.add_argument("--workers", type=int_arg("workers", 1, MAX_WORKERS), default=2, help="worker processes")
    p.add_argument("--partial", type=PathArg("partial", "file"), default="build/spice/fi-partial.json",
                   help="where finished points go if some fail")

    p = command(sub, "characterize", _characterize,
                "OTA characterisation: DC I-V of the membrane node, tanh fit (kappa, i_b_eff), dead time",
                human=lambda r: format_table({k: v for k, v in r.items() if k not in ("v", "i_leak")}))
    add_params_args(p, ota_params())
    _add_design_args(p)

    p = command(sub, "study", _study, "characterise, sweep ideal/OTA/OTA+TSV and write build/spice (make spice)")
    p.add_argument("--out", type=PathArg("out", "dir"), default="build/spice", help="output folder")
    p.add_argument("--workers", type=int_arg("workers", 1, MAX_WORKERS), default=2, help="worker processes")
