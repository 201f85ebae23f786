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
# # The biological scenarios of the LIF model
#
# Each scenario measures a quantity the way an experimenter would and compares it with the closed-form
# prediction of the leaky RC membrane. `lifhw.scenarios.run(name, **overrides)` returns the parameters,
# the prediction, the simulated value, the tolerance and the verdict; the same is
# `lifhw scenario NAME --json` on the command line.

# %%
import matplotlib.pyplot as plt

from lifhw.scenarios import SCENARIOS, run

for name, scenario in SCENARIOS.items():
    print(f"{name:16s} {scenario.summary}")

# %% [markdown]
# ## Allodynia: inflammation raises the membrane resistance
# The rheobase (V_th − V_rest)/R_m falls by R_m/R_m'; a light touch between the two rheobases is silent
# before inflammation and fires after.

# %%
result = run("allodynia", r_m_inflamed="300Meg")
print(result.predicted, result.simulated, sep="\n")
assert result.passed

# %% [markdown]
# ## Spinal gate: shunting against hyperpolarizing inhibition
# An inhibitory conductance with E_i = V_rest does not move the resting potential yet divides the
# excitatory depolarization; the conductance that silences the projection neuron follows from V_∞ < V_th.

# %%
gate = run("spinal-gate")
print(gate.predicted, gate.simulated, sep="\n")
assert gate.passed
fig = SCENARIOS["spinal-gate"].figure(gate)
plt.show()

# %% [markdown]
# ## Every scenario at its defaults

# %%
for name in SCENARIOS:
    r = run(name)
    worst = max(r.errors.values()) if r.errors else 0.0
    print(f"{name:16s} passed={r.passed}  worst relative error {worst:.2g} (tolerance {r.tolerance:g})")
    assert r.passed
