"""The analog half of a co-simulation's waveform pair: ngspice's vectors as a VCD of real variables on the
digital's time axis (``dv/tb_cosim_tile.v`` dumps the other half with ``+vcd=``), so a viewer such as GTKWave
opens both and shows membranes, spike lines, AER events and DAC codes on one time axis."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..files import write_atomic


def write_analog_vcd(path: Path, t0: float, vectors: dict[str, list[float]]) -> None:
    """``vectors``: ``time`` (s of analog time, the digital's time minus ``t0``) and each signal, by ngspice name
    (``v(mem0)`` becomes ``mem0``). Times in ps, values in V."""
    t = np.asarray(vectors["time"], dtype=float)
    names = [n for n in vectors if n != "time"]
    ids = {n: f"s{k}" for k, n in enumerate(names)}
    lines = ["$timescale 1ps $end", "$scope module analog $end"]
    lines += [f"$var real 64 {ids[n]} {n.removeprefix('v(').removesuffix(')')} $end" for n in names]
    lines += ["$upscope $end", "$enddefinitions $end"]
    values = {n: np.asarray(vectors[n], dtype=float) for n in names}
    last_ps = -1
    for i, ps in enumerate(np.round((t0 + t) * 1e12).astype(np.int64)):
        if ps <= last_ps:
            continue                               # two ngspice points inside one ps: the first is kept
        lines.append(f"#{ps}")
        lines += [f"r{values[n][i]:.6g} {ids[n]}" for n in names]
        last_ps = ps
    write_atomic(Path(path), ("\n".join(lines) + "\n").encode())
