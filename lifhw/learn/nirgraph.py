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
* ``Affine``: its bias is a constant input per step, b·g/θ in threshold units (the core's bias bank); a graph
  with a non-zero bias is read only when asked (``bias=True``, ``--bias``), since the bank costs area.

dt and the discretization travel in the graph's metadata (``dt``, ``discretization``); a graph without them
(snnTorch writes none) is read with the caller's defaults, dt = 1e-4 s and ``euler`` (snnTorch's).
lifhw's own extensions are metadata too: per neuron node ``lifhw_reset_mode`` (``subtract`` and
``subtract-delayed`` are not NIR's reset), ``lifhw_ref_steps`` and ``lifhw_v_threshold`` (the threshold of lifhw's
``≥``, below); per graph the fixed-point format it was trained for (``lifhw_weight_bits``, ``lifhw_frac``,
``lifhw_width``, ``lifhw_leak``, ``lifhw_leak_frac``). Graphs without them reset to v_reset (unless the caller
says otherwise: ``reset=``, ``--reset``) and have no refractory period.

**Consumers.** Every importer has fixed conventions (:data:`CONVENTIONS`, one :class:`Convention` record each, read
by :func:`to_graph`; no code path per library): the step it assumes, its discretization, which reset it computes,
whether it reads metadata, and its firing rule. NIR, snnTorch and spyx fire on v > v_threshold while lifhw and the
RTL fire on u ≥ θ, so every export writes the threshold a little below θ (:func:`threshold`). A float
network's graph gets the largest float32 below θ: ``>`` there is ``≥`` at θ for every float32 (the importers
compute in float32). An integer network's graph (weights k/THRESH) puts many updates exactly on θ — 603 of the
digits network's held-out updates, from rest, where the integer sum is THRESH — and a float simulation of the
graph lands such a tie a few float32 steps either side of θ (a float64 one, one float64 step): one float step
below θ, snnTorch then counts differently from the exact network on 8.6 % of the samples, a float64 ``≥ θ`` on
8.3 %. Its threshold is θ·(1 − 2⁻²⁰) (16 float32 steps, :data:`TIE_MARGIN`): snnTorch and a float64 interpreter
then count like the exact network (≥ θ in rational arithmetic) on 100 % of the samples, and no value of that
network that is not a tie comes within 2⁻²⁰ θ below θ (the nearest: 6.7·10⁻⁶ θ). θ − ½ LSB, tie-exact on the
integer grid, is not here: the float decay leaves the grid at its first step (88 % identical counts).
The graph's float simulation is still not lifhw.fixed: the core's leak rounds (v − ⌊v·LEAK_MULT/2^LEAK_FRAC⌋,
i.e. ⌈β·v⌉, 0 to 1 LSB above β·v each step), which the exact network without that rounding reproduces on 62 %
of the digits samples and with it on 100 %. What a convention cannot
express (snnTorch resets every LIF to zero; spyx only subtracts, and fires from the membrane before the step's
input, one step of delay per layer) is listed in :func:`to_graph`'s notes.

Anything that cannot run raises ParameterError naming the node and the field, e.g.
``node 'lif_1'.tau_syn = 0.005: ...``.

**A file is checked before it is used.** :func:`read` walks the HDF5 file with h5py before nir reads it (nir reads
every dataset whole): every dataset's shape, dtype and chunks from its header, each length against
``--max-points`` (neurons) and the bytes the import would hold against ``--max-memory``; links to other files or
places and datasets stored outside the file are refused. :func:`check_graph` then checks what lifhw reads of the
graph against what it supports, before any conversion: the metadata by type (:class:`GraphMetadata`,
:class:`NeuronMetadata`), every numeric field of the node types it runs (:data:`NODE_FIELDS`) as real, finite
numbers of lifhw's magnitudes, the edges as pairs of node names. A new field is a row there.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .. import fixed, limits, readers
from ..errors import ConventionWarning, FieldError, ParameterError
from ..files import atomic_path
from ..jsonio import Record, read_fields
from ..units import check_array
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


