"""Characterising the OTA neuron in ngspice: the measured I-V, κ, I_b,eff, the leakage floor and the dead time.

:func:`characterize_dc` sweeps the membrane node of a neuron netlist in DC (probe connected, no input,
comparator and reset switch attached and off) to get the **measured I-V of the whole membrane node**
I_leak(V), fits I_b,eff·tanh(κ(V − V_0)/2U_T) to it, takes g_m as the slope of the I-V at its zero (the
rest point) and κ = 2U_T·g_m/I_b,eff (so the tanh model with I_b,eff reproduces the measured g_m), and
measures the leakage floor (the same sweep with the OTA's bias off). :func:`characterize_ota` adds one
transient that measures the comparator/reset delay and the refractory hold of a single spike. Both
``lifhw spice characterize`` and the sizing bench (:mod:`lifhw.sizing.verify`) use them.

The result, :class:`OTACharacterization`, is a :class:`lifhw.ota_theory.MeasuredNeuron`: the
device-aware theory (ISI = C_eff∫dV/(I − I_leak(V)) + t_dead over the measured I-V) is its ``rate``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass

import numpy as np
from scipy.optimize import curve_fit

from .. import analog
from ..errors import SpiceError
from ..ota_theory import MeasuredNeuron
from ..params import LIFParams
from .design import OTADesign
from .measure import crossings, measure

#: DC sweep step (V) of the membrane probe.
DC_STEP = 2.5e-3
#: Swing (V) below V_rest covered by the DC sweep (the tanh fit needs both saturated sides).
DC_BELOW_REST = 0.3
#: Calibration current of the single-spike transient, as a multiple of the rheobase.
CAL_RHEOBASE_MULTIPLE = 3.0
#: Bias (A) the OTA is programmed to while measuring the leakage floor ("off": 0 A leaves its nodes floating).
I_B_OFF = 1e-18
#: Step (V) of the leakage-floor sweep.
FLOOR_STEP = 0.01


@dataclass(frozen=True)
class OTACharacterization(MeasuredNeuron):
    """The OTA neuron as ngspice measured it at one corner and temperature (SI units).

    Besides the measured I-V (:class:`~lifhw.ota_theory.MeasuredNeuron`): ``i_b_eff``, ``kappa_fit``,
    ``v_zero``, the tanh fit; ``kappa`` = 2U_T·g_m/I_b,eff, the slope factor that reproduces the measured
    g_m; ``i_off``, the leakage floor, the largest |current| (A) the membrane draws on [V_reset, V_th)
    with the OTA bias off; ``comparator_delay`` (V_th crossing to spike) and ``t_hold`` (spike to
    release), whose sum is ``t_dead`` (s); ``calibration_current``, the input of that single spike (A).
    """

    corner: str
    temp: float
    kappa: float
    i_b_eff: float
    v_zero: float
    comparator_delay: float
    t_hold: float
    calibration_current: float
    kappa_fit: float
    i_off: float

    def as_dict(self) -> dict:
        out = asdict(self)
        out.update(v=list(self.v), i_leak=list(self.i_leak), rheobase=self.rheobase,
                   tanh_rheobase=self.tanh_rheobase, tau=self.tau, g_m=self.g_m)
        return out

    @classmethod
    def from_dict(cls, data: dict) -> OTACharacterization:
        fields = {f.name: data[f.name] for f in dataclasses.fields(cls)}
        fields.update(v=tuple(data["v"]), i_leak=tuple(data["i_leak"]))
        return cls(**fields)

    @property
    def tanh_rheobase(self) -> float:
        """I_b,eff·tanh(κ_fit(V_th − V_rest)/2U_T) (A): the rheobase the tanh fit predicts."""
        return float(analog.ota_leak(self.v_th, self.v_rest, self.i_b_eff, self.kappa_fit, self.temp))


def fit_tanh(v: np.ndarray, i_leak: np.ndarray, temp: float) -> tuple[float, float, float]:
    """Least-squares (I_b, κ, V_0) of I_b·tanh(κ(V − V_0)/2U_T) to a measured I-V."""
    v0_guess = float(np.interp(0.0, i_leak, v)) if np.all(np.diff(i_leak) > 0) else float(np.mean(v))
    guess = (float(np.max(np.abs(i_leak))), 0.7, v0_guess)
    try:
        popt, _ = curve_fit(lambda x, ib, k, vz: analog.ota_leak(x, vz, ib, k, temp), v, i_leak, p0=guess,
                            maxfev=20000)
    except RuntimeError as exc:
        raise SpiceError(f"the tanh fit of the OTA I-V did not converge: {exc}") from None
    return float(popt[0]), float(popt[1]), float(popt[2])


def dc_job(params: LIFParams, below_th: float) -> dict:
    """The DC probe sweep job of a characterisation, up to ``below_th`` (V) below V_th (the circuit's
    :attr:`~lifhw.spice.netlist.Circuit.dc_below_th`: at V_th the comparator trips and the reset engages)."""
    lo = min(params.v_reset, params.v_rest - DC_BELOW_REST)
    return {"kind": "dc_probe", "v_start": lo, "v_stop": params.v_th - below_th, "v_step": DC_STEP}


def floor_job(params: LIFParams, design: OTADesign, below_th: float) -> dict:
    """The leakage-floor job: the DC probe sweep on [V_reset, V_th - ``below_th``] with the OTA bias at I_B_OFF,
    then back at ``design.i_b``."""
    return {"kind": "dc_probe", "v_start": params.v_reset, "v_stop": params.v_th - below_th,
            "v_step": FLOOR_STEP, "i_b": (I_B_OFF, design.i_b)}


def check_released(rst: np.ndarray, params: LIFParams, design: OTADesign, what: str, netlist) -> None:
    """Raise SpiceError if the reset switch was on (v(rst) > V_reset) while the membrane was below V_th."""
    # The switch's source is at V_reset, so it is off for v(rst) <= V_reset. A reset chain held up by
    # leakage pins the membrane to V_reset and would fake the OTA's I-V or the membrane's decay.
    if np.max(rst) > params.v_reset:
        raise SpiceError(f"{what} at {design.corner}, {design.temp:g} °C: the reset switch is on "
                         f"(v(rst) = {np.max(rst):.3g} V > V_reset = {params.v_reset:g} V) with the membrane "
                         f"below V_th, so the membrane is pinned to V_reset; netlist: {netlist}")


def characterize_dc(runner, params: LIFParams, design: OTADesign, below_th: float) -> OTACharacterization:
    """The DC part of a characterisation: I-V, tanh fit, g_m and κ at the zero, leakage floor.

    ``runner`` is a :class:`~lifhw.spice.pool.SpicePool` or :class:`~lifhw.spice.runner.Session` holding an
    OTA-leak netlist rendered for ``params``/``design`` (or altered to them); the sweeps stop ``below_th`` (V) below
    V_th (the netlist's ``Circuit.dc_below_th``). The dead-time fields are 0.
    """
    dc, floor = runner.map([dc_job(params, below_th), floor_job(params, design, below_th)])
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
    if not i_leak[0] < 0 < i_leak[-1]:
        raise SpiceError(f"the membrane I-V has no zero crossing inside the sweep at {design.corner}, "
                         f"{design.temp:g} °C (I = {i_leak[0]:.4g} .. {i_leak[-1]:.4g} A); netlist: {runner.netlist}")
    i_b, kappa_fit, v_zero = fit_tanh(v, i_leak, design.temp)
    measured = MeasuredNeuron(v=tuple(v.tolist()), i_leak=tuple(i_leak.tolist()), c_eff=params.c_m + design.c_tsv,
                              v_rest=params.v_rest, v_reset=params.v_reset, v_th=params.v_th, t_dead=0.0)
    kappa = 2 * float(analog.thermal_voltage(design.temp)) * measured.g_m / i_b
    return OTACharacterization(
        **asdict(measured), corner=design.corner, temp=design.temp, kappa=kappa, i_b_eff=i_b, v_zero=v_zero,
        comparator_delay=0.0, t_hold=0.0, calibration_current=0.0, kappa_fit=kappa_fit,
        i_off=float(np.max(np.abs(floor["v_probe#branch"]))))


def characterize_ota(pool, params: LIFParams, design: OTADesign, below_th: float) -> OTACharacterization:
    """Characterise the OTA neuron loaded in ``pool`` (a :class:`~lifhw.spice.pool.SpicePool` of an OTA-leak
    netlist).

    :func:`characterize_dc` (up to ``below_th`` below V_th), then one transient at CAL_RHEOBASE_MULTIPLE ×
    rheobase to measure the dead time of a single spike.
    """
    char = characterize_dc(pool, params, design, below_th)
    c_eff = char.c_eff
    current = CAL_RHEOBASE_MULTIPLE * char.rheobase
    first = float(char.time_to_threshold(current))
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
    return dataclasses.replace(char, t_dead=float(release - t_cross), comparator_delay=float(t_spk - t_cross),
                               t_hold=float(release - t_spk), calibration_current=float(current))
