"""The discrete-time LIF network in JAX: the continuous relaxation of the RTL's own arithmetic.

One layer, one step, in this order (``rtl/README.md``, *One update* and *Network*): a neuron with ``ref > 0``
holds (no leak, input ignored, no spike, ``ref − 1``); otherwise ``u = clip(β·v + x, v_lo, v_hi)`` with
``x = W·s + b`` the weighted input spikes of the same step and the layer's bias (if it has one), spike
``s = H(u − θ)`` (``u ≥ θ``), then ``v = v_reset`` (reset mode ``reset``), ``v = u − θ`` (``subtract``) or ``v = u``
(``subtract-delayed``: the next integrating update subtracts θ from β·v when v ≥ θ, snnTorch's ``reset_delay``) and
``ref = ref_steps``; else ``v = u``.

Two instances of that update (:class:`StepSpec`):

* **float** (training): threshold units, θ = 1, v_rest = 0, β = exp(−dt/τ) or 1 − dt/τ, no rounding and no
  saturation. A :class:`FloatNetwork` holds its weights (θ per input spike) and one :class:`LayerNeuron` per layer.
* **quantization-aware** (``qat_spec``): the layer's :class:`~lifhw.fixed.QuantizedLIF` in state LSB: weights
  ``clip(round(w·THRESH))`` to signed ``weight_bits``, the saturating accumulator, the leak
  ``v − floor(v·LEAK_MULT / 2^LEAK_FRAC)`` (= ceil(β_q·v)), saturation to WIDTH bits, θ = THRESH. Forward it
  is the integer model (exact in int32 while WIDTH + LEAK_FRAC ≤ 32; the accumulator clips the sum, which is
  the RTL's ascending-order sum whenever it cannot saturate); backward every rounding is a straight-through
  estimator (derivative of the unrounded value) and the spike uses the surrogate.

The spike's derivative is the surrogate (:mod:`.surrogate`) of ``(u − θ)/θ``; the reset uses the spike with
its gradient stopped (the reset path is not differentiated, a common choice that keeps the gradient to the
threshold crossing). BPTT runs the T steps with ``lax.scan``.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np

from .. import fixed
from ..errors import ParameterError
from ..params import LIFParams
from . import surrogate

#: V_th − V_rest that one threshold unit stands for when a float network is quantized: the network is
#: scale-free, this only fixes which fraction bits ``quantize`` picks (that of the default LIFParams).
THETA_VOLTS = LIFParams().v_th - LIFParams().v_rest


@dataclass(frozen=True)
class LayerNeuron:
    """The float discrete-time LIF shared by the neurons of one layer, in threshold units (θ = 1, rest = 0).

    beta: decay per step in (0, 1]; v_reset: reset value (< 1); reset_mode: one of ``lifhw.fixed.RESET_MODES``;
    ref_steps: held steps after a spike (≥ 0).
    """

    beta: float
    v_reset: float = 0.0
    reset_mode: str = "reset"
    ref_steps: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.beta, int | float) or not 0.0 < self.beta <= 1.0:
            raise ParameterError("beta", self.beta, "must be in (0, 1]")
        if not isinstance(self.v_reset, int | float) or not -1e6 < self.v_reset < 1.0:
            raise ParameterError("v_reset", self.v_reset, "must be below the threshold (1 in threshold units)")
        if self.reset_mode not in fixed.RESET_MODES:
            raise ParameterError("reset_mode", self.reset_mode, f"must be one of {', '.join(fixed.RESET_MODES)}")
        if isinstance(self.ref_steps, bool) or not isinstance(self.ref_steps, int) or not 0 <= self.ref_steps < 65536:
            raise ParameterError("ref_steps", self.ref_steps, "must be a whole number of steps in 0..65535")


@dataclass(frozen=True, eq=False)
class FloatNetwork:
    """Fully connected float LIF layers: ``weights[l]`` (n_out, n_in) in threshold units per input spike, and
    ``biases[l]`` (n_out,) in threshold units per step, or None (no layer has a bias)."""

    weights: tuple[np.ndarray, ...]
    neurons: tuple[LayerNeuron, ...]
    dt: float
    discretization: str = "exact"
    biases: tuple[np.ndarray, ...] | None = None

    def __post_init__(self) -> None:
        weights = tuple(np.array(w, dtype=float) for w in self.weights)
        neurons = tuple(self.neurons)
        if self.biases is not None:
            biases = tuple(np.array(b, dtype=float) for b in self.biases)
            if len(biases) != len(weights) or any(b.shape != (w.shape[0],) or not np.all(np.isfinite(b))
                                                  for b, w in zip(biases, weights, strict=True)):
                raise ParameterError("biases", [b.shape for b in biases], "must be one finite (n_out,) vector per "
                                                                          "layer")
            object.__setattr__(self, "biases", biases)
        if not weights or len(weights) != len(neurons):
            raise ParameterError("layers", len(weights), f"need one neuron per weight matrix, got {len(neurons)}")
        for k, w in enumerate(weights):
            if w.ndim != 2 or w.size == 0 or not np.all(np.isfinite(w)):
                raise ParameterError("weights", w.shape, f"layer {k + 1}: must be a finite (n_out, n_in) matrix")
            if k and w.shape[1] != weights[k - 1].shape[0]:
                raise ParameterError("weights", w.shape, f"layer {k + 1} has n_in = {w.shape[1]} but layer {k} "
                                                         f"has n_out = {weights[k - 1].shape[0]}")
        if not isinstance(self.dt, int | float) or not 0.0 < self.dt < math.inf:
            raise ParameterError("dt", self.dt, "must be a finite number > 0 s")
        if self.discretization not in fixed.DISCRETIZATIONS:
            raise ParameterError("discretization", self.discretization,
                                 f"must be one of {', '.join(fixed.DISCRETIZATIONS)}")
        object.__setattr__(self, "weights", weights)
        object.__setattr__(self, "neurons", neurons)

    @property
    def sizes(self) -> list[int]:
        return [self.weights[0].shape[1]] + [w.shape[0] for w in self.weights]

    def tau(self, k: int) -> float:
        """Membrane time constant (s) of layer k from its β and dt (inverse of ``fixed.target_beta``)."""
        beta = self.neurons[k].beta
        if beta == 1.0:
            return math.inf
        return -self.dt / math.log(beta) if self.discretization == "exact" else self.dt / (1.0 - beta)

    def lif_params(self, k: int) -> LIFParams:
        """The LIFParams whose ``quantize`` at this dt gives layer k's neuron (θ = :data:`THETA_VOLTS`)."""
        neuron, base = self.neurons[k], LIFParams()
        tau = self.tau(k)
        if not math.isfinite(tau):
            raise ParameterError("beta", 1.0, f"layer {k + 1} does not leak (IF): the RTL's leak needs "
                                              "1 <= LEAK_MULT, so it has no fixed-point form")
        return base.replace(c_m=tau / base.r_m, v_reset=base.v_rest + neuron.v_reset * THETA_VOLTS,
                            t_ref=neuron.ref_steps * self.dt)


