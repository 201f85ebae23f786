"""cocotb test of lif_core through tb_lif_core: random stimulus, every update checked against lifhw.fixed.

Driver: the stimulus (input codes, idle gaps, mid-sweep resets) is generated here and handed to the
testbench as files. Monitor: the testbench writes every neuron-update to a file. Scoreboard:
:func:`lifhw.digital.testbench.scoreboard` compares each update with the bit-exact model and every mismatch
is logged. The configuration comes from the pytest side in ``LIFHW_RTL_CONFIG`` (JSON).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import cocotb
from cocotb.triggers import RisingEdge

from lifhw import LIFParams, fixed
from lifhw.digital import testbench


@cocotb.test()
async def random_updates_match_model(dut):
    cfg = json.loads(os.environ["LIFHW_RTL_CONFIG"])
    q = fixed.quantize(LIFParams(**cfg["params"]), cfg["dt"], fixed.FixedFormat(**cfg["format"]))
    n, sweeps, work = cfg["n"], cfg["sweeps"], Path(cfg["work"])
    names = ("N", "THRESH", "V_RESET", "LEAK_MULT", "REF_STEPS")
    built = {name: getattr(dut, name).value.to_signed() for name in names}
    assert built == {"N": n, **{k: q.rtl[k] for k in names[1:]}}, f"DUT built with {built}"
    stim, ctrl = testbench.random_stimulus(q, n, sweeps, cfg["seed"])
    testbench.write_stimulus(work, q, stim, ctrl)
    dut.start.value = 1
    start = time.perf_counter()
    await RisingEdge(dut.done)
    seconds = time.perf_counter() - start
    rows = testbench.read_updates(work)
    result = testbench.scoreboard(q, stim, ctrl, rows)
    for line in result.mismatches:
        dut._log.error("mismatch: %s", line)
    dut._log.info("scoreboard: %d neuron-updates compared with lifhw.fixed, %d mismatches", result.updates,
                  len(result.mismatches))
    (work / "scoreboard.json").write_text(json.dumps(
        {"updates": result.updates, "expected": result.expected, "mismatches": len(result.mismatches),
         "sim_seconds": seconds, "spikes": int(rows[:, 2].sum()), "at_v_min": int((rows[:, 3] == q.v_min).sum()),
         "at_v_max": int((rows[:, 3] == q.v_max).sum()), "resets": int((testbench.resets(ctrl) > 0).sum())}))
    assert result.passed, f"{len(result.mismatches)} mismatches (first: {result.mismatches[:1]})"
