"""``lifhw network brunel`` (simulate Brunel's E/I network) and ``lifhw network drive`` (mean-field drive)."""

from __future__ import annotations

import argparse

from ..errors import ParameterError
from . import command, command_group, int_arg, value_arg


def _network_args(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("network (Brunel 2000, model A)")
    group.add_argument("--g", type=value_arg("g", 0.0, exclusive=False, unit=""), default=5.0,
                       help="relative inhibition: inhibitory efficacy -g*J")
    group.add_argument("--c-e", type=int_arg("c_e", 1, 10**9), default=1000, help="excitatory in-degree")
    group.add_argument("--c-i", type=int_arg("c_i", 1, 10**9), default=250, help="inhibitory in-degree")
    group.add_argument("--j", type=value_arg("j", 0.0, unit="V"), default=0.1e-3, help="efficacy J (V)")


def _coupling(args):
    from ..network.meanfield import Coupling

    return Coupling(args.c_e, args.c_i, args.j, args.g)


def _brunel(args) -> dict:
    from ..network.brunel import BrunelNetwork, simulate

    if args.n < 5 or args.n % 5:
        raise ParameterError("n", args.n, "must be a multiple of 5, >= 5 (80 % excitatory, 20 % inhibitory)")
    network = BrunelNetwork(n_e=4 * args.n // 5, n_i=args.n // 5, c_e=args.c_e, c_i=args.c_i, j=args.j,
                            g=args.g, eta=args.eta, delay=args.delay, dt=args.dt)
    result = simulate(network, t_sim=args.t_sim, seed=args.seed, t_transient=args.t_transient)
    out = result.summary()
    if args.spikes:
        out["spike_time"] = result.spike_time
        out["spike_neuron"] = result.spike_neuron
    return out


def _drive(args) -> dict:
    from ..network.meanfield import drive_for_rate, drive_range, nu_threshold

    coupling = _coupling(args)
    nu_ext = drive_for_rate(args.target_rate, coupling)
    span = drive_range(coupling)
    nu_thr = nu_threshold(coupling)
    return {"target_rate": args.target_rate, "nu_ext": nu_ext, "eta": nu_ext / nu_thr, "nu_thr": nu_thr,
            "drive_range": {**span.as_dict(), "eta_silent": span.nu_ext_silent / nu_thr,
                            "eta_runaway": span.nu_ext_runaway / nu_thr},
            "coupling": {"c_e": coupling.c_e, "c_i": coupling.c_i, "j": coupling.j, "g": coupling.g}}


def register(subparsers) -> None:
    sub = command_group(subparsers, "network", "Brunel's balanced E/I network: simulation and mean field")

    p = command(sub, "brunel", _brunel, "simulate Brunel's network (event-driven, exact integration)")
    _network_args(p)
    p.add_argument("--eta", type=value_arg("eta", 0.0, exclusive=False, unit=""), default=2.0,
                   help="external drive nu_ext / nu_thr")
    p.add_argument("--n", type=int_arg("n", 5, 10**9, count=True), default=12_500, help="neurons, 80%% excitatory")
    p.add_argument("--t-sim", type=value_arg("t_sim", 0.0, unit="s"), default=1.0, help="simulated time (s)")
    p.add_argument("--t-transient", type=value_arg("t_transient", 0.0, exclusive=False, unit="s"), default=None,
                   help="initial time left out of the measures (s), default min(0.1, t_sim/5)")
    p.add_argument("--dt", type=value_arg("dt", 0.0, unit="s"), default=0.1e-3, help="step (s)")
    p.add_argument("--delay", type=value_arg("delay", 0.0, unit="s"), default=1.5e-3, help="delay (s)")
    p.add_argument("--seed", type=int_arg("seed", 0, 2**63 - 1), default=0, help="random seed")
    p.add_argument("--spikes", action="store_true", help="also output every spike (time, neuron)")

    p = command(sub, "drive", _drive, "mean-field external drive for a target rate, and the drive range")
    _network_args(p)
    p.add_argument("--target-rate", type=value_arg("target_rate", 0.0, unit="Hz"), required=True, help="rate (Hz)")