@dataclass(frozen=True)
class StepSpec:
    """Everything static about one layer's update (hashable: it is a ``jit`` static argument)."""

    beta: float
    theta: float = 1.0
    v_reset: float = 0.0
    reset_mode: str = "reset"
    ref_steps: int = 0
    v_lo: float = -math.inf
    v_hi: float = math.inf
    acc_lo: float = -math.inf
    acc_hi: float = math.inf
    #: quantization-aware only: weights are round(w * weight_scale) within signed weight_bits
    weight_scale: float = 1.0
    weight_bits: int = 0
    #: quantization-aware only: the integer leak v - floor(v * leak_mult / 2**leak_frac)
    leak_mult: int = 0
    leak_frac: int = 0
    #: analog-aware only (lifhw.analognet's device model): the OTA leak's tanh slope (1/state unit; 0: linear
    #: leak), its zero, and the per-neuron mismatch σ of the threshold and the zero (state units) and of the leak
    #: bias (relative), drawn per sample when the run gets a key
    tanh_a: float = 0.0
    v_zero: float = 0.0
    sigma_theta: float = 0.0
    sigma_zero: float = 0.0
    sigma_bias: float = 0.0


def float_spec(neuron: LayerNeuron) -> StepSpec:
    return StepSpec(beta=float(neuron.beta), v_reset=float(neuron.v_reset), reset_mode=neuron.reset_mode,
                    ref_steps=neuron.ref_steps)


