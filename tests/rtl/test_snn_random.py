"""snn_core vs lifhw.fixed.network_run on random networks: >= 10^6 neuron-updates scoreboarded, zero mismatches.

Each network has a random number of layers (1–3) and sizes (1–24), one random state width, and per layer random
weight width, accumulator width (narrower than the no-overflow default in most layers, so partial sums
saturate), leak (shift or multiplier), reset mode (to V_reset, subtract, subtract one update later), V_reset,
refractory steps, weights and, in half the layers, a bias; the input events have
a random density. Every step is probed: every neuron update (spike and membrane) and every output count is
compared. The runs are Icarus (the reference), two at a time; the count is what the scoreboards compared.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from lifhw import LIFParams, fixed
from lifhw.digital import snn
from lifhw.errors import ParameterError

BUILD = Path(__file__).resolve().parents[2] / "build" / "rtl" / "snn_random"
N_NETWORKS = 10
UPDATES_PER_NETWORK = 105_000


def random_layer(rng: np.random.Generator, n_in: int, n_out: int, width: int) -> fixed.FixedLayer:
    """A layer whose integers come from ``quantize`` (so that save/load_network re-derives them); formats that
    do not fit (ParameterError) are drawn again."""
    while True:
        # Up to 12 bits, and within 5 bits of the state width when it is narrow, so that a few events reach its rails.
        bits = int(rng.integers(max(2, min(width, 12) - 5), min(width, 12) + 1))
        no_overflow = fixed.default_acc_width(bits, n_in, width)
        acc = int(rng.integers(bits, no_overflow + 1)) if rng.random() < 0.7 else no_overflow
        # THRESH = round(20 mV · 2^frac) between 0.3 and 3 times the largest weight: a few events fire a neuron.
        frac = int(round(np.log2((1 << (bits - 1)) * rng.uniform(0.3, 3.0) / 0.02)))
        dt = float(rng.choice([1e-4, 5e-4, 1e-3, 2e-3]))
        params = LIFParams().replace(t_ref=int(rng.integers(0, 5)) * dt,
                                     v_reset=-70e-3 - float(rng.choice([0.0, 5e-3, 10e-3])))
        try:
            q = fixed.quantize(params, dt, fixed.FixedFormat(
                width=width, frac=frac, leak=str(rng.choice(fixed.LEAK_MODES)), leak_frac=int(rng.integers(6, 17)),
                reset_mode=str(rng.choice(fixed.RESET_MODES)), discretization=str(rng.choice(fixed.DISCRETIZATIONS)),
                in_width=acc))
        except ParameterError:
            continue
        lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
        # Excitatory-leaning (deeper layers see spikes), balanced, or inhibitory-leaning (the state's lower rail).
        lean = int(rng.choice([1, 0, -1])) * (hi // 2)
        w = np.clip(rng.integers(lo, hi, size=(n_out, n_in), endpoint=True) + lean, lo, hi)
        bias = np.clip(rng.integers(lo, hi, size=n_out, endpoint=True) + lean, lo, hi) if rng.random() < 0.5 else None
        return fixed.FixedLayer(w, q, bits, acc, bias)


def random_case(seed: int) -> tuple[fixed.FixedNetwork, np.ndarray, np.ndarray]:
    """A random network, input events (samples, steps, n_in) worth about UPDATES_PER_NETWORK updates, and the
    testbench's control words: every step probed, 0–3 idle clocks before one step in four, and one step in two
    hundred cut by a reset anywhere in its first 200 clocks (the sample then goes on from reset)."""
    rng = np.random.default_rng(seed)
    width = int(rng.choice([6, 8, 8, 12, 16, 24, 32]))
    sizes = [int(rng.integers(1, 25)) for _ in range(int(rng.integers(1, 4)) + 1)]
    net = fixed.FixedNetwork(tuple(random_layer(rng, sizes[k], sizes[k + 1], width) for k in range(len(sizes) - 1)))
    steps = int(rng.integers(4, 21))
    samples = -(-UPDATES_PER_NETWORK // (steps * sum(sizes[1:])))
    # At most about 5 input events per step: an update costs a clock per event, and a few saturate.
    density = rng.uniform(0.05, min(0.9, 5.0 / net.n_in))
    shape = (samples, steps)
    ctrl = snn.control_words(samples, steps, probe=True,
                             reset_at=np.where(rng.random(shape) < 0.005, rng.integers(1, 200, shape), 0),
                             gap=np.where(rng.random(shape) < 0.25, rng.integers(0, 4, shape), 0))
    return net, rng.random((samples, steps, net.n_in)) < density, ctrl


def coverage(net: fixed.FixedNetwork, events: np.ndarray) -> dict:
    """What the stimulus exercised, from the model run of the events (the resets aside): spikes, saturated
    accumulators, refractory holds, state at a rail."""
    result = fixed.network_run(net, events, record_v=True)
    inputs, out = events, {"spikes": 0, "saturated": 0, "held": 0, "at_rail": 0, "bias_updates": 0,
                           **{f"{mode}_updates": 0 for mode in fixed.RESET_MODES}}
    for layer, spikes, v in zip(net.layers, result.spikes, result.v, strict=True):
        exact = inputs.astype(np.int64) @ layer.weights.T + (0 if layer.bias is None else layer.bias)
        out["bias_updates"] += int(spikes.size) * (layer.bias is not None)
        out[f"{layer.q.fmt.reset_mode}_updates"] += int(spikes.size)
        out["saturated"] += int(np.count_nonzero(layer.accumulate(inputs) != exact))
        out["spikes"] += int(spikes.sum())
        held = np.zeros(spikes.shape, dtype=bool)  # within REF_STEPS steps after a spike of the same sample
        for k in range(1, layer.q.rtl["REF_STEPS"] + 1):
            held[..., k:, :] |= spikes[..., :-k, :]
        out["held"] += int(held.sum())
        out["at_rail"] += int(np.count_nonzero((v == layer.q.v_min) | (v == layer.q.v_max)))
        inputs = spikes
    return out


@cache
def results() -> tuple[dict, ...]:
    """Every random network through snn_core on Icarus, once per session (two simulations at a time)."""

    def one(seed: int) -> dict:
        net, events, ctrl = random_case(seed)
        score = snn.run(net, events, BUILD / f"net{seed}", "icarus", ctrl=ctrl)
        record = {"seed": seed, "sizes": net.sizes, "width": net.layers[0].q.rtl["WIDTH"],
                  "resets": int(snn.reset_steps(ctrl).sum()),
                  "saturates": [layer.saturates for layer in net.layers], **coverage(net, events),
                  **{k: score[k] for k in ("samples", "mismatches", "updates", "messages", "sim_seconds")}}
        (BUILD / f"net{seed}" / "scoreboard.json").write_text(json.dumps(record))
        print(record)
        return record

    with ThreadPoolExecutor(2) as pool:
        return tuple(pool.map(one, range(N_NETWORKS)))


@pytest.mark.slow
@pytest.mark.regress  # 10 networks, two Icarus runs at a time: ~4 CPU-min (make rtl-test runs it too)
def test_random_networks_match_the_model():
    runs = results()
    assert [r["mismatches"] for r in runs] == [0] * N_NETWORKS, [r["messages"] for r in runs if r["mismatches"]]
    # The count is what the scoreboards compared: every update of every step.
    assert sum(r["updates"] for r in runs) >= 1_000_000
    # The networks and the stimulus cover what the core must get right.
    assert {len(r["sizes"]) - 1 for r in runs} == {1, 2, 3}
    assert sum(r["saturated"] for r in runs) > 1000 and sum(r["held"] for r in runs) > 1000
    assert sum(r["spikes"] for r in runs) > 10_000 and sum(r["at_rail"] for r in runs) > 0
    assert len({r["width"] for r in runs}) >= 3 and sum(r["resets"] for r in runs) > 50
    # Every reset mode and the bias bank carry a good share of the updates (the model runs resets aside).
    assert all(sum(r[f"{mode}_updates"] for r in runs) > 250_000 for mode in fixed.RESET_MODES)
    assert sum(r["bias_updates"] for r in runs) > 500_000
