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
# # Sizing a neuron for τ = 20 ms in a 3-D stack with a 5 µm × 50 µm TSV
#
# In a 3-D stack the membrane node of a neuron can sit on a through-silicon via. The via is a coaxial
# capacitor to the substrate, so it adds to the membrane capacitance: with an OTA leak of transconductance
# $g_m = \kappa I_b / 2U_T$ the time constant is
#
# $$\tau = \frac{C_m + C_{tsv}}{g_m} \quad\Rightarrow\quad C_m = \tau\,\frac{\kappa I_b}{2U_T} - C_{tsv}.$$
#
# This tutorial sizes $C_m$ for τ = 20 ms at $I_b$ = 10 pA, checks the costs (MIM area, energy, kT/C,
# leakage), verifies the result in ngspice with the sky130 `lif_ota` circuit, and looks at the spread of a
# population. The same steps from the shell:
# `lifhw size --tau 20m --i-b 10p --tsv-diameter 5u --tsv-depth 50u --verify`.

# %%
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from lifhw import analog, sizing, theory
from lifhw.errors import ParameterError
from lifhw.sizing import verify

BUILD = Path("..") / "build" / "sizing"  # the notebook runs in notebooks/; generated files go to build/
TAU, I_B, V_SWING = 20e-3, 10e-12, 0.3

# %% [markdown]
# ## 1. The TSV: a capacitance between two depletion corners
# The oxide liner alone gives the largest $C_{tsv}$; the p-substrate around it depletes (up to ≈ 0.9 µm at
# 10¹⁵ cm⁻³), which puts a smaller silicon capacitance in series. Sizing uses the midpoint and reports τ at
# both ends.

# %%
tsv = sizing.TSV.from_geometry(diameter=5e-6, depth=50e-6, liner=0.2e-6)
print(f"C_tsv: {tsv.c_min * 1e15:.1f} fF (depleted) ... {tsv.c_max * 1e15:.1f} fF (oxide only), "
      f"nominal {tsv.c_nom * 1e15:.1f} fF; depletion width {tsv.geometry['depletion_max'] * 1e6:.2f} µm")
# The oxide-only value is the coaxial capacitor 2π ε_ox L / ln((r + t_ox)/r).
r = 2.5e-6
assert np.isclose(tsv.c_max, 2 * np.pi * 3.9 * 8.8541878128e-12 * 50e-6 / np.log((r + 0.2e-6) / r))

# %% [markdown]
# ## 2. Size with an assumed κ, then see what ignoring the TSV would cost
# Before any simulation, take κ ≈ 0.7 and a leakage floor of 0.1 pA.

# %%
guess = sizing.DevicePoint(kappa=0.7, i_off=0.1e-12)
design = sizing.size(V_SWING, tsv, guess, tau=TAU, i_b=I_B)
d = design.as_dict()
print(f"C_m = {d['c_m'] * 1e12:.3f} pF, TSV share of C_eff = {d['tsv_share']:.1%}, "
      f"MIM area = {d['mim_area'] * 1e12:.0f} µm², E/spike at 3 I_b ≈ "
      f"{design.energy(3 * I_B)['energy_per_spike'] * 1e12:.2f} pJ, "
      f"sqrt(kT/C) = {d['ktc_noise'] * 1e6:.1f} µV")
print(f"tau over the depletion corners: {d['tau_tsv_min'] * 1e3:.2f} ... {d['tau_tsv_max'] * 1e3:.2f} ms")
naive_c_m = TAU * design.g_m  # a capacitor sized as if the TSV were not there
print(f"ignoring the TSV: tau = {(naive_c_m + tsv.c_nom) / design.g_m * 1e3:.2f} ms instead of 20 ms")
assert np.isclose(design.tau, TAU)

# %% [markdown]
# A target that cannot be met says which number to relax and by how much: at 10 pA, τ = 0.5 ms would
# need a negative capacitor once the TSV is on the node.

# %%
try:
    sizing.size(V_SWING, tsv, guess, tau=0.5e-3, i_b=I_B)
except ParameterError as err:
    print(err)
    tau_min = float(str(err).split("raise tau above ")[1].split()[0])
print("relaxed:", sizing.size(V_SWING, tsv, guess, tau=1.01 * tau_min, i_b=I_B).c_m, "F")

# %% [markdown]
# ## 3. κ from SPICE, size, verify
# `size_and_verify` loads `circuits/lif_ota.cir` with the sky130 tt models, sweeps the membrane node's DC
# I-V (comparator and reset switch attached) to get the slope $g_m$ at rest and the saturated leak
# $I_{b,eff}$, sets κ = 2U_T g_m / I_b,eff, sizes $C_m$, and then simulates the sized neuron: the
# small-signal decay towards rest gives `measured.tau`, a transient at 3 × I_b,eff gives the rate.

