"""Directed cocotb tests of lif_neuron: threshold edge, both rails, reset modes, refractoriness, reset.

Every expected value is written from the arithmetic in rtl/README.md (plain integer Python), and every
step is also checked against the bit-exact model :func:`lifhw.fixed.step`. The configuration comes from
the pytest side in ``LIFHW_RTL_CONFIG`` (JSON).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, RisingEdge

from lifhw import LIFParams, fixed


class Bench:
    """Driver and monitor of one lif_neuron, with the model stepped alongside (the scoreboard)."""

    def __init__(self, dut):
        cfg = json.loads(os.environ["LIFHW_RTL_CONFIG"])
        self.q = fixed.quantize(LIFParams(**cfg["params"]), cfg["dt"], fixed.FixedFormat(**cfg["format"]))
        self.dut = dut
        r = self.q.rtl
        self.theta, self.v_reset, self.ref_steps = r["THRESH"], r["V_RESET"], r["REF_STEPS"]
        self.subtract = r["RESET_MODE"] == 1
        self.mult, self.frac = r["LEAK_MULT"], r["LEAK_FRAC"]
        self.v_model, self.ref_model = fixed.initial_state(self.q, 1)

    def leak(self, v: int) -> int:
        """floor(v * LEAK_MULT / 2^LEAK_FRAC), from the README, in Python integers."""
        return (v * self.mult) >> self.frac

    async def reset(self) -> None:
        Clock(self.dut.clk_i, 10, unit="ns").start()
        self.dut.rst_i.value = 1
        self.dut.step_i.value = 0
        self.dut.x_i.value = 0
        await RisingEdge(self.dut.clk_i)
        await RisingEdge(self.dut.clk_i)
        await FallingEdge(self.dut.clk_i)
        self.dut.rst_i.value = 0
        self.v_model, self.ref_model = fixed.initial_state(self.q, 1)
        assert self.v == self.v_reset

    @property
    def v(self) -> int:
        return self.dut.v_o.value.to_signed()

    async def step(self, x: int, rst: bool = False) -> tuple[int, int]:
        """One time step with input code ``x`` (optionally with rst in the same cycle); returns (spike, v)."""
        self.dut.x_i.value = x
        self.dut.step_i.value = 1
        self.dut.rst_i.value = int(rst)
        await RisingEdge(self.dut.clk_i)
        await FallingEdge(self.dut.clk_i)
        self.dut.step_i.value = 0
        self.dut.rst_i.value = 0
        spike, v = int(self.dut.spike_o.value), self.v
        if rst:
            self.v_model, self.ref_model = fixed.initial_state(self.q, 1)
            want_spike = 0
        else:
            self.v_model, self.ref_model, s = fixed.step(self.q, self.v_model, self.ref_model, np.array([x]))
            want_spike = int(s[0])
        assert (spike, v) == (want_spike, int(self.v_model[0])), \
            f"x={x}: RTL (spike {spike}, v {v}) model (spike {want_spike}, v {int(self.v_model[0])})"
        return spike, v

    def after_spike(self, sat: int) -> int:
        return sat - self.theta if self.subtract else self.v_reset


@cocotb.test()
async def threshold_exactly_and_one_lsb_below(dut):
    b = Bench(dut)
    await b.reset()
    exact = b.theta - (b.v_reset - b.leak(b.v_reset))  # lands exactly on THRESH from V_RESET
    assert await b.step(exact - 1) == (0, b.theta - 1)
    # From v = THRESH - 1 the input that lands exactly on THRESH fires (the comparison is >=).
    v = b.theta - 1
    assert await b.step(b.theta - (v - b.leak(v))) == (1, b.after_spike(b.theta))
    await b.reset()
    assert await b.step(exact) == (1, b.after_spike(b.theta))


@cocotb.test()
async def saturation_at_the_top_rail(dut):
    b = Bench(dut)
    await b.reset()
    await b.step(b.theta - 1 - (b.v_reset - b.leak(b.v_reset)))
    v = b.theta - 1
    total = v - b.leak(v) + b.q.x_max
    assert total > b.q.v_max, "this case must overflow without saturation"
    # A wrapped sum would be negative and not fire; the saturated one is v_max and fires.
    assert await b.step(b.q.x_max) == (1, b.after_spike(b.q.v_max))


@cocotb.test()
async def saturation_at_the_bottom_rail(dut):
    b = Bench(dut)
    await b.reset()
    for _ in range(4):
        await b.step(b.q.x_min)
    assert b.v == b.q.v_min
    # The leak then pulls the rail value up: ceil(beta * v_min), beta = 1 - LEAK_MULT/2^LEAK_FRAC.
    assert await b.step(0) == (0, b.q.v_min - b.leak(b.q.v_min))
    assert b.v > b.q.v_min


@cocotb.test()
async def input_during_refractory_is_ignored(dut):
    b = Bench(dut)
    await b.reset()
    assert (await b.step(b.q.x_max))[0] == 1
    held = b.v
    for _ in range(b.ref_steps):
        assert await b.step(b.q.x_max) == (0, held)
    assert (await b.step(b.q.x_max))[0] == 1, "the first step after REF_STEPS held steps integrates again"


@cocotb.test()
async def reset_mid_run(dut):
    b = Bench(dut)
    await b.reset()
    await b.step(b.q.x_max)  # spike: now refractory
    await b.step(123)
    assert await b.step(b.q.x_max, rst=True) == (0, b.v_reset)  # rst wins over step
    # Refractoriness is cleared: the next step integrates.
    x = 100
    assert await b.step(x) == (0, b.v_reset - b.leak(b.v_reset) + x)


@cocotb.test()
async def no_update_without_step(dut):
    b = Bench(dut)
    await b.reset()
    await b.step(500)
    v = b.v
    dut.x_i.value = b.q.x_max
    for _ in range(10):
        await RisingEdge(dut.clk_i)
        assert b.v == v and int(dut.spike_o.value) == 0


@cocotb.test()
async def per_cycle_random_steps(dut):
    """Random inputs driven from Python one step at a time, each checked against the model (the slow path
    that benchmarks/bench_rtl.py compares the file-driven lif_core path with)."""
    b = Bench(dut)
    cfg = json.loads(os.environ["LIFHW_RTL_CONFIG"])
    steps = cfg.get("per_cycle_steps", 2000)
    rng = np.random.default_rng(cfg.get("seed", 7))
    settle = int((1 - b.q.beta_q) * b.theta)
    xs = rng.integers(-settle, 4 * settle, steps)
    await b.reset()
    start = time.perf_counter()
    spikes = 0
    for x in xs.tolist():
        spikes += (await b.step(x))[0]
    seconds = time.perf_counter() - start
    assert spikes > 0
    if "report" in cfg:
        Path(cfg["report"]).write_text(json.dumps({"updates": steps, "seconds": seconds}))
