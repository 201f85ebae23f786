"""Directed cocotb tests of snn_core, driven clock by clock from Python.

Every expected value is written from rtl/README.md in plain integer Python (the leak is ``(v * LEAK_MULT) >>
LEAK_FRAC``), and every step is also checked against :func:`lifhw.fixed.network_step`. The network is the one the
pytest side built (``LIFHW_SNN_NET``, a lifhw.fixed network file); ``test_snn_directed.py`` says which test runs
on which network.
"""

from __future__ import annotations

import os

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

from lifhw import fixed
from lifhw.digital import snn


class Core:
    """Driver (on the falling edge) and monitor (after each rising edge) of snn_core, with the model alongside."""

    def __init__(self, dut):
        self.dut = dut
        self.net = fixed.load_network(os.environ["LIFHW_SNN_NET"])
        self.state = fixed.network_initial_state(self.net)
        self.per_step = sum(layer.n_out for layer in self.net.layers)  # updates reported per step
        self.updates: list[tuple[int, int, int, int]] = []  # (layer, neuron, spike, v) as reported
        self.cycle = 0
        self.scan_starts: list[int] = []  # the clocks at which a step began (in_ready_o fell: the scan)

    async def start(self) -> None:
        dut = self.dut
        Clock(dut.clk_i, 10, unit="ns").start()
        dut.rst_i.value = 1
        dut.step_i.value = 0
        dut.in_valid_i.value = 0
        dut.in_idx_i.value = 0
        dut.cnt_addr_i.value = 0
        cocotb.start_soon(self._monitor())
        await FallingEdge(dut.clk_i)
        await self.reset()

    async def _monitor(self) -> None:
        dut = self.dut
        ready = True
        while True:
            await RisingEdge(dut.clk_i)
            await ReadOnly()
            self.cycle += 1
            if ready and not int(dut.in_ready_o.value):
                self.scan_starts.append(self.cycle)
            ready = bool(int(dut.in_ready_o.value))
            if int(dut.upd_valid_o.value):
                self.updates.append((int(dut.upd_layer_o.value), int(dut.upd_idx_o.value),
                                     int(dut.upd_spike_o.value), dut.upd_v_o.value.to_signed()))

    async def idle(self) -> int:
        """Wait until busy_o is low; returns the clocks waited."""
        n = 0
        while int(self.dut.busy_o.value):
            n += 1
            await FallingEdge(self.dut.clk_i)
        return n

    async def reset(self) -> int:
        """rst_i for one clock, then the init sweep; returns the clocks busy_o stayed high after it."""
        self.dut.rst_i.value = 1
        await FallingEdge(self.dut.clk_i)
        self.dut.rst_i.value = 0
        self.state = fixed.network_initial_state(self.net)
        return await self.idle()

    async def load(self, events) -> None:
        for j in events:
            while not int(self.dut.in_ready_o.value):
                await FallingEdge(self.dut.clk_i)
            self.dut.in_valid_i.value = 1
            self.dut.in_idx_i.value = int(j)
            await FallingEdge(self.dut.clk_i)
        self.dut.in_valid_i.value = 0

    async def pulse(self, hold: int = 1) -> None:
        """step_i high for ``hold`` clocks, from the first clock busy_o is low."""
        await self.idle()
        self.dut.step_i.value = 1
        for _ in range(hold):
            await FallingEdge(self.dut.clk_i)
        self.dut.step_i.value = 0

    async def run(self, steps: list, hold: int = 1) -> list[list[np.ndarray]]:
        """Steps back to back: step_i in the first clock busy_o is low, each step's events loaded while the one
        before runs. Returns, per step and layer, the reported (neuron, spike, v) rows, each checked against
        the model (which advances)."""
        first = len(self.updates)
        await self.load(steps[0])
        for t in range(len(steps)):
            await self.pulse(hold)
            if t + 1 < len(steps):
                await self.load(steps[t + 1])
        await self.idle()
        await FallingEdge(self.dut.clk_i)  # the last update is reported one clock after busy_o falls
        got = np.array(self.updates[first:], dtype=np.int64).reshape(-1, 4)
        assert len(got) == len(steps) * self.per_step, f"{len(got)} updates for {len(steps)} steps"
        out = []
        for t, events in enumerate(steps):
            spikes_in = np.isin(np.arange(self.net.n_in), list(events))
            self.state, spikes = fixed.network_step(self.net, self.state, spikes_in)
            mine = got[t * self.per_step:(t + 1) * self.per_step]
            rows = []
            for k, layer in enumerate(self.net.layers):
                r = mine[mine[:, 0] == k][:, 1:]
                want = np.column_stack([np.arange(layer.n_out), spikes[k], self.state[k][0]])
                assert r.tolist() == want.tolist(), f"step {t} layer {k + 1}: RTL {r.tolist()}, model {want.tolist()}"
                rows.append(r)
            out.append(rows)
        return out

    async def step(self, events) -> list[np.ndarray]:
        return (await self.run([events]))[0]

    async def cut(self, events, after: int, pending=()) -> int:
        """A step with ``events`` that rst_i cuts ``after`` clocks after step_i, with the ``pending`` events of
        the next step loaded meanwhile; returns the clocks of the init sweep."""
        await self.load(events)
        await self.pulse()
        start = self.cycle
        await self.load(pending)  # once the scan is over
        while self.cycle - start < after - 1:
            await FallingEdge(self.dut.clk_i)
        return await self.reset()

    async def counts(self) -> list[int]:
        """The output counts through cnt_addr_i/cnt_o (one clock per neuron while busy_o is low)."""
        out = []
        for k in range(self.net.layers[-1].n_out):
            self.dut.cnt_addr_i.value = k
            await FallingEdge(self.dut.clk_i)
            out.append(int(self.dut.cnt_o.value))
        return out


