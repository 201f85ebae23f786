"""Fixed-point LIF: the mapping from :class:`~lifhw.params.LIFParams` to integers, and the bit-exact model.

This module is the executable specification of ``rtl/lif_neuron.v`` and ``rtl/lif_core.v``; ``rtl/README.md``
states the same arithmetic in words. Everything is numpy ``int64`` and vectorized over neurons.

State
    ``v`` — the membrane potential relative to ``v_rest`` in a signed ``width``-bit two's-complement
    Q format with ``frac`` fraction bits: ``v = round((V - v_rest) * 2**frac)``, one LSB = ``2**-frac`` V.
    ``ref`` — the refractory steps left (unsigned ``ref_width`` bits).

One update (one time step of one neuron), in this order:

1. ``ref > 0``: ``ref -= 1``; ``v`` is held (no leak, the input is ignored); no spike.
2. otherwise ``leak = (v * LEAK_MULT) >> LEAK_FRAC`` (arithmetic shift, i.e. floor; the shift leak is the
   case ``LEAK_MULT = 1, LEAK_FRAC = k``), ``sum = v - leak + x`` with the exact integer result, then
   ``sat = clip(sum, -2**(width-1), 2**(width-1) - 1)`` (saturation, never wrap-around).
3. ``sat >= THRESH``: spike; ``v = V_RESET`` (``reset_mode="reset"``) or ``v = sat - THRESH``
   (``reset_mode="subtract"``) or ``v = sat`` (``reset_mode="subtract-delayed"``); ``ref = REF_STEPS``. Otherwise
   ``v = sat``.

``subtract-delayed`` is snnTorch's default (``reset_delay=True``): u[t] = β·u[t−1] + x[t] − θ·s[t−1]. The state
keeps the membrane *before* the reset, and the next integrating update subtracts THRESH when that state is at or
above THRESH (which is exactly when it spiked: step 2 becomes ``sum = v - leak - (v >= THRESH ? THRESH : 0) + x``).
The subtraction is one step late and is not decayed.

``v - floor(v*a) == ceil(v*(1-a))``: the leak step is ``beta*v`` rounded toward +inf, with
``beta = 1 - LEAK_MULT / 2**LEAK_FRAC``. It therefore adds between 0 and 1 LSB per step; the input
code is the current rounded *down* (:meth:`QuantizedLIF.input_code`) so that the two roundings bracket the
exact update from both sides (the bound in ``rtl/README.md``).

The float discrete-time LIF it approximates (:func:`simulate_float`) is the same algorithm in float64
with ``beta = exp(-dt/tau_m)`` (``discretization="exact"``) or ``1 - dt/tau_m`` (``"euler"``) and input
``(1 - beta) * R_m * I`` per step.
"""

from __future__ import annotations

import dataclasses
import io
import itertools
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import jsonio, limits
from .errors import FieldError, ParameterError
from .files import write_atomic
from .params import LIFParams
from .readers import Npz, fields

LEAK_MODES = ("shift", "mult")
#: After a spike: to V_RESET, subtract THRESH, or subtract THRESH on the next integrating update (RTL RESET_MODE
#: 0, 1, 2 in this order).
RESET_MODES = ("reset", "subtract", "subtract-delayed")
DISCRETIZATIONS = ("exact", "euler")
#: Allowed state width, state fraction bits and leak-multiplier fraction bits (inclusive ranges).
WIDTH_RANGE = (4, 32)
FRAC_RANGE = (0, 62)
LEAK_FRAC_RANGE = (1, 30)
#: AUTO fraction bits leave this factor of headroom above the largest of |V_th - V_rest|, |V_reset - V_rest|.
AUTO_HEADROOM = 1.125


