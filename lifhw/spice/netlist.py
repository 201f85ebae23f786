"""Netlists: where they are, which parameters they take, and rendering them with validated numbers.

A netlist in ``circuits/`` declares its parameters as ``.param name = default`` lines. :func:`render`
replaces those defaults with floats (formatted by Python, never text from a user), points the ``.lib``
line at the installed model library (:mod:`lifhw.pdk`) with the chosen corner, sets ``.temp``, and adds
the ``.save`` list and, for a transistor circuit, a membrane probe (a voltage source behind a resistor that
is 1 Ω while characterising and 10^18 Ω, i.e. open, otherwise) so one loaded circuit serves both the DC
characterisation and the transients. What differs between circuits is data on each :class:`Circuit`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .. import pdk
from ..errors import ParameterError
from ..files import CIRCUITS_DIR
from ..params import LIFParams
from .design import OTADesign

_PARAM = re.compile(r"^\.param\s+(\w+)\s*=\s*(\S+)\s*$", re.IGNORECASE)
_LIB = re.compile(r"^\.lib\s+sky130\.lib\.spice\s+\w+\s*$", re.IGNORECASE)
_TEMP = re.compile(r"^\.temp\s+\S+\s*$", re.IGNORECASE)
#: Resistance (Ω) of the membrane probe when it is disconnected: 0.6 V across it is 0.6 aA.
PROBE_OPEN = 1e18


@dataclass(frozen=True)
class Circuit:
    """One netlist and what lifhw needs to know to run it.

    Attributes
    ----------
    name, file : the ``--circuit`` name and the netlist in ``circuits/``
    saves : the vectors a run keeps
    release_node : the node whose falling vdd/2 crossing ends the reset hold
    values : ``values(params, design) -> {.param name: SI float}``; raises ParameterError for a neuron the
        circuit cannot build
    transistors : built from PDK devices: it loads the model library, has an OTA leak to characterise
        (its theory is the device-aware one of its measured I-V) and gets the membrane probe
    hold_steps : transient steps the reset hold t_ref must span at least (0: no such bound)
    """

    name: str
    file: str
    saves: tuple[str, ...]
    release_node: str
    values: Callable[[LIFParams, OTADesign], dict[str, float]]
    transistors: bool
    hold_steps: int = 0

    @property
    def path(self) -> Path:
        return CIRCUITS_DIR / self.file


def _positive_t_ref(params: LIFParams) -> float:
    # Both netlists hold the reset with a timer; a zero hold would not complete the reset.
    if params.t_ref < 1e-6:
        raise ParameterError("t_ref", params.t_ref, "must be >= 1 us in the SPICE netlists (the reset needs time)")
    return params.t_ref


def _ideal_values(params: LIFParams, design: OTADesign) -> dict[str, float]:
    return {"c_m": params.c_m, "r_m": params.r_m, "v_rest": params.v_rest, "v_th": params.v_th,
            "v_reset": params.v_reset, "t_ref": _positive_t_ref(params), "vdd": design.vdd}


def _ota_values(params: LIFParams, design: OTADesign) -> dict[str, float]:
    vdd = design.vdd
    for name in ("v_rest", "v_th", "v_reset"):
        value = getattr(params, name)
        if not 0.3 <= value <= vdd - 0.5:
            raise ParameterError(name, value, f"must be in [0.3, vdd - 0.5 = {vdd - 0.5:.6g}] V so the "
                                              "OTA and comparator stay in saturation")
    return {"c_m": params.c_m, "v_rest": params.v_rest, "v_th": params.v_th, "v_reset": params.v_reset,
            "vdd": vdd, "i_b": design.i_b, "i_cmp": design.i_cmp, "i_ref": design.i_ref,
            "c_ref": design.c_ref(_positive_t_ref(params)), "c_tsv": design.c_tsv, "r_tsv": design.r_tsv}


CIRCUITS = {
    # lif_ideal's hysteretic switches (threshold, timer, reset) change state within nanoseconds. When one transient
    # step spans a sizeable part of t_ref, ngspice cannot converge at the threshold crossing ("Timestep too small",
    # seen for t_ref/20 with a slow membrane, c_m >= 100 pF at the default R_m); with steps of t_ref/100 or less
    # it converged for every neuron tried (c_m 2 pF - 3 nF, t_ref 10 us - 10 ms, 1.05 - 30 x the rheobase).
    "ideal": Circuit("ideal", "lif_ideal.cir", ("v(mem)", "v(spk)", "i(vdd)"), "spk", _ideal_values, False,
                     hold_steps=100),
    "ota": Circuit("ota", "lif_ota.cir", ("v(mem)", "v(spk)", "v(rst)", "i(vdd)", "i(v_probe)"), "rst",
                   _ota_values, True),
}
#: The netlists: every result computed from them is invalidated when one changes (lifhw.report.cache).
DATA_FILES = tuple(c.path for c in CIRCUITS.values())


def get_circuit(name: str) -> Circuit:
    if name not in CIRCUITS:
        raise ParameterError("circuit", name, f"must be one of {', '.join(CIRCUITS)}")
    return CIRCUITS[name]


def declared_params(circuit: Circuit) -> dict[str, str]:
    """The ``.param`` names of a netlist and their default text."""
    out = {}
    for line in circuit.path.read_text().splitlines():
        match = _PARAM.match(line.strip())
        if match:
            out[match.group(1)] = match.group(2)
    return out


def render(circuit: Circuit, values: dict[str, float], corner: str = "tt", temp: float = 27.0) -> str:
    """The netlist text with ``values`` (name -> float) in its .param lines, models, temperature and saves.

    Nothing but numbers formatted here and a corner from :data:`lifhw.pdk.CORNERS` reaches the text, whoever calls.
    """
    if corner not in pdk.CORNERS:
        raise ParameterError("corner", corner, f"must be one of {', '.join(pdk.CORNERS)}")
    temp = pdk.check_temperature(temp)
    declared = declared_params(circuit)
    for name, value in values.items():
        if name not in declared:
            raise ParameterError(name, value, f"is not a parameter of {circuit.file}; it has {', '.join(declared)}")
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ParameterError(name, value, "must be a finite number")
    lines = []
    for line in circuit.path.read_text().splitlines():
        stripped = line.strip()
        match = _PARAM.match(stripped)
        if match and match.group(1) in values:
            lines.append(f".param {match.group(1)} = {float(values[match.group(1)])!r}")
        elif _LIB.match(stripped):
            lines.append(f".lib {pdk.model_library()} {corner}")
        elif _TEMP.match(stripped):
            lines.append(f".temp {float(temp)!r}")
        elif stripped.lower() == ".end":
            if circuit.transistors:
                lines += ["* membrane probe for the DC characterisation (open unless characterising)",
                          "v_probe probe 0 dc 0.6", f"r_probe mem probe {PROBE_OPEN!r}"]
            lines.append(".save " + " ".join(circuit.saves))
            lines.append(line)
        else:
            lines.append(line)
    return "\n".join(lines) + "\n"
