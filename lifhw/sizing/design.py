"""Sizing the membrane capacitor and leak bias of the OTA-leak neuron, TSV-aware: the pure model.

The neuron: a membrane node of capacitance :math:`C_{eff} = C_m + C_{tsv}` charged by the input
current :math:`I` and discharged by an OTA follower that sinks :math:`I_b\\tanh(\\kappa(V-V_{rest})/2U_T)`;
it fires when :math:`V` reaches :math:`V_{th} = V_{reset} + V_{swing}` and is reset to :math:`V_{reset}`
(by default :math:`V_{rest}`). SI units throughout, temperatures in °C.

* **Small signal.** :math:`g_m = \\kappa I_b/2U_T` and :math:`\\tau = C_{eff}/g_m`, so a target τ
  gives :math:`C_m = \\tau g_m - C_{tsv}` (:func:`solve_c_m`) or :math:`I_b = 2U_T C_{eff}/(\\kappa\\tau)`
  (:func:`solve_i_b`).
* **Large signal.** Over a swing of a few hundred mV the leak saturates at :math:`I_b`, so the firing
  rate is not the linear LIF's: :class:`lifhw.ota_theory.TanhNeuron` has its closed form, which
  :func:`solve_for_rate` inverts for a target rate at a target current.
* **Costs.** MIM area, :math:`\\sqrt{kT/C_{eff}}` and the energy per spike: the dynamic
  :math:`C_{eff}\\Delta V V_{dd}` (:mod:`lifhw.analog`) plus the logic's, and the static quiescent power times
  the ISI; process numbers from :mod:`lifhw.pdk`.

Every impossible target raises :class:`~lifhw.errors.ParameterError` naming the target to relax and
the value it must pass.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import asdict, dataclass, field

import numpy as np
from scipy.optimize import brentq

from .. import analog, jsonio, pdk
from ..errors import ParameterError
from ..fi import FICurve
from ..ota_theory import TanhNeuron
from ..params import LIFParams
from ..units import check_value

#: Bias within this factor of the off-state leakage is flagged (the leak is no longer the OTA's alone).
LEAKAGE_MARGIN = 10.0


@dataclass(frozen=True)
class DevicePoint:
    """What the devices give at one corner and temperature (from SPICE characterization or the user).

    Attributes
    ----------
    corner : str
        Process corner (``tt``, ``ss``, ``ff``, ``sf``, ``fs``).
    temp : float
        Temperature (°C).
    kappa : float
        Subthreshold slope factor of the OTA's input pair, from the slope of its I-V at zero.
    i_off : float
        Off-state leakage (A) onto the membrane node with every switch off (the leakage floor).
    i_b_ratio : float
        Tail current the OTA actually gets per ampere of programmed bias (mirror gain at this corner).
    source : str
        Where the numbers come from (``"spice"``, ``"user"``).
    leak_in_fit : bool
        Whether κ and I_b,eff were fitted to an I-V that already contains the off-state leakage (a
        SPICE characterisation of the whole membrane node); if not, the rate model adds I_off as a
        constant sink.
    p_other : float
        Quiescent supply power (W) of the neuron besides its leak OTA's tail V_dd·I_b,eff: comparator, logic,
        leakage (measured at rest in SPICE; 0 for a typed device unless given).
    """

    corner: str = pdk.NOMINAL_CORNER
    temp: float = pdk.NOMINAL_TEMP
    kappa: float = pdk.KAPPA_NOMINAL
    i_off: float = 1e-12
    i_b_ratio: float = 1.0
    source: str = "user"
    leak_in_fit: bool = False
    p_other: float = 0.0

    def __post_init__(self) -> None:
        if self.corner not in pdk.CORNERS:
            raise ParameterError("corner", self.corner, f"must be one of {', '.join(pdk.CORNERS)}")
        pdk.check_temperature(self.temp)
        if not 0 < self.kappa <= 1:
            raise ParameterError("kappa", self.kappa, "must be in (0, 1]")
        if not self.i_off >= 0:
            raise ParameterError("i_off", self.i_off, "must be >= 0 A")
        if not self.i_b_ratio > 0:
            raise ParameterError("i_b_ratio", self.i_b_ratio, "must be > 0")

    @property
    def i_leak(self) -> float:
        """Constant sink (A) the rate model adds to the tanh leak: I_off unless the fit contains it."""
        return 0.0 if self.leak_in_fit else self.i_off


@dataclass(frozen=True)
class TSV:
    """The TSV capacitance on the membrane node: a nominal value and its depletion corners (F)."""

    c_nom: float
    c_min: float
    c_max: float
    geometry: dict = field(default_factory=dict)

    @classmethod
    def from_value(cls, c_tsv: float) -> TSV:
        """A fixed C_tsv (F) with no spread."""
        if not c_tsv >= 0:
            raise ParameterError("c_tsv", c_tsv, "must be >= 0 F")
        return cls(c_tsv, c_tsv, c_tsv)

    @classmethod
    def from_geometry(cls, diameter: float, depth: float, liner: float, depletion_max: float | None = None,
                      temp: float = pdk.NOMINAL_TEMP) -> TSV:
        """C_tsv of a via (diameter, depth, liner in m) between no depletion and full depletion.

        The maximum is the oxide liner alone; the minimum adds the silicon depleted to its maximum
        width (``depletion_max``, m; default :func:`max_depletion_width` of the p-substrate) in series.
        The nominal value, used for sizing, is the midpoint, which halves the worst-case error on C_eff.
        """
        if depletion_max is None:
            depletion_max = max_depletion_width(temp=temp)
        c_max = analog.tsv_capacitance(diameter, depth, liner)
        c_min = analog.tsv_capacitance(diameter, depth, liner, depletion=depletion_max)
        geometry = {"diameter": diameter, "depth": depth, "liner": liner, "depletion_max": depletion_max}
        return cls(0.5 * (c_min + c_max), c_min, c_max, geometry)

    def as_dict(self) -> dict:
        return asdict(self)


def max_depletion_width(n_a: float = pdk.SUBSTRATE_DOPING, temp: float = pdk.NOMINAL_TEMP) -> float:
    """Maximum (strong-inversion onset) depletion width sqrt(4 ε_Si φ_F / q N_A) (m) of p-silicon.

    ``n_a`` is the acceptor density (m⁻³); φ_F = U_T ln(N_A/n_i). 0.88 µm at 1e15 cm⁻³, 27 °C
    (Sze & Ng, *Physics of Semiconductor Devices*, 3rd ed., §4.3).
    """
    if not n_a > analog.N_I_SI:
        raise ParameterError("substrate_doping", n_a, f"must be > n_i = {analog.N_I_SI:g} m^-3")
    phi_f = analog.thermal_voltage(temp) * math.log(n_a / analog.N_I_SI)
    return math.sqrt(4 * analog.EPS_R_SI * analog.EPS_0 * phi_f / (analog.Q_E * n_a))


def _need_positive(name: str, value: float, unit: str) -> float:
    return check_value(value, name, unit, minimum=0)


def solve_c_m(tau: float, i_b: float, kappa: float, c_tsv: float, temp: float = pdk.NOMINAL_TEMP) -> float:
    """Membrane capacitor C_m = τ·κI_b/2U_T − C_tsv (F) that gives time constant ``tau`` (s).

    Raises ParameterError if C_tsv alone already exceeds τ·g_m, saying how far τ or I_b must rise.
    """
    _need_positive("tau", tau, "s")
    _need_positive("i_b", i_b, "A")
    g_m = float(analog.ota_gm(i_b, kappa, temp))
    c_m = tau * g_m - c_tsv
    if c_m <= 0:
        tau_min = c_tsv / g_m
        raise ParameterError(
            "tau", tau,
            f"C_m = tau*g_m - C_tsv = {c_m:.4g} F <= 0 (g_m = {g_m:.4g} S, C_tsv = {c_tsv:.4g} F): "
            f"raise tau above {tau_min:.4g} s (x{tau_min / tau:.3g}) or i_b above {i_b * tau_min / tau:.4g} A, "
            f"or use a smaller TSV")
    return c_m


def solve_i_b(tau: float, c_m: float, kappa: float, c_tsv: float, temp: float = pdk.NOMINAL_TEMP) -> float:
    """OTA bias I_b = 2U_T (C_m + C_tsv)/(κτ) (A) that gives time constant ``tau`` (s)."""
    _need_positive("tau", tau, "s")
    _need_positive("c_m", c_m, "F")
    return 2 * analog.thermal_voltage(temp) * (c_m + c_tsv) / (kappa * tau)


def solve_for_rate(f_target: float, i_target: float, v_swing: float, kappa: float, c_tsv: float,
                   i_b: float | None = None, c_m: float | None = None, temp: float = pdk.NOMINAL_TEMP,
                   t_ref: float = 0.0, i_leak: float = 0.0) -> tuple[float, float]:
    """(C_m, I_b) that make the OTA neuron fire at ``f_target`` (Hz) under ``i_target`` (A).

    Give exactly one of ``i_b`` (then C_m is solved: the time to threshold is proportional to C_eff)
    or ``c_m`` (then I_b is solved: the time to threshold rises monotonically with I_b, from the
    perfect integrator's C_eff·V_swing/I at I_b = 0 to infinity where the leak balances the input).
    """
    _need_positive("f_target", f_target, "Hz")
    _need_positive("i_target", i_target, "A")
    if (i_b is None) == (c_m is None):
        raise ParameterError("i_b", i_b, "give exactly one of i_b (to solve C_m) or c_m (to solve I_b)")
    t_target = 1.0 / f_target - t_ref
    if t_target <= 0:
        raise ParameterError("f_target", f_target, f"must be < 1/t_ref = {1 / t_ref:.6g} Hz; lower f_target")
    i_net = i_target - i_leak
    # The leak saturates at I_b: at threshold it draws I_b·tanh(κV_swing/2U_T), the unit neuron's rheobase.
    saturation = float(TanhNeuron(1.0, 1.0, kappa, v_swing, temp).rheobase)
    if i_b is not None:
        _need_positive("i_b", i_b, "A")
        unit = TanhNeuron(1.0, i_b, kappa, v_swing, temp, i_leak=i_leak)
        t_unit = float(unit.time_to_threshold(i_target))
        if not math.isfinite(t_unit):
            raise ParameterError("i_target", i_target,
                                 f"the neuron never fires: the leak at threshold is {float(unit.rheobase):.4g} A; "
                                 f"raise i_target above {float(unit.rheobase):.4g} A or lower i_b below "
                                 f"{i_net / saturation:.4g} A")
        c_eff = t_target / t_unit
        c_m = c_eff - c_tsv
        if c_m <= 0:
            f_max = 1.0 / (t_ref + c_tsv * t_unit)
            raise ParameterError("f_target", f_target,
                                 f"C_m = {c_m:.4g} F <= 0 once C_tsv = {c_tsv:.4g} F is on the node: lower f_target "
                                 f"below {f_max:.4g} Hz (x{f_max / f_target:.3g}) or raise i_target")
        return c_m, i_b
    _need_positive("c_m", c_m, "F")
    c_eff = c_m + c_tsv
    if i_net <= 0:
        raise ParameterError("i_target", i_target, f"must exceed the leakage floor {i_leak:.4g} A")
    t_min = c_eff * v_swing / i_net
    if t_target <= t_min:
        f_max = 1.0 / (t_ref + t_min)
        raise ParameterError("f_target", f_target,
                             f"faster than a leak-free integrator of C_eff = {c_eff:.4g} F allows: lower f_target "
                             f"below {f_max:.4g} Hz (x{f_max / f_target:.3g}), lower c_m or raise i_target")
    i_b_max = i_net / saturation
    neuron = TanhNeuron(c_eff, i_b_max, kappa, v_swing, temp, i_leak=i_leak)

    def excess(log_i_b: float) -> float:
        t = neuron.replace(i_b=math.exp(log_i_b)).time_to_threshold(i_target)
        return math.log(float(t) / t_target) if np.isfinite(t) else 50.0

    lo = math.log(i_b_max * 1e-9)
    hi = math.log(i_b_max * (1 - 1e-12))
    if excess(hi) < 0:
        # Even a leak that all but balances i_target at threshold charges C_eff too fast: its time constant
        # C_eff/g_m is too short for the target's interval.
        t_max = float(neuron.replace(i_b=math.exp(hi)).time_to_threshold(i_target))
        f_min = 1.0 / (t_ref + t_max)
        raise ParameterError("f_target", f_target, f"slower than C_eff = {c_eff:.4g} F can fire at i_target = "
                             f"{i_target:.4g} A with any bias (at least {f_min:.4g} Hz): raise f_target above "
                             f"{f_min:.4g} Hz, raise c_m or lower i_target")
    return c_m, math.exp(brentq(excess, lo, hi, xtol=1e-12, rtol=1e-12))


@dataclass(frozen=True)
class SizedNeuron:
    """A sized neuron and what it costs (SI units, temperature in °C).

    ``c_m`` and ``i_b`` (programmed) are what sizing solves; ``device`` is what the process gives at the
    corner and temperature, ``t_ref`` the dead time after a spike (the circuit's refractory hold). A
    :class:`~lifhw.fi.RateModel`: its rate is its tanh closed form's (:meth:`neuron`).
    """

    c_m: float
    i_b: float
    tsv: TSV
    v_swing: float
    device: DevicePoint
    vdd: float = pdk.VDD
    mim_density: float = pdk.MIM_DENSITY
    c_logic: float = pdk.C_LOGIC
    t_ref: float = 0.0

    @property
    def temp(self) -> float:
        return self.device.temp

    @property
    def kappa(self) -> float:
        return self.device.kappa

    @property
    def c_eff(self) -> float:
        """C_m + nominal C_tsv (F)."""
        return self.c_m + self.tsv.c_nom

    @property
    def i_b_eff(self) -> float:
        """Tail current the OTA gets (A): programmed I_b times the corner's mirror gain."""
        return self.i_b * self.device.i_b_ratio

    @property
    def g_m(self) -> float:
        return float(analog.ota_gm(self.i_b_eff, self.kappa, self.temp))

    @property
    def tau(self) -> float:
        return self.c_eff / self.g_m

    def neuron(self, c_tsv: float | None = None, **changes) -> TanhNeuron:
        """The closed-form neuron of this design (nominal C_tsv unless given), the device's off-state
        leakage as a constant sink; ``changes`` override its fields (e.g. mismatch offsets)."""
        c_eff = self.c_m + (self.tsv.c_nom if c_tsv is None else c_tsv)
        return TanhNeuron(c_eff, self.i_b_eff, self.kappa, self.v_swing, self.temp, self.t_ref,
                          i_leak=self.device.i_leak).replace(**changes)

    @property
    def rheobase(self) -> float:
        """Smallest input (A) that reaches threshold: the leak at V_th plus the off-state sink."""
        return float(self.neuron().rheobase)

    def isi(self, i_in) -> np.ndarray:
        """Predicted inter-spike interval (s) at ``i_in`` (A); inf where silent."""
        return self.neuron().isi(i_in)

    def rate(self, i_in, c_tsv: float | None = None) -> np.ndarray:
        """Predicted rate (Hz) at ``i_in`` (A)."""
        return self.neuron(c_tsv).rate(i_in)

    def fi(self, currents) -> FICurve:
        """The f-I curve the design predicts (the tanh closed form)."""
        return self.neuron().fi(currents, f"sized design ({self.device.corner}, {self.temp:g} °C)")

    def linear_params(self) -> LIFParams:
        """The tanh closed form's linear equivalent (:meth:`lifhw.ota_theory.TanhNeuron.linear_params`)."""
        return self.neuron().linear_params()

    def leakage_check(self) -> dict:
        """Bias against the leakage floor: ratio I_b/I_off and whether it is within LEAKAGE_MARGIN."""
        i_off = self.device.i_off
        ratio = self.i_b_eff / i_off if i_off > 0 else math.inf
        return {"i_off": i_off, "ratio": ratio, "margin": LEAKAGE_MARGIN, "flagged": bool(ratio < LEAKAGE_MARGIN)}

    @property
    def quiescent_power(self) -> float:
        """Supply power (W) at rest: the leak OTA's tail from V_dd plus the device's other quiescent power."""
        return self.vdd * self.i_b_eff + self.device.p_other

    def energy(self, i_in: float) -> dict:
        """Energy per spike (J) at ``i_in`` (A): the dynamic part (C_eff·ΔV·V_dd plus the logic's C·V_dd²) and the
        static part, the quiescent power over one ISI (which dominates at tens of Hz); NaN where it is silent."""
        rate = float(self.rate(i_in))
        dynamic = analog.spike_energy(self.c_eff, self.v_swing, self.vdd) + self.c_logic * self.vdd ** 2
        static = self.quiescent_power / rate if rate > 0 else float("nan")
        return {"energy_per_spike": dynamic + static, "energy_static": static, "energy_dynamic": dynamic,
                "quiescent_power": self.quiescent_power}

    def as_dict(self) -> dict:
        """The design and its costs, JSON-ready (the energy per spike depends on the rate: :meth:`energy`)."""
        ktc = analog.ktc_noise(self.c_eff, self.temp)
        e_cap = analog.spike_energy(self.c_eff, self.v_swing, self.vdd)
        e_logic = self.c_logic * self.vdd ** 2
        return {
            "c_m": self.c_m, "i_b": self.i_b, "i_b_eff": self.i_b_eff, "kappa": self.kappa,
            "corner": self.device.corner, "temp": self.temp, "device_source": self.device.source,
            "c_tsv": self.tsv.c_nom, "c_tsv_min": self.tsv.c_min, "c_tsv_max": self.tsv.c_max,
            "c_eff": self.c_eff, "tsv_share": self.tsv.c_nom / self.c_eff, "g_m": self.g_m, "tau": self.tau,
            "tau_tsv_min": (self.c_m + self.tsv.c_min) / self.g_m,
            "tau_tsv_max": (self.c_m + self.tsv.c_max) / self.g_m,
            "mim_area": analog.mim_area(self.c_m, self.mim_density), "mim_density": self.mim_density,
            "v_swing": self.v_swing, "vdd": self.vdd, "t_ref": self.t_ref,
            "energy_dynamic": e_cap + e_logic, "energy_cap": e_cap, "energy_comparator": e_logic,
            "quiescent_power": self.quiescent_power,
            "ktc_noise": ktc, "leakage": self.leakage_check(), "tsv_geometry": self.tsv.geometry,
            "c_logic": self.c_logic, "device": dataclasses.asdict(self.device),
        }

    @classmethod
    def from_dict(cls, data: dict) -> SizedNeuron:
        """The design :meth:`as_dict` describes (its costs are derived again); KeyError, TypeError or ValueError
        naming the field for anything else."""
        number = {name: jsonio.read(float, data[name], name) for name in (
            "c_m", "i_b", "v_swing", "vdd", "mim_density", "c_logic", "t_ref", "c_tsv", "c_tsv_min", "c_tsv_max")}
        tsv = TSV(number["c_tsv"], number["c_tsv_min"], number["c_tsv_max"],
                  jsonio.read(dict, data["tsv_geometry"], "tsv_geometry"))
        return cls(number["c_m"], number["i_b"], tsv, number["v_swing"],
                   jsonio.read_fields(DevicePoint, data["device"], "device"), number["vdd"], number["mim_density"],
                   number["c_logic"], number["t_ref"])


def check_targets(v_swing: float, tau: float | None, f_target: float | None, i_target: float | None,
                  i_b: float | None, c_m: float | None) -> None:
    """Raise ParameterError unless the targets name one problem: a τ or a rate, and a given I_b or C_m."""
    _need_positive("v_swing", v_swing, "V")
    if (tau is None) == (f_target is None):
        raise ParameterError("tau", tau, "give exactly one of tau or f_target (with i_target)")
    if f_target is not None and i_target is None:
        raise ParameterError("i_target", i_target, "f_target needs i_target, the current at which to reach it")
    if (i_b is None) == (c_m is None):
        raise ParameterError("i_b", i_b, "give exactly one of i_b (C_m is solved) or c_m (I_b is solved)")


def size(v_swing: float, tsv: TSV, device: DevicePoint, tau: float | None = None, f_target: float | None = None,
         i_target: float | None = None, i_b: float | None = None, c_m: float | None = None,
         noise_max: float | None = None, vdd: float = pdk.VDD, mim_density: float = pdk.MIM_DENSITY,
         c_logic: float = pdk.C_LOGIC, t_ref: float = 0.0) -> SizedNeuron:
    """Size C_m or I_b for a target τ (s) or a target rate ``f_target`` (Hz) at ``i_target`` (A).

    Give one of ``tau`` or (``f_target``, ``i_target``) and one of ``i_b`` (A, programmed bias; C_m is
    solved) or ``c_m`` (F; I_b is solved). ``device`` supplies κ, the mirror gain and the leakage floor
    at the chosen corner and temperature. Raises ParameterError for an impossible target, saying which
    to relax and by how much: C_m ≤ 0 after C_tsv, a bias at or below the leakage floor, or a kT/C
    noise above ``noise_max`` (V rms).
    """
    check_targets(v_swing, tau, f_target, i_target, i_b, c_m)
    pdk.check_supply(vdd)
    _need_positive("mim_density", mim_density, "F/m^2")
    check_value(c_logic, "c_logic", "F", minimum=0, exclusive=False)
    ratio, kappa, temp = device.i_b_ratio, device.kappa, device.temp
    solve_bias = i_b is None
    if tau is not None:
        if i_b is not None:
            c_m = solve_c_m(tau, i_b * ratio, kappa, tsv.c_nom, temp)
        else:
            i_b = solve_i_b(tau, c_m, kappa, tsv.c_nom, temp) / ratio
    else:
        c_m, i_b_eff = solve_for_rate(f_target, i_target, v_swing, kappa, tsv.c_nom,
                                      i_b=None if i_b is None else i_b * ratio, c_m=c_m, temp=temp,
                                      t_ref=t_ref, i_leak=device.i_leak)
        i_b = i_b_eff / ratio
    design = SizedNeuron(c_m, i_b, tsv, v_swing, device, vdd, mim_density, c_logic, t_ref)
    _check_leakage(design, tau, f_target, i_target, solve_bias)
    _check_noise(design, noise_max, tau, f_target, solve_bias)
    return design


def _check_leakage(design: SizedNeuron, tau: float | None, f_target: float | None, i_target: float | None,
                   solve_bias: bool) -> None:
    i_off = design.device.i_off
    if design.i_b_eff > i_off:
        return
    # I_b ∝ C_eff/τ: the bias must rise by i_off/i_b_eff, i.e. τ must shrink (or C_m grow) by that factor.
    factor = i_off / design.i_b_eff
    where = f"at {design.device.corner}, {design.temp:g} °C"
    if solve_bias and tau is not None:
        raise ParameterError("tau", tau, f"needs I_b = {design.i_b_eff:.4g} A, at or below the leakage floor "
                                         f"{i_off:.4g} A {where}: lower tau below {tau / factor:.4g} s "
                                         f"(/{factor:.3g}) or raise c_m above "
                                         f"{design.c_eff * factor - design.tsv.c_nom:.4g} F")
    if solve_bias:
        # More leak slows the neuron: the bias reaches the floor at the rate it has with I_b = I_off.
        f_floor = float(design.neuron(i_b=i_off).rate(i_target))
        raise ParameterError("f_target", f_target, f"needs I_b = {design.i_b_eff:.4g} A, at or below the leakage "
                                                   f"floor {i_off:.4g} A {where}: lower f_target below "
                                                   f"{f_floor:.4g} Hz (x{f_floor / f_target:.3g}) or lower c_m")
    raise ParameterError("i_b", design.i_b, f"is at or below the leakage floor {i_off:.4g} A {where}: "
                                            f"raise i_b above {i_off / design.device.i_b_ratio:.4g} A (x{factor:.3g})")


def _check_noise(design: SizedNeuron, noise_max: float | None, tau: float | None, f_target: float | None,
                 solve_bias: bool) -> None:
    if noise_max is None:
        return
    _need_positive("noise_max", noise_max, "V")
    ktc = analog.ktc_noise(design.c_eff, design.temp)
    if ktc <= noise_max:
        return
    c_need = analog.K_B * analog.kelvin(design.temp) / noise_max ** 2
    factor = c_need / design.c_eff
    if solve_bias:
        hint = f"raise c_m above {c_need - design.tsv.c_nom:.4g} F"
    elif tau is not None:
        hint = f"raise tau above {tau * factor:.4g} s (x{factor:.3g}) or i_b above {design.i_b * factor:.4g} A"
    else:
        # C_eff is proportional to the time to threshold 1/f − t_ref.
        f_need = 1.0 / (design.t_ref + factor * (1.0 / f_target - design.t_ref))
        hint = f"lower f_target below {f_need:.4g} Hz"
    raise ParameterError("noise_max", noise_max,
                         f"not reachable: sqrt(kT/C_eff) = {ktc:.4g} V with C_eff = {design.c_eff:.4g} F; relax "
                         f"noise_max to >= {ktc:.4g} V or {hint} (C_eff >= {c_need:.4g} F)")


def corner_table(design: SizedNeuron, devices: list[DevicePoint], i_in: float) -> list[dict]:
    """τ and rate at ``i_in`` of the *same* sized design (C_m, programmed I_b) at other corners/temperatures."""
    rows = []
    for device in devices:
        at = dataclasses.replace(design, device=device)
        rows.append({"corner": device.corner, "temp": device.temp, "kappa": device.kappa, "i_b_eff": at.i_b_eff,
                     "i_off": device.i_off, "tau": at.tau, "rate": float(at.rate(i_in)),
                     "rate_tsv_min": float(at.rate(i_in, c_tsv=design.tsv.c_min)),
                     "rate_tsv_max": float(at.rate(i_in, c_tsv=design.tsv.c_max)),
                     "leakage_flagged": at.leakage_check()["flagged"]})
    return rows