@dataclass(frozen=True)
class FixedFormat:
    """The number format and arithmetic options of the fixed-point neuron.

    Attributes
    ----------
    width : int
        State width W (bits, signed), 4..32.
    frac : int or None
        Fraction bits F of the state: one LSB is 2**-F V. ``None`` (AUTO) picks the largest F whose range
        holds ``AUTO_HEADROOM`` times the larger of |V_th − V_rest| and |V_reset − V_rest|.
    leak : {'shift', 'mult'}
        ``shift``: beta = 1 − 2**−k (no multiplier; k rounded from the target beta).
        ``mult``: beta = 1 − LEAK_MULT/2**leak_frac (any beta to 2**−leak_frac).
    leak_frac : int
        Fraction bits of the (1 − beta) multiplier (``mult`` only), 1..30.
    reset_mode : {'reset', 'subtract', 'subtract-delayed'}
        After a spike: set V to V_reset, subtract the threshold (V_th − V_rest) from V, or subtract it on the
        next integrating update (snnTorch's ``reset_delay=True``).
    discretization : {'exact', 'euler'}
        Which discrete-time float LIF beta targets: exp(−dt/tau_m) or 1 − dt/tau_m.
    in_width : int or None
        Width of the signed per-step input (bits), at most ``width``; ``None`` = ``width``.
    """

    width: int = 16
    frac: int | None = None
    leak: str = "mult"
    leak_frac: int = 16
    reset_mode: str = "reset"
    discretization: str = "exact"
    in_width: int | None = None

    def __post_init__(self) -> None:
        if isinstance(self.width, bool) or not isinstance(self.width, int) or not _within(self.width, WIDTH_RANGE):
            raise ParameterError("width", self.width, "must be a whole number of bits in {}..{}".format(*WIDTH_RANGE))
        if self.frac is not None and (not isinstance(self.frac, int) or not _within(self.frac, FRAC_RANGE)):
            raise ParameterError("frac", self.frac, "must be AUTO (None) or a whole number in {}..{}".format(
                *FRAC_RANGE))
        if self.leak not in LEAK_MODES:
            raise ParameterError("leak", self.leak, f"must be one of {', '.join(LEAK_MODES)}")
        if not isinstance(self.leak_frac, int) or not _within(self.leak_frac, LEAK_FRAC_RANGE):
            raise ParameterError("leak_frac", self.leak_frac, "must be a whole number in {}..{}".format(
                *LEAK_FRAC_RANGE))
        if self.reset_mode not in RESET_MODES:
            raise ParameterError("reset_mode", self.reset_mode, f"must be one of {', '.join(RESET_MODES)}")
        if self.discretization not in DISCRETIZATIONS:
            raise ParameterError("discretization", self.discretization,
                                 f"must be one of {', '.join(DISCRETIZATIONS)}")
        if self.in_width is not None and (not isinstance(self.in_width, int) or not 2 <= self.in_width <= self.width):
            raise ParameterError("in_width", self.in_width,
                                 f"must be None (= width) or a whole number in 2..{self.width}")


@dataclass(frozen=True)
class QuantizedLIF:
    """Integer parameters of the RTL for one LIFParams, dt and format, and what they really mean.

    Attributes
    ----------
    rtl : dict
        The integers, named as in ``rtl/``: ``WIDTH IN_WIDTH LEAK_MULT LEAK_FRAC THRESH V_RESET RESET_MODE
        REF_STEPS`` are the Verilog parameters (:mod:`lifhw.digital.hdl`); ``LEAK_MODE LEAK_SHIFT LEAK_W REF_W``
        describe them (shift leak or multiplier, k, bits of LEAK_MULT and of the refractory counter) and the
        Verilog derives them.
    frac : int
        State fraction bits actually used (AUTO resolved).
    dt : float
        Time step (s).
    beta, beta_q : float
        Target decay per step and the one the integers implement.
    v_lsb : float
        Volts per state LSB, 2**-frac.
    i_lsb : float
        Amperes per input LSB: the constant current whose per-step drive is one LSB, 1/((1−beta_q) R_m 2**frac).
    params : LIFParams
        The parameters asked for.
    effective : LIFParams
        The parameters the integers implement (tau from beta_q, thresholds and reset dequantized, t_ref =
        REF_STEPS·dt); r_m is kept so that V_inf = R_m·I holds exactly.
    """

    rtl: dict
    frac: int
    dt: float
    beta: float
    beta_q: float
    v_lsb: float
    i_lsb: float
    params: LIFParams
    effective: LIFParams
    fmt: FixedFormat = field(default_factory=FixedFormat)

    @property
    def v_min(self) -> int:
        return -(1 << (self.rtl["WIDTH"] - 1))

    @property
    def v_max(self) -> int:
        return (1 << (self.rtl["WIDTH"] - 1)) - 1

    @property
    def x_min(self) -> int:
        return -(1 << (self.rtl["IN_WIDTH"] - 1))

    @property
    def x_max(self) -> int:
        return (1 << (self.rtl["IN_WIDTH"] - 1)) - 1

    def input_code(self, current) -> np.ndarray:
        """Per-step input codes for currents (A): floor(I / i_lsb), saturated to the input width.

        Rounded down because the leak rounds up (module docstring); raises when a current does not fit.
        """
        code = np.floor(np.asarray(current, dtype=float) / self.i_lsb)
        if np.any(code < self.x_min) or np.any(code > self.x_max):
            worst = float(np.asarray(current, dtype=float).flat[int(np.argmax(np.abs(code)))])
            raise ParameterError("i_in", worst, f"must be within [{self.x_min * self.i_lsb:.6g}, "
                                                f"{self.x_max * self.i_lsb:.6g}] A for in_width = "
                                                f"{self.rtl['IN_WIDTH']} bits")
        return code.astype(np.int64)

    def errors(self) -> dict[str, float]:
        """Relative error of each mapped quantity (effective / asked − 1); t_ref absolute (s)."""
        p, e = self.params, self.effective
        return {"tau_m": e.tau_m / p.tau_m - 1.0, "v_th": (e.v_th - e.v_rest) / (p.v_th - p.v_rest) - 1.0,
                "v_reset_V": e.v_reset - p.v_reset, "t_ref_s": e.t_ref - p.t_ref, "i_lsb_over_rheobase":
                self.i_lsb / p.rheobase}

    def as_dict(self) -> dict:
        return {"rtl": dict(self.rtl), "frac": self.frac, "dt": self.dt, "beta": self.beta, "beta_q": self.beta_q,
                "v_lsb": self.v_lsb, "i_lsb": self.i_lsb, "effective": self.effective.as_dict(),
                "errors": self.errors(), "format": {"width": self.fmt.width, "leak": self.fmt.leak,
                                                    "leak_frac": self.fmt.leak_frac,
                                                    "reset_mode": self.fmt.reset_mode,
                                                    "discretization": self.fmt.discretization}}


