# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Training a spiking network in the RTL's own arithmetic
#
# A LIF neuron spikes when its membrane reaches the threshold: the output is a step function of the
# membrane, H(v − θ). This tutorial shows why that step stops backpropagation, how a *surrogate* derivative
# restarts it, how the discrete-time LIF we train is the forward-Euler (or exact) view of the continuous
# neuron, and ends with a small digit classifier converted to the integer model `lifhw.fixed` that the
# Verilog core runs.

# %%
import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np

from lifhw import theory
from lifhw.learn import digits, model, surrogate, train

# %% [markdown]
# ## 1. Why the gradient dies
# One time step of a LIF neuron: `u = β·v + x`, spike `s = H(u − θ)`. The derivative of the spike with respect
# to its input `x` is the derivative of the step: 0 everywhere except at `u = θ`, where it is infinite
# (a Dirac δ). Autodiff sees the flat parts only: with the Heaviside's own derivative every gradient is 0.

# %%
spec = model.StepSpec(beta=0.9, theta=1.0)


def one_step(x, kind, slope=10.0):
    _, _, s = model.lif_step(spec, kind, slope, jnp.float32(0.5), jnp.int32(0), x)
    return s


xs = jnp.linspace(-0.5, 1.5, 9)
true_grad = jax.vmap(jax.grad(lambda x: one_step(x, "heaviside")))(xs)
print("spikes:          ", jax.vmap(lambda x: one_step(x, "heaviside"))(xs))
print("dspike/dx (true):", true_grad)
assert np.all(np.asarray(true_grad) == 0.0)

# %% [markdown]
# ## 2. Surrogate shapes
# During learning only, H' is replaced by the derivative of a smooth step σ_k whose limit (k → ∞) is H. Two
# common shapes, both with peak slope k/2 at the threshold:
# fast sigmoid σ_k(x) = ½(1 + kx/(1 + k|x|)) and arctan σ_k(x) = ½ + arctan(πkx/2)/π.
# The forward pass is still the exact Heaviside; only the backward pass changes.

# %%
x = np.linspace(-1, 1, 801)
fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.5))
a.plot(x, np.asarray(surrogate.smooth_step(x, "heaviside", 1.0)), "k", lw=2, label="H")
for kind in ("fast_sigmoid", "arctan"):
    for k in (4.0, 20.0):
        a.plot(x, np.asarray(surrogate.smooth_step(x, kind, k)), label=f"{kind} k={k:g}")
        b.plot(x, np.asarray(surrogate.surrogate_grad(x, kind, k)), label=f"{kind} k={k:g}")
a.set_xlabel("(v − θ)/θ")
a.legend(fontsize=7)
b.set_xlabel("(v − θ)/θ")
b.set_ylabel("surrogate derivative")
b.legend(fontsize=7)

# %% [markdown]
# The surrogate gradient of one step is exactly the derivative of the smoothed spike function: compare it
# with a central finite difference of σ_k.

# %%
h = 1e-3
for kind in ("fast_sigmoid", "arctan"):
    g = jax.vmap(jax.grad(lambda x: one_step(x, kind)))(xs)
    u = 0.9 * 0.5 + np.asarray(xs, dtype=float)
    fd = (np.asarray(surrogate.smooth_step(u + h - 1.0, kind, 10.0), dtype=float)
          - np.asarray(surrogate.smooth_step(u - h - 1.0, kind, 10.0), dtype=float)) / (2 * h)
    print(kind, np.round(np.asarray(g), 4), np.round(fd, 4))
    assert np.allclose(np.asarray(g), fd, rtol=2e-3, atol=1e-4)

# %% [markdown]
# ## 3. With H' the network stays at chance
# The same small network, trained for three epochs on the digits (15 % of the training images held out to choose
# the integer network later), once with the Heaviside's own derivative
# and once with the fast-sigmoid surrogate. With H' every weight gradient is exactly zero: the weights do not
# move and the accuracy stays at chance (10 % for ten classes).

