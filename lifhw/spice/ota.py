"""OTA characterisation in ngspice and the device-aware theory of the OTA-leak neuron.

:func:`characterize_dc` sweeps the membrane node of ``lif_ota.cir`` in DC (probe connected, no input,
comparator and reset switch attached and off) to get the **measured I-V of the whole membrane node**
I_leak(V), fits I_b,eff·tanh(κ(V − V_0)/2U_T) to it, takes g_m as the slope of the I-V at its zero (the
rest point) and κ = 2U_T·g_m/I_b,eff (so the tanh model with I_b,eff reproduces the measured g_m), and
measures the leakage floor (the same sweep with the OTA's bias off). :func:`characterize_ota` adds one
transient that measures the comparator/reset delay and the refractory hold of a single spike. Both
``lifhw spice characterize`` and the sizing bench (:mod:`lifhw.sizing.spice`) use them.

The device-aware theory then predicts, for a constant input I,

.. math:: ISI(I) = C_{eff}\\int_{V_{reset}}^{V_{th}} \\frac{dV}{I - I_{leak}(V)} + t_{dead},

with C_eff = C_m + C_TSV, the integral by quadrature over a spline of the measured I-V, and t_dead the
time from the membrane crossing V_th to the release of the reset (comparator delay + reset + hold),
measured once. The neuron is silent when I ≤ max I_leak on [V_reset, V_th] (the rheobase).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy.interpolate import CubicSpline
from scipy.optimize import curve_fit

from .. import analog
from ..errors import SpiceError
from ..params import LIFParams
from .design import OTADesign
from .measure import crossings, measure

#: DC sweep step (V) of the membrane probe.
DC_STEP = 2.5e-3
#: Swing (V) below V_rest covered by the DC sweep (the tanh fit needs both saturated sides).
DC_BELOW_REST = 0.3
#: Points of the quadrature grid between V_reset and V_th.
QUAD_POINTS = 4001
#: The DC sweep stops this far (V) below V_th: at V_th the comparator trips and the reset switch engages.
DC_BELOW_TH = 0.01
#: Calibration current of the single-spike transient, as a multiple of the rheobase.
CAL_RHEOBASE_MULTIPLE = 3.0
#: Half-width (V) of the window around the I-V's zero whose straight-line slope is g_m (tanh is linear to
#: 0.3 % there).
ZERO_HALF_WIDTH = 5e-3
#: Bias (A) the OTA is programmed to while measuring the leakage floor ("off": 0 A leaves its nodes floating).
I_B_OFF = 1e-18
#: Step (V) of the leakage-floor sweep.
FLOOR_STEP = 0.01


def tanh_leak(v, i_b, kappa, v_zero, temp):
    """I_b·tanh(κ(V − V_0)/2U_T) (A): :func:`lifhw.analog.ota_leak` with the zero at V_0."""
    return analog.ota_leak(v, v_zero, i_b, kappa, temp)


@dataclass(frozen=True)
class OTACharacterization:
    """The OTA neuron as ngspice measured it (SI units).

    ``v``/``i_leak``: the DC I-V of the membrane node (current drawn from it, A). ``i_b_eff``,
    ``kappa_fit``, ``v_zero``: the tanh fit. ``g_m``: slope of the measured I-V at its zero (S), and
    ``kappa`` = 2U_T·g_m/I_b,eff the slope factor that reproduces it. ``i_off``: the leakage floor, the
    largest |current| (A) the membrane draws on [V_reset, V_th) with the OTA bias off.
    ``t_dead``: from the membrane crossing V_th to the reset release, of which ``comparator_delay``
    is V_th crossing to spike and ``t_hold`` spike to release (s).
    """

    corner: str
    temp: float
    v_rest: float
    v_reset: float
    v_th: float
    c_eff: float
    v: tuple
    i_leak: tuple
    kappa: float
    i_b_eff: float
    v_zero: float
    g_m: float
    t_dead: float
    comparator_delay: float
    t_hold: float
    calibration_current: float
    kappa_fit: float
    i_off: float

    def as_dict(self) -> dict:
        out = asdict(self)
        out.update(v=list(self.v), i_leak=list(self.i_leak), rheobase=self.rheobase,
                   tanh_rheobase=self.tanh_rheobase, tau=self.tau)
        return out

    @classmethod
    def from_dict(cls, data: dict) -> OTACharacterization:
        fields = {k: data[k] for k in cls.__dataclass_fields__}
        fields.update(v=tuple(data["v"]), i_leak=tuple(data["i_leak"]))
        return cls(**fields)

    def leak(self, v) -> np.ndarray:
        """Current (A) the membrane node draws at ``v`` (V): a cubic spline of the DC sweep, continued
        linearly over the last DC_BELOW_TH below V_th where the sweep stops."""
        v = np.asarray(v, dtype=float)
        grid, current = np.array(self.v), np.array(self.i_leak)
        inside = CubicSpline(grid, current)(np.clip(v, grid[0], grid[-1]))
        slope = (current[-1] - current[-2]) / (grid[-1] - grid[-2])
        return np.where(v > grid[-1], current[-1] + slope * (v - grid[-1]), inside)

    @property
    def rheobase(self) -> float:
        """Largest leak current (A) on [V_reset, V_th]: the smallest input that reaches threshold."""
        grid = np.linspace(self.v_reset, self.v_th, QUAD_POINTS)
        return float(np.max(self.leak(grid)))

    @property
    def tanh_rheobase(self) -> float:
        """I_b,eff·tanh(κ_fit(V_th − V_rest)/2U_T) (A): the rheobase the tanh fit predicts."""
        return float(analog.ota_leak(self.v_th, self.v_rest, self.i_b_eff, self.kappa_fit, self.temp))

    @property
    def tau(self) -> float:
        """Small-signal membrane time constant C_eff/g_m (s)."""
        return self.c_eff / self.g_m

    def with_c_eff(self, c_eff: float) -> OTACharacterization:
        """The same device characterisation on another membrane capacitance (e.g. with a TSV)."""
        data = self.as_dict()
        data["c_eff"] = c_eff
        return OTACharacterization.from_dict(data)

    def charge_time(self, i_in) -> np.ndarray:
        """C_eff ∫ dV/(I − I_leak(V)) from V_reset to V_th (s); inf at or below the rheobase."""
        grid = np.linspace(self.v_reset, self.v_th, QUAD_POINTS)
        leak = self.leak(grid)
        currents = np.atleast_1d(np.asarray(i_in, dtype=float))
        out = np.full(currents.shape, np.inf)
        for k, current in enumerate(currents):
            if current > leak.max():
                out[k] = self.c_eff * np.trapezoid(1.0 / (current - leak), grid)
        return out.reshape(np.shape(i_in))

    def isi(self, i_in) -> np.ndarray:
        """Device-aware inter-spike interval (s): charge time + t_dead."""
        return self.charge_time(i_in) + self.t_dead

    def rate(self, i_in) -> np.ndarray:
        """Device-aware firing rate (Hz); 0 at or below the rheobase."""
        interval = self.isi(i_in)
        with np.errstate(divide="ignore"):
            return np.where(np.isfinite(interval), 1.0 / interval, 0.0)

    def linear_params(self, params: LIFParams) -> LIFParams:
        """The linear LIF with the same g_m (r_m = 1/g_m), C_eff and refractory time t_dead."""
        return params.replace(r_m=1.0 / self.g_m, c_m=self.c_eff, t_ref=self.t_dead)


def fit_tanh(v: np.ndarray, i_leak: np.ndarray, temp: float) -> tuple[float, float, float]:
    """Least-squares (I_b, κ, V_0) of I_b·tanh(κ(V − V_0)/2U_T) to a measured I-V."""
    v0_guess = float(np.interp(0.0, i_leak, v)) if np.all(np.diff(i_leak) > 0) else float(np.mean(v))
    guess = (float(np.max(np.abs(i_leak))), 0.7, v0_guess)
    try:
        popt, _ = curve_fit(lambda x, ib, k, vz: tanh_leak(x, ib, k, vz, temp), v, i_leak, p0=guess,
                            maxfev=20000)
    except RuntimeError as exc:
        raise SpiceError(f"the tanh fit of the OTA I-V did not converge: {exc}") from None
    return float(popt[0]), float(popt[1]), float(popt[2])


def dc_job(params: LIFParams) -> dict:
    """The DC probe sweep job of a characterisation."""
    lo = min(params.v_reset, params.v_rest - DC_BELOW_REST)
    return {"kind": "dc_probe", "v_start": lo, "v_stop": params.v_th - DC_BELOW_TH, "v_step": DC_STEP}


def floor_job(params: LIFParams, design: OTADesign) -> dict:
    """The leakage-floor job: the DC probe sweep on [V_reset, V_th) with the OTA bias at I_B_OFF, then
    back at ``design.i_b``."""
    return {"kind": "dc_probe", "v_start": params.v_reset, "v_stop": params.v_th - DC_BELOW_TH,
            "v_step": FLOOR_STEP, "i_b": (I_B_OFF, design.i_b)}


def check_released(rst: np.ndarray, params: LIFParams, design: OTADesign, what: str, netlist) -> None:
    """Raise SpiceError if the reset switch was on (v(rst) > V_reset) while the membrane was below V_th."""
    # The switch's source is at V_reset, so it is off for v(rst) <= V_reset. A reset chain held up by
    # leakage pins the membrane to V_reset and would fake the OTA's I-V or the membrane's decay.
    if np.max(rst) > params.v_reset:
        raise SpiceError(f"{what} at {design.corner}, {design.temp:g} °C: the reset switch is on "
                         f"(v(rst) = {np.max(rst):.3g} V > V_reset = {params.v_reset:g} V) with the membrane "
                         f"below V_th, so the membrane is pinned to V_reset; netlist: {netlist}")


def characterize_dc(runner, params: LIFParams, design: OTADesign) -> OTACharacterization:
    """The DC part of a characterisation: I-V, tanh fit, g_m and κ at the zero, leakage floor.

    ``runner`` is a :class:`~lifhw.spice.runner.SpicePool` or :class:`~lifhw.spice.runner.Session` holding
    lif_ota rendered for ``params``/``design`` (or altered to them). The dead-time fields are 0.
    """
    dc, floor = runner.map([dc_job(params), floor_job(params, design)])
    for result in (dc, floor):
        if isinstance(result, Exception):
            raise result
    check_released(dc["rst"], params, design, "the DC sweep of the membrane", runner.netlist)
    v = dc["mem"]
    i_leak = -dc["v_probe#branch"]
    if np.max(np.abs(i_leak)) > 10 * design.i_b or np.any(np.diff(i_leak) <= 0):
        raise SpiceError(f"the membrane I-V is not a monotonic OTA leak (max |I| = {np.max(np.abs(i_leak)):.4g} A "
                         f"for i_b = {design.i_b:.4g} A) at {design.corner}, {design.temp:g} °C: the comparator or "
                         f"reset engaged below v_th; netlist: {runner.netlist}")
    i_b, kappa_fit, v_zero = fit_tanh(v, i_leak, design.temp)
    zero = float(np.interp(0.0, i_leak, v))
    near = np.abs(v - zero) <= ZERO_HALF_WIDTH
    if not i_leak[0] < 0 < i_leak[-1] or np.count_nonzero(near) < 3:
        raise SpiceError(f"the membrane I-V has no zero crossing inside the sweep at {design.corner}, "
                         f"{design.temp:g} °C (I = {i_leak[0]:.4g} .. {i_leak[-1]:.4g} A); netlist: {runner.netlist}")
    g_m = float(np.polyfit(v[near], i_leak[near], 1)[0])
    kappa = 2 * float(analog.thermal_voltage(design.temp)) * g_m / i_b
    return OTACharacterization(
        corner=design.corner, temp=design.temp, v_rest=params.v_rest, v_reset=params.v_reset, v_th=params.v_th,
        c_eff=params.c_m + design.c_tsv, v=tuple(v.tolist()), i_leak=tuple(i_leak.tolist()), kappa=kappa,
        i_b_eff=i_b, v_zero=v_zero, g_m=g_m, t_dead=0.0, comparator_delay=0.0, t_hold=0.0, calibration_current=0.0,
        kappa_fit=kappa_fit, i_off=float(np.max(np.abs(floor["v_probe#branch"]))))


def characterize_ota(pool, params: LIFParams, design: OTADesign) -> OTACharacterization:
    """Characterise the OTA neuron loaded in ``pool`` (a :class:`~lifhw.spice.runner.SpicePool` of lif_ota).

    :func:`characterize_dc`, then one transient at CAL_RHEOBASE_MULTIPLE × rheobase to measure the dead
    time of a single spike.
    """
    char = characterize_dc(pool, params, design)
    c_eff = char.c_eff
    current = CAL_RHEOBASE_MULTIPLE * char.rheobase
    first = float(char.charge_time(current))
    t_stop = first + 2.5 * params.t_ref + 0.2 * first
    (vectors,) = pool.map([{"kind": "tran", "i_in": current, "t_stop": t_stop, "max_step": first / 2000}])
    if isinstance(vectors, Exception):
        raise vectors
    tr = measure(vectors, current, t_stop, design.vdd, "rst")
    if not len(tr.spike_times) or not len(tr.release_times):
        raise SpiceError(f"calibration transient at {current:.4g} A gave no complete spike in {t_stop:.4g} s")
    t_spk = tr.spike_times[0]
    release = tr.release_times[tr.release_times > t_spk][0]
    up = crossings(tr.time, tr.v_mem, params.v_th, rising=True)
    up = up[up <= t_spk]
    if len(up):
        t_cross = up[-1]
    else:  # the comparator tripped below V_th: extrapolate the ramp to V_th
        v_spk = float(np.interp(t_spk, tr.time, tr.v_mem))
        t_cross = t_spk + (params.v_th - v_spk) * c_eff / (current - float(char.leak(params.v_th)))
    data = char.as_dict()
    data.update(t_dead=float(release - t_cross), comparator_delay=float(t_spk - t_cross),
                t_hold=float(release - t_spk), calibration_current=float(current))
    return OTACharacterization.from_dict(data)
