"""References for NIR graphs that share no code with lifhw's models (tests/learn and interop/ import them).

``run_graph``: a NIR-spec interpreter of LIF chains, written from NIR's documentation: τ·dv/dt = (v_leak − v) + r·I
with I = W·s (+ b), stepped at dt with the input held over the step (``exact``: v_leak + (v − v_leak)·e^(−dt/τ) +
r·(1 − e^(−dt/τ))·I) or by forward Euler (v + dt/τ·(v_leak − v + r·I)); a spike where v > v_threshold, then
v = v_reset.

``exact_counts``: an integer network (``lifhw.fixed.FixedNetwork``'s stored integers) in exact rational arithmetic:
the float network it stands for (β = 1 − LEAK_MULT/2^LEAK_FRAC exactly, weights in LSB, fire at ≥ THRESH), or with
the core's rounded leak (v − ⌊v·LEAK_MULT/2^LEAK_FRAC⌋).
"""

from __future__ import annotations

import numpy as np


def chain(graph) -> list:
    """The nodes from the Input's successor to the Output, in order (lifhw's graphs are chains)."""
    order, name = [], next(n for n, node in graph.nodes.items() if type(node).__name__ == "Input")
    while True:
        name = next(dst for src, dst in graph.edges if src == name)
        if type(graph.nodes[name]).__name__ == "Output":
            return order
        order.append(graph.nodes[name])


def run_graph(graph, events: np.ndarray, dtype=np.float64, dt: float | None = None,
              discretization: str | None = None) -> np.ndarray:
    """Output spikes (N, T, n_out) of a Linear/Affine → LIF chain over events (N, T, n_in); dt and the
    discretization from the graph's metadata unless given."""
    meta = graph.metadata or {}
    dt = float(meta["dt"]) if dt is None else dt
    discretization = str(meta.get("discretization", "euler")) if discretization is None else discretization
    s = events.astype(dtype)
    nodes = chain(graph)
    for weight_node, lif in zip(nodes[0::2], nodes[1::2], strict=True):
        current = s @ np.asarray(weight_node.weight, dtype).T + np.asarray(getattr(weight_node, "bias", 0.0), dtype)
        tau, r, leak = (np.asarray(getattr(lif, f), dtype) for f in ("tau", "r", "v_leak"))
        theta, v_reset = np.asarray(lif.v_threshold, dtype), np.asarray(lif.v_reset, dtype)
        decay = np.exp(-dtype(dt) / tau)
        v = np.zeros((current.shape[0], current.shape[2]), dtype)
        out = np.zeros(current.shape, dtype)
        for t in range(current.shape[1]):
            if discretization == "exact":
                v = leak + (v - leak) * decay + r * (1 - decay) * current[:, t]
            else:
                v = v + dtype(dt) / tau * (leak - v + r * current[:, t])
            fired = v > theta
            v = np.where(fired, v_reset, v)
            out[:, t] = fired
        s = out
    return s.astype(bool)


def exact_counts(net, events: np.ndarray, rounded_leak: bool = False) -> tuple[np.ndarray, int]:
    """Output spike counts (N, n_out) of an integer network over events (N, T, n_in) in exact arithmetic, and how
    many updates landed exactly on THRESH. Layers that reset to V_RESET without a refractory period (the digits
    network's); the sums never saturate (checked)."""
    s = events.astype(np.int64)
    ties = 0
    for layer in net.layers:
        r = layer.q.rtl
        assert r["RESET_MODE"] == 0 and r["REF_STEPS"] == 0, "the reference resets to V_RESET, no refractory period"
        mult, frac, thresh = r["LEAK_MULT"], r["LEAK_FRAC"], r["THRESH"]
        x = (s @ layer.weights.T + (0 if layer.bias is None else layer.bias)).astype(object)
        v = np.full(x[:, 0].shape, r["V_RESET"], dtype=object)
        out = np.zeros(x.shape, dtype=bool)
        scale = 1  # v holds the membrane in LSB times scale: 2^(LEAK_FRAC·t) keeps β^t·v an integer
        for t in range(x.shape[1]):
            if rounded_leak:
                v = v - (v * mult >> frac) + x[:, t]
            else:
                v, scale = v * ((1 << frac) - mult) + x[:, t] * (scale << frac), scale << frac
            assert np.all(np.abs(v) < (scale << (r["WIDTH"] - 1))), "the state saturates"
            fired = v >= thresh * scale
            ties += int(np.sum(v == thresh * scale))
            v = np.where(fired, r["V_RESET"] * scale, v)
            out[:, t] = fired
        s = out
    return s.sum(axis=1), ties