def qat_spec(q: fixed.QuantizedLIF, weight_bits: int, acc_width: int) -> StepSpec:
    r = q.rtl
    return StepSpec(beta=q.beta_q, theta=float(r["THRESH"]), v_reset=float(r["V_RESET"]),
                    reset_mode=q.fmt.reset_mode, ref_steps=r["REF_STEPS"], v_lo=float(q.v_min),
                    v_hi=float(q.v_max), acc_lo=-(2.0 ** (acc_width - 1)), acc_hi=2.0 ** (acc_width - 1) - 1,
                    weight_scale=float(r["THRESH"]), weight_bits=weight_bits, leak_mult=r["LEAK_MULT"],
                    leak_frac=r["LEAK_FRAC"])


def analog_spec(q: fixed.QuantizedLIF, weight_bits: int, acc_width: int, device: dict) -> StepSpec:
    """The quantization-aware layer on analog neurons (state units: LSB): the OTA's tanh leak instead of the integer
    one, the membrane floor, the leak's zero and the mismatch σ. ``device`` (SI): ``a`` = κ/2U_T (1/V), ``theta_v``
    (V_th − V_rest), ``v_zero`` and ``x_floor`` (V from V_rest), ``sigma_vth``, ``sigma_vos`` (V), ``sigma_ib``
    (relative) — lifhw.analognet's mapping and dies in numbers."""
    lsb = q.rtl["THRESH"] / device["theta_v"]  # state LSB per volt: the charge per LSB is θ_V·C/THRESH
    return dataclasses.replace(qat_spec(q, weight_bits, acc_width), leak_mult=0, leak_frac=0,
                               tanh_a=device["a"] / lsb, v_zero=device["v_zero"] * lsb, v_lo=device["x_floor"] * lsb,
                               sigma_theta=device["sigma_vth"] * lsb, sigma_zero=device["sigma_vos"] * lsb,
                               sigma_bias=device["sigma_ib"])


def _ste(value, exact):
    """``exact`` forward, the derivative of ``value`` backward."""
    return value + jax.lax.stop_gradient(exact - value)


def effective_weight(w, spec: StepSpec):
    """The weight the step uses: ``w`` (float) or round(w·THRESH) clipped to signed weight_bits (STE)."""
    if not spec.weight_bits:
        return w
    lim = 2.0 ** (spec.weight_bits - 1)
    scaled = jnp.clip(w * spec.weight_scale, -lim, lim - 1)
    return _ste(scaled, jnp.round(scaled))


def _decay(v, spec: StepSpec, device=None):
    if spec.tanh_a:
        # the OTA's exact free decay: sinh(a(v − v0)) falls by beta per step (beta^(1 + δ) for a bias error δ)
        _, v0, beta = device
        a = spec.tanh_a
        return v0 + jnp.arcsinh(jnp.sinh(a * (v - v0)) * beta) / a
    if not spec.leak_mult:
        return spec.beta * v
    if max(-spec.v_lo, spec.v_hi) * spec.leak_mult < 2**31:  # the product fits int32: exact floor
        vi = v.astype(jnp.int32)
        exact = (vi - jnp.right_shift(vi * spec.leak_mult, spec.leak_frac)).astype(v.dtype)
    else:  # wider than int32 products: floor of the float product, exact while |v·LEAK_MULT| < 2^24
        exact = v - jnp.floor(v * (spec.leak_mult / 2.0 ** spec.leak_frac))
    return _ste(spec.beta * v, exact)


