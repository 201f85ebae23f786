"""Theory of the OTA-leak neuron: the tanh closed form, the quadrature over a measured I-V, the linear equivalent.

The analog neuron is a membrane node of capacitance :math:`C_{eff} = C_m + C_{tsv}` charged by a constant
input :math:`I` and discharged by a leak :math:`I_{leak}(V)`; it fires when :math:`V` reaches
:math:`V_{th}`, and after a dead time :math:`t_{dead}` (comparator delay, reset and refractory hold)
starts again from :math:`V_{reset}`. So

.. math:: ISI(I) = C_{eff}\\int_{V_{reset}}^{V_{th}} \\frac{dV}{I - I_{leak}(V)} + t_{dead},

and the neuron is silent when :math:`I \\le \\max I_{leak}` on :math:`[V_{reset}, V_{th}]` (the rheobase).
Two models of :math:`I_{leak}` are used, both here:

* :class:`TanhNeuron` — the subthreshold OTA follower, :math:`I_b\\tanh(\\kappa(V - V_0)/2U_T)`
  (:func:`lifhw.analog.ota_leak`) plus a constant sink, integrated in closed form. With
  :math:`a = \\kappa/2U_T`, :math:`A = I - I_b`, :math:`B = I + I_b` and :math:`x = V - V_0`,

  .. math:: \\int\\frac{C_{eff}\\,dx}{I - I_b\\tanh(a x)}
            = C_{eff}\\Big[\\frac{x}{B} + \\frac{B-A}{2aAB}\\ln\\big(A e^{2ax} + B\\big)\\Big].

  The sizing model and its Monte Carlo use it (vectorised over every field).
* :class:`MeasuredNeuron` — the I-V of the whole membrane node as SPICE measured it (a spline of a DC
  sweep), integrated by quadrature: the *device-aware theory* the analog level is compared with.

Both give the **linear equivalent** (:meth:`~TanhNeuron.linear_params`): the linear LIF with the same
small-signal conductance :math:`g_m` at rest, the same :math:`C_{eff}`, threshold and reset, and the
dead time as its refractory period.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from scipy.interpolate import CubicSpline

from . import analog, pdk
from .errors import ParameterError
from .fi import IsiRateModel

#: Points of the quadrature grid between V_reset and V_th.
QUAD_POINTS = 4001
#: Half-width (V) of the window around the I-V's zero whose straight-line slope is g_m (tanh is linear to
#: 0.3 % there).
ZERO_HALF_WIDTH = 5e-3
#: A coarse sweep (the Monte Carlo's 10 mV) has only 1-2 points in that window: g_m is then the slope at the zero
#: of a cubic through the points within this half-width (V). On lif_ota's 2.5 mV sweep that cubic agrees with the
#: straight line to 0.6 % (/work/scratch/mc/NOTES.md §3.3: 0.14 % rms over 60 mismatched samples).
CUBIC_HALF_WIDTH = 25e-3


@dataclass(frozen=True)
class TanhNeuron(IsiRateModel):
    """The OTA-leak membrane with a tanh leak, voltages relative to the nominal V_rest (SI, °C).

    Every field may be an array (a population: the Monte Carlo draws ``i_b``, ``v_offset``, ``v_th_offset``);
    the methods broadcast them against the input current.

    Attributes
    ----------
    c_eff : membrane capacitance C_m + C_tsv (F)
    i_b : tail current the OTA actually gets, the leak's saturation level (A)
    kappa : subthreshold slope factor of the OTA's input pair
    v_swing : V_th − V_reset (V)
    temp : temperature (°C)
    t_dead : time from reaching threshold to integrating again (s)
    v_reset : V_reset − V_rest (V)
    v_offset : the leak's zero V_0 − V_rest (V): the OTA's input offset
    v_th_offset : error of the realised threshold (V): the comparator's offset
    i_leak : constant sink besides the OTA (A): off-state leakage

    A :class:`~lifhw.fi.RateModel`: ``isi``, ``rate``, ``fi`` and ``linear_params`` from :meth:`time_to_threshold`
    (:class:`~lifhw.fi.IsiRateModel`). The linear equivalent's voltages are relative to the nominal V_rest, its leak
    centred on the OTA's zero; the constant sink ``i_leak`` is not a LIFParams field: evaluate the linear LIF at
    ``i_in − i_leak``.
    """

    LABEL: ClassVar[str] = "tanh closed form"
    MODEL: ClassVar[str] = "tanh"

    c_eff: float
    i_b: float
    kappa: float
    v_swing: float
    temp: float = pdk.NOMINAL_TEMP
    t_dead: float = 0.0
    v_reset: float = 0.0
    v_offset: float = 0.0
    v_th_offset: float = 0.0
    i_leak: float = 0.0

    def __post_init__(self) -> None:
        # Fields may be arrays (a population); every member must be a finite number, as everywhere in lifhw.
        for f in dataclasses.fields(self):
            value = np.asarray(getattr(self, f.name), dtype=float)
            if not np.all(np.isfinite(value)):
                raise ParameterError(f.name, value.tolist() if value.size <= 8 else f"array of {value.size}",
                                     "must be finite")

    def replace(self, **changes) -> TanhNeuron:
        return dataclasses.replace(self, **changes)

    @property
    def v_th(self):
        """Threshold relative to the nominal V_rest (V)."""
        return np.asarray(self.v_reset, dtype=float) + self.v_swing + self.v_th_offset

    @property
    def g_m(self):
        """Small-signal conductance κI_b/2U_T of the leak at its zero (S)."""
        return analog.ota_gm(self.i_b, self.kappa, self.temp)

    @property
    def tau(self):
        """C_eff/g_m (s)."""
        return np.asarray(self.c_eff, dtype=float) / self.g_m

    @property
    def rheobase(self):
        """Leak at threshold (A): the smallest input that reaches it (the leak grows with V)."""
        return analog.ota_leak(self.v_th, self.v_offset, self.i_b, self.kappa, self.temp) + self.i_leak

    def time_to_threshold(self, i_in) -> np.ndarray:
        """Time (s) from V_reset to V_th under constant ``i_in`` (A): the closed form of the module docstring;
        ``inf`` where the neuron never reaches threshold."""
        i = np.asarray(i_in, dtype=float) - self.i_leak
        a = np.asarray(self.kappa, dtype=float) / (2 * analog.thermal_voltage(self.temp))
        x0 = np.asarray(self.v_reset, dtype=float) - self.v_offset
        x1 = self.v_th - self.v_offset
        i, a, i_b, x0, x1, c_eff = np.broadcast_arrays(i, a, np.asarray(self.i_b, dtype=float), x0, x1,
                                                       np.asarray(self.c_eff, dtype=float))
        big_a, big_b = i - i_b, i + i_b
        # The leak grows with V, so the neuron fires iff the net current is positive at threshold.
        fires = (i - i_b * np.tanh(a * x1) > 0) & (big_b > 0)
        out = np.full(i.shape, np.inf)
        out[x1 <= x0] = 0.0
        ok = fires & (x1 > x0)
        A, B, a_ = big_a[ok], big_b[ok], a[ok]
        y0, y1 = 2 * a_ * x0[ok], 2 * a_ * x1[ok]
        rising = A > 0
        ratio = np.log(np.where(rising, A, 1.0) / B)

        def log1p_ae(y):
            # ln(1 + (A/B)·e^y), accurate as A → 0. Where A > 0, e^y alone overflows once the swing is a few
            # hundred U_T/κ (logaddexp never forms it); where A < 0 the neuron fires only if e^y < B/|A|.
            return np.where(rising, np.logaddexp(0.0, y + ratio), np.log1p(A * np.exp(np.where(rising, 0.0, y)) / B))

        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            # (B−A)/(2aAB)·[ln(Ae1+B) − ln(Ae0+B)]; at A = 0 exactly (I = I_b) it is (e1 − e0)/B, which is
            # infinite (the neuron takes forever) when the swing is that large.
            log_term = np.where(A != 0, (log1p_ae(y1) - log1p_ae(y0)) / A, (np.exp(y1) - np.exp(y0)) / B)
            out[ok] = c_eff[ok] * ((x1[ok] - x0[ok]) / B + (B - A) / (2 * a_ * B) * log_term)
        return out

    @property
    def linear_rest(self):
        """Where the linear equivalent's leak is centred: the OTA's zero (V, relative to the nominal V_rest)."""
        return self.v_offset


@dataclass(frozen=True)
class MeasuredNeuron(IsiRateModel):
    """The OTA-leak membrane with its leak I-V measured (the device-aware theory), SI units.

    ``v``/``i_leak``: the DC I-V of the whole membrane node (current it draws, A, at each V); ``v_rest``,
    ``v_reset``, ``v_th``: the voltages the circuit was built for (V); ``c_eff`` (F); ``t_dead`` (s). A
    :class:`~lifhw.fi.RateModel` from :meth:`time_to_threshold` (:class:`~lifhw.fi.IsiRateModel`); its linear
    equivalent sits at the nominal V_rest.
    """

    LABEL: ClassVar[str] = "device-aware theory"
    MODEL: ClassVar[str] = "measured I-V"

    v: tuple
    i_leak: tuple
    c_eff: float
    v_rest: float
    v_reset: float
    v_th: float
    t_dead: float

    def leak(self, v) -> np.ndarray:
        """Current (A) the membrane node draws at ``v`` (V): a cubic spline of the sweep, continued linearly
        past its last point (a sweep stops short of V_th, where the comparator trips)."""
        v = np.asarray(v, dtype=float)
        grid, current = np.array(self.v), np.array(self.i_leak)
        inside = CubicSpline(grid, current)(np.clip(v, grid[0], grid[-1]))
        slope = (current[-1] - current[-2]) / (grid[-1] - grid[-2])
        return np.where(v > grid[-1], current[-1] + slope * (v - grid[-1]), inside)

    @property
    def rest_point(self) -> float:
        """Where the measured leak crosses zero (V)."""
        return float(np.interp(0.0, self.i_leak, self.v))

    @property
    def g_m(self) -> float:
        """Slope (S) of the measured I-V at its zero: the small-signal leak at rest. A straight line through the
        points within ZERO_HALF_WIDTH of the zero, or, with fewer than 3 there, the slope at the zero of a cubic
        through the points within CUBIC_HALF_WIDTH."""
        v, i = np.array(self.v), np.array(self.i_leak)
        zero = self.rest_point
        near = np.abs(v - zero) <= ZERO_HALF_WIDTH
        if near.sum() >= 3:
            return float(np.polyfit(v[near], i[near], 1)[0])
        near = np.abs(v - zero) <= CUBIC_HALF_WIDTH
        if near.sum() < 4:
            raise ParameterError("v", f"{near.sum()} points within {CUBIC_HALF_WIDTH * 1e3:g} mV of the zero",
                                 "the I-V is too coarse near its zero for a slope")
        return float(np.polyfit(v[near] - zero, i[near], 3)[2])

    @property
    def tau(self) -> float:
        """Small-signal membrane time constant C_eff/g_m (s)."""
        return self.c_eff / self.g_m

    @property
    def rheobase(self) -> float:
        """Largest leak current (A) on [V_reset, V_th]: the smallest input that reaches threshold."""
        return float(np.max(self.leak(np.linspace(self.v_reset, self.v_th, QUAD_POINTS))))

    def with_c_eff(self, c_eff: float):
        """The same devices on another membrane capacitance (e.g. with a TSV)."""
        return dataclasses.replace(self, c_eff=c_eff)

    @property
    def linear_rest(self) -> float:
        """Where the linear equivalent's leak is centred: the nominal V_rest (V)."""
        return self.v_rest

    def time_to_threshold(self, i_in) -> np.ndarray:
        """C_eff ∫ dV/(I − I_leak(V)) from V_reset to V_th (s); inf at or below the rheobase."""
        grid = np.linspace(self.v_reset, self.v_th, QUAD_POINTS)
        leak = self.leak(grid)
        currents = np.atleast_1d(np.asarray(i_in, dtype=float))
        out = np.full(currents.shape, np.inf)
        for k, current in enumerate(currents):
            if current > leak.max():
                out[k] = self.c_eff * np.trapezoid(1.0 / (current - leak), grid)
        return out.reshape(np.shape(i_in))

