"""cocotb test of snn_core through dv/tb_snn_core.v: whole samples from files, scoreboarded against lifhw.fixed.

:func:`lifhw.digital.snn.run` writes the network, the input events and the control words into the work folder
(``LIFHW_SNN_WORK``) and builds the testbench. This test starts it, waits until every sample has run (Python
does nothing per clock), then scoreboards every output count and every probed neuron update with
:func:`lifhw.digital.snn.score_work` and fails on any mismatch. It lives inside the package so that an
installed lifhw (``lifhw deploy``) has it.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import cocotb
from cocotb.triggers import RisingEdge

from lifhw.digital import snn


@cocotb.test()
async def samples_match_model(dut):
    work = Path(os.environ["LIFHW_SNN_WORK"])
    start = time.perf_counter()
    dut.start.value = 1
    await RisingEdge(dut.done)
    result = snn.score_work(work, time.perf_counter() - start)
    for line in result["messages"]:
        dut._log.error("mismatch: %s", line)
    dut._log.info("scoreboard: %d samples, %d probed neuron-updates compared with lifhw.fixed, %d mismatches",
                  result["samples"], result["updates"], result["mismatches"])
    assert result["mismatches"] == 0, f"{result['mismatches']} mismatches (first: {result['messages'][:1]})"