@dataclass(frozen=True)
class Convention:
    """How one importer of NIR graphs turns a LIF node into a discrete update: the data :func:`to_graph` reads.

    ``dt``: the step the importer assumes (None: the graph's metadata, i.e. the network's own); ``discretization``
    of β from τ (None: the network's); ``reads_metadata``: whether it reads lifhw's metadata (reset mode,
    refractory period); ``resets``: the reset modes its LIF import computes; ``reset_zero``: it resets to zero
    whatever v_reset says; ``fires_before_input``: it spikes from the membrane before the step's input (one step of
    delay per layer); ``if_as_lif``: its IF import is not an integrator (snnTorch 1.0 builds a Leaky with β = 0.9),
    so an IF layer is written as a LIF whose β rounds to 1 in float32; ``fire``: its firing rule; ``run``: how to
    run the imported graph.
    """

    name: str
    dt: float | None
    discretization: str | None
    reads_metadata: bool
    resets: tuple[str, ...]
    reset_zero: bool
    fires_before_input: bool
    if_as_lif: bool
    fire: str
    run: str


CONVENTIONS = {
    "nir": Convention("nir", None, None, True, fixed.RESET_MODES, False, False, False, ">",
                      "any NIR reader that takes dt and discretization from the graph's metadata (lifhw nir import)"),
    "snntorch": Convention("snntorch", 1e-4, "euler", False, ("reset",), True, False, True, ">",
                           "snntorch.import_from_nir(graph) (snnTorch 1.0: dt = 1e-4 s, Euler, reset to zero)"),
    "spyx": Convention("spyx", 1.0, "euler", False, ("subtract-delayed",), False, True, False, ">",
                       "spyx.nir.from_nir(graph, events_tbn) with its default dt = 1 (τ is written in steps)"),
}
#: β of a LIF that stands for an IF layer: 1 − 2^−30 is 1.0 in float32 (the importers' precision).
IF_BETA = 1.0 - 2.0**-30


#: How far below θ (relative) an integer network's graph puts the threshold of a strict ``>``: 16 float32 steps
#: at 1, beyond the float32 rounding of a tie in snnTorch's update and within the gap to the nearest value that is
#: not one (module docstring).
TIE_MARGIN = 2.0**-20


def threshold(integer: bool) -> float:
    """The v_threshold (threshold units) written for a strict ``v > v_threshold`` to fire like lifhw's ``v ≥ 1``:
    the largest float32 below 1 for a float network, 1 − :data:`TIE_MARGIN` for an integer one (weights k/THRESH)."""
    return 1.0 - TIE_MARGIN if integer else float(np.nextafter(np.float32(1.0), np.float32(0.0)))


def notes(net: FloatNetwork, convention: Convention) -> list[str]:
    """What ``convention`` cannot express of ``net``, one line each (empty: it computes ``net``)."""
    out = []
    for k, neuron in enumerate(net.neurons):
        layer = f"layer {k + 1}"
        if neuron.reset_mode not in convention.resets:
            out.append(f"{layer} resets by '{neuron.reset_mode}'; {convention.name}'s import computes "
                       f"{' or '.join(convention.resets)} only")
        elif convention.reset_zero and neuron.reset_mode == "reset" and neuron.v_reset != 0.0:
            out.append(f"{layer} resets to {neuron.v_reset:g}; {convention.name}'s import resets to 0")
        if neuron.ref_steps and not convention.reads_metadata:
            out.append(f"{layer} has a refractory period of {neuron.ref_steps} steps; {convention.name} has none")
    if convention.fires_before_input:
        out.append(f"{convention.name} fires from the membrane before the step's input: each layer's spikes come one "
                   f"step later, so over T steps it counts what lifhw counts over the first T - {len(net.weights)} "
                   f"(run it {len(net.weights)} steps longer, without input, to count the same)")
    return out


