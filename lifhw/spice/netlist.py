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
import typing
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import pdk, theory
from ..errors import ParameterError, SpiceError
from ..files import CIRCUITS_DIR, tool_file
from ..params import LIFParams
from ..units import check_value, parse_value
from .design import AREA_FACTORS, DV_REF, OTADesign, RefractoryTimer

_PARAM = re.compile(r"^\.param\s+(\w+)\s*=\s*(\S+)\s*$", re.IGNORECASE)
_LIB = re.compile(r"^\.lib\s+sky130\.lib\.spice\s+\w+\s*$", re.IGNORECASE)
_TEMP = re.compile(r"^\.temp\s+\S+\s*$", re.IGNORECASE)
_MODEL = re.compile(r"\b(sky130_fd_pr__\w+)", re.IGNORECASE)
#: Resistance (Ω) of the membrane probe when it is disconnected: 0.6 V across it is 0.6 aA.
PROBE_OPEN = 1e18
#: The elements of the membrane probe :func:`render` adds to a transistor circuit (a test fixture, not the neuron).
PROBE_ELEMENTS = ("v_probe", "r_probe")


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
    areas : for each area factor of :class:`~lifhw.spice.design.OTADesign`, the (W, L) parameter pairs of the
        matched devices it scales
    defaults : the circuit's own design defaults (OTADesign field, value) over OTADesign's (lif_ota's);
        :meth:`design` applies them
    timer : how t_ref maps to the netlist's c_ref (None: the netlist times t_ref itself)
    dc_below_th : the characterisation's DC sweep of the membrane stops this far (V) below V_th, where the
        comparator cannot have tripped yet at any corner the circuit supports
    shared : the elements of the netlist that are not the neuron's own: supplies, reference voltages, the bias
        references an array of neurons shares (current sources, their diodes, replicas) and the input source; the
        rest is the neuron (:meth:`lifhw.spice.deck.AnalogNeuron.subckt`)
    isi_bounds : ``isi_bounds(params, currents, step) -> (low, high, source)``: the inter-spike intervals (s) the
        netlist gives under constant currents (A) with transient steps of at most ``step`` (s, per current), around
        the closed form of ``params``, and where that bound comes from; None for a circuit that is not the closed
        form's LIF (a transistor circuit: it is held to the device-aware theory of its measured I-V)
    """

    name: str
    file: str
    saves: tuple[str, ...]
    release_node: str
    values: Callable[[LIFParams, OTADesign], dict[str, float]]
    transistors: bool
    hold_steps: int = 0
    areas: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()
    defaults: tuple[tuple[str, float], ...] = ()
    timer: RefractoryTimer | None = None
    dc_below_th: float = 0.01
    shared: tuple[str, ...] = ()
    isi_bounds: Callable[[LIFParams, np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray, str]] | None = None

    @property
    def path(self) -> Path:
        return CIRCUITS_DIR / self.file

    def design(self, **changes) -> OTADesign:
        """The circuit's default design (its :attr:`defaults` over OTADesign's), with ``changes``."""
        return OTADesign(**{**dict(self.defaults), **changes})


def _positive_t_ref(params: LIFParams) -> float:
    # Both netlists hold the reset with a timer; a zero hold would not complete the reset.
    if params.t_ref < 1e-6:
        raise ParameterError("t_ref", params.t_ref, "must be >= 1 us in the SPICE netlists (the reset needs time)")
    return params.t_ref


def _ideal_values(params: LIFParams, design: OTADesign) -> dict[str, float]:
    return {"c_m": params.c_m, "r_m": params.r_m, "v_rest": params.v_rest, "v_th": params.v_th,
            "v_reset": params.v_reset, "t_ref": _positive_t_ref(params), "vdd": design.vdd}


def _backward_euler_stretch(step, tau):
    """Factor by which backward Euler (the netlists' gear order 1) stretches a decay of time constant ``tau`` at
    steps of at most ``step``: a step h multiplies the distance by 1/(1 + h/τ) = e^(−h/τ'), τ' = h/ln(1 + h/τ) ≥ τ,
    and τ'/τ grows with h."""
    return step / np.log1p(step / tau) / tau


def _ideal_isi_bounds(params: LIFParams, currents, step) -> tuple[np.ndarray, np.ndarray, str]:
    """lif_ideal's inter-spike intervals against the closed form's t_ref + T, derived from the netlist.

    Backward Euler stretches the membrane's time to threshold T and the hold (the timer decays from 1 V to 0.5 V
    with time constant t_ref/ln 2) by at most :func:`_backward_euler_stretch` at the step h, and the re-arm (the
    reset discharging the membrane, time constant t_rst, to ``arm`` of the swing) takes t_rst·ln(1/arm) stretched
    the same way; the two measured spikes, the threshold switch closing, the re-arm and the release each land
    within one step of their event (5h). The membrane is released at most arm·e^(−t_ref/t_rst) of the swing above
    V_reset (the hold discharges it further), which only shortens T. The open reset switch (``r_off``) is a second
    leak towards V_reset: T lies between the closed form's and that of the LIF with both leaks.
    """
    declared = declared_params(CIRCUITS["ideal"])
    t_rst, arm = parse_value(declared["t_rst"], "t_rst", "s"), parse_value(declared["arm"], "arm", "")
    g_off = 1.0 / parse_value(declared["r_off"], "r_off", "Ohm")
    g = params.g_l + g_off
    leaky = params.replace(r_m=1.0 / g, v_rest=(params.g_l * params.v_rest + g_off * params.v_reset) / g)
    step = np.asarray(step, dtype=float)
    residual = arm * (params.v_th - params.v_reset) * np.exp(-params.t_ref / (t_rst * _backward_euler_stretch(
        step, t_rst)))
    times = [theory.time_to_threshold(p, currents, v0) for p in (params, leaky) for v0 in (params.v_reset,
                                                                                           params.v_reset + residual)]
    low = params.t_ref + np.minimum.reduce(times) - 2 * step
    high = (params.t_ref * _backward_euler_stretch(step, params.t_ref / math.log(2))
            + np.maximum.reduce(times) * _backward_euler_stretch(step, leaky.tau_m)
            + t_rst * math.log(1 / arm) * _backward_euler_stretch(step, t_rst) + 5 * step)
    return low, high, ("backward Euler at the transient's step: T and the hold stretched, five events within a step, "
                       "the open reset switch's leak")


def scaled_geometry(circuit: Circuit, design: OTADesign) -> dict[str, float]:
    """The W and L (µm) of each matched device group: the netlist's sizes, each times sqrt(area factor)."""
    declared = declared_params(circuit)
    out = {}
    for factor, pairs in circuit.areas:
        scale = math.sqrt(getattr(design, factor))
        for w, length in pairs:
            out[w], out[length] = float(declared[w]) * scale, float(declared[length]) * scale
            for name, (lo, hi) in ((w, pdk.DEVICE_W_RANGE), (length, pdk.DEVICE_L_RANGE)):
                if not lo <= out[name] <= hi:
                    raise ParameterError(factor, getattr(design, factor),
                                         f"makes {name} = {out[name]:.4g} um, outside the {pdk.NAME} device range "
                                         f"[{lo:g}, {hi:g}] um")
    return out


def _membrane_values(circuit: str, params: LIFParams, design: OTADesign) -> dict[str, float]:
    """What every OTA-leak netlist takes: membrane, voltages, supply, leak bias, refractory timer, TSV."""
    vdd = design.vdd
    for name in ("v_rest", "v_th", "v_reset"):
        value = getattr(params, name)
        if not 0.3 <= value <= vdd - 0.5:
            raise ParameterError(name, value, f"must be in [0.3, vdd - 0.5 = {vdd - 0.5:.6g}] V so the "
                                              "OTA and comparator stay in saturation")
    return {"c_m": params.c_m, "v_rest": params.v_rest, "v_th": params.v_th, "v_reset": params.v_reset,
            "vdd": vdd, "i_b": design.i_b, "i_cmp": design.i_cmp, "i_ref": design.i_ref,
            "c_ref": typing.cast(RefractoryTimer, CIRCUITS[circuit].timer).c_ref(_positive_t_ref(params), design.i_ref),
            "c_tsv": design.c_tsv, "r_tsv": design.r_tsv}


def _ota_values(params: LIFParams, design: OTADesign) -> dict[str, float]:
    return {**_membrane_values("ota", params, design), **scaled_geometry(CIRCUITS["ota"], design)}


def _lowpower_values(params: LIFParams, design: OTADesign) -> dict[str, float]:
    # The bounds are those lif_lowpower was measured to work within at tt, 27 °C (circuits/README.md): below them
    # the latch's output foot (i_inv/8) outweighs its drive (~2 i_cmp), the refractory sink's leakage rivals
    # i_ref, or the gated comparator's tail at rest (~exp(-kappa (v_th - v_rest)/U_T)) stops being negligible.
    rules = (("i_cmp", design.i_cmp, design.i_cmp >= max(10e-12, design.i_inv / 10),
              f"must be >= max(10 pA, i_inv/10 = {design.i_inv / 10:.4g} A) in lif_lowpower"),
             ("i_inv", design.i_inv, 10e-12 <= design.i_inv <= 10 * design.i_cmp,
              f"must be in [10 pA, 10*i_cmp = {10 * design.i_cmp:.4g} A] in lif_lowpower"),
             ("i_ref", design.i_ref, 2e-12 <= design.i_ref <= 100e-12, "must be in [2 pA, 100 pA] in lif_lowpower"),
             ("v_th", params.v_th, params.v_th - params.v_rest >= 0.1,
              f"must be >= v_rest + 0.1 = {params.v_rest + 0.1:.6g} V in lif_lowpower"),
             ("v_reset", params.v_reset, params.v_th - params.v_reset >= 0.05,
              f"must be <= v_th - 0.05 = {params.v_th - 0.05:.6g} V in lif_lowpower"))
    for name, value, ok, rule in rules:
        if not ok:
            raise ParameterError(name, value, rule)
    return {**_membrane_values("lowpower", params, design), "i_inv": design.i_inv}


CIRCUITS = {
    # lif_ideal's hysteretic switches (threshold, timer, reset) change state within nanoseconds. When one transient
    # step spans a sizeable part of t_ref, ngspice cannot converge at the threshold crossing ("Timestep too small",
    # seen for t_ref/20 with a slow membrane, c_m >= 100 pF at the default R_m); with steps of t_ref/100 or less
    # it converged for every neuron tried (c_m 2 pF - 3 nF, t_ref 10 us - 10 ms, 1.05 - 30 x the rheobase).
    "ideal": Circuit("ideal", "lif_ideal.cir", ("v(mem)", "v(spk)", "i(vdd)"), "spk", _ideal_values, False,
                     hold_steps=100, shared=("v_rest", "i_in", "v_reset", "vdd", "r_vdd"),
                     isi_bounds=_ideal_isi_bounds),
    "ota": Circuit("ota", "lif_ota.cir", ("v(mem)", "v(spk)", "v(rst)", "i(vdd)", "i(vdd_ref)", "i(v_probe)"),
                   "rst", _ota_values, True,
                   areas=(("a_mirror", (("w_lm", "l_lm"),)), ("a_leak", (("w_lp", "l_lp"), ("w_ll", "l_ll"))),
                          ("a_cmp", (("w_cp", "l_cp"), ("w_cl", "l_cl")))),
                   timer=RefractoryTimer(DV_REF),
                   shared=("vdd", "vdd_ref", "v_rest", "v_th", "v_reset", "i_in", "i_b", "x_lb", "i_cmp", "x_cb",
                           "i_ref", "x_rb")),
    # lif_lowpower's latch trips 3.5-20 mV below v_th at 125 °C (27 °C: 3 mV): a DC sweep to v_th - 10 mV crosses
    # it there, so the characterisation stops 40 mV below; the leak is saturated over those 40 mV
    # (tanh(kappa*0.26 V/2U_T) > 0.999), so the I-V's continuation is unchanged. Its timer constants are fitted at
    # i_inv = 100 pA over t_ref 0.66-8.8 ms, i_ref 2.5-10 pA (within 3 %).
    "lowpower": Circuit("lowpower", "lif_lowpower.cir",
                        ("v(mem)", "v(spk)", "v(rst)", "i(vdd)", "i(vdd_ref)", "i(v_probe)"), "rst", _lowpower_values,
                        True, defaults=(("i_cmp", 30e-12), ("i_ref", 5e-12), ("i_inv", 100e-12)),
                        timer=RefractoryTimer(0.5223, 4.29e-15), dc_below_th=0.04,
                        shared=("vdd", "vdd_ref", "v_rest", "v_th", "v_reset", "i_in", "i_b", "x_lb", "i_inv", "x_nb",
                                "x_pm", "x_pb", "i_ref", "x_rb", *(f"x_r1{k}" for k in "abc"),
                                *(f"x_r2{k}" for k in "abcdefgh"), "i_cmp", "e_vg")),
}
assert all(factor in AREA_FACTORS for c in CIRCUITS.values() for factor, _ in c.areas)
#: The netlists: every result computed from them is invalidated when one changes (lifhw.report.cache).
DATA_FILES = tuple(c.path for c in CIRCUITS.values())


def transistor_circuits() -> tuple[str, ...]:
    """The names of the circuits built of PDK transistors (what characterisation, sizing and Monte Carlo take)."""
    return tuple(c.name for c in CIRCUITS.values() if c.transistors)


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


def device_models(circuit: Circuit) -> tuple[str, ...]:
    """The PDK device models the netlist instantiates (lower case, sorted)."""
    found: set[str] = set()
    for line in circuit.path.read_text().splitlines():
        if not line.lstrip().startswith("*"):
            found.update(m.lower() for m in _MODEL.findall(line))
    return tuple(sorted(found))


def model_library() -> Path:
    """The model library as a deck's ``.lib`` line names it: by a path ngspice takes whole (ngspice ends the name at
    white space and quotes), its folder aliased when the installation's is not (:func:`lifhw.files.tool_file`)."""
    return tool_file(pdk.model_library())


def render(circuit: Circuit, values: dict[str, float], corner: str = pdk.NOMINAL_CORNER, temp: float = pdk.NOMINAL_TEMP,
           mismatch: bool = False) -> str:
    """The netlist text with ``values`` (name -> float) in its .param lines, models, temperature and saves.

    ``mismatch`` loads the corner's ``_mm`` section: every transistor instance draws its own threshold mismatch
    (at load, and again at each ngspice ``reset``). Nothing but numbers formatted here and a corner from
    :data:`lifhw.pdk.CORNERS` reaches the text, whoever calls.
    """
    section = pdk.library_section(corner, mismatch)
    temp = pdk.check_temperature(temp)
    declared = declared_params(circuit)
    for name, value in values.items():
        if name not in declared:
            raise ParameterError(name, value, f"is not a parameter of {circuit.file}; it has {', '.join(declared)}")
        check_value(value, name)
    lines = []
    for line in circuit.path.read_text().splitlines():
        stripped = line.strip()
        match = _PARAM.match(stripped)
        if match and match.group(1) in values:
            lines.append(f".param {match.group(1)} = {float(values[match.group(1)])!r}")
        elif _LIB.match(stripped):
            lines.append(f".lib {model_library()} {section}")
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


def tool_versions() -> dict[str, str]:
    """The model package every rendered deck loads, with its version (or "not installed"): part of every report
    cache key computed from a deck (:mod:`lifhw.report.cache`), so other models recompute the SPICE results."""
    try:
        return {pdk.MODEL_PACKAGE: pdk.model_version()}
    except SpiceError:
        return {pdk.MODEL_PACKAGE: "not installed"}
