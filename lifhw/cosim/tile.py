"""The tile's deck: N transistor neurons, each with a current-steering input DAC and a leak-trim DAC.

Every neuron is one instance of its circuit's subcircuit (:meth:`lifhw.spice.deck.AnalogNeuron.subckt`); the
references the neurons share (supplies, comparator and timer biases) stay once in the deck. Two things become
per-neuron:

* the input: the ideal ``i_in`` goes, a 6-bit DAC (:data:`IN_BITS`, LSB :data:`I_LSB_IN`) drives ``mem<k>``;
* the leak bias: the bias diode of the leak OTA (every element on the leak-bias node :data:`LEAK_BIAS_NODE`) is
  placed once per neuron, its ideal current reduced to :data:`TRIM_BASE` of the design's, and a 5-bit trim DAC
  (:data:`TRIM_BITS`, LSB :data:`I_LSB_TRIM`) adds the rest: code 16 is the design's bias, a larger code a stronger
  leak and a slower neuron. The trim range is ±0.26 of the design's i_b (about ±20 % of rate for lif_ota at 30 Hz).

The DAC cells are ``circuits/idac.cir``'s (binary-weighted pfet mirrors of one reference per DAC kind, shared by
the tile, nfet steering to the output or to a dump node held at :data:`V_DUMP`). Each code bit is a pair of voltage
sources ``vb_<kind><k>_<bit>`` and ``vbn_…`` (the register's true and complement outputs): constant in a
co-simulation (the bridge ``alter``s them), piecewise linear in the plain reference that replays the codes the
digital set (:func:`render`).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ParameterError
from ..files import CIRCUITS_DIR
from ..spice.deck import AnalogNeuron
from .ngspice import quoted

IN_BITS, TRIM_BITS = 6, 5
I_LSB_IN = 1e-12                 # input DAC LSB (A): 0 … 63 pA
I_LSB_TRIM = 5e-12 / 31          # trim DAC LSB (A): 0 … 5 pA on the leak bias
M_REF = 8                        # unit devices of the trim DAC's reference diode (its outputs hold still)
#: Unit devices of the input DAC's reference diode per neuron of the tile. The gate line ``pb_in`` carries 63 unit
#: gates per neuron, and the on cells' drains follow each membrane, so the membranes' swings kick the line through
#: their C_gd; it recovers with τ = C/g_m ∝ 63·N/m_ref + 1. With a diode of 8 units a tile of 8 neurons' intervals
#: shortened by 0.74 % (one trim step) over its first 0.3 s (τ ≈ 0.1 s; tt_mm seed 3), so a search measured a
#: different neuron than a fresh transient did. With 64 units per neuron τ is 32× shorter whatever N, and the same
#: tile's intervals are flat within ±10 µs from the first. It costs 64 pA per neuron on vdda, as much as the input
#: DAC's own units (which always conduct).
M_REF_IN_PER_NEURON = 64
TRIM_BASE = 0.75                 # the ideal part of each neuron's leak bias, a fraction of the design's i_b
V_DUMP = 0.6                     # the DACs' dump node (V): near the outputs' voltage, so the off switches leak little
EDGE = 1e-9                      # rise time of a code bit's edge in the plain reference (s)
LEAK_BIAS_NODE = "nb"            # both transistor netlists' leak-OTA bias diode node
CIRCUITS = ("ota", "lowpower")   # the transistor netlists a tile is built of
DAC_FILE = CIRCUITS_DIR / "idac.cir"
#: Tolerances of a calibration run: with ngspice's defaults consecutive intervals of a lif_ota neuron at a constant
#: code differ by ~40 µs peak to peak (a fifth of a trim step); with these by ~2 µs, for 1.5× the CPU time.
TIGHT = ".options reltol = 1e-4 chgtol = 1e-18 abstol = 1e-15"

#: (kind, code bits, element prefix of the bit sources) of the two DACs of each neuron
DACS = (("in", IN_BITS, "in"), ("trim", TRIM_BITS, "t"))


def check_codes(name: str, codes: list[int], n: int, bits: int) -> list[int]:
    """``codes`` as n ints of ``bits`` bits, or ParameterError naming ``name``."""
    if len(codes) != n:
        raise ParameterError(name, codes, f"must give one code per neuron ({n})")
    for code in codes:
        if isinstance(code, bool) or not isinstance(code, int) or not 0 <= code < 1 << bits:
            raise ParameterError(name, code, f"must be a whole number 0 … {(1 << bits) - 1} ({bits}-bit DAC)")
    return [int(c) for c in codes]


def check_circuit(circuit: str) -> str:
    if circuit not in CIRCUITS:
        raise ParameterError("circuit", circuit, f"must be one of {', '.join(CIRCUITS)} (a transistor neuron)")
    return circuit


@dataclass(frozen=True)
class Tile:
    """N neurons of ``circuit`` at its default design (the corner's ``_mm`` section when ``mismatch``)."""

    circuit: str
    n: int
    mismatch: bool = False
    tight: bool = False

    def __post_init__(self) -> None:
        check_circuit(self.circuit)
        if isinstance(self.n, bool) or not isinstance(self.n, int) or self.n < 1:
            raise ParameterError("neurons", self.n, "must be a whole number >= 1")

    @property
    def vdd(self) -> float:
        return AnalogNeuron(self.circuit).design.vdd

    def render(self, schedules: dict[str, list[list[tuple[float, int]]]], save_membranes: bool = False) -> str:
        """The deck text. ``schedules[kind][k]``: neuron k's codes of DAC ``kind`` ("in", "trim") as
        ``[(t, code), …]`` from t = 0 (one entry: constant sources)."""
        neuron = AnalogNeuron(self.circuit)
        text = neuron.render(mismatch=self.mismatch, cell=True)
        ports = neuron.ports
        if LEAK_BIAS_NODE not in ports:
            raise ValueError(f"{self.circuit}: no leak-bias port {LEAK_BIAS_NODE!r} to trim")
        own = {"mem", "spk", neuron.circuit.release_node, LEAK_BIAS_NODE}
        out, bias = [], []
        inside = False                 # in the neuron's .subckt, whose lines stay as they are
        for line in text.splitlines():
            tokens = line.split()
            head = tokens[0].lower() if tokens else ""
            if head in (".subckt", ".ends"):
                inside = head == ".subckt"
            if inside or head == ".ends":
                out.append(line)
                continue
            if head in ("v_probe", "r_probe", "i_in", ".end") or head.startswith(".save"):
                continue
            if head == "x_neuron":
                for k in range(self.n):
                    nodes = [f"{p}{k}" if p in own else p for p in ports]
                    out.append(f"x_n{k} {' '.join(nodes)} {neuron.cell_name}")
                continue
            if head[:1].isalpha() and LEAK_BIAS_NODE in (t.lower() for t in tokens[1:3]):
                bias.append(tokens)
                continue
            out.append(line)
        vdd = self.vdd
        m_ref_in = M_REF_IN_PER_NEURON * self.n
        out += [f".include {quoted(str(DAC_FILE))}", f"vdda vdda 0 {vdd!r}", f"vdump dump 0 {V_DUMP!r}",
                f"xref_in pb_in vdda idac_ref i_ref={m_ref_in * I_LSB_IN!r} m_ref={m_ref_in}",
                f"xref_t pb_t vdda idac_ref i_ref={M_REF * I_LSB_TRIM!r} m_ref={M_REF}"]
        for k in range(self.n):
            for tokens in bias:
                nodes = [f"{t}{k}" if t.lower() == LEAK_BIAS_NODE else t for t in tokens[1:]]
                if tokens[0][0].lower() == "i":
                    nodes[-1] = f"{{{TRIM_BASE!r}*({nodes[-1].strip('{}')})}}"
                out.append(f"{tokens[0]}_{k} {' '.join(nodes)}")
            for kind, bits, prefix in DACS:
                output = f"mem{k}" if kind == "in" else f"{LEAK_BIAS_NODE}{k}"
                reference = "pb_in" if kind == "in" else "pb_t"
                for b in range(bits):
                    name = f"{prefix}{k}_{b}"
                    out += _bit_sources(name, b, schedules[kind][k], vdd)
                    out.append(f"xd{name} {output} dump {reference} vdda b_{name} bn_{name} idac_bit units={2 ** b}")
        if self.tight:
            out.append(TIGHT)
        saved = [f"v(spk{k})" for k in range(self.n)] + ([f"v(mem{k})" for k in range(self.n)] if save_membranes
                                                        else [])
        out += [".save " + " ".join(saved), ".end"]
        return "\n".join(out) + "\n"


def _bit_sources(name: str, bit: int, schedule: list[tuple[float, int]], vdd: float) -> list[str]:
    """The two sources of one code bit: ``vb_<name>`` (vdd when the bit is 1) and ``vbn_<name>`` (its complement)."""
    lines = []
    for prefix, polarity in (("b", 1), ("bn", 0)):
        def level(code: int, polarity: int = polarity) -> float:
            return vdd if ((code >> bit) & 1) == polarity else 0.0
        if len(schedule) == 1:
            lines.append(f"v{prefix}_{name} {prefix}_{name} 0 dc {level(schedule[0][1])!r}")
            continue
        points = [f"0 {level(schedule[0][1])!r}"]
        for (t, code), (_, before) in zip(schedule[1:], schedule[:-1], strict=True):
            if level(code) != level(before):
                points += [f"{t!r} {level(before)!r}", f"{t + EDGE!r} {level(code)!r}"]
        lines.append(f"v{prefix}_{name} {prefix}_{name} 0 pwl({' '.join(points)})")
    return lines


def bit_commands(kind: str, k: int, old: int, new: int, vdd: float) -> list[str]:
    """ngspice ``alter`` commands that move neuron k's ``kind`` DAC from code ``old`` to ``new`` (changed bits only)."""
    bits, prefix = next((b, p) for name, b, p in DACS if name == kind)
    commands = []
    for b in range(bits):
        on = (new >> b) & 1
        if (old >> b) & 1 != on:
            commands += [f"alter vb_{prefix}{k}_{b} dc = {vdd * on!r}",
                         f"alter vbn_{prefix}{k}_{b} dc = {vdd * (1 - on)!r}"]
    return commands