def _within(value: int, bounds: tuple[int, int]) -> bool:
    return bounds[0] <= value <= bounds[1]


def target_leak(params: LIFParams, dt: float, discretization: str = "exact") -> float:
    """1 − beta, the fraction of the state the leak removes per step, without the cancellation of 1 − exp(−dt/τ)
    when dt ≪ τ_m (a near-perfect integrator leaks 1e-20 per step, which 1 − beta rounds to 0)."""
    if discretization == "exact":
        return -math.expm1(-dt / params.tau_m)
    target_beta(params, dt, discretization)  # Euler's own bound on dt
    return dt / params.tau_m


def target_beta(params: LIFParams, dt: float, discretization: str = "exact") -> float:
    """Decay per step of the discrete-time float LIF: exp(−dt/tau_m) or 1 − dt/tau_m (Euler)."""
    if discretization == "exact":
        return math.exp(-dt / params.tau_m)
    if dt >= params.tau_m:
        raise ParameterError("dt", dt, f"Euler needs dt < tau_m = {params.tau_m:.6g} s for a decay in (0, 1)")
    return 1.0 - dt / params.tau_m


def auto_frac(params: LIFParams, width: int) -> int:
    """Largest fraction bits whose signed range holds AUTO_HEADROOM × max(|V_th−V_rest|, |V_reset−V_rest|)."""
    span = max(abs(params.v_th - params.v_rest), abs(params.v_reset - params.v_rest)) * AUTO_HEADROOM
    return int(math.floor(math.log2(((1 << (width - 1)) - 1) / span)))


def quantize(params: LIFParams, dt: float, fmt: FixedFormat | None = None) -> QuantizedLIF:
    """Map LIFParams and a step ``dt`` (s) to the RTL's integer parameters.

    Returns the integers (``.rtl``) and the parameters they implement (``.effective``). Raises
    ParameterError when a value does not fit the format (threshold beyond the range, decay that rounds
    to 0 or 1, refractory steps beyond 16 bits).
    """
    fmt = fmt or FixedFormat()
    if isinstance(dt, bool) or not isinstance(dt, int | float) or not math.isfinite(dt) or dt <= 0:
        raise ParameterError("dt", dt, "must be a finite number > 0 s")
    width = fmt.width
    frac = auto_frac(params, width) if fmt.frac is None else fmt.frac
    v_lsb = 2.0 ** -frac
    v_max = (1 << (width - 1)) - 1
    thresh = int(round((params.v_th - params.v_rest) / v_lsb))
    v_reset = int(round((params.v_reset - params.v_rest) / v_lsb))
    if not 1 <= thresh <= v_max:
        raise ParameterError("frac", frac, f"puts V_th - V_rest = {params.v_th - params.v_rest:.6g} V at "
                                           f"{thresh} LSB; it must be in 1..{v_max} for width {width}")
    if not -v_max - 1 <= v_reset < thresh:
        raise ParameterError("frac", frac, f"puts V_reset - V_rest = {params.v_reset - params.v_rest:.6g} V at "
                                           f"{v_reset} LSB; it must be in {-v_max - 1}..{thresh - 1}")
    beta, leak = target_beta(params, dt, fmt.discretization), target_leak(params, dt, fmt.discretization)
    if fmt.leak == "shift":
        shift = int(round(-math.log2(leak))) if leak > 0 else width
        if not 1 <= shift <= width - 1:
            raise ParameterError("dt", dt, f"a shift leak needs 1 - beta = 2^-k with k in 1..{width - 1}; dt/tau_m "
                                           f"= {dt / params.tau_m:.4g} gives 1 - beta = {leak:.4g}, k = {shift}")
        mult, leak_frac, beta_q = 1, shift, 1.0 - 2.0 ** -shift
    else:
        leak_frac = fmt.leak_frac
        mult = int(round(leak * (1 << leak_frac)))
        if mult >= 1 << leak_frac:
            # The leak empties the state within one step: dt is many tau_m; bits only help while beta is not tiny.
            finer = math.ceil(math.log2(0.5 / beta)) if beta > 0 else math.inf
            more = f" or leak_frac >= {finer}" if finer <= LEAK_FRAC_RANGE[1] else ""
            raise ParameterError("dt", dt, f"is {dt / params.tau_m:.4g} tau_m: the state keeps beta = {beta:.4g} per "
                                           f"step, which rounds to 0/2^{leak_frac}; use a smaller dt{more}")
        if mult < 1:
            finer = math.ceil(math.log2(0.5 / leak)) if leak > 0 else math.inf
            fix = (f"use leak_frac >= {finer} or a larger dt" if finer <= LEAK_FRAC_RANGE[1] else
                   f"even {LEAK_FRAC_RANGE[1]} bits cannot; use a larger dt or a shorter tau_m")
            raise ParameterError("leak_frac", leak_frac, f"1 - beta = {leak:.6g} (dt/tau_m = {dt / params.tau_m:.4g}) "
                                                         f"rounds to 0/2^{leak_frac}: {fix}")
        shift, beta_q = leak_frac, 1.0 - mult / (1 << leak_frac)
    ref_steps = int(round(params.t_ref / dt))
    if ref_steps >= 1 << 16:
        raise ParameterError("t_ref", params.t_ref, f"is {ref_steps} steps of dt = {dt:g} s; at most 65535")
    in_width = fmt.in_width or width
    rtl = {"WIDTH": width, "IN_WIDTH": in_width, "LEAK_MODE": 0 if fmt.leak == "shift" else 1,
           "LEAK_SHIFT": shift, "LEAK_MULT": mult, "LEAK_FRAC": leak_frac, "LEAK_W": max(1, mult.bit_length()),
           "THRESH": thresh, "V_RESET": v_reset, "RESET_MODE": RESET_MODES.index(fmt.reset_mode),
           "REF_STEPS": ref_steps, "REF_W": max(1, ref_steps.bit_length())}
    tau_q = -dt / math.log(beta_q) if fmt.discretization == "exact" else dt / (1.0 - beta_q)
    effective = params.replace(c_m=tau_q / params.r_m, v_th=params.v_rest + thresh * v_lsb,
                               v_reset=params.v_rest + v_reset * v_lsb, t_ref=ref_steps * dt)
    i_lsb = 1.0 / ((1.0 - beta_q) * params.r_m * (1 << frac))
    return QuantizedLIF(rtl, frac, float(dt), beta, beta_q, v_lsb, i_lsb, params, effective, fmt)


