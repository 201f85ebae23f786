"""Closed forms of the LIF neuron under constant input current.

All functions are pure and vectorized over the input current ``i_in`` (A, scalar or array);
they return numpy arrays (0-d for scalar input). With :math:`V_\\infty = V_{rest} + R_m I`:

* the neuron fires repetitively iff :math:`V_\\infty > V_{th}`, i.e. :math:`I > I_{rh} =
  (V_{th} - V_{rest})/R_m` (the rheobase);
* from :math:`V_0 < V_{th}` the time to threshold is
  :math:`T = \\tau_m \\ln\\frac{V_\\infty - V_0}{V_\\infty - V_{th}}`;
* the inter-spike interval is :math:`t_{ref} + T(V_0 = V_{reset})` and the rate its inverse
  (Gerstner et al., *Neuronal Dynamics*, 2014, §1.3);
* forward Euler with step :math:`h` multiplies the distance to :math:`V_\\infty` by
  :math:`1 - h/\\tau` per step, so its error grows as :math:`|1-h/\\tau|^n` and the step is stable
  only for :math:`h < 2\\tau`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .errors import ParameterError
from .fi import Budget, FICurve, rate_of
from .params import LIFParams
from .units import check_array


def rheobase(params: LIFParams) -> float:
    """Smallest constant current (A) for which the neuron ever fires: (V_th − V_rest)/R_m."""
    return params.rheobase


#: Relative difference from the rheobase below which a current counts as the rheobase itself (16 ulps).
ROUNDING = 16 * np.finfo(float).eps


def _currents(i_in, name: str = "i_in") -> np.ndarray:
    """``i_in`` as a float array; ParameterError if any is nan or infinite (a rate of 0 would hide it)."""
    arr = np.asarray(i_in, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise ParameterError(name, arr.tolist() if arr.size <= 8 else f"array of {arr.size}", "must be finite (A)")
    return arr


def v_inf(params: LIFParams, i_in) -> np.ndarray:
    """Steady-state membrane potential V_rest + R_m·I (V) without threshold."""
    return params.v_rest + params.r_m * _currents(i_in)


def time_to_threshold(params: LIFParams, i_in, v0=None) -> np.ndarray:
    """Time (s) from ``v0`` (V; default ``v_reset``) to reach V_th under constant ``i_in`` (A).

    0 when ``v0 >= v_th``; ``inf`` when V_∞ ≤ V_th (the neuron never gets there). Computed as
    τ·log1p((V_th − V_0)/(V_∞ − V_th)): when V_∞ is far above threshold (a large R_m, a near-perfect
    integrator) the ratio inside the textbook ln((V_∞ − V_0)/(V_∞ − V_th)) rounds to 1 and the time to 0.
    """
    v0 = params.v_reset if v0 is None else v0
    current = _currents(i_in)
    v0 = np.asarray(v0, dtype=float)
    if not np.all(np.isfinite(v0)):
        raise ParameterError("v0", v0.tolist() if v0.size <= 8 else "array", "must be finite (V)")
    # V_inf - V_th as R_m (I - I_rh): the sum v_rest + R_m I would lose the small difference to V_th.
    excess = current - params.rheobase
    # Within the rounding of the two currents (a few ulps) V_inf = V_th: the membrane only approaches threshold.
    above = excess > ROUNDING * np.maximum(np.abs(current), params.rheobase)
    above_th = params.r_m * excess
    above_th, above, v0 = np.broadcast_arrays(above_th, above, v0)
    out = np.full(above_th.shape, np.inf)
    reached = v0 >= params.v_th
    fires = above & ~reached
    out[reached] = 0.0
    out[fires] = params.tau_m * np.log1p((params.v_th - v0[fires]) / above_th[fires])
    return out


def isi(params: LIFParams, i_in) -> np.ndarray:
    """Inter-spike interval (s) under constant ``i_in``: t_ref + time from V_reset to V_th."""
    return params.t_ref + time_to_threshold(params, i_in, params.v_reset)


def firing_rate(params: LIFParams, i_in) -> np.ndarray:
    """Steady firing rate (Hz) under constant ``i_in`` (A): 1/ISI, 0 at or below rheobase."""
    return rate_of(isi(params, i_in))


@dataclass(frozen=True)
class Theory:
    """The closed-form level (a :class:`~lifhw.fi.Level`): the f-I curve of :func:`firing_rate`."""

    name: ClassVar[str] = "theory"

    def fi(self, params: LIFParams, currents) -> FICurve:
        """The closed-form f-I curve of ``params`` at ``currents`` (A)."""
        currents = np.atleast_1d(_currents(currents, "currents"))
        return FICurve(currents, firing_rate(params, currents), "closed form", {"params": params.as_dict()})

    def budget(self, params: LIFParams, currents) -> Budget:
        """The closed form is its own reference: the band is the curve itself."""
        curve = self.fi(params, currents)
        return Budget(curve.current, curve.rate, curve.rate, "the closed form itself")

    def as_dict(self) -> dict:
        return {}


def fi(params: LIFParams, currents) -> FICurve:
    """The closed-form f-I curve (:func:`firing_rate`) at ``currents`` (A): :meth:`Theory.fi`."""
    return Theory().fi(params, currents)


@dataclass(frozen=True)
class ClosedForm:
    """The closed forms of one LIFParams as a :class:`~lifhw.fi.RateModel`, the interface the analog theories share
    (:class:`lifhw.ota_theory.MeasuredNeuron`, :class:`~lifhw.ota_theory.TanhNeuron`)."""

    params: LIFParams

    @property
    def tau(self) -> float:
        return self.params.tau_m

    @property
    def rheobase(self) -> float:
        return self.params.rheobase

    def isi(self, i_in) -> np.ndarray:
        return isi(self.params, i_in)

    def rate(self, i_in) -> np.ndarray:
        return firing_rate(self.params, i_in)

    def fi(self, currents) -> FICurve:
        return fi(self.params, currents)

    def linear_params(self) -> LIFParams:
        """The LIF is its own linear equivalent."""
        return self.params


def current_for_rate(params: LIFParams, rate) -> np.ndarray:
    """Inverse f-I curve: the constant current (A) that fires at ``rate`` (Hz, 0 < rate < 1/t_ref)."""
    rate = np.asarray(rate, dtype=float)
    top = 1.0 / params.t_ref if params.t_ref > 0 else np.inf
    if not np.all((rate > 0) & (rate < top)):  # refuses nan and inf too
        raise ParameterError("rate", rate.tolist(), f"must be in (0, 1/t_ref = {top:.6g}) Hz")
    t = 1.0 / rate - params.t_ref
    # V_inf from tau*ln((V_inf - V_reset)/(V_inf - V_th)) = t, i.e. V_inf = V_reset + (V_th - V_reset)/(1 - e^(-t/tau));
    # -expm1 keeps 1 - e^(-t/tau) exact when t << tau (a near-perfect integrator).
    vinf = params.v_reset + (params.v_th - params.v_reset) / -np.expm1(-t / params.tau_m)
    return (vinf - params.v_rest) / params.r_m


def _time(name: str, value) -> np.ndarray:
    return check_array(value, name, "s", minimum=0)


def euler_amplification(h, tau) -> np.ndarray:
    """Factor |1 − h/τ| by which one forward-Euler step multiplies the error (distance to V_∞)."""
    return np.abs(1.0 - _time("h", h) / _time("tau", tau))


def euler_stable_step(tau) -> np.ndarray:
    """Largest step (s, exclusive) at which forward Euler does not amplify errors: 2τ."""
    return 2.0 * _time("tau", tau)


def euler_error(h, tau, n, e0=1.0) -> np.ndarray:
    """Signed error of forward Euler after ``n`` steps from initial error ``e0``: e0·(1 − h/τ)^n."""
    return e0 * (1.0 - _time("h", h) / _time("tau", tau)) ** np.asarray(n)