def to_graph(net: FloatNetwork, metadata: dict | None = None, convention: str = "nir", integer: bool = False):
    """The NIR graph of a float network (threshold units, v_leak = 0) written for ``convention``'s importer.

    τ and r are chosen so that the importer's own β and input gain are the network's (r = τ/dt for Euler, so one
    unit of graph current adds one threshold unit), the threshold so that its ``>`` is lifhw's ``≥``
    (:func:`threshold`; ``integer``: ``net`` is an integer network's, :func:`fixed_to_float`). lifhw's metadata (dt,
    discretization, reset mode, refractory period, the threshold of ``≥``) always goes along, so lifhw reads the
    graph back as the same network whichever importer it was written for.
    """
    nir = _nir()
    row = CONVENTIONS[convention]
    dt = row.dt or net.dt
    discretization = row.discretization or net.discretization
    nodes = {"input": nir.Input(input_type={"input": np.array([net.sizes[0]])})}
    edges, previous = [], "input"
    biases = net.biases or (None,) * len(net.weights)
    theta = threshold(integer)
    for k, (w, b, neuron) in enumerate(zip(net.weights, biases, net.neurons, strict=True)):
        n = w.shape[0]
        extra = {"lifhw_reset_mode": neuron.reset_mode, "lifhw_ref_steps": neuron.ref_steps, "lifhw_v_threshold": 1.0}
        weight = np.array(w, dtype=np.float64)
        nodes[f"linear_{k}"] = nir.Linear(weight=weight) if b is None else nir.Affine(weight=weight,
                                                                                       bias=np.array(b, np.float64))
        beta = IF_BETA if neuron.beta == 1.0 and row.if_as_lif else neuron.beta
        if beta == 1.0:
            nodes[f"lif_{k}"] = nir.IF(r=np.full(n, 1.0 / dt), v_threshold=np.full(n, theta),
                                       v_reset=np.full(n, neuron.v_reset), metadata=extra)
        else:
            nodes[f"lif_{k}"] = nir.LIF(tau=np.full(n, _tau(beta, dt, discretization)),
                                        r=np.full(n, _unit_r(beta, dt, discretization)),
                                        v_leak=np.zeros(n), v_threshold=np.full(n, theta),
                                        v_reset=np.full(n, neuron.v_reset), metadata=extra)
        edges += [(previous, f"linear_{k}"), (f"linear_{k}", f"lif_{k}")]
        previous = f"lif_{k}"
    nodes["output"] = nir.Output(output_type={"output": np.array([net.sizes[-1]])})
    edges.append((previous, "output"))
    meta = {"dt": float(dt), "discretization": discretization, "generator": "lifhw", "lifhw_for": convention,
            **(metadata or {})}
    return nir.NIRGraph(nodes=nodes, edges=edges, metadata=meta)


def fixed_to_float(net: fixed.FixedNetwork) -> tuple[FloatNetwork, dict]:
    """The float network an integer network computes (weights and biases w/THRESH, β_q, reset V_RESET/THRESH) and
    the metadata that makes :func:`from_graph` + :func:`lifhw.learn.convert.plan` give back the same integers."""
    qs = [layer.q for layer in net.layers]
    if len({(q.dt, q.fmt.discretization, q.fmt.width, q.fmt.leak, q.fmt.leak_frac) for q in qs}) != 1 or len(
            {layer.weight_bits for layer in net.layers}) != 1:
        raise ParameterError("model", "layers", "NIR export needs one dt, format and weight width for all layers")
    weights, biases, neurons = [], [], []
    for layer in net.layers:
        r = layer.q.rtl
        weights.append(layer.weights / r["THRESH"])
        biases.append(np.zeros(layer.n_out) if layer.bias is None else layer.bias / r["THRESH"])
        neurons.append(LayerNeuron(beta=layer.q.beta_q, v_reset=r["V_RESET"] / r["THRESH"],
                                   reset_mode=layer.q.fmt.reset_mode, ref_steps=r["REF_STEPS"]))
    q = qs[0]
    meta = {"lifhw_weight_bits": net.layers[0].weight_bits, "lifhw_frac": [x.frac for x in qs],
            "lifhw_width": q.fmt.width, "lifhw_leak": q.fmt.leak, "lifhw_leak_frac": q.fmt.leak_frac}
    has_bias = any(layer.bias is not None for layer in net.layers)
    return FloatNetwork(tuple(weights), tuple(neurons), q.dt, q.fmt.discretization,
                        tuple(biases) if has_bias else None), meta


def write(graph, path) -> None:
    """Write a NIR file atomically (:func:`lifhw.files.atomic_path`: never over what is not a regular file)."""
    with atomic_path(Path(path)) as tmp:
        _nir().write(str(tmp), graph)


#: Bytes the import holds per value of the file's arrays: nir's copy, the float64 copies of from_graph and the
#: float32/int64 arrays of the quantization (measured: a 4000 x 4000 weight peaks at 40 bytes per value).
IMPORT_BYTES_PER_VALUE = 48
#: Bytes per text of a variable-length string dataset once read (a Python bytes object and its slot).
TEXT_BYTES = 64


def read(path):
    """A NIR file as a graph, its datasets bounded by their headers first (:func:`bound_file`); a file nir cannot
    read is a FieldError naming it."""
    bound_file(path)
    try:
        return _nir().read(str(path))
    except Exception as exc:  # h5py and nir raise many kinds; all mean "not a NIR graph we can read"
        detail = " ".join(str(exc).split()) or type(exc).__name__
        raise FieldError("", ..., f"is not a readable NIR file ({detail[:200]})", str(path)) from None


