"""The snnTorch training loop of the interop tests and of ``benchmarks/interop_learn_speed.py``: Adam on the
cross-entropy of output spike counts, the events coded once beforehand (snnTorch's tutorials' form)."""

from __future__ import annotations

import numpy as np
import torch
from snntorch import utils


def fit(net: torch.nn.Module, events: np.ndarray, labels: np.ndarray, epochs: int, lr: float, batch: int = 64) -> None:
    """Train ``net`` (a Sequential of layers with ``init_hidden=True``) in place on events (N, T, n_in)."""
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    x = torch.tensor(np.swapaxes(events, 0, 1), dtype=torch.float32)
    y = torch.tensor(labels)
    for _ in range(epochs):
        for idx in torch.randperm(len(y)).split(batch):
            utils.reset(net)
            counts = sum(net(x[t, idx]) for t in range(x.shape[0]))
            loss = torch.nn.functional.cross_entropy(counts, y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
