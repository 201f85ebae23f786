"""``lifhw nir export|import``: move networks between lifhw's integer model and NIR graphs."""

from __future__ import annotations

from pathlib import Path

from .. import fixed
from ..errors import ParameterError
from . import IntArg, PathArg, command, command_group, value_arg


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


def _export(args) -> dict:
    from ..learn import nirgraph

    net, hints = nirgraph.fixed_to_float(fixed.load_network(model_file(args.model)))
    graph = nirgraph.to_graph(net, hints)
    nirgraph.write(graph, args.out)
    return {"out": args.out, "nodes": list(graph.nodes), "dt": net.dt, "discretization": net.discretization,
            "sizes": net.sizes, "layers": _layers(net), **hints}


def _import(args) -> dict:
    from ..learn import nirgraph

    net, hints = nirgraph.load(args.graph, dt=args.dt, discretization=args.discretization)
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