def leak(layer: fixed.FixedLayer, v: int) -> int:
    """floor(v * LEAK_MULT / 2^LEAK_FRAC), rtl/README.md step 2."""
    return (v * layer.q.rtl["LEAK_MULT"]) >> layer.q.rtl["LEAK_FRAC"]


@cocotb.test()
async def accumulator_extremes(dut):
    """6 inputs, 4-bit weights, 5-bit accumulator (-16..15): rows all +7, all -8, +7 x3 then -8 x3, and the reverse."""
    core = Core(dut)
    await core.start()
    layer = core.net.layers[0]
    assert layer.acc_width == 5 and layer.weights.tolist() == [[7] * 6, [-8] * 6, [7, 7, 7, -8, -8, -8],
                                                               [-8, -8, -8, 7, 7, 7]]
    # Ascending order, saturating: 7·6 -> 15; -8·6 -> -16; 7, 14, 15 (not 21), 7, -1, -9; -8, -16, -16, -9, -2, 5.
    # (A wrapping accumulator gives 10 for the first row and -3 for the last two, a clamp only at the end -3 for
    # the last two, the descending order 5 and -9 for them.)
    acc = [15, -16, -9, 5]
    (rows,) = await core.step(range(6))
    assert rows[:, 2].tolist() == acc and not rows[:, 1].any()  # v = V_RESET - leak(0) + acc = acc, below THRESH
    (rows2,) = await core.step(range(6))
    assert rows2[:, 2].tolist() == [v - leak(layer, v) + a for v, a in zip(acc, acc, strict=True)]
    (rows3,) = await core.step([1, 4])  # two events: 7 + 7, -8 - 8, 7 - 8, -8 + 7
    assert rows3[:, 2].tolist() == [v - leak(layer, v) + a for v, a in zip(rows2[:, 2], [14, -16, -1, -1],
                                                                           strict=True)]
    # Repeated events are one spike, and indices 6 and 7 (no such input; in_idx_i has 3 bits) are ignored.
    (rows4,) = await core.step([5, 7, 5, 6])
    assert rows4[:, 2].tolist() == [v - leak(layer, v) + a for v, a in zip(rows3[:, 2], [7, -8, -8, 7], strict=True)]


@cocotb.test()
async def refractory_end_and_threshold(dut):
    """Neuron 0 gets exactly THRESH per step, neuron 1 THRESH - 1, REF_STEPS = 2 in layer 1; layer 2 copies them."""
    core = Core(dut)
    await core.start()
    first, second = core.net.layers
    theta = first.q.rtl["THRESH"]
    assert first.q.rtl["REF_STEPS"] == 2 and first.weights[:2, 0].tolist() == [theta, theta - 1]
    spikes = {0: [], 1: []}
    out = {0: [], 1: []}
    for t in range(14):
        hidden, output = await core.step([0])
        for i in (0, 1):
            if hidden[i, 1]:
                spikes[i].append(t)
            if output[i, 1]:
                out[i].append(t)
    # sat = THRESH fires (>=); then two held steps, and it fires again on the step after the refractory period ends.
    assert spikes[0] == [0, 3, 6, 9, 12]
    # THRESH - 1 does not fire; the next step has (THRESH - 1) - leak + (THRESH - 1) >= THRESH.
    assert theta - 1 - leak(first, theta - 1) + theta - 1 >= theta
    assert spikes[1] == [1, 5, 9, 13]
    # Layer 2 (no refractory period) fires in the same step as its input: no step of delay between layers.
    assert second.q.rtl["REF_STEPS"] == 0 and out == spikes
    assert await core.counts() == [len(spikes[0]), len(spikes[1])]


