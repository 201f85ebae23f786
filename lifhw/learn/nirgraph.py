"""NIR (the Neuromorphic Intermediate Representation, PyPI ``nir``) export and import of LIF networks.

The graphs lifhw writes and reads are chains ``Input → (Linear | Affine → LIF | IF | CubaLIF)… → Output``.

**Continuous ↔ discrete.** NIR's LIF is τ·dv/dt = (v_leak − v) + r·I, spike when v > v_threshold, then
v = v_reset. lifhw's layer is v ← β·v + x with x = W·s the weighted spikes of the step (threshold units:
θ = 1, rest = 0). With a step dt:

* ``euler`` (snnTorch's convention): v ← v + (dt/τ)·(v_leak − v + r·I), so β = 1 − dt/τ and one unit of I
  moves v by g = r·dt/τ (snnTorch writes r = τ/dt, so g = 1);
* ``exact`` (zero-order hold of I over the step): β = exp(−dt/τ), g = r·(1 − β).

v_leak only shifts the voltage axis: with u = v − v_leak the neuron is the same LIF with threshold θ_i =
v_threshold − v_leak and reset v_reset − v_leak. The weights become W[i, :]·g_i/θ_i (threshold units), the
reset (v_reset − v_leak)/θ_i. Per-neuron r, v_threshold and v_leak are therefore folded into the weights; τ
and the relative reset must be shared by the neurons of a layer (the core has one neuron per layer).

* ``IF`` (dv/dt = r·I): β = 1, g = r·dt. It runs in the float model; it has no fixed-point form (the RTL's leak
  needs LEAK_MULT ≥ 1).
* ``CubaLIF`` adds a synaptic current τ_syn·dI/dt = −I + w_in·S. It runs only where that current has no
  memory: Euler with τ_syn = dt (snnTorch's ``Synaptic`` with α = 0), when I = w_in·S and g = r·w_in·dt/τ_mem.
  Anything else needs a second state variable the core does not have, and is rejected.
* ``Affine`` runs with a zero bias only (the core adds no constant input per step).

dt and the discretization travel in the graph's metadata (``dt``, ``discretization``); a graph without them
(snnTorch writes none) is read with the caller's defaults, dt = 1e-4 s and ``euler`` (snnTorch's).
lifhw's own extensions are metadata too: per neuron node ``lifhw_reset_mode`` (``subtract`` is not NIR's
reset) and ``lifhw_ref_steps``; per graph the fixed-point format it was trained for (``lifhw_weight_bits``,
``lifhw_frac``, ``lifhw_width``, ``lifhw_leak``, ``lifhw_leak_frac``). Graphs without them reset to v_reset and
have no refractory period. One difference remains: NIR fires on v > v_threshold, lifhw (the RTL) on v ≥ θ;
they differ only when v lands exactly on the threshold.

Anything that cannot run raises ParameterError naming the node and the field, e.g.
``node 'lif_1'.tau_syn = 0.005: ...``.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from .. import fixed
from ..errors import ParameterError
from ..files import atomic_path
from . import convert
from .model import FloatNetwork, LayerNeuron

#: Defaults for graphs that carry no dt / discretization: snnTorch's convention.
DEFAULT_DT = 1e-4
DEFAULT_DISCRETIZATION = "euler"
#: Relative tolerance for "equal across the neurons of a layer" and "τ_syn = dt".
RTOL = 1e-9
FIXED_KEYS = ("lifhw_weight_bits", "lifhw_frac", "lifhw_width", "lifhw_leak", "lifhw_leak_frac")


def _nir():
    import nir

    return nir


def _unit_r(beta: float, dt: float, discretization: str) -> float:
    """The r whose input gain g is 1: τ/dt (Euler, g = r·dt/τ) or 1/(1 − β) (exact, g = r·(1 − β))."""
    return _tau(beta, dt, discretization) / dt if discretization == "euler" else 1.0 / (1.0 - beta)


def _tau(beta: float, dt: float, discretization: str) -> float:
    return -dt / math.log(beta) if discretization == "exact" else dt / (1.0 - beta)


def to_graph(net: FloatNetwork, metadata: dict | None = None):
    """The NIR graph of a float network (threshold units: v_threshold = 1, v_leak = 0)."""
    nir = _nir()
    nodes = {"input": nir.Input(input_type={"input": np.array([net.sizes[0]])})}
    edges, previous = [], "input"
    for k, (w, neuron) in enumerate(zip(net.weights, net.neurons, strict=True)):
        n = w.shape[0]
        extra = {"lifhw_reset_mode": neuron.reset_mode, "lifhw_ref_steps": neuron.ref_steps}
        nodes[f"linear_{k}"] = nir.Linear(weight=np.array(w, dtype=np.float64))
        if neuron.beta == 1.0:
            nodes[f"lif_{k}"] = nir.IF(r=np.full(n, 1.0 / net.dt), v_threshold=np.ones(n),
                                       v_reset=np.full(n, neuron.v_reset), metadata=extra)
        else:
            nodes[f"lif_{k}"] = nir.LIF(tau=np.full(n, _tau(neuron.beta, net.dt, net.discretization)),
                                        r=np.full(n, _unit_r(neuron.beta, net.dt, net.discretization)),
                                        v_leak=np.zeros(n), v_threshold=np.ones(n),
                                        v_reset=np.full(n, neuron.v_reset), metadata=extra)
        edges += [(previous, f"linear_{k}"), (f"linear_{k}", f"lif_{k}")]
        previous = f"lif_{k}"
    nodes["output"] = nir.Output(output_type={"output": np.array([net.sizes[-1]])})
    edges.append((previous, "output"))
    meta = {"dt": float(net.dt), "discretization": net.discretization, "generator": "lifhw", **(metadata or {})}
    return nir.NIRGraph(nodes=nodes, edges=edges, metadata=meta)


def fixed_to_float(net: fixed.FixedNetwork) -> tuple[FloatNetwork, dict]:
    """The float network an integer network computes (weights w/THRESH, β_q, reset V_RESET/THRESH) and the
    metadata that makes :func:`from_graph` + :func:`lifhw.learn.convert.plan` give back the same integers."""
    qs = [layer.q for layer in net.layers]
    if len({(q.dt, q.fmt.discretization, q.fmt.width, q.fmt.leak, q.fmt.leak_frac) for q in qs}) != 1 or len(
            {layer.weight_bits for layer in net.layers}) != 1:
        raise ParameterError("model", "layers", "NIR export needs one dt, format and weight width for all layers")
    weights, neurons = [], []
    for layer in net.layers:
        r = layer.q.rtl
        weights.append(layer.weights / r["THRESH"])
        neurons.append(LayerNeuron(beta=layer.q.beta_q, v_reset=r["V_RESET"] / r["THRESH"],
                                   reset_mode=fixed.RESET_MODES[r["RESET_MODE"]], ref_steps=r["REF_STEPS"]))
    q = qs[0]
    meta = {"lifhw_weight_bits": net.layers[0].weight_bits, "lifhw_frac": [x.frac for x in qs],
            "lifhw_width": q.fmt.width, "lifhw_leak": q.fmt.leak, "lifhw_leak_frac": q.fmt.leak_frac}
    return FloatNetwork(tuple(weights), tuple(neurons), q.dt, q.fmt.discretization), meta


def write(graph, path) -> None:
    """Write a NIR file atomically (:func:`lifhw.files.atomic_path`: never over what is not a regular file)."""
    with atomic_path(Path(path)) as tmp:
        _nir().write(str(tmp), graph)


def read(path):
    """A NIR file as a graph; a file nir cannot read is a ParameterError naming it."""
    path = Path(path)
    if not path.is_file():
        raise ParameterError("graph", str(path), "no such file")
    try:
        return _nir().read(str(path))
    except Exception as exc:  # h5py and nir raise many kinds; all mean "not a NIR graph we can read"
        detail = " ".join(str(exc).split()) or type(exc).__name__
        raise ParameterError("graph", str(path), f"is not a readable NIR file ({detail[:200]})") from None


def _field(name: str, field: str, values, rule: str) -> ParameterError:
    shown = values if np.ndim(values) == 0 else np.asarray(values).ravel()[:4].tolist()
    return ParameterError(f"node {name!r}.{field}", shown, rule)


def _shared(name: str, field: str, values) -> float:
    values = np.atleast_1d(np.asarray(values, dtype=float))
    if not np.all(np.isfinite(values)):
        raise _field(name, field, values, "must be finite")
    if not np.allclose(values, values.flat[0], rtol=RTOL, atol=0.0):
        raise _field(name, field, values, "differs between the neurons of the layer; the core shares one "
                                                "neuron per layer")
    return float(values.flat[0])


def _meta_value(value):
    value = value.item() if isinstance(value, np.generic) or (isinstance(value, np.ndarray) and value.ndim == 0) \
        else value
    return value.decode() if isinstance(value, bytes) else value


def _neuron(name: str, node, n: int, dt: float, discretization: str) -> tuple[LayerNeuron, np.ndarray]:
    """The layer neuron and the per-neuron input factor g_i/θ_i of a NIR neuron node."""
    nir = _nir()
    arrays = {f: np.atleast_1d(np.asarray(getattr(node, f), dtype=float)) for f in
              ("tau", "tau_mem", "tau_syn", "r", "v_leak", "v_threshold", "v_reset", "w_in") if hasattr(node, f)}
    for field, values in arrays.items():
        if values.shape not in ((n,), (1,)):
            raise _field(name, field, values.shape, f"must hold one value per neuron ({n})")
        if not np.all(np.isfinite(values)):
            raise _field(name, field, values, "must be finite")
        arrays[field] = np.broadcast_to(values, (n,))
    leak = arrays.get("v_leak", np.zeros(n))
    theta = arrays["v_threshold"] - leak
    if np.any(theta <= 0):
        raise _field(name, "v_threshold", arrays["v_threshold"], "must be above v_leak (the resting level)")
    if isinstance(node, nir.IF):
        beta, gain = 1.0, arrays["r"] * dt
    else:
        tau = arrays["tau_mem"] if isinstance(node, nir.CubaLIF) else arrays["tau"]
        field = "tau_mem" if isinstance(node, nir.CubaLIF) else "tau"
        if np.any(tau <= 0) or (discretization == "euler" and np.any(tau <= dt)):
            rule = f"must be > dt = {dt:g} s (Euler steps)" if discretization == "euler" else "must be > 0 s"
            raise _field(name, field, tau, rule)
        tau_shared = _shared(name, field, tau)
        beta = 1.0 - dt / tau_shared if discretization == "euler" else math.exp(-dt / tau_shared)
        gain = arrays["r"] * (dt / tau_shared if discretization == "euler" else 1.0 - beta)
        if isinstance(node, nir.CubaLIF):
            tau_syn = arrays["tau_syn"]
            if discretization != "euler" or not np.allclose(tau_syn, dt, rtol=RTOL, atol=0.0):
                raise _field(name, "tau_syn", tau_syn, f"must equal dt = {dt:g} s with Euler steps (a synaptic "
                                                             "current without memory); the core has no second state")
            gain = gain * arrays["w_in"]
    reset = _shared(name, "v_reset", (arrays["v_reset"] - leak) / theta)
    if reset >= 1.0:
        raise _field(name, "v_reset", arrays["v_reset"], "must be below v_threshold")
    meta = {k: _meta_value(v) for k, v in (node.metadata or {}).items()}
    reset_mode = meta.get("lifhw_reset_mode", "reset")
    ref_steps = meta.get("lifhw_ref_steps", 0)
    try:
        neuron = LayerNeuron(beta=beta, v_reset=reset, reset_mode=reset_mode, ref_steps=int(ref_steps))
    except ParameterError as exc:
        raise ParameterError(f"node {name!r}.metadata.{exc.name}", exc.value, exc.rule) from None
    return neuron, gain / theta


def from_graph(graph, dt: float = DEFAULT_DT, discretization: str = DEFAULT_DISCRETIZATION
               ) -> tuple[FloatNetwork, dict]:
    """A NIR chain as a FloatNetwork, and the graph's lifhw fixed-point metadata (empty when it has none).

    ``dt`` and ``discretization`` apply when the graph's metadata does not give them.
    """
    nir = _nir()
    meta = {k: _meta_value(v) for k, v in (graph.metadata or {}).items()}
    dt = float(meta.get("dt", dt))
    discretization = meta.get("discretization", discretization)
    if not 0 < dt < math.inf:
        raise ParameterError("graph.metadata.dt", dt, "must be a finite number > 0 s")
    if discretization not in fixed.DISCRETIZATIONS:
        raise ParameterError("graph.metadata.discretization", discretization,
                             f"must be one of {', '.join(fixed.DISCRETIZATIONS)}")
    successors: dict[str, list[str]] = {name: [] for name in graph.nodes}
    for src, dst in graph.edges:
        if src not in successors or dst not in graph.nodes:
            raise ParameterError("graph.edges", (src, dst), "names a node the graph does not have")
        successors[src].append(dst)
    inputs = [name for name, node in graph.nodes.items() if isinstance(node, nir.Input)]
    if len(inputs) != 1:
        raise ParameterError("graph", f"{len(inputs)} Input nodes", "must have exactly one Input node")
    name = inputs[0]
    n = int(np.prod(graph.nodes[name].input_type["input"]))
    weights, neurons, seen = [], [], {name}
    pending = None  # a Linear/Affine weight waiting for its neuron node
    while True:
        nxt = successors[name]
        if len(nxt) != 1:
            raise ParameterError(f"node {name!r}", f"{len(nxt)} successors", "must have exactly one: lifhw runs "
                                                                             "chains of layers")
        name = nxt[0]
        if name in seen:
            raise ParameterError(f"node {name!r}", "cycle", "is reached twice: lifhw runs feed-forward chains")
        seen.add(name)
        node = graph.nodes[name]
        kind = type(node).__name__
        if isinstance(node, nir.Output):
            if pending is not None:
                raise ParameterError(f"node {name!r}", kind, "follows a weight node directly; the last layer needs "
                                                             "a neuron node (LIF, IF or CubaLIF)")
            break
        if isinstance(node, nir.Linear | nir.Affine):
            if pending is not None:
                raise ParameterError(f"node {name!r}", kind, "follows another weight node; put a neuron between")
            w = np.asarray(node.weight, dtype=float)
            if w.ndim != 2 or w.shape[1] != n or not np.all(np.isfinite(w)):
                raise _field(name, "weight", w.shape, f"must be a finite (n_out, {n}) matrix")
            if isinstance(node, nir.Affine) and np.any(np.asarray(node.bias) != 0):
                raise _field(name, "bias", node.bias, "must be zero: the core adds no constant input per step")
            pending, n = w, w.shape[0]
        elif isinstance(node, nir.LIF | nir.IF | nir.CubaLIF):
            if pending is None:
                raise ParameterError(f"node {name!r}", kind, "needs a Linear or Affine node before it")
            neuron, factor = _neuron(name, node, n, dt, discretization)
            weights.append(pending * factor[:, None])
            neurons.append(neuron)
            pending = None
        else:
            raise _field(name, "type", kind, "is not supported: lifhw runs Input → (Linear | Affine → LIF | IF "
                                                   "| CubaLIF)… → Output")
    if not weights:
        raise ParameterError("graph", "no layers", "must hold at least one weight and neuron node")
    hints = {k: meta[k] for k in FIXED_KEYS if k in meta}
    if "lifhw_frac" in hints:
        hints["lifhw_frac"] = [int(x) for x in np.atleast_1d(hints["lifhw_frac"])]
    return FloatNetwork(tuple(weights), tuple(neurons), dt, discretization), hints


def to_fixed(net: FloatNetwork, hints: dict, bits: int | None = None, width: int | None = None,
             leak: str | None = None) -> tuple[fixed.FixedNetwork, list[convert.LayerPlan], int]:
    """The integer network of a graph read by :func:`from_graph`, its layer plans and its weight width.

    The graph's lifhw metadata (``hints``) gives the format it was exported with, so a graph that lifhw wrote
    comes back as the same integers; without it: 8-bit weights, 16-bit state, multiplier leak. ``bits``,
    ``width`` and ``leak`` override; other weight bits than the graph's re-choose each layer's frac.
    """
    weight_bits = bits if bits is not None else int(hints.get("lifhw_weight_bits", 8))
    same_format = bits is None or bits == hints.get("lifhw_weight_bits")
    plans = convert.plan(net, weight_bits, width or int(hints.get("lifhw_width", 16)),
                         leak or hints.get("lifhw_leak", "mult"), int(hints.get("lifhw_leak_frac", 16)),
                         hints.get("lifhw_frac") if same_format else None)
    return convert.to_fixed(net, plans), plans, weight_bits
