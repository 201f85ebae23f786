"""Trained float network → :class:`lifhw.fixed.FixedNetwork` (integer weights, the RTL's neuron parameters).

Layer by layer: the neuron is ``quantize(net.lif_params(k), dt, FixedFormat(width, frac, leak, …,
in_width = ACC_W))``, so THRESH = round(θ_V·2^frac) LSB with θ_V = :data:`~lifhw.learn.model.THETA_VOLTS`, and a
weight of w threshold units becomes ``clip(rint(w·THRESH), −2^(b−1), 2^(b−1) − 1)`` LSB. ``frac`` is chosen per
layer as the largest that keeps the largest |w| within b bits (finer weights cannot be had without clipping)
and the state range within WIDTH (``fixed.auto_frac``); ACC_W is ``fixed.default_acc_width``. A bias of b threshold
units per step becomes ``clip(rint(b·THRESH))`` like a weight (it is stored as one): the largest |w| or |b| sets frac.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import fixed
from ..errors import ParameterError
from .model import THETA_VOLTS, FloatNetwork

#: Signed weight widths :func:`plan` takes.
BITS_RANGE = (2, 16)


@dataclass(frozen=True)
class LayerPlan:
    q: fixed.QuantizedLIF
    weight_bits: int
    acc_width: int


def choose_frac(w_max: float, bits: int, top: int) -> int:
    """Largest frac ≤ ``top`` with max|w|·round(θ_V·2^frac) ≤ 2^(bits−1) − 1 and THRESH ≥ 1."""
    limit = (1 << (bits - 1)) - 1
    for frac in range(top, -1, -1):
        thresh = round(THETA_VOLTS * 2.0**frac)
        if thresh < 1:
            break
        if w_max * thresh <= limit:
            return frac
    raise ParameterError("weights", float(w_max), f"are too large for {bits}-bit weights: even THRESH = 1 LSB puts "
                                                  f"them beyond {limit} LSB")


def plan(net: FloatNetwork, bits: int, width: int = 16, leak: str = "mult", leak_frac: int = 16,
         fracs: list[int] | None = None) -> list[LayerPlan]:
    """The fixed-point format of each layer (``fracs`` given: use them, e.g. from a model's metadata)."""
    if isinstance(bits, bool) or not isinstance(bits, int) or not BITS_RANGE[0] <= bits <= BITS_RANGE[1]:
        raise ParameterError("bits", bits, "must be a whole number of weight bits in {}..{}".format(*BITS_RANGE))
    if fracs is not None and len(fracs) != len(net.weights):
        raise ParameterError("frac", fracs, f"must give one value per layer ({len(net.weights)})")
    out = []
    for k, w in enumerate(net.weights):
        params = net.lif_params(k)
        acc = fixed.default_acc_width(bits, w.shape[1], width, bias=net.biases is not None)
        if bits > width:
            raise ParameterError("bits", bits, f"must be at most the state width {width}")
        largest = float(np.max(np.abs(w)) if net.biases is None else max(np.max(np.abs(w)), np.max(np.abs(
            net.biases[k]))))
        frac = fracs[k] if fracs is not None else choose_frac(largest, bits, fixed.auto_frac(params, width))
        fmt = fixed.FixedFormat(width=width, frac=frac, leak=leak, leak_frac=leak_frac,
                                reset_mode=net.neurons[k].reset_mode, discretization=net.discretization, in_width=acc)
        out.append(LayerPlan(fixed.quantize(params, net.dt, fmt), bits, acc))
    return out


def integer_weights(w: np.ndarray, layer: LayerPlan) -> np.ndarray:
    """rint(w·THRESH) clipped to signed weight_bits, in float32 like the quantization-aware forward pass
    (``jnp.round`` also rounds half to even), so that both give the same integers."""
    lim = np.float32(1 << (layer.weight_bits - 1))
    scaled = np.asarray(w, dtype=np.float32) * np.float32(layer.q.rtl["THRESH"])
    return np.rint(np.clip(scaled, -lim, lim - 1)).astype(np.int64)


def to_fixed(net: FloatNetwork, layers: list[LayerPlan]) -> fixed.FixedNetwork:
    biases = net.biases or (None,) * len(layers)
    return fixed.FixedNetwork(tuple(fixed.FixedLayer(integer_weights(w, p), p.q, p.weight_bits, p.acc_width,
                                                     None if b is None else integer_weights(b, p))
                                    for w, b, p in zip(net.weights, biases, layers, strict=True)))