def initial_state(q: QuantizedLIF, n: int) -> tuple[np.ndarray, np.ndarray]:
    """State after the synchronous reset: v = V_RESET, ref = 0, for ``n`` neurons."""
    return np.full(n, q.rtl["V_RESET"], dtype=np.int64), np.zeros(n, dtype=np.int64)


def step(q: QuantizedLIF, v: np.ndarray, ref: np.ndarray, x) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One update of every neuron: the bit-exact model of the RTL datapath.

    Parameters
    ----------
    v, ref : int64 arrays (N,)
        Membrane state (LSB) and refractory steps left.
    x : int array (N,) or scalar
        Input codes of this step (LSB per step), within the input width.

    Returns
    -------
    v_next, ref_next : int64 arrays
    spike : bool array
    """
    r = q.rtl
    x = np.asarray(x, dtype=np.int64)
    hold = ref > 0
    leak = (v * r["LEAK_MULT"]) >> r["LEAK_FRAC"]
    decayed = v - leak
    if r["RESET_MODE"] == 2:  # the subtraction of the spike the state still holds
        decayed = decayed - np.where(v >= r["THRESH"], r["THRESH"], 0)
    sat = np.clip(decayed + x, q.v_min, q.v_max)
    spike = ~hold & (sat >= r["THRESH"])
    after = (np.int64(r["V_RESET"]), sat - r["THRESH"], sat)[r["RESET_MODE"]]
    v_next = np.where(hold, v, np.where(spike, after, sat))
    ref_next = np.where(hold, ref - 1, np.where(spike, r["REF_STEPS"], 0))
    return v_next.astype(np.int64), ref_next.astype(np.int64), spike


def simulate(q: QuantizedLIF, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Run the bit-exact model from reset over input codes ``x`` of shape (n_steps, N).

    Returns the membrane state after every step, (n_steps, N) int64, and the spikes, (n_steps, N) bool.
    """
    x = np.asarray(x, dtype=np.int64)
    v, ref = initial_state(q, x.shape[1])
    vs = np.empty(x.shape, dtype=np.int64)
    spikes = np.empty(x.shape, dtype=bool)
    for k in range(x.shape[0]):
        v, ref, spikes[k] = step(q, v, ref, x[k])
        vs[k] = v
    return vs, spikes


