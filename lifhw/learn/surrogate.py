"""The spike nonlinearity and its surrogate derivatives.

A spike is the Heaviside step H(x) of x = (v − θ)/θ (the RTL fires when v ≥ θ, so H(0) = 1). Its derivative
is zero everywhere but at x = 0, where it is infinite: backpropagation through H gives exactly zero gradient
and nothing learns. During learning only, the derivative is replaced by that of a smooth step σ_k (the
forward pass stays the exact Heaviside):

* ``fast_sigmoid``: σ_k(x) = ½·(1 + k·x/(1 + k·|x|)), σ_k'(x) = (k/2)/(1 + k·|x|)²
* ``arctan``:       σ_k(x) = ½ + arctan(π·k·x/2)/π,   σ_k'(x) = (k/2)/(1 + (π·k·x/2)²)

Both rise from 0 to 1 with a peak slope σ_k'(0) = k/2 (``slope`` = k), and H is their limit k → ∞.
``heaviside`` keeps H's own derivative (zero), for the demonstration that the gradient dies.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp

from ..errors import ParameterError

SURROGATES = ("fast_sigmoid", "arctan", "heaviside")


def smooth_step(x, kind: str, slope: float):
    """σ_k(x): the smooth step whose derivative is the surrogate (``heaviside``: H itself)."""
    if kind == "fast_sigmoid":
        return 0.5 * (1.0 + slope * x / (1.0 + slope * jnp.abs(x)))
    if kind == "arctan":
        return 0.5 + jnp.arctan(jnp.pi * slope * x / 2.0) / jnp.pi
    if kind == "heaviside":
        x = jnp.asarray(x)
        return (x >= 0).astype(jnp.result_type(x, jnp.float32))
    raise ParameterError("surrogate", kind, f"must be one of {', '.join(SURROGATES)}")


def surrogate_grad(x, kind: str, slope: float):
    """σ_k'(x), written out (not by autodiff) so that the test's finite difference is an independent check."""
    if kind == "fast_sigmoid":
        return 0.5 * slope / (1.0 + slope * jnp.abs(x)) ** 2
    if kind == "arctan":
        return 0.5 * slope / (1.0 + (jnp.pi * slope * x / 2.0) ** 2)
    if kind == "heaviside":
        return jnp.zeros_like(x)
    raise ParameterError("surrogate", kind, f"must be one of {', '.join(SURROGATES)}")


@partial(jax.custom_jvp, nondiff_argnums=(1, 2))
def spike(x, kind: str = "fast_sigmoid", slope: float = 10.0):
    """H(x) = 1 where x ≥ 0, else 0, with the derivative of σ_k (:func:`surrogate_grad`) for autodiff."""
    x = jnp.asarray(x)
    return (x >= 0).astype(jnp.result_type(x, jnp.float32))


@spike.defjvp
def _spike_jvp(kind, slope, primals, tangents):
    (x,), (dx,) = primals, tangents
    return spike(x, kind, slope), surrogate_grad(x, kind, slope) * dx


def check(kind: str, slope: float) -> None:
    """ParameterError unless ``kind`` is a known surrogate and ``slope`` a positive finite number."""
    if kind not in SURROGATES:
        raise ParameterError("surrogate", kind, f"must be one of {', '.join(SURROGATES)}")
    if not (isinstance(slope, int | float) and 0 < slope < float("inf")):
        raise ParameterError("slope", slope, "must be a finite number > 0")