def load(path, dt: float = DEFAULT_DT, discretization: str = DEFAULT_DISCRETIZATION, reset: str | None = None,
         bias: bool = False) -> tuple[FloatNetwork, dict]:
    """The NIR file at ``path`` as :func:`from_graph` gives it (bounded and read by :func:`read`); each refusal of
    its content names the file: ``m.nir: node 'lif'.tau = -1: ...``; ``reset`` and ``bias`` are the caller's
    (``--reset``, ``--bias``), a ``reset`` lifhw does not know named as such."""
    _check_reset(reset)
    graph = read(path)
    with readers.fields(path):
        return from_graph(graph, dt, discretization, reset, bias)


def bound_file(path) -> None:
    """Walk the HDF5 file at ``path`` from its headers alone, before anything reads its data: every dataset's
    length against ``--max-points`` and the bytes the import would hold (its values, or its larger chunks, at
    :data:`IMPORT_BYTES_PER_VALUE`; texts at :data:`TEXT_BYTES` and the file's own size) against ``--max-memory``.
    Soft and external links, objects linked twice (a loop), datasets stored outside the file or made of others
    (virtual) and types NIR does not write are refused: a NIR file holds its own data. FieldError naming the
    dataset."""
    import h5py

    path = str(path)
    size = readers.regular_file(path)
    try:
        handle = h5py.File(path, "r")
    except Exception as exc:  # OSError for most, others for some damaged headers
        detail = " ".join(str(exc).split()) or type(exc).__name__
        raise FieldError("", ..., f"is not a readable NIR file ({detail[:200]})", path) from None
    total, seen, groups = size, set(), [("", handle)]
    with handle, readers.fields(path):
        while groups:
            where, group = groups.pop()
            for key in group:
                name = f"{where}/{key}"
                if not isinstance(group.get(key, getlink=True), h5py.HardLink):
                    raise FieldError(name, ..., "is a link to another place or file; a NIR file holds its own data")
                item = group[key]
                if item.id in seen:
                    raise FieldError(name, ..., "is linked twice (a loop): a NIR file is a tree")
                seen.add(item.id)
                limits.check_points(name, len(seen), len(seen), "groups and datasets in the file")
                if isinstance(item, h5py.Group):
                    groups.append((name, item))
                    continue
                total += _dataset_bytes(name, item)
                limits.check_memory(name, list(item.shape or ()), total,
                                    "bytes the import would hold (its arrays read so far)")
        _node_headers(handle)


def _node_headers(handle) -> None:
    """The numeric fields of the nodes lifhw runs (:data:`NODE_FIELDS`), judged by their headers
    (:func:`_kind_and_shape`) before nir builds the nodes from them (its own errors do not name the field)."""
    import h5py

    nodes = handle.get("node/nodes")
    for name, node in nodes.items() if isinstance(nodes, h5py.Group) else ():
        kind = node.get("type") if isinstance(node, h5py.Group) else None
        if not (isinstance(kind, h5py.Dataset) and kind.shape == () and kind.dtype.kind in "OS"):
            continue  # nir says what a node without a type is
        kind = kind[()]
        for field in NODE_FIELDS.get(kind.decode(errors="replace") if isinstance(kind, bytes) else str(kind), {}):
            data = node.get(field)
            if isinstance(data, h5py.Dataset):
                _kind_and_shape(name, field, data.dtype, data.shape or ())


def _dataset_bytes(name: str, dataset) -> int:
    """Bytes the import holds for one dataset, from its header; FieldError for what a NIR file does not hold."""
    import h5py

    if dataset.is_virtual or dataset.external:
        raise FieldError(name, ..., "is stored outside the file; a NIR file holds its own data")
    shape = dataset.shape or ()  # None: an empty dataspace
    for length in shape:
        limits.check_points(name, list(shape), length, "values along one axis (neurons)")
    count = math.prod(shape)
    chunks = math.prod(dataset.chunks) if dataset.chunks else 0  # a chunk is decompressed whole
    if h5py.check_string_dtype(dataset.dtype) is not None:
        return TEXT_BYTES * max(count, chunks)
    if dataset.dtype.kind not in "biufc" or dataset.dtype.hasobject:
        raise FieldError(name, str(dataset.dtype), "is not a type NIR writes (numbers or text)")
    return IMPORT_BYTES_PER_VALUE * max(count, chunks)


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