def simulate_float(params: LIFParams, dt: float, current, n_steps: int, discretization: str = "exact",
                   reset_mode: str = "reset") -> np.ndarray:
    """The discrete-time float LIF the RTL approximates; returns spikes (n_steps, N) bool.

    Same order of operations as :func:`step`, in volts relative to V_rest: v ← beta·v + (1−beta)·R_m·I (minus
    V_th − V_rest after a spike in ``subtract-delayed``), spike when v ≥ V_th − V_rest, reset or subtract, then
    round(t_ref/dt) held steps. No rounding, no saturation. ``current`` is one constant current per neuron (A).
    """
    beta = target_beta(params, dt, discretization)
    drive = (1.0 - beta) * params.r_m * np.atleast_1d(np.asarray(current, dtype=float))
    theta, v_reset = params.v_th - params.v_rest, params.v_reset - params.v_rest
    n_ref = int(round(params.t_ref / dt))
    v = np.full(drive.shape, v_reset)
    ref = np.zeros(drive.shape, dtype=np.int64)
    spikes = np.zeros((n_steps, drive.size), dtype=bool)
    for k in range(n_steps):
        hold = ref > 0
        nxt = beta * v + drive - (theta * (v >= theta) if reset_mode == "subtract-delayed" else 0.0)
        spike = ~hold & (nxt >= theta)
        after = np.full_like(nxt, v_reset) if reset_mode == "reset" else nxt - theta * (reset_mode == "subtract")
        v = np.where(hold, v, np.where(spike, after, nxt))
        ref = np.where(hold, ref - 1, np.where(spike, n_ref, 0))
        spikes[k] = spike
    return spikes


def rates_from_spikes(spikes: np.ndarray, dt: float) -> np.ndarray:
    """Rate (Hz) per neuron from a (n_steps, N) spike raster: (n − 1)/(last − first spike); 0 below 2 spikes."""
    out = np.zeros(spikes.shape[1])
    for j in range(spikes.shape[1]):
        steps = np.flatnonzero(spikes[:, j])
        if steps.size >= 2:
            out[j] = (steps.size - 1) / ((steps[-1] - steps[0]) * dt)
    return out


def discrete_isi_steps(beta: float, v_inf, v0: float, theta: float, n_ref: int) -> np.ndarray:
    """Closed-form ISI (steps) of the linear discrete LIF v ← beta·v + (1−beta)·v_inf with reset to v0.

    v_n = v_inf + (v0 − v_inf)·beta^n first reaches theta at n = ceil(ln((v_inf − v0)/(v_inf − theta)) /
    ln(1/beta)) (at least 1); the ISI adds the n_ref held steps. inf when v_inf ≤ theta.
    """
    v_inf = np.asarray(v_inf, dtype=float)
    out = np.full(v_inf.shape, np.inf)
    fires = v_inf > theta
    ratio = (v_inf[fires] - v0) / (v_inf[fires] - theta)
    out[fires] = np.maximum(np.ceil(np.log(ratio) / math.log(1.0 / beta) - 1e-9), 1) + n_ref
    return out


def rate_bracket(q: QuantizedLIF, current) -> tuple[np.ndarray, np.ndarray]:
    """Lowest and highest rate (Hz) the RTL can fire at for constant currents (A), reset mode ``reset``.

    The RTL update ceil(beta_q·v) + x lies in [beta_q·v + x, beta_q·v + x + 1), and it is monotone in v, so
    from the same reset its trajectory is sandwiched between the two linear discrete LIFs with
    V_inf = x/(1 − beta_q) and (x + 1)/(1 − beta_q) LSB (no saturation assumed: V_inf within range).
    Their closed-form ISIs (:func:`discrete_isi_steps`) bound the RTL's.
    """
    r = q.rtl
    if r["RESET_MODE"] != 0:
        raise ParameterError("reset_mode", q.fmt.reset_mode, "the bracket is derived for reset_mode 'reset'")
    x = q.input_code(current).astype(float)
    lo = discrete_isi_steps(q.beta_q, x / (1.0 - q.beta_q), r["V_RESET"], r["THRESH"], r["REF_STEPS"])
    hi = discrete_isi_steps(q.beta_q, (x + 1.0) / (1.0 - q.beta_q), r["V_RESET"], r["THRESH"], r["REF_STEPS"])
    with np.errstate(divide="ignore"):
        return 1.0 / (lo * q.dt), 1.0 / (hi * q.dt)


# --- Networks: fully connected layers of fixed-point LIF neurons (rtl/README.md, section "Network") ---------

def default_acc_width(weight_bits: int, n_in: int, width: int, bias: bool = False) -> int:
    """Accumulator bits that no sum of ``n_in`` weights (and a bias of the same width) can overflow, capped at the
    state width.

    ``weight_bits + ceil(log2(n + 1))`` with n = n_in (+ 1 with a bias) (``ceil(log2(n + 1))`` is
    ``n.bit_length()``): the sum of n terms of b bits lies in [−n·2^(b−1), n·(2^(b−1) − 1)], inside a signed
    b + ceil(log2 n)-bit range. When the cap ``width`` binds, the accumulator may saturate
    (:attr:`FixedLayer.saturates`).
    """
    return min(width, weight_bits + (int(n_in) + int(bias)).bit_length())


