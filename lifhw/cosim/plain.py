"""The plain ngspice reference, in a process of its own (``python -m lifhw.cosim.plain CONFIG``): transients of
a tile deck with no HDL simulator, the DAC codes as the deck's own sources.

CONFIG is a JSON file: ``deck``, ``n``, ``vdd``, ``t_stop``, ``max_step``, ``seed`` (the mismatch sample, or
null), ``predict`` and ``out``. Without ``predict`` it runs one transient of the deck as it is; with it
(``{"target": clocks, "bits": …, "isi_max": clocks, "clock": s}``) it runs :func:`lifhw.cosim.sar.predict`: the trim
search of every neuron on its plain transients, one transient of the tile per round with each neuron's trim DAC
``alter``ed to the trial its search needs next. The result (``rises``: per transient, per neuron, the spike times;
``trials`` of each prediction; ``load_cpu``, ``tran_cpu``, ``points``) is written to ``out``.
"""

from __future__ import annotations

import json
import math
import sys
import time
from typing import Any

import numpy as np

from .. import jsonio
from ..spice.measure import crossings
from . import sar
from .ngspice import NgSpice
from .tile import bit_commands


def transients(config: dict) -> dict:
    ng = NgSpice()
    c0 = time.process_time()
    ng.load(config["deck"])
    out: dict[str, Any] = {"rises": [], "load_cpu": time.process_time() - c0, "tran_cpu": 0.0, "points": 0}
    n, vdd, seed = config["n"], config["vdd"], config["seed"]
    if seed is not None:
        ng.redraw(seed)

    def transient(codes: list[int] | None) -> list[list[float]]:
        if codes is not None:
            if out["points"]:
                # a fresh start of the loaded deck and its mismatch sample (reset forgets every alter)
                ng.command("destroy all")
                if seed is not None:
                    ng.redraw(seed)
                else:
                    ng.command("reset")
            for k, code in enumerate(codes):
                for command in bit_commands("trim", k, ~code & 0xFFFF, code, vdd):
                    ng.command(command)
        c0 = time.process_time()
        ng.command(f"tran {config['max_step']!r} {config['t_stop']!r} 0 {config['max_step']!r}")
        out["tran_cpu"] += time.process_time() - c0
        t = ng.vector("time")
        if t[-1] < config["t_stop"] * (1 - 1e-9):
            raise RuntimeError(f"ngspice's transient ended at {t[-1]!r} s of {config['t_stop']!r} s")
        out["points"] += len(t)
        rises = [crossings(t, ng.vector(f"v(spk{k})"), vdd / 2).tolist() for k in range(n)]
        out["rises"].append(rises)
        return rises

    plan = config.get("predict")
    if plan is None:
        transient(None)
        return out

    def measure(codes: list[int]) -> list[float]:
        # the steady interval: the mean of the intervals between the spikes (each starts from a reset)
        return [float(np.mean(np.diff(r))) / plan["clock"] if len(r) > 1 else math.inf for r in transient(codes)]

    results = sar.predict(measure, n, plan["target"], plan["bits"], plan["isi_max"])
    out["trials"] = [r.trials for r in results]
    return out


if __name__ == "__main__":
    with open(sys.argv[1]) as handle:
        cfg = json.load(handle)
    jsonio.write(cfg["out"], transients(cfg), indent=None)