# --- what lifhw reads of a graph, checked before conversion -------------------------------------------------

@dataclass(frozen=True)
class GraphMetadata(Record):
    """The graph's metadata lifhw reads (others' keys are left alone): the step and discretization, and the
    fixed-point format a lifhw export was made for (:func:`fixed_to_float`). None: the graph does not say."""

    dt: float | None = None
    discretization: str | None = None
    lifhw_weight_bits: int | None = None
    lifhw_frac: list[int] | None = None
    lifhw_width: int | None = None
    lifhw_leak: str | None = None
    lifhw_leak_frac: int | None = None

    def __post_init__(self) -> None:
        if self.dt is not None:
            check_array(self.dt, "dt", "s", minimum=0.0)
        if self.discretization is not None and self.discretization not in fixed.DISCRETIZATIONS:
            raise ParameterError("discretization", self.discretization,
                                 f"must be one of {', '.join(fixed.DISCRETIZATIONS)}")
        low, high = convert.BITS_RANGE
        if self.lifhw_weight_bits is not None and not low <= self.lifhw_weight_bits <= high:
            raise ParameterError("lifhw_weight_bits", self.lifhw_weight_bits, f"must be in {low}..{high}")
        for frac in self.lifhw_frac if self.lifhw_frac is not None else [None]:
            try:  # the format's own rules, each named as the metadata key that gave it
                fixed.FixedFormat(width=_given(self.lifhw_width, 16), frac=frac, leak=_given(self.lifhw_leak, "mult"),
                                  leak_frac=_given(self.lifhw_leak_frac, 16))
            except ParameterError as exc:
                raise ParameterError(f"lifhw_{exc.name}", exc.value, exc.rule) from None


def _given(value, default):
    return default if value is None else value


@dataclass(frozen=True)
class NeuronMetadata(Record):
    """A neuron node's metadata lifhw reads: its extensions to NIR's LIF (a graph without them resets to v_reset,
    has no refractory period and fires at v_threshold); ``lifhw_v_threshold`` is the threshold of lifhw's ``≥``
    written beside the node's own for a ``>`` (:func:`to_graph`)."""

    lifhw_reset_mode: str = "reset"
    lifhw_ref_steps: int = 0
    lifhw_v_threshold: float | None = None

    def __post_init__(self) -> None:
        try:
            LayerNeuron(beta=1.0, reset_mode=self.lifhw_reset_mode, ref_steps=self.lifhw_ref_steps)
        except ParameterError as exc:  # named as the metadata key that gave it
            raise ParameterError(f"lifhw_{exc.name}", exc.value, exc.rule) from None
        if self.lifhw_v_threshold is not None:
            check_array(self.lifhw_v_threshold, "lifhw_v_threshold", "", minimum=0.0)


#: The node types lifhw runs and the numeric fields it reads of each: a matrix (``weight``) or one value per neuron
#: (or one for all), in seconds (``s``) or a pure number (``""``), each real, finite and of lifhw's magnitudes
#: (:data:`lifhw.units.QUANTITIES`).
NODE_FIELDS: dict[str, dict[str, str]] = {
    "Linear": {"weight": ""},
    "Affine": {"weight": "", "bias": ""},
    "LIF": {"tau": "s", "r": "", "v_leak": "", "v_threshold": "", "v_reset": ""},
    "IF": {"r": "", "v_threshold": "", "v_reset": ""},
    "CubaLIF": {"tau_mem": "s", "tau_syn": "s", "r": "", "v_leak": "", "v_threshold": "", "v_reset": "", "w_in": ""},
}
#: Node types whose metadata is :class:`NeuronMetadata`.
NEURON_TYPES = ("LIF", "IF", "CubaLIF")


@dataclass(frozen=True)
class CheckedGraph:
    """What :func:`check_graph` found: the graph's metadata, each neuron node's, and the Input's size."""

    metadata: GraphMetadata
    neurons: dict[str, NeuronMetadata]
    n_in: int


