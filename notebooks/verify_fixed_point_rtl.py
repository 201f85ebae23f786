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
# # Verifying the fixed-point RTL against its bit-exact model
#
# `rtl/lif_neuron.v` and `rtl/lif_core.v` implement a saturating fixed-point LIF. `lifhw.fixed` is their
# executable specification: the same integer arithmetic in numpy, written down in `rtl/README.md`
# (update order, rounding, saturation, `>=` threshold, reset and refractory rules).
# `quantize(params, dt, fmt)` turns one `LIFParams` into integers and tells how far the quantized neuron is
# from the one asked for; `lifhw.digital.hdl` picks each Verilog module's parameters from them (the Verilog
# derives its widths itself).

# %%
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from lifhw import LIFParams, digital, theory
from lifhw.digital import hdl, testbench
from lifhw.fixed import FixedFormat, quantize

params = LIFParams()
q = quantize(params, dt=1e-4, fmt=FixedFormat(width=16, leak="mult"))
print("Verilog parameters of lif_neuron:", hdl.neuron_parameters(q))
print("mapping errors:", q.errors())

# %% [markdown]
# ## A randomized scoreboard
# Random input codes (with idle gaps, rails and mid-sweep resets) drive `lif_core` in Icarus; every
# neuron-update it writes is compared with the model. The regression in `make rtl-test` does over 10^6
# updates; here a small run shows the mechanics.

# %%
work = Path(tempfile.mkdtemp(prefix="lifhw-rtl-"))
n, sweeps = 16, 400
stim, ctrl = testbench.random_stimulus(q, n, sweeps, seed=7)
tb = testbench.compile_tb(q, n, work, stim_depth=stim.size, ctrl_depth=len(ctrl))
got = testbench.run_tb(tb, stim, sweeps, ctrl)
result = testbench.scoreboard(q, stim, ctrl, got)
print(f"{result.updates} updates compared, {len(result.mismatches)} mismatches")
assert result.passed

# %% [markdown]
# ## The RTL's f-I curve
# Rates measured on the RTL in Icarus, against the continuous closed form. The derived bound: within one
# input LSB of current plus one dt in the spike interval (rtl/README.md).

# %%
currents = np.linspace(1.2, 7.5, 6) * params.rheobase
curve = digital.fi(params, currents, dt=1e-4, fmt=FixedFormat(width=16, leak="mult"), t_sim=1.0, work=work / "fi")
closed = theory.firing_rate(params, currents)
print(np.column_stack([currents * 1e12, curve.rate, closed]).round(3))
fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(currents * 1e9, closed, "k-", label="closed form")
ax.plot(currents * 1e9, curve.rate, "o", label=curve.label)
ax.set_xlabel("I (nA)")
ax.set_ylabel("rate (Hz)")
ax.legend()
