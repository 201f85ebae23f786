"""Analog device physics shared by the theory, sizing and SPICE levels.

SI units throughout; temperatures in °C where a user types them (``temp``), converted here.

* subthreshold OTA leak: a differential pair biased by a tail current :math:`I_b` and connected
  as a follower sinks/sources :math:`I_{leak} = I_b \\tanh(\\kappa \\Delta V / 2U_T)` with
  :math:`\\Delta V = V - V_{rest}`, so its small-signal conductance is :math:`g_m = \\kappa I_b / 2U_T`
  and the neuron's time constant :math:`\\tau = C_{eff} / g_m` (Liu et al., *Analog VLSI: Circuits
  and Principles*, 2002, ch. 5; Indiveri et al., *Front. Neurosci.* 2011);
* the through-silicon via: a coaxial oxide capacitor :math:`2\\pi\\varepsilon_{ox} L / \\ln((r+t_{ox})/r)`,
  optionally in series with the depletion capacitance of the surrounding silicon (Katti et al.,
  *IEEE TED* 57(1), 2010);
* MIM capacitor area, kT/C noise and the dynamic energy :math:`C_{eff}\\,\\Delta V\\,V_{dd}` of one spike.
"""

from __future__ import annotations

import numpy as np

from .errors import ParameterError
from .pdk import NOMINAL_TEMP
from .units import check_array, check_value

K_B = 1.380649e-23  #: Boltzmann constant (J/K)
Q_E = 1.602176634e-19  #: elementary charge (C)
EPS_0 = 8.8541878128e-12  #: vacuum permittivity (F/m)
EPS_R_SIO2 = 3.9  #: relative permittivity of the TSV's SiO2 liner
EPS_R_SI = 11.7  #: relative permittivity of silicon
N_I_SI = 1e16  #: intrinsic carrier density of silicon at 300 K (m⁻³)




def kelvin(temp: float) -> float:
    """°C -> K."""
    kelvins = temp + 273.15
    if not kelvins > 0:
        raise ParameterError("temp", temp, "must be above -273.15 °C")
    return kelvins


def thermal_voltage(temp: float = NOMINAL_TEMP) -> float:
    """U_T = kT/q (V) at ``temp`` °C; 25.85 mV at 27 °C."""
    return K_B * kelvin(temp) / Q_E


def ota_gm(i_b, kappa, temp: float = NOMINAL_TEMP):
    """Small-signal transconductance κ·I_b / 2U_T (S) of a subthreshold differential pair."""
    return kappa * check_array(i_b, "i_b", "A", minimum=0) / (2 * thermal_voltage(temp))


def ota_leak(v, v_rest, i_b, kappa, temp: float = NOMINAL_TEMP):
    """Leak current I_b·tanh(κ(V − V_rest)/2U_T) (A) an OTA follower draws from the membrane."""
    return i_b * np.tanh(kappa * (np.asarray(v, dtype=float) - v_rest) / (2 * thermal_voltage(temp)))


def ota_tau(c_eff, i_b, kappa, temp: float = NOMINAL_TEMP):
    """Membrane time constant C_eff / g_m (s) of the OTA-leak neuron near rest."""
    return check_array(c_eff, "c_eff", "F", minimum=0) / ota_gm(i_b, kappa, temp)


def tsv_capacitance(diameter: float, depth: float, liner: float, depletion: float = 0.0,
                    eps_r_liner: float = EPS_R_SIO2) -> float:
    """Capacitance (F) of a through-silicon via to the substrate.

    Parameters
    ----------
    diameter, depth : float
        Copper core diameter and via depth (m).
    liner : float
        Oxide liner thickness (m).
    depletion : float
        Width (m) of the depletion region in the silicon around the liner; its capacitance is in
        series with the oxide's, so a wider depletion lowers C_tsv (0: oxide only, the maximum).
    """
    for name, value in (("tsv_diameter", diameter), ("tsv_depth", depth), ("tsv_liner", liner)):
        check_value(value, name, "m", minimum=0)
    check_value(depletion, "tsv_depletion", "m", minimum=0, exclusive=False)
    r = diameter / 2
    c_ox = 2 * np.pi * eps_r_liner * EPS_0 * depth / np.log((r + liner) / r)
    if depletion == 0:
        return float(c_ox)
    c_dep = 2 * np.pi * EPS_R_SI * EPS_0 * depth / np.log((r + liner + depletion) / (r + liner))
    return float(c_ox * c_dep / (c_ox + c_dep))


def mim_area(c: float, density: float) -> float:
    """Area (m²) of a MIM capacitor of ``c`` farads at ``density`` F/m²."""
    return float(check_value(c, "c_m", "F", minimum=0) / check_value(density, "mim_density", "F/m^2", minimum=0))


def ktc_noise(c: float, temp: float = NOMINAL_TEMP) -> float:
    """RMS thermal (kT/C) noise voltage (V) sampled on a capacitance ``c``."""
    return float(np.sqrt(K_B * kelvin(temp) / check_value(c, "c", "F", minimum=0)))


def spike_energy(c_eff: float, v_swing: float, v_dd: float) -> float:
    """Energy (J) drawn from the supply to recharge C_eff through V_swing once: C_eff·ΔV·V_dd."""
    return c_eff * v_swing * v_dd