def check_graph(graph) -> CheckedGraph:
    """Check what lifhw reads of a NIR graph against what it supports, before any conversion: the metadata by type,
    the numeric fields of every node of :data:`NODE_FIELDS` (real, finite, of lifhw's magnitudes, a 2-D ``weight``
    and at most 1-D per-neuron fields, each length within ``--max-points``), the edges as pairs of node names and
    the one Input's size. ParameterError naming the node and the field (``node 'lif_0'.metadata.lifhw_ref_steps``).
    How the nodes chain and what their values mean is :func:`from_graph`'s to judge."""
    meta = read_fields(GraphMetadata, _metadata(graph.metadata, "graph.metadata"), "graph.metadata")
    edges = list(graph.edges) if isinstance(graph.edges, list | tuple | np.ndarray) else None
    if edges is None or not all(len(e) == 2 and all(isinstance(x, str) for x in e) for e in edges):
        raise ParameterError("graph.edges", graph.edges, "must be pairs of node names")
    limits.check_points("graph.edges", len(edges), len(edges), "edges")
    neurons = {}
    for name, node in graph.nodes.items():
        kind = type(node).__name__
        for field, unit in NODE_FIELDS.get(kind, {}).items():
            _values(name, field, getattr(node, field), unit)
        if kind in NEURON_TYPES:
            where = f"node {name!r}.metadata"
            neurons[name] = read_fields(NeuronMetadata, _metadata(node.metadata, where), where)
    inputs = [name for name, node in graph.nodes.items() if type(node).__name__ == "Input"]
    if len(inputs) != 1:
        raise ParameterError("graph", f"{len(inputs)} Input nodes", "must have exactly one Input node")
    shape = np.asarray(graph.nodes[inputs[0]].input_type.get("input"))
    if shape.dtype.kind not in "iu" or shape.ndim != 1 or shape.size == 0 or np.any(shape < 1):
        raise _field(inputs[0], "input_type", shape, "must be the input's shape: whole numbers >= 1")
    n_in = limits.check_points(f"node {inputs[0]!r}.input_type", shape.tolist(), math.prod(shape.tolist()),
                               "inputs (neurons)")
    return CheckedGraph(meta, neurons, n_in)


def _kind_and_shape(name: str, field: str, dtype: np.dtype, shape: tuple[int, ...]) -> None:
    """A node's numeric field must be real numbers (no text, no complex): a matrix for ``weight``, one number per
    neuron or one for all for the others; ParameterError naming the node and the field."""
    where = f"node {name!r}.{field}"
    if dtype.kind not in "biuf":
        raise ParameterError(where, str(dtype), "must be real numbers")
    if (field == "weight") != (len(shape) == 2) or len(shape) > 2:
        raise ParameterError(where, shape, "must be a matrix (n_out, n_in)" if field == "weight" else
                             "must be one number per neuron, or one for all")


def _values(name: str, field: str, value, unit: str) -> np.ndarray:
    """A node's numeric field as a float array (:func:`_kind_and_shape`), each length within ``--max-points``,
    finite and of the magnitudes of ``unit``'s quantity."""
    where = f"node {name!r}.{field}"
    array = np.asarray(value)
    _kind_and_shape(name, field, array.dtype, array.shape)
    for length in array.shape:
        limits.check_points(where, list(array.shape), length, "values along one axis (neurons)")
    return check_array(array, where, unit)


def _metadata(values, where: str) -> dict[str, Any]:
    """A NIR metadata dict as JSON-like Python values (h5py gives numpy scalars, arrays and bytes)."""
    if values is None:
        return {}
    if not isinstance(values, dict):
        raise ParameterError(where, type(values).__name__, "must be a mapping of names to values")
    return {str(key): _plain(value, f"{where}.{key}") for key, value in values.items()}


def _plain(value, where: str):
    if isinstance(value, bytes):
        try:
            return value.decode()
        except UnicodeDecodeError:
            raise ParameterError(where, value[:20], "is not UTF-8 text") from None
    if isinstance(value, np.ndarray | np.generic):
        return _plain(value.tolist(), where) if value.ndim else _plain(value.item(), where)
    if isinstance(value, list):
        return [_plain(v, where) for v in value]
    return value


#: The reset modes ``--reset`` names (``zero``: NIR's own, to the graph's v_reset, which snnTorch writes as 0).
RESETS = {"zero": "reset", "subtract": "subtract", "subtract-delayed": "subtract-delayed"}


def _check_reset(reset: str | None) -> None:
    if reset is not None and reset not in RESETS:
        raise ParameterError("reset", reset, f"must be one of {', '.join(RESETS)}")