@dataclass(frozen=True, eq=False)
class FixedLayer:
    """One fully connected layer: ``n_out`` neurons that share one neuron format ``q``.

    Attributes
    ----------
    weights : int64 array (n_out, n_in)
        ``weights[i, j]`` is added to neuron i's accumulator when input j spikes, in state LSB; signed within
        ``weight_bits``. Stored read-only.
    q : QuantizedLIF
        The neurons' integer parameters; ``q.rtl["IN_WIDTH"]`` must equal ``acc_width``.
    weight_bits : int
        Signed weight width, 2..32.
    acc_width : int
        Signed accumulator width ACC_W, ``weight_bits``..``WIDTH``; the accumulator saturates (never wraps).
    bias : int64 array (n_out,) or None
        A constant input per step of each neuron, in state LSB, signed within ``weight_bits`` (it is stored like a
        weight, in the core's bias bank); added to the accumulator after the weights, saturating like them. None:
        the layer has no bias (and the core no bias bank).
    """

    weights: np.ndarray
    q: QuantizedLIF
    weight_bits: int
    acc_width: int
    bias: np.ndarray | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.q, QuantizedLIF):
            raise ParameterError("q", type(self.q).__name__, "must be a QuantizedLIF (lifhw.fixed.quantize)")
        bits = self.weight_bits
        if isinstance(bits, bool) or not isinstance(bits, int | np.integer) or not 2 <= bits <= 32:
            raise ParameterError("weight_bits", bits, "must be a whole number of bits in 2..32")
        w = np.asarray(self.weights)
        if w.ndim != 2 or w.size == 0:
            raise ParameterError("weights", w.shape, "must be a non-empty (n_out, n_in) matrix")
        if not np.issubdtype(w.dtype, np.integer):
            raise ParameterError("weights", str(w.dtype), "must be integers (state LSB)")
        lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
        if w.min() < lo or w.max() > hi:
            worst = int(w.min()) if w.min() < lo else int(w.max())
            raise ParameterError("weights", worst, f"must be within [{lo}, {hi}] for weight_bits = {bits}")
        width = self.q.rtl["WIDTH"]
        acc = self.acc_width
        if isinstance(acc, bool) or not isinstance(acc, int | np.integer) or not bits <= acc <= width:
            raise ParameterError("acc_width", acc, f"must be a whole number in {bits}..{width} "
                                                   "(weight_bits..WIDTH)")
        if self.q.rtl["IN_WIDTH"] != acc:
            raise ParameterError("q", self.q.rtl["IN_WIDTH"], f"IN_WIDTH must equal acc_width = {acc}: "
                                                               "the accumulator is the neuron's input")
        w = w.astype(np.int64)  # a copy: the caller's array can no longer change the layer
        w.setflags(write=False)
        object.__setattr__(self, "weights", w)
        if self.bias is not None:
            b = np.asarray(self.bias)
            if b.shape != (w.shape[0],) or not np.issubdtype(b.dtype, np.integer):
                raise ParameterError("bias", b.shape, f"must be {w.shape[0]} integers (one per neuron, state LSB)")
            if b.min() < lo or b.max() > hi:
                worst = int(b.min()) if b.min() < lo else int(b.max())
                raise ParameterError("bias", worst, f"must be within [{lo}, {hi}] for weight_bits = {bits}")
            b = b.astype(np.int64)
            b.setflags(write=False)
            object.__setattr__(self, "bias", b)
        object.__setattr__(self, "weight_bits", int(bits))
        object.__setattr__(self, "acc_width", int(acc))

    @property
    def n_in(self) -> int:
        return self.weights.shape[1]

    @property
    def n_out(self) -> int:
        return self.weights.shape[0]

    @property
    def acc_min(self) -> int:
        return -(1 << (self.acc_width - 1))

    @property
    def acc_max(self) -> int:
        return (1 << (self.acc_width - 1)) - 1

    @property
    def terms(self) -> np.ndarray:
        """What the accumulator of neuron i adds, in its order: W[i, :], then the bias ((n_out, n_in [+ 1]))."""
        return self.weights if self.bias is None else np.column_stack([self.weights, self.bias])

    @property
    def saturates(self) -> bool:
        """True when some input pattern drives an accumulator past its range (then the order of the sum matters)."""
        w = self.terms
        return bool(np.any(np.where(w > 0, w, 0).sum(axis=1) > self.acc_max)
                    or np.any(np.where(w < 0, w, 0).sum(axis=1) < self.acc_min))

    def accumulate(self, spikes) -> np.ndarray:
        """The accumulators of every neuron for input ``spikes`` (bool, (..., n_in)) -> int64 (..., n_out).

        ``acc = 0``, then for j = 0, 1, …, n_in − 1 with ``spikes[j]``: ``acc = clip(acc + W[i, j], ACC_MIN,
        ACC_MAX)``, then (a layer with a bias) ``acc = clip(acc + bias[i], ACC_MIN, ACC_MAX)``. When no pattern can
        saturate (:attr:`saturates` false) the clip never acts and the sum is a matrix product.
        """
        s = np.asarray(spikes, dtype=bool)
        if self.bias is not None:  # the bias is an input that spikes on every step, added last
            s = np.concatenate([s, np.ones(s.shape[:-1] + (1,), dtype=bool)], axis=-1)
        terms = self.terms
        if not self.saturates:
            return s.astype(np.int64) @ terms.T
        acc = np.zeros(s.shape[:-1] + (self.n_out,), dtype=np.int64)
        for j in range(terms.shape[1]):
            acc = np.where(s[..., j, None], np.clip(acc + terms[:, j], self.acc_min, self.acc_max), acc)
        return acc


