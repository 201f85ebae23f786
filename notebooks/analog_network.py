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
# # A trained spiking network on transistor neurons
#
# `lifhw learn digits` trains a spiking classifier in the RTL's integer arithmetic. Here the same kind of network
# runs on **sky130 transistor neurons** (`lif_ota`): what is the step's leak, the threshold, a weight, in a
# circuit; does a SPICE simulation of every neuron give the answers of the fast device-aware model; and what does
# the PDK's mismatch do to the accuracy of real dies? The acceptance runs are `make analog` (the 64-64-10 network,
# 20 samples in ngspice, 100 dies); this tutorial trains a smaller network (64-32-10) and runs two samples in
# ngspice, about two CPU-minutes in all the first time (the circuit's calibration, the PDK's block statistics and
# the SPICE samples are stored under `build/` and reused after).

# %%
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from lifhw.analognet import calibrate, dies, evaluate, fast, mapping
from lifhw.learn import digits, train
from lifhw.sizing.montecarlo import Mismatch
from lifhw.spice import blocks
from lifhw.spice.deck import AnalogNeuron
from lifhw.spice.executor import LocalExecutor

# the notebook runs in notebooks/; the stores are the project's build/ (where `lifhw deploy --target analog` and the
# report keep the same calibration, block table and SPICE samples, content-addressed)
BUILD = Path("..") / "build"

# %% [markdown]
# ## 1. A small network in the core's integers
# A 64-32-10 network, half the acceptance run's epochs: the point is the circuit, not the last point of accuracy.

# %%
config = digits.DigitsConfig(hidden=(32,), qat_epochs=5, train=train.TrainConfig(epochs=15))
result = digits.run(config)
net = result["fixed_net"]
split = digits.load(config.seed)
events = digits.test_events(split, config)
labels = split.y_test
print(f"fixed point: {result['fixed_accuracy']:.3f} on {len(labels)} held-out digits")

# %% [markdown]
# ## 2. From a discrete step to a circuit
# The circuit's numbers come from ngspice once (`calibrate`: the membrane node's DC I-V gives κ, the effective leak
# bias and the leak's zero). The mapping then chooses, per layer, the leak bias whose τ gives the trained decay β
# over one step dt, the charge per weight LSB that moves the membrane by θ/THRESH (a current pulse of width t_w from
# an ideal switched source), and the step's window, so that a spike and its reset finish inside one step.

# %%
executor = LocalExecutor(2, 1200)
cal = calibrate.calibrate("ota", executor, BUILD / "analognet" / "calibration")
mapped = mapping.map_network(net, cal)
for layer in range(len(net.layers)):
    print(f"layer {layer}: tau {mapped.tau(layer) * 1e3:.2f} ms, leak bias {mapped.i_b[layer] * 1e12:.2f} pA, "
          f"charge per weight LSB {mapped.q_lsb[layer] * 1e15:.1f} fC ({mapped.i_unit[layer] * 1e12:.1f} pA "
          f"for {mapped.t_w * 1e6:.0f} us)")
# the decay over one step the circuit realises, exp(-dt/tau), against the core's 1 - LEAK_MULT/2^LEAK_FRAC
for layer, fixed_layer in enumerate(net.layers):
    beta = 1 - fixed_layer.q.rtl["LEAK_MULT"] / 2 ** fixed_layer.q.rtl["LEAK_FRAC"]
    print(f"layer {layer}: beta {beta:.4f} in the core, {np.exp(-mapped.dt / mapped.tau(layer)):.4f} in the circuit")
    assert abs(np.exp(-mapped.dt / mapped.tau(layer)) - beta) < 1e-3, (layer, beta)

# %% [markdown]
# ## 3. The fast device-aware model, nominal devices
# Each neuron as the circuit behaves (the saturating tanh leak, the comparator's trip, the floor of the membrane),
# every held-out sample at once. Nominal devices should cost the network (almost) nothing: issue 24 asks for the
# fixed network's accuracy within one point.

# %%
nominal = fast.run(mapped, net, fast.nominal_die(mapped, net), events)
nominal_accuracy = float(np.mean(nominal.prediction[0] == labels))
print(f"analog (fast model, nominal): {nominal_accuracy:.3f}, fixed point: {result['fixed_accuracy']:.3f}")
assert abs(nominal_accuracy - result["fixed_accuracy"]) <= evaluate.NOMINAL_BOUND

# %% [markdown]
# ## 4. A second simulator: ngspice, every neuron a transistor circuit
# Two held-out samples in SPICE (each neuron's deck driven by its inputs' spike times, layer by layer). The bound
# the package states: a count may differ from the model only in a sample where the model's membrane came within its
# error (`fast.MODEL_ERROR`, 2 mV) of the threshold at some neuron-step; the predicted class must agree, and no
# spike of SPICE may leave the step's timing window (the mapping's assumption).

# %%
spice = evaluate.spice_agreement(mapped, net, events[:2], labels[:2], executor, BUILD / "analognet" / "spice")
print(f"predictions equal on {spice.spice_agreement:.0%}, counts equal per layer {spice.counts_equal}, "
      f"within the bound: {spice.within_bound}, {spice.cpu_seconds_per_sample:.0f} CPU-s per sample")
print(f"count distance per layer and sample {spice.count_distance}, near-threshold neuron-steps "
      f"{spice.near_threshold} (margin < {fast.MODEL_ERROR * 1e3:g} mV)")
print({k: f"{v * 1e9:.2f} nJ" for k, v in spice.energy_per_inference.items()}, "per inference")
assert spice.spice_agreement == 1.0 and spice.within_bound and spice.timing_violations == 0

# %% [markdown]
# ## 5. Real dies: the PDK's mismatch
# The σ of the leak OTA's offset, its bias mirror and the comparator's trip come from DC Monte Carlos of those
# blocks with sky130's own statistics (`lifhw.spice.blocks`, computed once and stored). Die k of a seed is the same
# on any machine.

# %%
neuron = AnalogNeuron("ota")
table = blocks.block_table(neuron.params, neuron.design, executor, store_root=BUILD / "spice" / "blocks",
                           run_dir=BUILD / "spice" / "run")
executor.close()
mismatch = Mismatch.from_table(table, *mapped.areas)
result_dies = evaluate.die_accuracy(mapped, net, events, labels, mismatch, dies=50, seed=0)
acc = np.array(result_dies.die_accuracy)
plt.hist(acc, bins=15)
plt.axvline(result_dies.nominal_accuracy, color="k", label="nominal devices")
plt.axvline(np.quantile(acc, 0.05), color="r", ls="--", label="5th percentile die")
plt.xlabel("accuracy of a die")
plt.ylabel("dies")
plt.legend()
plt.show()
print(f"50 dies: mean {acc.mean():.3f}, 5th percentile {np.quantile(acc, 0.05):.3f}")
# die k of a seed comes from (seed, k) alone: the first three dies drawn again give the same accuracies; another
# seed draws other neurons
again = dies.draw(mapped, net, mismatch, 0, 3)
assert np.array_equal(evaluate.accuracies(mapped, net, again, events, labels), acc[:3])
assert not np.array_equal(dies.draw(mapped, net, mismatch, 1, 3).theta[0], again.theta[0])