# %%
config = digits.DigitsConfig(hidden=(32,))
split = digits.load(0)
events = digits.test_events(split, config)
key = jax.random.PRNGKey(0)
init = train.init_weights(key, [64, 32, 10])
specs = tuple(model.float_spec(config.neuron()) for _ in range(2))
results = {}
for kind in ("heaviside", "fast_sigmoid"):
    cfg = train.TrainConfig(epochs=3, surrogate=kind)
    fitted = train.fit(init, specs, split.x_train, split.y_train, cfg, key, kind, validation=(events, split.y_test))
    results[kind] = fitted.history[-1]["validation_accuracy"]
    moved = max(float(np.abs(np.asarray(w0) - w1).max()) for w0, w1 in zip(init, fitted.weights, strict=True))
    print(f"{kind:>12}: held-out accuracy {results[kind]:.3f}, largest weight change {moved:.3g}")
assert results["heaviside"] < 0.2 < 0.4 < results["fast_sigmoid"]

# %% [markdown]
# ## 4. The discrete-time LIF is a time-stepped ODE
# The continuous LIF τ·dv/dt = −v + R·I stepped by forward Euler with step dt gives
# v ← (1 − dt/τ)·v + (dt/τ)·R·I: a decay β = 1 − dt/τ per step and an input added each step — exactly the
# layer we train (snnTorch's convention, r = τ/dt makes the input gain 1). The exact propagator gives
# β = exp(−dt/τ). Forward Euler's error is multiplied by |1 − dt/τ| per step: it decays only while
# dt < 2τ (the bound of the `euler-stability` scenario); past 2τ the discrete neuron explodes. The exact β
# stays in (0, 1) for every dt. The training above uses dt = 1 ms for τ = 20 ms: β = 0.951 (exact) or 0.95
# (Euler), far inside the stable region.

# %%
ratio = np.linspace(0.01, 3.0, 300)
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(ratio, np.exp(-ratio), label="exact: β = exp(−dt/τ)")
ax.plot(ratio, 1 - ratio, label="Euler: β = 1 − dt/τ")
ax.plot(ratio, theory.euler_amplification(ratio, 1.0), "--", label="|1 − dt/τ| (Euler error factor)")
ax.axhline(1, color="gray", lw=0.5)
ax.axhline(-1, color="gray", lw=0.5)
ax.axvline(2, color="red", lw=0.8, label="dt = 2τ")
ax.set_xlabel("dt/τ")
ax.legend(fontsize=8)
assert theory.euler_amplification(1.9, 1.0) < 1 < theory.euler_amplification(2.1, 1.0)
assert float(theory.euler_stable_step(20e-3)) == 40e-3
print("beta of the digits network:", config.neuron().beta)

# %% [markdown]
# ## 5. Train, quantize, run on the integer model
# A short run (the acceptance run is `lifhw learn digits`: 30 float epochs and 10 quantization-aware ones).
# Quantization-aware training keeps the weights on the integer grid of the RTL (signed `bits`, step
# 1/THRESH of the threshold) and the state in its format (ceil-rounded leak, saturation) with straight-through
# gradients; then the network becomes a `lifhw.fixed.FixedNetwork` whose accuracy is scored by the integer
# model on the same input events.

# %%
small = digits.DigitsConfig(hidden=(32,), qat_epochs=3, train=train.TrainConfig(epochs=8))
result = digits.run(small)
print(f"float {result['float_accuracy']:.3f}, 8-bit fixed point {result['fixed_accuracy']:.3f}, "
      f"{result['fixed_spikes_per_inference']:.0f} spikes per inference, {result['train_seconds']:.0f} s")
for layer in result["fixed_net"].layers:
    print(layer.weights.shape, "THRESH", layer.q.rtl["THRESH"], "LEAK_MULT", layer.q.rtl["LEAK_MULT"],
          "ACC_W", layer.acc_width)
assert result["float_accuracy"] > 0.8 and result["fixed_accuracy"] > 0.8