@dataclass(frozen=True, eq=False)
class FixedNetwork:
    """Fully connected layers in order; layer l's inputs are layer l − 1's neurons (layer 0: the input events)."""

    layers: tuple[FixedLayer, ...]

    def __post_init__(self) -> None:
        layers = tuple(self.layers) if isinstance(self.layers, list | tuple) else self.layers
        if not isinstance(layers, tuple) or not layers or not all(isinstance(x, FixedLayer) for x in layers):
            raise ParameterError("layers", type(self.layers).__name__, "must be a non-empty tuple of FixedLayer")
        for k in range(1, len(layers)):
            if layers[k].n_in != layers[k - 1].n_out:
                raise ParameterError("layers", k + 1, f"layer {k + 1} has n_in = {layers[k].n_in} but layer {k} "
                                                      f"has n_out = {layers[k - 1].n_out}")
        object.__setattr__(self, "layers", layers)

    @property
    def n_in(self) -> int:
        return self.layers[0].n_in

    @property
    def sizes(self) -> list[int]:
        """Neurons per layer, input first: [n_in, n_1, …, n_L]."""
        return [self.n_in] + [layer.n_out for layer in self.layers]


def network_initial_state(net: FixedNetwork, batch: tuple[int, ...] = ()) -> tuple:
    """Every layer's (v, ref) after reset: v = V_RESET, ref = 0, shape ``batch + (n_out,)``."""
    return tuple((np.full(batch + (layer.n_out,), layer.q.rtl["V_RESET"], dtype=np.int64),
                  np.zeros(batch + (layer.n_out,), dtype=np.int64)) for layer in net.layers)


def network_step(net: FixedNetwork, state: tuple, spikes_in) -> tuple[tuple, tuple]:
    """One time step of the whole network: layers in order, each fed the spikes of the layer before *in the same
    step*. Returns the new state and the spikes of every layer (bool, ``batch + (n_out,)``)."""
    spikes, new_state, out = np.asarray(spikes_in, dtype=bool), [], []
    for layer, (v, ref) in zip(net.layers, state, strict=True):
        v, ref, spikes = step(layer.q, v, ref, layer.accumulate(spikes))
        new_state.append((v, ref))
        out.append(spikes)
    return tuple(new_state), tuple(out)


@dataclass(frozen=True, eq=False)
class NetworkRun:
    """What :func:`network_run` returns.

    ``spikes[l]``: layer l's spikes, bool ``batch + (n_steps, n_out)``; ``v[l]``: its membrane after every step
    (int64, same shape) when ``record_v``, else None.
    """

    spikes: tuple[np.ndarray, ...]
    v: tuple[np.ndarray, ...] | None

    @property
    def counts(self) -> tuple[np.ndarray, ...]:
        """Spikes per neuron over the run, per layer (int64 ``batch + (n_out,)``)."""
        return tuple(s.sum(axis=-2, dtype=np.int64) for s in self.spikes)

    @property
    def prediction(self) -> np.ndarray:
        """The class: argmax of the last layer's counts, ties to the lowest index (``np.argmax`` takes the first)."""
        return np.argmax(self.counts[-1], axis=-1)


def network_run(net: FixedNetwork, spikes_in, record_v: bool = False) -> NetworkRun:
    """Run from reset over input events ``spikes_in`` (bool, (n_steps, n_in), or (batch, n_steps, n_in) for
    independent samples, each starting from reset)."""
    s = np.asarray(spikes_in)
    if s.ndim not in (2, 3) or s.shape[-1] != net.n_in:
        raise ParameterError("spikes_in", s.shape, f"must be (n_steps, {net.n_in}) or (batch, n_steps, {net.n_in})")
    if s.dtype != bool and not np.all((s == 0) | (s == 1)):
        raise ParameterError("spikes_in", str(s.dtype), "must be spikes: bool or 0/1")
    s = s.astype(bool)
    batch, n_steps = s.shape[:-2], s.shape[-2]
    state = network_initial_state(net, batch)
    spikes = [np.zeros(batch + (n_steps, layer.n_out), dtype=bool) for layer in net.layers]
    vs = [np.zeros(batch + (n_steps, layer.n_out), dtype=np.int64) for layer in net.layers] if record_v else []
    for t in range(n_steps):
        state, out = network_step(net, state, s[..., t, :])
        for k, layer_spikes in enumerate(out):
            spikes[k][..., t, :] = layer_spikes
            if record_v:
                vs[k][..., t, :] = state[k][0]
    return NetworkRun(tuple(spikes), tuple(vs) if record_v else None)


