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
# # snnTorch and the core, both ways
#
# Runs in `make interop`'s venv (`.venv-interop`: snnTorch 1.0.0 on the CPU build of torch 2.13.0). Two stories:
#
# 1. **Train in snnTorch, deploy on the core.** snnTorch's defaults — `nn.Linear` with a bias, `snn.Leaky` with
#    `reset_mechanism="subtract"` and `reset_delay=True` — exported with snnTorch's own `export_to_nir`, read by
#    lifhw as the integer network the Verilog core runs.
# 2. **Train here, check in snnTorch.** A network trained by `lifhw.learn`, written for snnTorch's importer, run by
#    `snntorch.import_from_nir`.

# %%
import numpy as np
import snntorch as snn
import torch
from snntorch import utils
from snntorch.export_nir import export_to_nir
from snntorch.import_nir import import_from_nir

from lifhw import fixed
from lifhw.learn import digits, encode, nirgraph, train

split = digits.load(0)
config = digits.DigitsConfig()
held_out = digits.test_events(split, config)  # (N, T, 64) spikes, the events lifhw scores every model on


def snntorch_counts(net, events, imported=False):
    """Output spike counts (N, n_out) of an snnTorch network over events (N, T, n_in); an ``imported`` graph
    returns (spikes, state) per step."""
    utils.reset(net)
    x = torch.tensor(np.swapaxes(events, 0, 1), dtype=torch.float32)
    with torch.no_grad():
        steps = [net(x[t]) for t in range(x.shape[0])]
    return sum(s[0] if imported else s for s in steps).numpy().astype(np.int64)


# %% [markdown]
# ## 1. Train in snnTorch, deploy on the core
# snnTorch 1.0's `export_to_nir` needs two things its documentation does not show: β and the threshold as
# per-neuron tensors (a scalar β fails on export), and a sample *without* a batch dimension.

# %%
torch.manual_seed(0)
net = torch.nn.Sequential(
    torch.nn.Linear(64, 64), snn.Leaky(beta=torch.full((64,), 0.95), threshold=torch.ones(64), init_hidden=True),
    torch.nn.Linear(64, 10), snn.Leaky(beta=torch.full((10,), 0.95), threshold=torch.ones(10), init_hidden=True))
optimizer = torch.optim.Adam(net.parameters(), lr=5e-3)
train_x = torch.tensor(np.swapaxes(encode.rate(split.x_train, 16, 7), 0, 1), dtype=torch.float32)
train_y = torch.tensor(split.y_train)
for _ in range(5):
    for idx in torch.randperm(len(train_y)).split(64):
        utils.reset(net)
        loss = torch.nn.functional.cross_entropy(sum(net(train_x[t, idx]) for t in range(16)), train_y[idx])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
theirs = snntorch_counts(net, held_out)
print(f"snnTorch's accuracy: {np.mean(np.argmax(theirs, -1) == split.y_test):.3f}")
graph = export_to_nir(net, torch.zeros(64))

# %% [markdown]
# The graph says `v_reset = 0` whatever the reset mechanism was, so lifhw must be told it
# (`lifhw deploy GRAPH --reset subtract-delayed` on the command line); the `nn.Linear` biases go to the core's
# bias bank. `to_fixed` quantizes to the core's integers (8-bit weights, 16-bit state), and `lifhw.fixed` runs them
# exactly as the RTL does (`lifhw deploy` checks that on the simulator, update for update).

# %%
float_net, hints = nirgraph.from_graph(graph, reset="subtract-delayed", bias=True)
integer, _, _ = nirgraph.to_fixed(float_net, hints)
core = fixed.network_run(integer, held_out).counts[-1]
agree = np.mean(np.argmax(core, -1) == np.argmax(theirs, -1))
print(f"on the core's integers: accuracy {np.mean(np.argmax(core, -1) == split.y_test):.3f}, "
      f"same class as snnTorch on {agree:.1%} of the held-out samples")
assert agree >= 0.95

# %% [markdown]
# ## 2. Train here, check in snnTorch
# snnTorch's importer ignores the graph's metadata: it steps at dt = 1e-4 s by Euler and resets to zero. `to_graph(…,
# convention="snntorch")` re-expresses our network in those terms (τ and r such that its β and input gain are
# ours, the threshold just below θ so that its `>` is our `≥`).

# %%
ours = digits.run(digits.DigitsConfig(train=train.TrainConfig(epochs=5), qat_epochs=0))
imported = import_from_nir(nirgraph.to_graph(ours["float_net"], convention="snntorch"))
checked = snntorch_counts(imported, held_out, imported=True)
print(f"lifhw float accuracy {ours['float_accuracy']:.3f}; snnTorch's import of it "
      f"{np.mean(np.argmax(checked, -1) == split.y_test):.3f}")
assert abs(np.mean(np.argmax(checked, -1) == split.y_test) - ours["float_accuracy"]) <= 0.01