def lif_step(spec: StepSpec, kind: str, slope: float, v, ref, x, device=None):
    """One update of a layer from input ``x`` (already weighted); returns (v, ref, spikes). ``device``: an analog
    layer's per-neuron (threshold, leak zero, decay) (:func:`device_draw`)."""
    hold = ref > 0
    decayed = _decay(v, spec, device)
    theta = spec.theta if device is None else device[0]
    if spec.reset_mode == "subtract-delayed":  # the state still holds the last spike's membrane
        decayed = decayed - spec.theta * jax.lax.stop_gradient((v >= theta).astype(v.dtype))
    u = jnp.clip(decayed + x, spec.v_lo, spec.v_hi)
    s = surrogate.spike((u - theta) / spec.theta, kind, slope) * (1.0 - hold)
    fired = jax.lax.stop_gradient(s)
    after = {"reset": u + fired * (spec.v_reset - u), "subtract": u - spec.theta * fired,
             "subtract-delayed": u}[spec.reset_mode]
    v_next = jnp.where(hold, v, after)
    ref_next = jnp.where(hold, ref - 1, jnp.where(fired > 0, spec.ref_steps, 0))
    return v_next, ref_next, s


def device_draw(spec: StepSpec, shape: tuple[int, int], key=None):
    """An analog layer's neurons for a batch (``shape`` = (B, n)): threshold, leak zero and decay per neuron, nominal
    without ``key``, else each drawn with the spec's σ (the mirror's relative error clipped at 1 %, as
    lifhw.analognet.dies draws it); None for a layer that is not analog."""
    if not spec.tanh_a:
        return None
    z = jnp.zeros((3, *shape)) if key is None else jax.random.normal(key, (3, *shape))
    bias = jnp.maximum(1.0 + spec.sigma_bias * z[2], 0.01)
    return (spec.theta + spec.sigma_theta * z[0], spec.v_zero + spec.sigma_zero * z[1], spec.beta ** bias)


def run(weights, specs: tuple[StepSpec, ...], events, kind: str, slope: float, biases=None, key=None):
    """Run a batch from reset; ``events`` (T, B, n_in) float 0/1, time first; ``biases`` one (n_out,) vector per
    layer or None. The bias is added after the weighted spikes and the accumulator's clip, and clipped again (the
    core's order, exact while the partial sums do not saturate). ``key``: draw the mismatch of analog layers per
    sample (none: nominal devices).

    Returns (spikes of the last layer (T, B, n_out), spikes of every layer summed over neurons (T, B, L)).
    An analog layer starts at its leak's zero (the circuit's operating point) and resets to v_reset.
    """
    used = [effective_weight(w, spec) for w, spec in zip(weights, specs, strict=True)]
    offsets = [None] * len(used) if biases is None else [effective_weight(b, spec)
                                                          for b, spec in zip(biases, specs, strict=True)]
    batch = events.shape[1]
    keys = [None] * len(specs) if key is None else list(jax.random.split(key, len(specs)))
    devices = [device_draw(spec, (batch, w.shape[0]), k) for w, spec, k in zip(used, specs, keys, strict=True)]
    carry = tuple((jnp.full((batch, w.shape[0]), spec.v_reset, dtype=events.dtype) if d is None else
                   jnp.broadcast_to(d[1], (batch, w.shape[0])).astype(events.dtype),
                   jnp.zeros((batch, w.shape[0]), dtype=jnp.int32))
                  for w, spec, d in zip(used, specs, devices, strict=True))

    def one_step(state, s_in):
        new, totals, s = [], [], s_in
        for w, b, spec, (v, ref), device in zip(used, offsets, specs, state, devices, strict=True):
            x = jnp.clip(s @ w.T, spec.acc_lo, spec.acc_hi)
            if b is not None:
                x = jnp.clip(x + b, spec.acc_lo, spec.acc_hi)
            v, ref, s = lif_step(spec, kind, slope, v, ref, x, device)
            new.append((v, ref))
            totals.append(s.sum(axis=-1))
        return tuple(new), (s, jnp.stack(totals, axis=-1))

    _, (out, totals) = jax.lax.scan(one_step, carry, events)
    return out, totals