#: Identifies the integer model file written by :func:`save_network`.
NETWORK_FILE_FORMAT = "lifhw.fixed.FixedNetwork/1"


def save_network(net: FixedNetwork, path) -> None:
    """Write the integer model (``.npz``): per layer l (0-based) ``l{l}_weights`` (int64), ``l{l}_rtl`` (JSON of
    the Verilog parameters), ``l{l}_weight_bits``, ``l{l}_acc_width``, ``l{l}_neuron`` (JSON of the LIFParams,
    dt and FixedFormat that ``quantize`` maps to those integers) and, for a layer with a bias, ``l{l}_bias``."""
    arrays: dict[str, Any] = {"format": np.array(NETWORK_FILE_FORMAT), "n_layers": np.array(len(net.layers))}
    for k, layer in enumerate(net.layers):
        arrays[f"l{k}_weights"] = layer.weights
        arrays[f"l{k}_rtl"] = np.array(jsonio.dumps(layer.q.rtl, sort_keys=True))
        arrays[f"l{k}_weight_bits"] = np.array(layer.weight_bits)
        arrays[f"l{k}_acc_width"] = np.array(layer.acc_width)
        if layer.bias is not None:
            arrays[f"l{k}_bias"] = layer.bias
        arrays[f"l{k}_neuron"] = np.array(jsonio.dumps({"params": layer.q.params.as_dict(), "dt": layer.q.dt,
                                                        "format": dataclasses.asdict(layer.q.fmt)}))
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    write_atomic(Path(path), buffer.getvalue())


@dataclass(frozen=True)
class StoredNeuron(jsonio.Record):
    """What a model file stores of each layer's neuron (``l{k}_neuron``): what :func:`quantize` maps to its
    integers."""

    params: LIFParams
    dt: float
    format: FixedFormat


#: Bytes a layer holds per weight beside the file's own: its int64 copy and one int64 temporary of its checks.
WEIGHT_COPY_BYTES = 16


def load_network(path) -> FixedNetwork:
    """Read :func:`save_network`'s file, every entry checked before use (a FieldError names the file and the
    entry: ``model.npz: l0_neuron.params.c_m = -1: must be > 0``): each ``.npy`` header first, a layer's neurons
    against ``--max-points`` and the arrays against ``--max-memory`` before they are read; each QuantizedLIF
    derived again and checked to give the stored integers; a layer's bias (``l{k}_bias``), when stored, checked
    like its weights."""
    with Npz(path) as data:
        if "format" not in data or data.scalar("format", "U", "text") != NETWORK_FILE_FORMAT:
            raise FieldError("format", ..., f"must be {NETWORK_FILE_FORMAT!r}: this is not a lifhw model file",
                             str(path))
        n_layers = data.scalar("n_layers", "iu", "a whole number")
        if n_layers < 1:
            raise FieldError("n_layers", n_layers, "must be >= 1", str(path))
        held = next(k for k in itertools.count() if f"l{k}_weights" not in data)
        if n_layers > held:
            raise FieldError("n_layers", n_layers, f"is more than the {held} layers the file holds "
                                                   f"(l{held}_weights is missing)", str(path))
        layers = []
        for k in range(n_layers):
            name = f"l{k}_weights"
            shape, _ = data.header(name)
            with fields(path, name):
                for n in shape:
                    limits.check_points("", list(shape), n, "neurons of a layer")
            weights = data.array(name, "iu", 2, "a matrix of whole numbers", held=WEIGHT_COPY_BYTES)
            bias = (data.array(f"l{k}_bias", "iu", 1, "one whole number per neuron", held=WEIGHT_COPY_BYTES)
                    if f"l{k}_bias" in data else None)
            neuron = data.json(f"l{k}_neuron", StoredNeuron)
            with fields(path, f"l{k}_neuron"):
                q = quantize(neuron.params, neuron.dt, neuron.format)
            if q.rtl != data.json(f"l{k}_rtl", dict[str, int]):
                raise FieldError(f"l{k}_rtl", ..., "differs from quantize() of the stored neuron", str(path))
            with fields(path, f"l{k}_"):
                layers.append(FixedLayer(weights, q, data.scalar(f"l{k}_weight_bits", "iu", "a whole number"),
                                         data.scalar(f"l{k}_acc_width", "iu", "a whole number"), bias))
        with fields(path):
            return FixedNetwork(tuple(layers))