@cocotb.test()
async def back_to_back_steps(dut):
    """step_i in the first clock busy_o is low: every step is taken and checked, a step takes the clocks
    rtl/README.md states, and step_i held while busy_o is high starts no second step."""
    core = Core(dut)
    await core.start()
    rng = np.random.default_rng(3)
    steps = [np.flatnonzero(rng.random(core.net.n_in) < 0.7) for _ in range(12)]
    await core.run(steps)
    # The events each layer read in each step (inputs, then the spikes of the layer before), from the model.
    run = fixed.network_run(core.net, np.array([np.isin(np.arange(core.net.n_in), e) for e in steps]))
    events = [[len(e) for e in steps]] + [s.sum(axis=-1).tolist() for s in run.spikes[:-1]]
    expected = [snn.cycles_per_step(core.net, [n[t] for n in events]) for t in range(len(steps))]
    # Back to back, a step begins cycles_per_step clocks after the one before (the clock taking step_i included).
    assert np.diff(core.scan_starts[-len(steps):]).tolist() == expected[:-1]
    taken = len(core.scan_starts)
    await core.run([[0], [1]], hold=3)  # step_i high for three clocks: one step (then the model would disagree)
    assert len(core.scan_starts) == taken + 2


@cocotb.test()
async def reset_mid_sample(dut):
    """rst_i while a step runs (in its scan, in layer 1, in layer 2): the init sweep, counts cleared, pending
    events dropped, and the sample goes on exactly as from reset."""
    core = Core(dut)
    await core.start()
    n_neurons = sum(layer.n_out for layer in core.net.layers)
    # Two events: the scan, then per layer-1 neuron 2 + 2 accumulate clocks and an update; two clocks into layer 2.
    layer_2 = core.net.n_in + core.net.layers[0].n_out * (2 + 2 + 1) + 2
    for after, pending in ((1, []), (core.net.n_in + 3, [0]), (layer_2, [0, 1])):
        await core.run([[0]] * 4)
        assert any(await core.counts())
        # The init sweep writes one neuron per clock.
        assert await core.cut([0, 1], after, pending) == n_neurons
        assert await core.counts() == [0] * core.net.layers[-1].n_out
        # The pending events are gone: a step without input leaves every neuron at V_RESET minus its leak.
        for layer, rows in zip(core.net.layers, await core.step([]), strict=True):
            v = layer.q.rtl["V_RESET"]
            assert rows[:, 2].tolist() == [v - leak(layer, v)] * layer.n_out and not rows[:, 1].any()
        await core.run([[0], [0, 1], [1]])


def update(layer: fixed.FixedLayer, v: int, x: int) -> tuple[int, bool]:
    """One integrating update of rtl/README.md (*One update*, no refractory period): (new v, spike)."""
    theta, mode = layer.q.rtl["THRESH"], layer.q.rtl["RESET_MODE"]
    top = (1 << (layer.q.rtl["WIDTH"] - 1)) - 1
    sat = min(max(v - leak(layer, v) - (theta if mode == 2 and v >= theta else 0) + x, -top - 1), top)
    spike = sat >= theta
    return (layer.q.rtl["V_RESET"], sat - theta, sat)[mode] if spike else sat, spike


def accumulate(layer: fixed.FixedLayer, spikes: list[bool], i: int) -> int:
    """Neuron i's accumulator: the weights of the inputs that spiked in ascending order, then its bias, each sum
    clamped to ACC_W bits."""
    top = (1 << (layer.acc_width - 1)) - 1
    acc = 0
    for term in [int(w) for w, s in zip(layer.weights[i], spikes, strict=True) if s] + [int(layer.bias[i])]:
        acc = min(max(acc + term, -top - 1), top)
    return acc


@cocotb.test()
async def bias_and_both_subtractions(dut):
    """Layer 1 subtracts THRESH one update late (snnTorch's reset_delay), layer 2 at once; both have biases, added
    after the weights through the saturating accumulator. Input 0 spikes on the even steps, input 1 never."""
    core = Core(dut)
    await core.start()
    first, second = core.net.layers
    assert (first.q.rtl["RESET_MODE"], second.q.rtl["RESET_MODE"]) == (2, 1)
    assert second.acc_width == 8 and accumulate(second, [True, True, False], 1) == 127  # 82, 164 -> 127, + 100
    v = [[layer.q.rtl["V_RESET"]] * layer.n_out for layer in core.net.layers]
    delayed = 0
    for t in range(24):
        rows = await core.step([0] if t % 2 == 0 else [])
        below = [t % 2 == 0, False]
        for k, layer in enumerate(core.net.layers):
            delayed += sum(layer.q.rtl["RESET_MODE"] == 2 and x >= layer.q.rtl["THRESH"] for x in v[k])
            new = [update(layer, v[k][i], accumulate(layer, below, i)) for i in range(layer.n_out)]
            v[k], below = [n[0] for n in new], [n[1] for n in new]
            assert rows[k][:, 2].tolist() == v[k] and rows[k][:, 1].tolist() == [int(s) for s in below], (t, k)
    assert delayed > 5  # the late subtraction ran, in neurons 0 and 1
    assert await core.counts() == [int(c) for c in fixed.network_run(
        core.net, np.array([[t % 2 == 0, False] for t in range(24)])).counts[-1]]
