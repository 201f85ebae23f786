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
# # An analog LIF neuron in sky130, with a through-silicon via on its membrane
#
# `circuits/lif_ota.cir` is a transistor-level LIF in SkyWater sky130: a membrane capacitor, a
# 5-transistor subthreshold OTA follower as the leak (its tail current `i_b` is the designer's knob), a
# comparator, a reset switch, a pulse extender for the refractory period and an optional TSV capacitance
# on the membrane node. The leak is not a resistor: it draws $I_b\tanh(\kappa\Delta V/2U_T)$ and saturates
# at $\pm I_b$, so the neuron's rheobase is about $I_b$, not $g_m(V_{th}-V_{rest})$.

# %%
import matplotlib.pyplot as plt
import numpy as np

from lifhw import theory
from lifhw.spice import OTADesign, SpiceNeuron, ota_params, typical_tsv_capacitance

params = ota_params()          # the LIFParams of the default 1.8 V design
design = OTADesign(i_b=10e-12)  # biases, supply, corner, temperature, TSV
print(params)
print(f"C_tsv of a 5 µm x 50 µm TSV with a 200 nm liner: {typical_tsv_capacitance() * 1e15:.1f} fF")

# %% [markdown]
# ## Characterise the OTA
# A DC sweep of the membrane node in ngspice gives the leak's I-V; κ is read from its slope at rest
# through $g_m = \kappa I_{b,eff}/2U_T$, and one spike gives the dead time (comparator delay, reset, hold).
# The tanh fit's own κ is a second estimate of the same quantity.

# %%
with SpiceNeuron("ota", params, design, workers=1) as neuron:
    char = neuron.characterize()
    print(f"kappa = {char.kappa:.3f}, I_b,eff = {char.i_b_eff * 1e12:.2f} pA, g_m = {char.g_m * 1e9:.3f} nS, "
          f"tau = C_m/g_m = {char.tau * 1e3:.2f} ms, rheobase = {char.rheobase * 1e12:.2f} pA")
    print(f"kappa from the tanh fit: {char.kappa_fit:.3f}")
    assert abs(char.kappa_fit / char.kappa - 1) < 0.05
    currents = np.array([1.5, 3.0, 6.0]) * char.rheobase
    plain = neuron.sweep(currents).check()

# %% [markdown]
# ## f-I: SPICE against the device-aware theory and the linear LIF
# The device-aware theory integrates $C_{eff}\int dV/(I - I_{leak}(V))$ over the measured I-V and adds
# the measured dead time; a linear LIF with the same $g_m$ would not even fire at these currents.

# %%
predicted = char.rate(currents)
linear = theory.firing_rate(char.linear_params(), currents)
for i, r, p, lin in zip(currents, plain.rate, predicted, linear, strict=True):
    print(f"I = {i * 1e12:6.2f} pA: SPICE {r:7.2f} Hz, device-aware {p:7.2f} Hz, linear LIF {lin:7.2f} Hz")
assert np.all(np.abs(plain.rate / predicted - 1) < 0.05)

# %% [markdown]
# ## The TSV slows the neuron
# In a 3-D stack the TSV's capacitance adds to the membrane's: $C_{eff} = C_m + C_{tsv}$, so the charging
# part of every interval grows by $C_{eff}/C_m$ while the dead time stays.

# %%
c_tsv = typical_tsv_capacitance()
with SpiceNeuron("ota", params, design.replace(c_tsv=c_tsv), workers=1) as neuron:
    with_tsv = neuron.sweep(currents).check()
charge_plain = 1 / plain.rate - char.t_dead
charge_tsv = 1 / with_tsv.rate - char.t_dead
print("charging-time ratio:", np.round(charge_tsv / charge_plain, 4),
      "expected", round((params.c_m + c_tsv) / params.c_m, 4))
assert np.all(np.abs(charge_tsv / charge_plain / ((params.c_m + c_tsv) / params.c_m) - 1) < 0.05)

fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(currents * 1e12, plain.rate, "o-", label="SPICE, no TSV")
ax.plot(currents * 1e12, with_tsv.rate, "s-", label=f"SPICE, TSV {c_tsv * 1e15:.0f} fF")
ax.plot(currents * 1e12, predicted, "k--", label="device-aware theory")
ax.set_xlabel("I (pA)")
ax.set_ylabel("rate (Hz)")
ax.legend()
