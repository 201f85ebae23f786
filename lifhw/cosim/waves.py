"""The co-simulation's waveform pair, both VCD on one time axis (the digital's, ps): ``digital.vcd``, the tile
periphery's ports as the cocotb test saw them change (spike lines, DAC codes, AER FIFO, clock request), and
``analog.vcd``, ngspice's membranes and spike lines as real variables. (cocotb's Icarus runner disables the
simulator's own ``$dumpfile`` unless it writes FST, so the digital half is recorded by the test itself.)"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..files import write_atomic

#: The ports of dv/tb_cosim_tile.v the digital VCD records.
DIGITAL_SIGNALS = ("spk_i", "in_code_o", "trim_code_o", "ev_valid_o", "ev_addr_o", "ev_ts_o", "ev_pop_i",
                   "clk_req_o", "we_i", "addr_i")


def _header(scope: str, variables: list[tuple[str, str, int]]) -> list[str]:
    lines = ["$timescale 1ps $end", f"$scope module {scope} $end"]
    lines += [f"$var {kind} {width} s{k} {name} $end" for k, (name, kind, width) in enumerate(variables)]
    return lines + ["$upscope $end", "$enddefinitions $end"]


def write_digital_vcd(path: Path, widths: dict[str, int], changes: list[tuple[int, str, int]]) -> None:
    """``changes``: (time in ps, signal name, integer value) in time order, the first of each signal its start."""
    names = list(widths)
    ids = {name: f"s{k}" for k, name in enumerate(names)}
    lines = _header("tile", [(name, "wire", widths[name]) for name in names])
    last = None
    for ps, name, value in changes:
        if ps != last:
            lines.append(f"#{ps}")
            last = ps
        lines.append(f"b{value:b} {ids[name]}" if widths[name] > 1 else f"{value & 1}{ids[name]}")
    write_atomic(Path(path), ("\n".join(lines) + "\n").encode())


def write_analog_vcd(path: Path, t0: float, vectors: dict[str, list[float]]) -> None:
    """``vectors``: ``time`` (s of analog time, the digital's time minus ``t0``) and each signal, by ngspice name
    (``v(mem0)`` becomes ``mem0``). Times in ps, values in V."""
    t = np.asarray(vectors["time"], dtype=float)
    names = [n for n in vectors if n != "time"]
    lines = _header("analog", [(n.removeprefix("v(").removesuffix(")"), "real", 64) for n in names])
    values = [np.asarray(vectors[n], dtype=float) for n in names]
    last_ps = -1
    for i, ps in enumerate(np.round((t0 + t) * 1e12).astype(np.int64)):
        if ps <= last_ps:
            continue                               # two ngspice points inside one ps: the first is kept
        lines.append(f"#{ps}")
        lines += [f"r{v[i]:.6g} s{k}" for k, v in enumerate(values)]
        last_ps = ps
    write_atomic(Path(path), ("\n".join(lines) + "\n").encode())
