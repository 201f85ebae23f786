"""cocotb tests of the tile periphery without the analog: rtl/trim_sar.v on a neuron model whose interval per
code is a table (the search must end where lifhw.cosim.sar predicts), and the AER encoder of
dv/tb_cosim_tile.v with the host not reading (overflow flagged, every spike either delivered or counted lost).
The configuration comes from ``LIFHW_PERIPH_CONFIG`` (JSON); results go to its ``out``."""

from __future__ import annotations

import json
import math
import os

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, RisingEdge, Timer

CONFIG = json.loads(os.environ.get("LIFHW_PERIPH_CONFIG", "{}"))


@cocotb.test()
async def trim_sar_tables(dut):
    """Each case: a table of intervals (clocks, null = silent) per code and a target; the neuron spikes every
    table[code] clocks, the code read at its last spike (so the interval in which the code changes mixes codes,
    as a real neuron's does, and the search's settle spike absorbs it)."""
    isi_w = CONFIG["isi_w"]
    cocotb.start_soon(Clock(dut.clk_i, 10, "ns").start())
    results = []
    dut.rst_i.value, dut.start_i.value, dut.rise_i.value, dut.ts_i.value = 1, 0, 0, 0
    dut.target_i.value = 0
    clock = 0
    for _ in range(2):
        await FallingEdge(dut.clk_i)
    dut.rst_i.value = 0
    for case in CONFIG["cases"]:
        table = [math.inf if t is None else t for t in case["table"]]
        dut.target_i.value = case["target"]
        dut.start_i.value = 1
        next_spike = clock + 3
        started = False
        while True:
            await FallingEdge(dut.clk_i)
            dut.start_i.value = 0 if started else 1
            started = True
            clock += 1
            dut.ts_i.value = clock % (1 << (isi_w + 1))
            spike = clock == next_spike
            dut.rise_i.value = int(spike)
            code = int(dut.code_o.value)
            if spike or next_spike < clock:
                isi = table[code]
                next_spike = clock + isi if math.isfinite(isi) else math.inf
            if started and int(dut.done_o.value) and not int(dut.busy_o.value) and clock > 4:
                break
            if math.isinf(next_spike) and math.isfinite(table[code]):
                next_spike = clock + table[code]
        results.append({"code": int(dut.code_o.value), "iterations": int(dut.iter_o.value)})
    with open(CONFIG["out"], "w") as handle:
        json.dump(results, handle)


@cocotb.test()
async def aer_overflow(dut):
    """Rounds of simultaneous spikes of every neuron with the host not reading, then the host reads everything."""
    n, rounds = CONFIG["n"], CONFIG["rounds"]
    for name in ("spk_i", "we_i", "addr_i", "wdata_i", "ev_pop_i"):
        getattr(dut, name).value = 0
    dut.rst_i.value = 1
    await Timer(3, "us")
    dut.rst_i.value = 0
    await Timer(3, "us")
    for _ in range(rounds):
        dut.spk_i.value = (1 << n) - 1
        await Timer(5, "us")
        dut.spk_i.value = 0
        await Timer(10, "us")
    dut.addr_i.value = 2 * n
    await Timer(1, "ns")
    ctrl = int(dut.rdata_o.value)
    dut.addr_i.value = 2 * n + 2
    await Timer(1, "ns")
    lost = int(dut.rdata_o.value)
    events = []
    while int(dut.ev_valid_o.value):
        events.append((int(dut.ev_addr_o.value), int(dut.ev_ts_o.value)))
        dut.ev_pop_i.value = 1
        await RisingEdge(dut.clk_o)
        await Timer(1, "ns")
        dut.ev_pop_i.value = 0
        await Timer(2, "us")
    with open(CONFIG["out"], "w") as handle:
        json.dump({"ctrl": ctrl, "lost": lost, "events": events}, handle)