# %%
spec = verify.Spec(v_swing=V_SWING, tsv=tsv, tau=TAU, i_b=I_B)
(row,) = verify.size_and_verify(spec, ["tt"], [27.0], t_ref=verify.circuit_t_ref(), build_dir=BUILD)
spiced, measured = row.raise_error().design, row.measured
print(f"SPICE kappa = {spiced.kappa:.3f}, I_b,eff = {spiced.i_b_eff * 1e12:.2f} pA, "
      f"leakage floor = {spiced.device.i_off * 1e15:.0f} fA (I_b/I_off = {spiced.leakage_check()['ratio']:.0f})")
print(f"C_m = {spiced.c_m * 1e12:.3f} pF (the kappa = 0.7 guess gave {design.c_m * 1e12:.3f} pF)")
print(f"measured tau = {measured.tau * 1e3:.2f} ms (target 20 ms); "
      f"rate at {measured.i_in * 1e12:.1f} pA: SPICE {measured.rate:.2f} Hz, model {measured.rate_predicted:.2f} Hz")
assert abs(measured.tau / TAU - 1) < 0.05
assert abs(measured.rate / measured.rate_predicted - 1) < 0.05

# %% [markdown]
# The f-I curve the sized design predicts: the device-aware model (the OTA's leak saturates at
# $I_{b,eff}$) against the linear LIF with the same $g_m$, and the SPICE point.

# %%
currents = np.linspace(1.0, 8.0, 60) * spiced.i_b_eff
neuron = spiced.neuron()  # the closed form of the sized design: lifhw.ota_theory.TanhNeuron
fig, ax = plt.subplots(figsize=(7, 4))
ax.plot(currents * 1e12, neuron.rate(currents), "k-", label="tanh leak (device-aware)")
ax.plot(currents * 1e12, theory.firing_rate(neuron.linear_params(), currents - neuron.i_leak), "k:",
        label="linear LIF, same g_m")
ax.plot(measured.i_in * 1e12, measured.rate, "o", label="ngspice lif_ota, tt 27 °C")
ax.set_xlabel("input current (pA)")
ax.set_ylabel("rate (Hz)")
ax.legend()
ax.grid(alpha=0.3)

# %% [markdown]
# ## 4. A population: mismatch
# Each neuron has its own OTA offset (moves V_rest), bias-mirror error (scales I_b) and comparator offset
# (moves V_th). Their σ come from the PDK: `pdk_mismatch` runs a SPICE Monte Carlo of those three blocks with
# sky130's own statistics (`lifhw.spice.blocks`, stored after the first run). The Monte Carlo is seeded; its
# mean stays within a few standard errors of the nominal rate and its spread grows with the mismatch amplitude.
# (`lifhw size montecarlo --spice` simulates the whole neuron instead, the closed form beside it.)

# %%
from lifhw.sizing.spicemc import pdk_mismatch  # noqa: E402

mismatch = pdk_mismatch(spiced, store_root=BUILD / "blocks")
print(f"PDK: sigma(V_os) = {mismatch.sigma_vos * 1e3:.2f} mV, sigma(dI_b/I_b) = {mismatch.sigma_ib:.1%}, "
      f"sigma(V_th) = {mismatch.sigma_vth * 1e3:.2f} mV")
i_in = measured.i_in
for scale in (0.5, 1.0, 2.0):
    mc = sizing.monte_carlo(spiced, i_in, mismatch.scaled(scale), n=4000, seed=0)
    print(f"mismatch x{scale:g}: rate {mc.mean:.2f} ± {mc.std:.2f} Hz (CV {mc.cv:.1%}), "
          f"mean - nominal = {mc.z:+.2f} SE")
mc = sizing.monte_carlo(spiced, i_in, mismatch, n=4000, seed=0)
assert abs(mc.z) < 3
fig, ax = plt.subplots(figsize=(7, 3))
ax.hist(mc.rates, bins=40)
ax.axvline(mc.nominal, color="k")
ax.set_xlabel("rate (Hz)")
ax.set_ylabel("neurons")

# %% [markdown]
# What this TSV costs: a few percent of C_eff, i.e. a few percent of the MIM area, of the membrane's share of the
# energy per spike (the bias currents' quiescent power over the ISI is most of it) and of the time constant if it
# were ignored; its depletion corners move τ by about ±1 %. The
# leakage floor, not the TSV, is what limits how small I_b (and so how small C_m) can go when hot.

# %%
energy = spiced.energy(measured.i_in)
print(f"energy per spike at {measured.i_in * 1e12:.1f} pA: estimate {energy['energy_per_spike'] * 1e12:.2f} pJ "
      f"(C_eff·ΔV·V_dd + comparator {energy['energy_dynamic'] * 1e12:.2f} pJ, quiescent power × ISI "
      f"{energy['energy_static'] * 1e12:.2f} pJ), SPICE {measured.energy_per_spike * 1e12:.2f} pJ; "
      f"kT/C noise {analog.ktc_noise(spiced.c_eff) * 1e6:.1f} µV")
