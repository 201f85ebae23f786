"""``lifhw nir export|import``: move networks between lifhw's integer model and NIR graphs."""

from __future__ import annotations

from pathlib import Path

from .. import fixed
from ..errors import ParameterError
from . import IntArg, PathArg, command, command_group, value_arg

#: The importers `lifhw nir export --for` writes for (lifhw.learn.nirgraph.CONVENTIONS; kept here so that the CLI
#: does not load JAX to build its parser).
CONSUMERS = ("nir", "snntorch", "spyx")
#: `--reset` (lifhw.learn.nirgraph.RESETS).
RESETS = ("zero", "subtract", "subtract-delayed")


def model_file(text: str) -> Path:
    """The fixed.npz a MODEL argument names: the file itself or the one in a `lifhw learn` folder."""
    path = Path(text)
    if path.is_dir():
        path = path / "fixed.npz"
    if not path.is_file():
        raise ParameterError("model", text, "must be a fixed.npz file or a `lifhw learn` output folder holding one")
    return path


def _layers(net) -> list[dict]:
    return [{"n_in": w.shape[1], "n_out": w.shape[0], "beta": n.beta, "tau": net.tau(k), "v_reset": n.v_reset,
             "reset_mode": n.reset_mode, "ref_steps": n.ref_steps}
            for k, (w, n) in enumerate(zip(net.weights, net.neurons, strict=True))]


def export_for(net, hints: dict, convention: str, out) -> dict:
    """Write ``net`` (a float network; with an integer network's ``hints``, that network) as a NIR graph for
    ``convention``'s importer; what it wrote and what that importer cannot express (``notes``)."""
    from ..learn import nirgraph

    integer = bool(hints)
    graph = nirgraph.to_graph(net, hints, convention, integer)
    nirgraph.write(graph, out)
    row = nirgraph.CONVENTIONS[convention]
    why = ("theta (1 - 2^-20): a tie on the integer grid, rounded by a float32 importer, still fires" if integer else
           "the largest float32 below theta: their > is lifhw's >=")
    return {"out": str(out), "for": convention, "run": row.run, "graph_dt": float(graph.metadata["dt"]),
            "notes": nirgraph.notes(net, row), "exact": not nirgraph.notes(net, row),
            "v_threshold": nirgraph.threshold(integer), "threshold": why, "nodes": list(graph.nodes)}


def _export(args) -> dict:
    from ..learn import nirgraph

    net, hints = nirgraph.fixed_to_float(fixed.load_network(model_file(args.model)))
    return {**export_for(net, hints, args.target, args.out), "dt": net.dt, "discretization": net.discretization,
            "sizes": net.sizes, "layers": _layers(net), **hints}


def _import(args) -> dict:
    from ..learn import nirgraph

    net, hints = nirgraph.load(args.graph, dt=args.dt, discretization=args.discretization, reset=args.reset,
                               bias=args.bias == "on")
    result = {"graph": args.graph, "dt": net.dt, "discretization": net.discretization, "sizes": net.sizes,
              "layers": _layers(net)}
    if args.out:
        fixed_net, layers, bits = nirgraph.to_fixed(net, hints, args.bits, args.width, args.leak)
        fixed.save_network(fixed_net, args.out)
        result.update(out=args.out, bits=bits, fixed_layers=[
            {"rtl": p.q.rtl, "frac": p.q.frac, "acc_width": p.acc_width, "saturates": layer.saturates}
            for p, layer in zip(layers, fixed_net.layers, strict=True)])
    return result


def register(subparsers) -> None:
    sub = command_group(subparsers, "nir", "NIR graphs (Neuromorphic Intermediate Representation) in and out")
    p = command(sub, "export", _export, "write an integer model (fixed.npz or a `lifhw learn` folder) as a NIR graph")
    p.add_argument("model", type=PathArg("model", "read"), help="fixed.npz, or a `lifhw learn` output folder")
    p.add_argument("--out", type=PathArg("out", "file"), required=True, help="the .nir file to write")
    p.add_argument("--for", dest="target", choices=CONSUMERS, default="nir",
                   help="whose importer computes the graph: nir (reads the graph's dt and lifhw metadata), snntorch "
                        "(snntorch.import_from_nir: dt = 1e-4 s, Euler, reset to zero), spyx (spyx.nir.from_nir, "
                        "dt = 1); what it cannot express is listed in 'notes'")

    p = command(sub, "import", _import, "read a NIR graph, map it to lifhw's discrete LIF and optionally to integers")
    p.add_argument("graph", type=PathArg("graph", "read"), help="a .nir file")
    p.add_argument("--dt", type=value_arg("dt", 0.0, unit="s"), default=1e-4,
                   help="time step (s) when the graph carries none (snnTorch's default)")
    p.add_argument("--discretization", choices=("euler", "exact"), default="euler",
                   help="when the graph carries none: beta = 1 - dt/tau (euler, snnTorch's) or exp(-dt/tau)")
    p.add_argument("--out", type=PathArg("out", "file"), default=None,
                   help="also quantize and write the integer model (.npz) here")
    p.add_argument("--bits", type=IntArg("bits", 2, 32), default=None,
                   help="weight width for --out (default: the graph's lifhw metadata, else 8)")
    p.add_argument("--width", type=IntArg("width", *fixed.WIDTH_RANGE), default=None,
                   help="state width for --out (default 16)")
    p.add_argument("--leak", choices=("mult", "shift"), default=None, help="leak for --out (default mult)")
    add_graph_args(p)


def add_graph_args(p) -> None:
    """What a NIR graph cannot say and the user must: the reset (snnTorch writes v_reset = 0 for all of them) and
    whether the core may have a bias bank (``lifhw nir import``, ``lifhw deploy``)."""
    p.add_argument("--reset", choices=RESETS, default=None,
                   help="every layer's reset: zero (to the graph's v_reset, NIR's rule), subtract, or subtract-delayed "
                        "(snnTorch's default Leaky, reset_delay=True); default: the graph's lifhw metadata, else zero")
    p.add_argument("--bias", choices=("on", "off"), default="on",
                   help="on: the biases of Affine nodes are read (the core gets a bias bank when one is not zero); "
                        "off: a core without a bias bank, a non-zero bias is refused naming its node")