def _neuron(name: str, node, meta: NeuronMetadata, n: int, dt: float, discretization: str,
            reset: str | None) -> tuple[LayerNeuron, np.ndarray]:
    """The layer neuron and the per-neuron input factor g_i/θ_i of a NIR neuron node (its metadata ``meta``;
    ``reset``: a key of :data:`RESETS` that overrides the node's)."""
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
    # lifhw's own graphs carry the threshold of its >= beside the one written for a > (to_graph)
    theta = arrays["v_threshold"] if meta.lifhw_v_threshold is None else np.full(n, meta.lifhw_v_threshold)
    theta = theta - leak
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
    reset_value = _shared(name, "v_reset", (arrays["v_reset"] - leak) / theta)
    if reset_value >= 1.0:
        raise _field(name, "v_reset", arrays["v_reset"], "must be below v_threshold")
    reset_mode = RESETS[reset] if reset else meta.lifhw_reset_mode
    try:
        neuron = LayerNeuron(beta=beta, v_reset=reset_value, reset_mode=reset_mode, ref_steps=meta.lifhw_ref_steps)
    except ParameterError as exc:
        raise ParameterError(f"node {name!r}.{exc.name}", exc.value, exc.rule) from None
    return neuron, gain / theta


def _folded(name: str, field: str, values: np.ndarray, factor: np.ndarray, neuron: str) -> np.ndarray:
    """A weight node's ``weight`` (rows) or ``bias`` in threshold units: each neuron's times its g_i/θ_i, within
    lifhw's magnitudes."""
    with np.errstate(over="ignore", invalid="ignore"):
        folded = values * factor.reshape(-1, *([1] * (values.ndim - 1)))
    check_array(folded, f"node {name!r}.{field} times node {neuron!r}'s r/(v_threshold - v_leak)", "")
    return folded


def _snntorch_export(graph, meta: dict) -> bool:
    """Whether snnTorch wrote the graph: its producer metadata says so, or (snnTorch 1.0 writes none) every LIF
    node has snnTorch's export signature r = τ/dt at its dt = 1e-4 s, v_leak = 0 and no lifhw metadata."""
    if any("snntorch" in str(v).lower() for v in meta.values()):
        return True
    if meta:
        return False
    lifs = [node for node in graph.nodes.values() if type(node).__name__ == "LIF"]
    dt = CONVENTIONS["snntorch"].dt
    return bool(lifs) and all(not node.metadata and np.allclose(np.asarray(node.r) * dt, np.asarray(node.tau),
                                                                rtol=1e-5) and not np.any(node.v_leak) for node in lifs)


