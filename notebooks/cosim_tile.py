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
# # Transistor neurons and their Verilog periphery in one run
#
# A mixed-signal tile: N sky130 LIF neurons in ngspice, each fed by a 6-bit input DAC and trimmed by a 5-bit
# leak-trim DAC (both built of transistors, `circuits/idac.cir`), and the digital around them in Verilog on Icarus
# (`rtl/tile_periph.v`: a register port that sets the DAC codes, a synchroniser and an arbiter per spike line, an
# AER FIFO of (address, timestamp), a successive-approximation trim search). `lifhw.cosim` runs both in lockstep:
# ngspice pauses at every spike crossing and at the digital's sync times, and runs straight on while the digital
# is idle. Every run is checked against the plain ngspice transient of the same deck with the codes the digital
# set, replayed as PWL sources.
#
# This tutorial runs a two-neuron tile for 40 ms, draws its membranes and AER events on one time axis from the
# waveform pair it writes, and says how to trim a Monte Carlo neuron to a target rate. (`make cosim` runs the issue's
# larger tiles; the report's `cosim` section shows a tile and a trim of this size.)

# %%
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from lifhw import vcd
from lifhw.cosim.run import run_tile
from lifhw.files import run_folder
from lifhw.spice.measure import crossings

BUILD = Path("..") / "build" / "cosim"  # the notebook runs in notebooks/; generated files go to build/
WAVES = (BUILD / "notebook-waves").resolve()

# %% [markdown]
# ## A tile of two lif_ota neurons
# Input codes 50 and 63 (pA); while the tile runs the host writes new codes through the register port (the
# default schedule: every input code +6 at a quarter of the run, every trim code to 4 at 0.45, neuron 0 silenced
# from 0.6 to 0.75). The sync interval, 10 µs, is how late a code the digital sets can reach the analog.

# %%
with run_folder(BUILD, "notebook-tile") as work:
    tile = run_tile("ota", 2, 40e-3, 10e-6, work, in_codes=[50, 63], waves=WAVES)
for n in tile.neurons:
    print(f"neuron {n.neuron}: {n.spikes} spikes co-simulated, {n.spikes_spice} in plain ngspice, "
          f"max |Δt| {n.max_time_offset * 1e6:.1f} µs (bound {tile.time_bound * 1e6:.0f} µs), "
          f"{n.aer_events} AER events")
print(f"AER FIFO: {tile.aer_events} events read, {tile.lost_events} lost; {tile.stops} ngspice stops; "
      f"CPU {tile.cosim_cpu:.1f} s co-simulated vs {tile.plain_cpu:.1f} s plain")
assert all(n.spikes == n.spikes_spice and n.max_time_offset <= tile.time_bound for n in tile.neurons)
assert tile.lost_events == 0 and tile.aer_events == sum(n.spikes for n in tile.neurons)

# %% [markdown]
# ## The waveform pair
# `analog.vcd` holds ngspice's membranes and spike lines, `digital.vcd` the periphery's ports as the digital saw
# them; both are on the digital simulator's time axis, so GTKWave shows them in one window
# (`gtkwave digital.vcd` and add `analog.vcd`'s signals with *File → Open*). `lifhw.vcd.read` reads either into arrays.

# %%
print(WAVES / "digital.vcd")
print(WAVES / "analog.vcd")
analog, digital = vcd.read(WAVES / "analog.vcd"), vcd.read(WAVES / "digital.vcd")
print("analog:", sorted(analog), " digital:", sorted(digital))
t0 = analog["mem0"].times[0]  # the transient's t = 0 on the digital's axis (after reset and the first writes)
for k in range(tile.n):
    # each spike line's crossing of V_dd/2 in the analog dump, and bit k of spk_i rising in the digital one
    analog_rises = crossings(analog[f"spk{k}"].times, analog[f"spk{k}"].values, 0.9)  # V_dd/2 of the 1.8 V design
    spk = digital["spk_i"]
    bit = (spk.values.astype(int) >> k) & 1
    digital_rises = spk.times[1:][(bit[1:] == 1) & (bit[:-1] == 0)]
    print(f"neuron {k}: spike line crosses at {np.round((analog_rises - t0) * 1e3, 3)} ms, "
          f"bit {k} of spk_i rises {np.round(np.abs(digital_rises - analog_rises) * 1e9, 1)} ns from it")
    assert len(digital_rises) == len(analog_rises) == tile.neurons[k].spikes
    assert np.all(np.abs(digital_rises - analog_rises) < 1e-6)

# %% [markdown]
# ## Membranes and AER events on one time axis
# Each AER event is drawn at the analog time of the clock edge at which the synchroniser took the spike
# (`tile.events`: address, timestamp in clocks, that time); its timestamp is that edge + 2 clocks.

# %%
fig, (ax_mem, ax_aer) = plt.subplots(2, 1, sharex=True, figsize=(8, 5), height_ratios=(3, 1.5))
for k in range(tile.n):
    mem = analog[f"mem{k}"]
    ax_mem.plot((mem.times - t0) * 1e3, mem.values, color=f"C{k}", label=f"neuron {k}")
    events = np.array([[t, a] for a, _, t in tile.events if a == k])
    ax_aer.plot(events[:, 0] * 1e3, events[:, 1], "|", color=f"C{k}", ms=14, mew=2)
ax_mem.set_ylabel("membrane (V)")
ax_mem.legend()
ax_aer.set_yticks(range(tile.n))
ax_aer.set_ylabel("AER address")
ax_aer.set_xlabel("analog time (ms)")
plt.show()

# %% [markdown]
# ## Trimming a Monte Carlo neuron
# With sky130's per-instance mismatch (`tt_mm`, sample `setseed 3`), a neuron misses the rate it was designed for.
# The Verilog search measures its interval in clock cycles and decides one trim bit per interval, from the
# middle code down; the prediction is the same search (its Python model) run on plain ngspice transients of the same
# sample, so the co-simulated search must land on the predicted code. One neuron costs about 40 s of CPU for each
# side, so it is not run here: `lifhw cosim trim --circuit ota --neurons 1 --seed 3 --target-rate 30` (or
# `lifhw.cosim.run.run_trim("ota", 1, 3, 30.0, 10e-6, work)`), and the report's `cosim` section draws a 2-neuron
# trim's rates before and after.
