"""``lifhw rtl ...``: the digital level — f-I measured on the fixed-point RTL in Icarus, and its artifacts."""

from __future__ import annotations

from pathlib import Path

from .. import fixed
from ..digital import study
from ..files import BUILD
from . import IntArg, PathArg, add_params_args, command, command_group, params_from_args, range_arg, value_arg


def _format(args) -> fixed.FixedFormat:
    return fixed.FixedFormat(width=args.width, frac=args.frac, leak=args.leak, leak_frac=args.leak_frac,
                             reset_mode=args.reset_mode, discretization=args.discretization)


def _fi(args) -> dict:
    params = params_from_args(args)
    q = fixed.quantize(params, args.dt, _format(args))
    data = study.fi_measure(q, args.i, args.t_sim, Path(args.work))
    return {"current": data.rtl.current, "rate": data.rtl.rate, "float_rate": data.discrete.rate,
            "theory_rate": data.theory.rate, "model_rate": data.model.rate, "code": data.code,
            "spike_mismatches": data.spike_mismatches, "dt": args.dt, "t_sim": args.t_sim,
            "integer_params": q.rtl, "frac": q.frac, "i_lsb": q.i_lsb, "v_lsb": q.v_lsb,
            "effective": q.effective.as_dict(), "mapping_errors": q.errors(), "params": params.as_dict()}


def _artifacts(args) -> dict:
    params = params_from_args(args)
    written = study.write_artifacts(params, Path(args.out), dt=args.dt)
    return {"out": args.out, "cells": written.area.cells, "fi_spike_mismatches": written.spike_mismatches}


def register(subparsers) -> None:
    sub = command_group(subparsers, "rtl", "fixed-point RTL level (Icarus, Yosys)")

    p = command(sub, "fi", _fi, "firing rate against constant current, measured on the RTL in Icarus")
    add_params_args(p)
    p.add_argument("--dt", type=value_arg("dt", 0.0, unit="s"), default=1e-4, help="time step (s)")
    p.add_argument("--width", type=IntArg("width", *fixed.WIDTH_RANGE), default=16, help="state width (bits)")
    p.add_argument("--frac", type=IntArg("frac", *fixed.FRAC_RANGE, auto=True), default=None, metavar="AUTO|BITS",
                   help="state fraction bits (LSB = 2^-frac V); AUTO (default) fits the threshold")
    p.add_argument("--leak", choices=fixed.LEAK_MODES, default="mult",
                   help="shift: beta = 1 - 2^-k; mult: Q-format multiplier")
    p.add_argument("--leak-frac", type=IntArg("leak_frac", *fixed.LEAK_FRAC_RANGE), default=16,
                   help="fraction bits of the leak multiplier")
    p.add_argument("--reset-mode", choices=fixed.RESET_MODES, default="reset",
                   help="after a spike: set V to V_reset or subtract the threshold")
    p.add_argument("--discretization", choices=fixed.DISCRETIZATIONS, default="exact",
                   help="beta = exp(-dt/tau) (exact) or 1 - dt/tau (euler)")
    p.add_argument("--i", type=range_arg("i", "A"), default="0.15n:1.5n:6",
                   help="currents (A): START:STOP:N or a comma list")
    p.add_argument("--t-sim", type=value_arg("t_sim", 0.0, unit="s"), default=2.0, help="simulated time (s)")
    p.add_argument("--work", type=PathArg("work", "dir"), default=str(BUILD / "rtl" / "cli"),
                   help="folder for the Icarus run")

    p = command(sub, "artifacts", _artifacts, "write fi.csv, lif_core.vcd and area.json (make rtl-test)")
    add_params_args(p)
    p.add_argument("--dt", type=value_arg("dt", 0.0, unit="s"), default=1e-4, help="time step (s)")
    p.add_argument("--out", type=PathArg("out", "dir", hold=True), default=str(BUILD / "rtl"), help="output folder")
