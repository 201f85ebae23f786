"""The lockstep bridge: the tile's neurons in libngspice (this process) and its periphery in the HDL simulator,
driven from one cocotb coroutine, with no threads and no per-step callbacks.

The analog side leads and the digital follows it exactly:

* ngspice runs its transient in the foreground until one of its own ``stop when`` conditions holds: a spike line
  crossing vdd/2 (rising while low, falling while high), or the analog time reaching the next sync time. The
  check is ngspice's, in C, at every accepted timepoint, and a stop neither adds a timepoint nor cuts a step, so
  the analog takes the steps of a plain transient of the same deck.
* At each stop the bridge interpolates every spike edge in the new samples and drives it onto ``spk_i`` at its
  exact time (1 ps resolution) while it advances the HDL simulator to the analog time; then it reads the DAC codes
  the digital holds, ``alter``s the code-bit sources whose level changed, and resumes ngspice.
* Event-driven: while the tile's clock is gated off (``clk_req_o`` low) the digital cannot change a code before
  the next spike edge, a host access or its own next event (``wake_ts_o``, a waiting search's time-out edge), so
  ngspice runs freely to the earliest of those. While ``clk_req_o`` is high (a spike in the synchroniser, a
  register access, a search deciding) the next stop is the first timepoint at or after one **sync interval**
  later. So the sync interval is the digital's latency seen by the analog: a code the digital sets reaches the
  neurons within one sync interval plus one transient step, and a spike time of the co-simulation differs from
  the plain transient's by at most that much.
* Host actions (register writes, a search start) are scheduled at analog times (:meth:`Bridge.call_at`): ngspice
  gets a breakpoint there (``ngSpice_SetBkpt``) and stops exactly at it, and the coroutine starts when the digital
  is there.

A transient that ends before its stop time without a stop condition (ngspice's "timestep too small") raises
SpiceError with ngspice's message: a co-simulation never returns a short result.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field

import numpy as np

from ..errors import SpiceError
from .ngspice import NgSpice
from .tile import DACS, bit_commands

_STOPPED = re.compile(r"condition met", re.IGNORECASE)


@dataclass
class Stats:
    stops: int = 0
    spike_stops: int = 0
    host_stops: int = 0
    load_cpu: float = 0.0
    loop_cpu: float = 0.0
    loop_wall: float = 0.0
    points: int = 0
    extra: dict = field(default_factory=dict)


class Bridge:
    """One co-simulation: ``dut`` is ``dv/tb_cosim_tile.v`` under cocotb, ``deck`` the tile's deck file."""

    def __init__(self, dut, deck: str, n: int, vdd: float, t_stop: float, max_step: float, sync: float,
                 t0_ns: float, clock_period_ns: float):
        self.dut, self.deck, self.n, self.vdd = dut, deck, n, vdd
        self.t_stop, self.max_step, self.sync = t_stop, max_step, sync
        self.level = vdd / 2
        self.t0_ns, self.clock_period_ns = t0_ns, clock_period_ns
        self.scheduled: list[tuple[float, Callable[[], Coroutine]]] = []
        self.edges: list[tuple[float, int, int]] = []            # (analog time, neuron, new level) driven on spk_i
        self.stats = Stats()
        self.ng = NgSpice()
        self._high = [False] * n
        self._codes = {kind: [0] * n for kind, _, _ in DACS}
        self._index = 0

    def load(self, mismatch_seed: int | None = None) -> None:
        """Load the deck; with ``mismatch_seed`` (a deck with the ``_mm`` section) draw that sample: the same
        draw as a plain run of the same deck and seed."""
        c0 = time.process_time()
        self.ng.load(self.deck)
        if mismatch_seed is not None:
            self.ng.redraw(mismatch_seed)
        self.stats.load_cpu = time.process_time() - c0

    def call_at(self, tau: float, coroutine_function: Callable[[], Coroutine]) -> None:
        """Start ``coroutine_function()`` when the digital reaches analog time ``tau`` (s)."""
        self.scheduled.append((float(tau), coroutine_function))
        self.scheduled.sort(key=lambda item: item[0])

    def _read_codes(self) -> dict[str, list[int]]:
        out = {}
        for kind, bits, _ in DACS:
            packed = int(getattr(self.dut, f"{kind}_code_o").value)
            out[kind] = [(packed >> (k * bits)) & ((1 << bits) - 1) for k in range(self.n)]
        return out

    def _apply(self, force: bool = False) -> None:
        """Set the code-bit sources to the digital's codes (only the bits that changed)."""
        for kind, codes in self._read_codes().items():
            for k, code in enumerate(codes):
                old = self._codes[kind][k]
                if force:
                    old = ~code & ((1 << 24) - 1)
                for command in bit_commands(kind, k, old, code, self.vdd):
                    self.ng.command(command)
            self._codes[kind] = codes

    def _arm(self, t_next: float) -> None:
        self.ng.command("delete all")
        for k in range(self.n):
            self.ng.command(f"stop when v(spk{k}) {'<' if self._high[k] else '>'} {self.level!r}")
        if t_next < self.t_stop:
            self.ng.command(f"stop when time >= {t_next - 1e-12!r}")

    def _new_edges(self) -> tuple[list[tuple[float, int, int]], float]:
        """Spike edges in the samples since the last stop, (time, neuron, new level) in time order; the time now."""
        t = self.ng.vector("time", self._index)
        edges = []
        for k in range(self.n):
            v = self.ng.vector(f"v(spk{k})", self._index)[:len(t)] - self.level
            high = v >= 0
            for i in np.nonzero(high[1:] != high[:-1])[0]:
                frac = v[i] / (v[i] - v[i + 1])
                edges.append((float(t[i] + frac * (t[i + 1] - t[i])), k, int(high[i + 1])))
            self._high[k] = bool(high[-1])
        self._index += len(t) - 1
        return sorted(edges), float(t[-1])

    async def _until(self, tau: float) -> None:
        from cocotb.triggers import Timer
        from cocotb.utils import get_sim_time

        ps = round((self.t0_ns + tau * 1e9 - get_sim_time("ns")) * 1000)
        if ps > 0:
            await Timer(ps, "ps")

    async def run(self) -> Stats:
        """Run the transient to ``t_stop`` in lockstep with the digital."""
        import cocotb
        from cocotb.triggers import Timer

        self._apply(force=True)
        for tau, _ in self.scheduled:
            self.ng.breakpoint(tau)
        c0, w0 = time.process_time(), time.perf_counter()
        tau, started = 0.0, False
        while True:
            candidates = [self.t_stop] + [s for s, _ in self.scheduled[:1]]
            if int(self.dut.clk_req_o.value):
                candidates.append(tau + self.sync)
            elif int(self.dut.wake_o.value):
                # the digital's own next event: the clock edge at which a waiting search times out
                edge_ns = int(self.dut.wake_ts_o.value) * self.clock_period_ns + self.clock_period_ns / 2
                candidates.append(max(tau, (edge_ns - self.t0_ns) * 1e-9))
            self._arm(min(candidates))
            if started:
                lines = self.ng.command("resume")
            else:
                lines = self.ng.command(f"tran {self.max_step!r} {self.t_stop!r} 0 {self.max_step!r}")
                started = True
            edges, tau = self._new_edges()
            self.stats.stops += 1
            self.stats.spike_stops += bool(edges)
            for t_edge, k, level in edges:
                await self._until(t_edge)
                current = int(self.dut.spk_i.value)
                self.dut.spk_i.value = (current | (1 << k)) if level else (current & ~(1 << k))
                self.edges.append((t_edge, k, level))
            await self._until(tau)
            if tau >= self.t_stop * (1 - 1e-12):
                break
            if not _STOPPED.search("".join(lines)):
                raise SpiceError(f"ngspice's transient ended at {tau!r} s of {self.t_stop!r} s without reaching a "
                                 f"stop: {' '.join(line.strip() for line in lines[-3:])}")
            while self.scheduled and self.scheduled[0][0] <= tau + 1e-12:
                _, function = self.scheduled.pop(0)
                self.stats.host_stops += 1
                cocotb.start_soon(function())
                await Timer(1, "ps")          # it drives its first signals before clk_req_o is read
            self._apply()
        self._apply()
        self.stats.loop_cpu, self.stats.loop_wall = time.process_time() - c0, time.perf_counter() - w0
        self.stats.points = self.ng.length("time")
        return self.stats

    def waveforms(self, names: list[str]) -> dict[str, np.ndarray]:
        """The transient's vectors (``time`` and ``names``) after :meth:`run`."""
        return {name: self.ng.vector(name) for name in ["time", *names]}
