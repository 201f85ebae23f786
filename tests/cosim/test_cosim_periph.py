"""The tile periphery's RTL alone (Icarus, no analog): the trim search against its Python model
(lifhw.cosim.sar) on tables of intervals, and the AER encoder's overflow accounting against the spikes sent."""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path

from lifhw.cosim import sar
from lifhw.digital import runner

HERE = Path(__file__).parent
ISI_W = 10                                   # 1023-clock waits: silent codes time out quickly


def _run(test: str, toplevel: str, parameters: dict, config: dict, tmp_path: Path):
    config = {**config, "out": str(tmp_path / "out.json")}
    results = runner.cocotb_run("cocotb_periph", toplevel, parameters, tmp_path / "hdl", HERE,
                                extra_env={"LIFHW_PERIPH_CONFIG": json.dumps(config)}, test_filter=rf"\.{test}$")
    text = results.read_text()
    assert "<failure" not in text and "<error" not in text
    return json.loads((tmp_path / "out.json").read_text())


def _cases() -> list[dict]:
    rng = random.Random(22)
    cases = []
    for k in range(24):
        steps = [rng.randint(2, 30) for _ in range(32)]
        table = list(itertools.accumulate(steps, initial=rng.randint(60, 200)))[:32]
        if k % 6 == 5:
            table = [t if c < 20 else None for c, t in enumerate(table)]      # codes >= 20: the neuron is silent
        finite = [t for t in table if t is not None]
        target = rng.randint(finite[0] - 40, finite[-1] + 40) if k % 4 else rng.choice(finite)   # some exact ties
        cases.append({"table": table, "target": max(target, 2)})
    return cases


def test_trim_sar_ends_where_the_model_predicts(tmp_path):
    cases = _cases()
    got = _run("trim_sar_tables", "trim_sar", {"BITS": 5, "ISI_W": ISI_W}, {"isi_w": ISI_W, "cases": cases},
               tmp_path)
    isi_max = (1 << ISI_W) - 1
    for case, result in zip(cases, got, strict=True):
        table = [float("inf") if t is None else t for t in case["table"]]
        model = sar.search(lambda c, table=table: table[c], case["target"], 5, isi_max)
        assert (result["code"], result["iterations"]) == (model.code, model.iterations), case
    # the cases reach both ends, both final choices and the silent codes
    codes = {r["code"] for r in got}
    assert 0 in codes and 31 in codes and 19 in codes


def test_aer_overflow_is_flagged_and_every_spike_counted(tmp_path):
    n, rounds, depth = 4, 6, 16
    out = _run("aer_overflow", "tb_cosim_tile", {"N": n, "GATED": 1, "DEPTH": depth},
               {"n": n, "rounds": rounds}, tmp_path)
    events = out["events"]
    assert out["ctrl"] >> 2 & 1                            # overflow flag set
    assert len(events) + out["lost"] == n * rounds         # delivered + lost = sent: nothing vanishes silently
    assert len(events) == depth + n                        # the FIFO full and one pending event per neuron
    # every round's simultaneous spikes leave with one timestamp, one event per neuron
    by_ts: dict[int, list[int]] = {}
    for address, ts in events:
        by_ts.setdefault(ts, []).append(address)
    assert all(sorted(a) == list(range(n)) for a in by_ts.values())
