"""The cocotb tests that :mod:`lifhw.cosim.run` starts on ``dv/tb_cosim_tile.v`` (in the package so that an
installed lifhw has them): ``tile`` (codes written through the register port, host writes at scheduled times, the
AER FIFO read as software would) and ``trim`` (the same on a mismatched tile, the trim search started by the host).

The run's configuration is the JSON file named by ``LIFHW_COSIM_CONFIG``; the result is written to its ``out``.
"""

from __future__ import annotations

import functools
import json
import os

import cocotb
from cocotb.triggers import First, Lock, ReadOnly, RisingEdge, Timer, ValueChange
from cocotb.utils import get_sim_time

from .. import jsonio
from ..errors import LifhwError
from .bridge import Bridge
from .waves import DIGITAL_SIGNALS, write_digital_vcd

CONFIG = os.environ.get("LIFHW_COSIM_CONFIG")


def _config() -> dict:
    with open(CONFIG or "") as handle:
        return json.load(handle)


#: The register port takes one write per clock: host writes due at the same time go one after another.
_PORT = Lock()


async def _write(dut, address: int, data: int) -> None:
    async with _PORT:
        dut.addr_i.value = address
        dut.wdata_i.value = data
        dut.we_i.value = 1
        await RisingEdge(dut.clk_o)
        dut.we_i.value = 0
        await Timer(1, "ns")


async def _read(dut, address: int) -> int:
    dut.addr_i.value = address
    await Timer(1, "ns")
    return int(dut.rdata_o.value)


async def _aer_reader(dut, events: list) -> None:
    """Software reading the FIFO: whenever an event is there, take it (one pop per clock)."""
    while True:
        if not int(dut.ev_valid_o.value):
            await RisingEdge(dut.ev_valid_o)
        await ReadOnly()                       # the FIFO word is written in the same time step
        events.append((int(dut.ev_addr_o.value), int(dut.ev_ts_o.value)))
        await Timer(1, "ns")
        dut.ev_pop_i.value = 1
        await RisingEdge(dut.clk_o)
        dut.ev_pop_i.value = 0
        await Timer(1, "ns")


async def _code_monitor(dut, changes: list, t0_ns: float) -> None:
    """Every change of the DAC code registers: (analog time, packed input codes, packed trim codes)."""
    while True:
        await First(ValueChange(dut.in_code_o), ValueChange(dut.trim_code_o))
        changes.append(((get_sim_time("ns") - t0_ns) * 1e-9, int(dut.in_code_o.value), int(dut.trim_code_o.value)))


async def _recorder(dut, changes: list) -> None:
    """Every change of the periphery's ports, (ps, name, value): the digital half of the waveform pair."""
    signals = {name: getattr(dut, name) for name in DIGITAL_SIGNALS}
    last: dict[str, int] = {}
    while True:
        now = get_sim_time("ps")
        for name, signal in signals.items():
            value = int(signal.value) if signal.value.is_resolvable else 0
            if last.get(name) != value:
                changes.append((now, name, value))
                last[name] = value
        await First(*(ValueChange(signal) for signal in signals.values()))


async def _start(dut, config: dict) -> tuple[Bridge, list, list]:
    """Reset, the initial codes through the register port, then the bridge with the deck loaded."""
    n = config["n"]
    for name in ("spk_i", "we_i", "addr_i", "wdata_i", "ev_pop_i"):
        getattr(dut, name).value = 0
    dut.rst_i.value = 1
    await Timer(3, "us")
    dut.rst_i.value = 0
    for k in range(n):
        await _write(dut, k, config["in_codes"][k])
        await _write(dut, n + k, config["trim_codes"][k])
    if config.get("target"):
        await _write(dut, 2 * n + 1, config["target"])
    await Timer(3, "us")
    t0 = get_sim_time("ns")
    bridge = Bridge(dut, config["deck"], n, config["vdd"], config["t_stop"], config["max_step"], config["sync"],
                    t0_ns=t0, clock_period_ns=config["clock_period_ns"])
    bridge.load(config.get("seed"))
    for tau, address, data in config.get("schedule", []):
        bridge.call_at(tau, functools.partial(_write, dut, address, data))
    events: list = []
    changes: list = []
    if config.get("vcd"):
        config["_recorded"] = []
        cocotb.start_soon(_recorder(dut, config["_recorded"]))
    cocotb.start_soon(_aer_reader(dut, events))
    cocotb.start_soon(_code_monitor(dut, changes, t0))
    return bridge, events, changes


async def _finish(dut, config: dict, bridge: Bridge, events: list, changes: list) -> None:
    stats = await bridge.run()
    await Timer(20, "us")                      # the last spike's event through the synchroniser and the FIFO
    n = config["n"]
    out = {"t0": bridge.t0_ns * 1e-9, "edges": bridge.edges, "aer": events, "code_changes": changes,
           "ctrl": await _read(dut, 2 * n), "lost": await _read(dut, 2 * n + 2),
           "trim_codes": [await _read(dut, n + k) for k in range(n)],
           "trim_stat": [await _read(dut, 2 * n + 3 + k) for k in range(n)],
           "stats": {"stops": stats.stops, "spike_stops": stats.spike_stops, "host_stops": stats.host_stops,
                     "load_cpu": stats.load_cpu, "loop_cpu": stats.loop_cpu, "loop_wall": stats.loop_wall,
                     "points": stats.points}}
    if config.get("vcd"):
        widths = {name: len(getattr(dut, name)) for name in DIGITAL_SIGNALS}
        write_digital_vcd(config["vcd"], widths, config["_recorded"])
    if config.get("membranes"):
        out["waveforms"] = bridge.waveforms([f"v(mem{k})" for k in range(n)] + [f"v(spk{k})" for k in range(n)])
    jsonio.write(config["out"], out, indent=None)


async def _run(dut, search: bool) -> None:
    config = _config()
    try:
        bridge, events, changes = await _start(dut, config)
        if search:
            bridge.call_at(config["t_start"], functools.partial(_write, dut, 2 * config["n"], 1))
        await _finish(dut, config, bridge, events, changes)
    except LifhwError as exc:
        # the caller reads why from the result file (ngspice's message), not from the simulator's log
        jsonio.write(config["out"], {"error": str(exc)}, indent=None)
        raise


@cocotb.test()
async def tile(dut):
    """The tile with host writes at scheduled analog times."""
    await _run(dut, search=False)


@cocotb.test()
async def trim(dut):
    """The trim search of every neuron, started by the host at ``t_start``."""
    await _run(dut, search=True)
