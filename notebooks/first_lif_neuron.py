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
# # Your first LIF neuron: the f-I curve and the Euler step bound
#
# A leaky integrate-and-fire neuron is an RC circuit with a threshold:
#
# $$C_m \frac{dV}{dt} = -\frac{V - V_{rest}}{R_m} + I, \qquad V \ge V_{th} \Rightarrow \text{spike},\ V \leftarrow V_{reset}
#   \text{ for } t_{ref}.$$
#
# Everything in lifhw starts from one `LIFParams` (SI units, validated once).

# %%
import matplotlib.pyplot as plt
import numpy as np

from lifhw import LIFParams, theory
from lifhw.sim import fi, simulate

params = LIFParams(c_m=200e-12, r_m=100e6, v_rest=-70e-3, v_th=-50e-3, v_reset=-70e-3, t_ref=2e-3)
print(f"tau_m = {params.tau_m * 1e3:g} ms, rheobase = {params.rheobase * 1e12:g} pA")

# %% [markdown]
# ## One neuron, one current
# Below the rheobase $(V_{th}-V_{rest})/R_m$ the membrane settles at $V_\infty = V_{rest} + R_m I$ and never
# fires; above it, it fires with period $t_{ref} + \tau_m \ln\frac{V_\infty - V_{reset}}{V_\infty - V_{th}}$.

# %%
result = simulate(params, t_sim=0.2, dt=1e-4, i_in=2 * params.rheobase, record_v=True)
isi = np.diff(result.spike_times())
print("measured ISI (ms):", np.round(isi * 1e3, 4))
print("closed form (ms): ", round(float(theory.isi(params, 2 * params.rheobase)) * 1e3, 4))
assert np.allclose(isi, theory.isi(params, 2 * params.rheobase), rtol=1e-9)

fig, ax = plt.subplots(figsize=(7, 3))
ax.plot(result.t * 1e3, result.v[:, 0] * 1e3)
ax.axhline(params.v_th * 1e3, ls="--", color="gray")
ax.set_xlabel("time (ms)")
ax.set_ylabel("V (mV)")

# %% [markdown]
# ## The f-I curve
# The exact (exponential) integrator solves the threshold crossing inside each step, so even a coarse
# step reproduces the closed form; forward Euler is first order.

# %%
currents = np.linspace(1.05, 10, 30) * params.rheobase
closed = theory.firing_rate(params, currents)
exact = fi(params, currents, "exact", dt=params.tau_m / 20).rate
euler = fi(params, currents, "euler", dt=params.tau_m / 20).rate
print("max relative error, exact:", np.max(np.abs(exact / closed - 1)))
print("max relative error, Euler at dt = tau/20:", np.max(np.abs(euler / closed - 1)))

fig, ax = plt.subplots(figsize=(7, 4))
ax.plot(currents * 1e9, closed, "k-", label="closed form")
ax.plot(currents * 1e9, exact, "o", mfc="none", label="exact, dt = τ/20")
ax.plot(currents * 1e9, euler, ".", label="Euler, dt = τ/20")
ax.set_xlabel("I (nA)")
ax.set_ylabel("rate (Hz)")
ax.legend()

# %% [markdown]
# ## The Euler step bound
# One Euler step multiplies the distance to $V_\infty$ by $1 - h/\tau$. For $h < 2\tau$ errors shrink;
# past $2\tau$ they grow as $|1-h/\tau|^n$ and the neuron explodes into meaningless numbers. lifhw refuses
# such a step unless you ask for the demonstration with `allow_unstable=True`.

# %%
for ratio in (0.5, 1.9, 2.1, 3.0):
    h = ratio * params.tau_m
    res = simulate(params.replace(v_th=1e3), 10 * h, h, v0=params.v_rest + 0.01, method="euler",
                   record_v=True, allow_unstable=True)
    growth = abs(res.v[-1, 0] - params.v_rest) / 0.01
    print(f"h/tau = {ratio}: |error| grew by {growth:.4g} in 10 steps; |1-h/tau|^10 = "
          f"{theory.euler_amplification(h, params.tau_m) ** 10:.4g}")