def from_graph(graph, dt: float = DEFAULT_DT, discretization: str = DEFAULT_DISCRETIZATION, reset: str | None = None,
               bias: bool = False) -> tuple[FloatNetwork, dict]:
    """A NIR chain as a FloatNetwork, and hints for :func:`to_fixed`: the neuron nodes' names (``nodes``) and the
    graph's lifhw fixed-point metadata (when it has any).

    ``dt`` and ``discretization`` apply when the graph's metadata does not give them. The graph is checked first
    (:func:`check_graph`). ``reset`` (a key of :data:`RESETS`) sets every layer's reset mode, which a NIR graph
    cannot carry (snnTorch writes v_reset = 0 for all its reset mechanisms: a graph of snnTorch's without ``reset``
    gets a :class:`ConventionWarning`). ``bias``: read the biases of Affine nodes (False: a core without a bias bank;
    a non-zero bias is refused, naming the node).
    """
    nir = _nir()
    _check_reset(reset)
    checked = check_graph(graph)
    dt = _given(checked.metadata.dt, dt)
    discretization = _given(checked.metadata.discretization, discretization)
    if not 0 < dt < math.inf:
        raise ParameterError("dt", dt, "must be a finite number > 0 s")
    if discretization not in fixed.DISCRETIZATIONS:
        raise ParameterError("discretization", discretization, f"must be one of {', '.join(fixed.DISCRETIZATIONS)}")
    successors: dict[str, list[str]] = {name: [] for name in graph.nodes}
    for src, dst in graph.edges:
        if src not in successors or dst not in graph.nodes:
            raise ParameterError("graph.edges", (src, dst), "names a node the graph does not have")
        successors[src].append(dst)
    name = next(name for name, node in graph.nodes.items() if isinstance(node, nir.Input))
    n = checked.n_in
    weights, biases, neurons, names, seen = [], [], [], [], {name}
    pending, pending_name = None, ""  # a Linear/Affine weight (and its node) waiting for its neuron node
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
            b = np.zeros(w.shape[0])
            if isinstance(node, nir.Affine):
                b = np.asarray(node.bias, dtype=float)
                if b.shape != (w.shape[0],):
                    raise _field(name, "bias", b.shape, f"must be {w.shape[0]} numbers (one per neuron)")
                if np.any(b != 0) and not bias:
                    raise _field(name, "bias", b, "is not zero, and --bias is off: the core has no bias bank")
            pending, pending_bias, pending_name, n = w, b, name, w.shape[0]
        elif isinstance(node, nir.LIF | nir.IF | nir.CubaLIF):
            if pending is None:
                raise ParameterError(f"node {name!r}", kind, "needs a Linear or Affine node before it")
            neuron, factor = _neuron(name, node, checked.neurons[name], n, dt, discretization, reset)
            weights.append(_folded(pending_name, "weight", pending, factor, name))
            biases.append(_folded(pending_name, "bias", pending_bias, factor, name))
            neurons.append(neuron)
            names.append(name)
            pending = None
        else:
            raise _field(name, "type", kind, "is not supported: lifhw runs Input → (Linear | Affine → LIF | IF "
                                                   "| CubaLIF)… → Output")
    if not weights:
        raise ParameterError("graph", "no layers", "must hold at least one weight and neuron node")
    hints = {"nodes": names, **{k: getattr(checked.metadata, k) for k in FIXED_KEYS
                                if getattr(checked.metadata, k) is not None}}
    if len(hints.get("lifhw_frac", weights)) != len(weights):
        raise ParameterError("graph.metadata.lifhw_frac", hints["lifhw_frac"], f"must give one frac per layer "
                                                                               f"({len(weights)})")
    if reset is None and _snntorch_export(graph, _metadata(graph.metadata, "graph.metadata")):
        warnings.warn("the graph looks like snnTorch's export, whose v_reset = 0 stands for every reset mechanism: "
                      "it is read as reset to zero; snnTorch's default Leaky subtracts one step late (pass --reset "
                      "subtract-delayed; --reset zero says the reset is meant)", ConventionWarning, stacklevel=2)
    has_bias = any(np.any(b != 0) for b in biases)
    return FloatNetwork(tuple(weights), tuple(neurons), dt, discretization,
                        tuple(biases) if has_bias else None), hints


def to_fixed(net: FloatNetwork, hints: dict, bits: int | None = None, width: int | None = None,
             leak: str | None = None) -> tuple[fixed.FixedNetwork, list[convert.LayerPlan], int]:
    """The integer network of a graph read by :func:`from_graph`, its layer plans and its weight width.

    The graph's lifhw metadata (``hints``) gives the format it was exported with, so a graph that lifhw wrote
    comes back as the same integers; without it: 8-bit weights, 16-bit state, multiplier leak. ``bits``,
    ``width`` and ``leak`` override; other weight bits than the graph's re-choose each layer's frac.
    """
    for name, neuron in zip(hints["nodes"], net.neurons, strict=True):
        if neuron.beta == 1.0:
            raise ParameterError(f"node {name!r}.type", "IF", "does not leak, and the core's leak needs beta < 1 "
                                                              "(LEAK_MULT >= 1): it runs in the float model only")
    weight_bits = bits if bits is not None else int(hints.get("lifhw_weight_bits", 8))
    same_format = bits is None or bits == hints.get("lifhw_weight_bits")
    plans = convert.plan(net, weight_bits, width or int(hints.get("lifhw_width", 16)),
                         leak or hints.get("lifhw_leak", "mult"), int(hints.get("lifhw_leak_frac", 16)),
                         hints.get("lifhw_frac") if same_format else None)
    if same_format and "lifhw_frac" in hints:
        # fracs chosen for other weights would clip these silently
        top = (1 << (weight_bits - 1)) - 1
        for k, (w, p) in enumerate(zip(net.weights, plans, strict=True)):
            scaled = np.rint(w * p.q.rtl["THRESH"])
            if scaled.max() > top or scaled.min() < -top - 1:
                raise ParameterError("graph.metadata.lifhw_frac", hints["lifhw_frac"],
                                     f"puts layer {k + 1}'s weights at {scaled.min():.6g}..{scaled.max():.6g} LSB, "
                                     f"beyond the {weight_bits}-bit weights ({-top - 1}..{top})")
    return convert.to_fixed(net, plans), plans, weight_bits
