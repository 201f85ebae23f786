"""Area as silicon pays it: the neuron's and its shared bias block's, from their netlists (SI: m²).

The model, every constant of it in :mod:`lifhw.pdk`:

- a MIM capacitor (``cap_mim_m3``) of capacitance C is a square of side s with C = C_A·s² + C_P·4s (the model
  package's area and perimeter densities, :func:`lifhw.pdk.mim_densities`), plus the bottom plate's enclosure on
  every side (:data:`lifhw.pdk.MIM_ENCLOSURE`);
- a transistor of W × L takes its drawn footprint (L + :data:`~lifhw.pdk.DEVICE_L_OVERHEAD`)·(W +
  :data:`~lifhw.pdk.DEVICE_W_OVERHEAD`) (contacted source/drain, implant enclosure, poly end caps and contact pad,
  as the PDK's nmos/pmos cells draw them) times :data:`~lifhw.pdk.LAYOUT_FACTOR` for wells, taps, spacing and
  routing: a stated factor, not a layout;
- the MIM sits between metal 3 and metal 4, so the devices may sit under it ("stacked": the larger of the two) if
  their wiring stays below metal 3; "side by side" is the sum: the two bound a layout;
- a TSV on the membrane adds its keep-out disc (:data:`~lifhw.pdk.TSV_KEEPOUT` diameters around the via).

Per neuron in an array of N: the neuron's area plus the block's over N.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .. import pdk
from ..errors import ParameterError
from ..jsonio import Record
from ..units import check_value
from .design import TSV_TYPICAL

_MOS = re.compile(r"sky130_fd_pr__[np]fet\w*", re.IGNORECASE)
_KEY = re.compile(r"(\w+)\s*=\s*(\S+)")
#: Capacitors of a neuron netlist that are not MIM: the TSV's is the via's own, to substrate.
NOT_MIM = ("c_tsv",)


def mim_area(c: float) -> float:
    """Area (m²) of a square ``cap_mim_m3`` of capacitance ``c`` (F), its bottom plate's enclosure included."""
    c = check_value(c, "c", "F", minimum=0, exclusive=False)
    area_density, perimeter_density = pdk.mim_densities()
    # C = a s² + 4 p s: the positive root
    side = (-4 * perimeter_density + math.sqrt(16 * perimeter_density ** 2 + 4 * area_density * c)) / (
        2 * area_density)
    return (side + 2 * pdk.MIM_ENCLOSURE) ** 2 if c > 0 else 0.0


def device_area(w: float, length: float) -> float:
    """Area (m²) one transistor of ``w`` × ``length`` (m) takes: its drawn footprint times the layout factor."""
    return pdk.LAYOUT_FACTOR * (length + pdk.DEVICE_L_OVERHEAD) * (w + pdk.DEVICE_W_OVERHEAD)


def _number(token: str, values: dict[str, float]) -> float:
    token = token.strip("{}' ").lower()
    if token in values:
        return values[token]
    try:
        return float(token)
    except ValueError:
        raise ParameterError("netlist", token, "must be a number or a .param name of the circuit") from None


@dataclass(frozen=True)
class Parts(Record):
    """What a netlist's elements take: ``transistors`` (count, multipliers included), their gate area Σ W·L and
    their area (:func:`device_area`), its MIM capacitance and area (m², F)."""

    transistors: int
    gate_area: float
    device_area: float
    mim_capacitance: float
    mim_area: float


def parts(text: str, values: dict[str, float] | None = None) -> Parts:
    """:class:`Parts` of the element lines of ``text`` (sizes in µm, the models' scale; ``{name}`` read from
    ``values``, the netlist's ``.param`` values in SI)."""
    values = {k.lower(): v for k, v in (values or {}).items()}
    count, gate, devices, mim_c, mim_a = 0, 0.0, 0.0, 0.0, 0.0
    for line in text.splitlines():
        tokens = line.split()
        if not tokens or not tokens[0][0].isalpha():
            continue
        kind, name = tokens[0][0].lower(), tokens[0].lower()
        if kind == "x" and _MOS.search(line):
            keys = {k.lower(): _number(v, values) for k, v in _KEY.findall(line)}
            mult = keys.get("m", 1.0) * keys.get("mult", 1.0)
            w, length = keys["w"] * 1e-6, keys["l"] * 1e-6
            count += int(mult)
            gate += mult * w * length
            devices += mult * device_area(w, length)
        elif kind == "c" and name not in NOT_MIM:
            c = _number(tokens[3], values)
            mim_c += c
            mim_a += mim_area(c)
    return Parts(count, gate, devices, mim_c, mim_a)


@dataclass(frozen=True)
class ArrayArea(Record):
    """Area of an array of ``neurons`` (m²): ``neuron`` and ``block`` parts, the neuron's area stacked (devices
    under the MIM) and side by side, the TSV keep-out (0 without a TSV), and per neuron and per array as
    [stacked, side by side]."""

    circuit: str
    neurons: int
    neuron: Parts
    block: Parts
    neuron_stacked: float
    neuron_side_by_side: float
    tsv_keepout: float
    block_area: float
    per_neuron: list[float]
    array: list[float]


def tsv_keepout(diameter: float = TSV_TYPICAL["diameter"]) -> float:
    """Area (m²) a TSV of ``diameter`` (m) keeps out: a disc :data:`lifhw.pdk.TSV_KEEPOUT` diameters wider all
    round."""
    return math.pi * (diameter / 2 + pdk.TSV_KEEPOUT * diameter) ** 2


def array_area(circuit: str, neurons: int, tsv: bool = False, c_m: float | None = None) -> ArrayArea:
    """:class:`ArrayArea` of ``neurons`` lif_``circuit`` (default design; ``c_m`` F: another membrane capacitor)
    and their bias block; ``tsv``: each membrane with the typical TSV."""
    from .array import check_neurons, get_block
    from .deck import AnalogNeuron

    block = get_block(circuit)
    check_neurons(neurons)
    neuron = AnalogNeuron(circuit)
    values = neuron.values() if c_m is None else {**neuron.values(), "c_m": check_value(c_m, "c_m", "F", minimum=0)}
    own = parts(neuron.subckt(), values)
    shared = parts(block.text(), neuron.values())
    stacked = max(own.mim_area, own.device_area)
    side = own.mim_area + own.device_area
    keepout = tsv_keepout() if tsv else 0.0
    block_area = shared.mim_area + shared.device_area
    per = [a + keepout + block_area / neurons for a in (stacked, side)]
    return ArrayArea(circuit, neurons, own, shared, stacked, side, keepout, block_area, per,
                     [neurons * a for a in per])
