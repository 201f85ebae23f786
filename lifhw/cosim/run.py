"""The co-simulation runs of ``lifhw cosim``: the tile against the plain ngspice transient of the same deck, and
the trim calibration of a Monte Carlo tile against the prediction of its search from plain transients.

Each run has a folder of its own (``files.run_folder``: kept when it fails, with the logs the error names): the
tile's deck, the cocotb build and log (``test.log``), the configuration and the result of each side. The HDL
simulator is Icarus (cocotb's runner); the co-simulation's ngspice runs inside it (the cocotb test loads
libngspice), the plain reference in a process of its own (:mod:`lifhw.cosim.plain`), so both are timed alike. The
tile's reference replays the codes the co-simulation set, so it runs after it; the trim's prediction needs nothing
of the co-simulation and runs alongside it (on a second core the run takes the slower of the two).
"""

from __future__ import annotations

import json
import math
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..digital import runner
from ..errors import ParameterError, RtlError, SpiceError
from ..files import write_atomic
from ..jsonio import Record
from ..limits import check_steps
from ..units import check_value
from . import sar
from .tile import IN_BITS, TRIM_BITS, Tile, check_codes
from .waves import write_analog_vcd

CLOCK_PERIOD = 1e-6          # the tile's clock (dv/tb_cosim_tile.v: CLK_HALF_NS = 500)
MAX_STEP = 9e-5              # the transients' max step (s): a tenth of a spike's ~1 ms of membrane ramp near V_th
TRIM_START = 2e-3            # when the host starts the searches (s of analog time)
TRIM_ISI_W = 18              # trim_sar's interval counter bits (tile_periph's default)
ISI_MAX = (1 << TRIM_ISI_W) - 1
COCOTB_MODULE = "lifhw.cosim.cocotb_tile"


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _check_time(name: str, value: float) -> float:
    return check_value(value, name, "s", minimum=0.0, exclusive=True)


@dataclass(frozen=True)
class NeuronRun(Record):
    """One neuron of a tile run: spikes in the co-simulation and in the plain transient of the same deck."""

    neuron: int
    in_code: int
    trim_code: int
    spikes: int
    spikes_spice: int
    max_time_offset: float         # max |co-simulated − plain| spike time (s); NaN when the counts differ
    aer_events: int                # AER events with this neuron's address
    aer_max_error: float           # max |event time − plain crossing| (s), event time = the synchroniser's edge


@dataclass(frozen=True)
class TileRun(Record):
    circuit: str
    n: int
    t_sim: float
    sync: float
    max_step: float
    clock_period: float
    neurons: list[NeuronRun]
    aer_events: int
    lost_events: int
    overflow: bool
    events: list[tuple[int, int, float]]   # the FIFO as the host read it: (address, timestamp, analog time (s) of
    #                                        the clock edge at which the synchroniser took the spike)
    aer_stamp_errors: list[int]    # event timestamp − (first clock edge at/after the crossing + 2), rtl/README.md
    time_bound: float              # the bound of max_time_offset: one sync interval + one transient max step
    aer_bound: float               # ... of aer_max_error: one clock more
    code_changes: int
    stops: int
    cosim_wall: float
    cosim_cpu: float
    plain_wall: float
    plain_cpu: float

    @property
    def ratio_wall(self) -> float:
        return self.cosim_wall / self.plain_wall

    @property
    def ratio_cpu(self) -> float:
        return self.cosim_cpu / self.plain_cpu


def _cosim(work: Path, tile: Tile, config: dict, test: str) -> tuple[dict, float, float]:
    """Build dv/tb_cosim_tile.v and run the cocotb test ``test`` of :mod:`lifhw.cosim.cocotb_tile`; return its
    result, its wall and CPU time."""
    config = {**config, "n": tile.n, "vdd": tile.vdd, "clock_period_ns": CLOCK_PERIOD * 1e9,
              "out": str(work / f"{test}.json")}
    config_path = work / f"{test}-config.json"
    write_atomic(config_path, json.dumps(config).encode())
    build = work / "hdl"
    built = runner.cocotb_build("tb_cosim_tile", {"N": tile.n, "GATED": 1}, build)
    c0, w0 = _child_cpu(), time.perf_counter()
    try:
        runner.cocotb_test(built, COCOTB_MODULE, "tb_cosim_tile", build, Path(__file__).resolve().parents[2],
                           extra_env={"LIFHW_COSIM_CONFIG": str(config_path),
                                      # cocotb's default hook rewrites the asserts of every module imported after
                                      # it (scipy, numpy, lifhw: ~480 modules, ~5 s of CPU per run, uncached
                                      # under PYTHONDONTWRITEBYTECODE); the co-simulation's tests assert nothing
                                      "COCOTB_REWRITE_ASSERTION_FILES": ""},
                           test_filter=rf"\.{test}$")
    except SystemExit:
        pass                          # under pytest cocotb's runner exits on a failed test; the result says why
    wall, cpu = time.perf_counter() - w0, _child_cpu() - c0
    out_path = Path(config["out"])
    if not out_path.exists():
        raise RtlError(f"the co-simulation wrote no result; log: {build / 'test.log'}")
    out = json.loads(out_path.read_text())
    if "error" in out:
        raise SpiceError(f"co-simulation failed: {out['error']} (log: {build / 'test.log'})")
    return out, wall, cpu


class _Plain:
    """Plain ngspice transients of ``deck`` in a process of their own (:mod:`lifhw.cosim.plain`), started at once:
    the caller may run the co-simulation meanwhile (the machine's second core). :meth:`result` waits for it."""

    def __init__(self, work: Path, tile: Tile, deck: Path, t_stop: float, seed: int | None, predict: dict | None,
                 tag: str):
        self.out, self.log = work / f"{tag}.json", work / f"{tag}.log"
        config = {"deck": str(deck), "n": tile.n, "vdd": tile.vdd, "t_stop": t_stop, "max_step": MAX_STEP,
                  "seed": seed, "predict": predict, "out": str(self.out)}
        config_path = work / f"{tag}-config.json"
        write_atomic(config_path, json.dumps(config).encode())
        self.w0 = time.perf_counter()
        with open(self.log, "wb") as handle:
            self.process = subprocess.Popen([sys.executable, "-m", "lifhw.cosim.plain", str(config_path)],
                                            stdout=handle, stderr=subprocess.STDOUT)

    def result(self) -> tuple[dict, float, float]:
        """The transients' result, their wall and CPU time (this child's alone: os.wait4, not the children's sum,
        which would count a co-simulation that ran meanwhile)."""
        _, status, usage = os.wait4(self.process.pid, 0)
        self.process.returncode = os.waitstatus_to_exitcode(status)
        wall, cpu = time.perf_counter() - self.w0, usage.ru_utime + usage.ru_stime
        if self.process.returncode != 0:
            last = [line for line in self.log.read_text(errors="replace").splitlines() if line.strip()][-1:]
            raise SpiceError(f"the plain ngspice transient failed: {' '.join(last)} (log: {self.log})")
        return json.loads(self.out.read_text()), wall, cpu

    def stop(self) -> None:
        """End the transients if they still run (the caller failed or was interrupted)."""
        if self.process.returncode is None:
            self.process.kill()
            self.process.wait()


def _plain(work: Path, tile: Tile, deck: Path, t_stop: float, seed: int | None, predict: dict | None,
           tag: str) -> tuple[dict, float, float]:
    """:class:`_Plain` run to its end: the result, wall and CPU time."""
    plain = _Plain(work, tile, deck, t_stop, seed, predict, tag)
    try:
        return plain.result()
    finally:
        plain.stop()


def _rises(edges: list, n: int) -> list[np.ndarray]:
    return [np.array([t for t, k, level in edges if k == j and level == 1]) for j in range(n)]


def default_schedule(n: int, t_sim: float, in_codes: list[int]) -> list[tuple[float, int, int]]:
    """Host writes while the tile runs, (analog time, register address, data): every input code +6 at a quarter of
    the run, every trim code to 4 at 0.45, neuron 0 silent (code 0) at 0.6 and back at 0.75."""
    top = (1 << IN_BITS) - 1
    return ([(0.25 * t_sim, k, min(in_codes[k] + 6, top)) for k in range(n)]
            + [(0.45 * t_sim, n + k, 4) for k in range(n)]
            + [(0.6 * t_sim, 0, 0), (0.75 * t_sim, 0, in_codes[0])])


def default_in_codes(n: int) -> list[int]:
    """Input codes 30, 33, 36, … (wrapping inside 30 … 51): the neurons fire at different rates."""
    return [30 + 3 * (k % 8) for k in range(n)]


def run_tile(circuit: str, n: int, t_sim: float, sync: float, work: Path, in_codes: list[int] | None = None,
             trim_codes: list[int] | None = None, schedule: list | None = None, waves: Path | None = None) -> TileRun:
    """The tile co-simulated (ngspice + Icarus in lockstep) and the same deck as a plain ngspice transient with
    the codes the digital set, at the times it set them, as piecewise-linear sources. ``waves``: a folder for the
    waveform pair, ``digital.vcd`` (the periphery) and ``analog.vcd`` (membranes and spike lines)."""
    tile = Tile(circuit, n)
    t_sim, sync = _check_time("t_sim", t_sim), _check_time("sync", sync)
    check_steps("t_sim", t_sim, t_sim / MAX_STEP)
    in_codes = check_codes("in_codes", default_in_codes(n) if in_codes is None else in_codes, n, IN_BITS)
    trim_codes = check_codes("trim_codes", [16] * n if trim_codes is None else trim_codes, n, TRIM_BITS)
    schedule = default_schedule(n, t_sim, in_codes) if schedule is None else schedule
    work = Path(work)
    if waves is not None:
        waves = Path(waves).resolve()
        waves.mkdir(parents=True, exist_ok=True)
    deck = work / "tile.cir"
    write_atomic(deck, tile.render({"in": [[(0.0, c)] for c in in_codes],
                                    "trim": [[(0.0, c)] for c in trim_codes]}, waves is not None).encode())
    co, co_wall, co_cpu = _cosim(work, tile, {"deck": str(deck), "in_codes": in_codes, "trim_codes": trim_codes,
                                              "t_stop": t_sim, "max_step": MAX_STEP, "sync": sync,
                                              "schedule": [s for s in schedule if s[0] < t_sim],
                                              "membranes": waves is not None,
                                              "vcd": None if waves is None else str(Path(waves) / "digital.vcd")},
                                  "tile")
    # the plain reference: every code the digital held, from the time it set it
    plan = {"in": [[(0.0, c)] for c in in_codes], "trim": [[(0.0, c)] for c in trim_codes]}
    for tau, packed_in, packed_trim in co["code_changes"]:
        for kind, packed, bits in (("in", packed_in, IN_BITS), ("trim", packed_trim, TRIM_BITS)):
            for k in range(n):
                code = (packed >> (k * bits)) & ((1 << bits) - 1)
                if code != plan[kind][k][-1][1]:
                    plan[kind][k].append((tau, code))
    reference = work / "reference.cir"
    write_atomic(reference, tile.render(plan).encode())
    plain, plain_wall, plain_cpu = _plain(work, tile, reference, t_sim, None, None, "plain")
    co_rise = _rises(co["edges"], n)
    plain_rise = [np.array(r) for r in plain["rises"][0]]
    t0, period = co["t0"], CLOCK_PERIOD
    events = {j: sorted(ts for a, ts in co["aer"] if a == j) for j in range(n)}
    stamp_errors: set[int] = set()
    neurons = []
    for j in range(n):
        counts_equal = len(co_rise[j]) == len(plain_rise[j])
        offset = float(np.max(np.abs(co_rise[j] - plain_rise[j]), initial=0.0)) if counts_equal else math.nan
        for t, ts in zip(co_rise[j], events[j], strict=False):
            stamp_errors.add(int(ts - (math.ceil(((t0 + t) - period / 2) / period - 1e-9) + 2)))
        # the edge at which the synchroniser took the spike, against the plain transient's crossing
        taken = [(ts - 2) * period + period / 2 - t0 for ts in events[j]]
        aer_error = (max((abs(a - b) for a, b in zip(taken, plain_rise[j], strict=True)), default=0.0)
                     if len(taken) == len(plain_rise[j]) else math.nan)
        neurons.append(NeuronRun(j, in_codes[j], trim_codes[j], len(co_rise[j]), len(plain_rise[j]), offset,
                                 len(events[j]), aer_error))
    if waves is not None:
        write_analog_vcd(Path(waves) / "analog.vcd", t0, co["waveforms"])
    events_read = [(int(a), int(ts), (ts - 2) * period + period / 2 - t0) for a, ts in co["aer"]]
    return TileRun(circuit, n, t_sim, sync, MAX_STEP, CLOCK_PERIOD, neurons, len(co["aer"]), co["lost"],
                   bool(co["ctrl"] >> 2 & 1), events_read, sorted(stamp_errors), sync + MAX_STEP,
                   sync + MAX_STEP + period, len(co["code_changes"]), co["stats"]["stops"], co_wall, co_cpu,
                   plain_wall, plain_cpu)


@dataclass(frozen=True)
class TrimNeuron(Record):
    """One neuron of a trim calibration."""

    neuron: int
    code: int                      # the code the co-simulated search (rtl/trim_sar.v) ended on
    predicted_code: int            # the code the search model ends on over this neuron's plain transients
    margin: float                  # the prediction's smallest decision distance, in trim steps (sar.search)
    iterations: int                # intervals the RTL's search measured
    done: bool
    rate_before: float             # Hz, co-simulated, at the initial code (before the search's first change)
    rate_after: float              # Hz, co-simulated, after the search's last change
    rate_before_spice: float       # Hz, plain transient at the initial code
    rate_after_spice: float        # Hz, plain transient at the co-simulated search's code (NaN if never measured)
    residual_bound: float          # |f/f_target − 1| the search can leave on this neuron (sar.residual_bound)


@dataclass(frozen=True)
class TrimRun(Record):
    circuit: str
    n: int
    seed: int
    target_rate: float
    target_clocks: int
    in_code: int
    sync: float
    tolerance: float
    neurons: list[TrimNeuron]
    spread_before: float           # σ/mean of the rates before and after the trim (co-simulated)
    spread_after: float
    yield_before: float            # fraction of neurons within ±tolerance of the target rate
    yield_after: float
    spread_bound: float            # spread_bound(δ, n), δ = the largest residual_bound: rates within ±δ of the target
    t_sim: float
    stops: int
    cosim_wall: float
    cosim_cpu: float
    predict_wall: float
    predict_cpu: float


def spread_bound(delta: float, n: int) -> float:
    """The largest σ/mean of ``n`` rates that all lie within ±``delta`` (relative) of the target, σ the sample
    standard deviation (n − 1 in its denominator, as the run's spreads are): δ/(1 − δ) for the population σ (a
    half-range over the lowest mean), √(n/(n − 1)) times that for the sample σ; 0 for one neuron."""
    return delta / (1 - delta) * math.sqrt(n / (n - 1)) if n > 1 else 0.0


def _spread(rates: np.ndarray) -> float:
    return float(np.std(rates, ddof=1) / np.mean(rates)) if len(rates) > 1 else 0.0


def _mean_rate(spikes: np.ndarray) -> float:
    return float(1 / np.mean(np.diff(spikes))) if len(spikes) > 1 else math.nan


def run_trim(circuit: str, n: int, seed: int, target_rate: float, sync: float, work: Path, in_code: int = 34,
             tolerance: float = 0.01) -> TrimRun:
    """Calibrate the leak trim of every neuron of a Monte Carlo tile (mismatch sample ``seed``) to
    ``target_rate``: the co-simulated search of rtl/trim_sar.v, and its prediction from plain transients."""
    tile = Tile(circuit, n, mismatch=True, tight=True)
    sync = _check_time("sync", sync)
    target_rate = check_value(target_rate, "target_rate", "Hz", minimum=0.0, exclusive=True)
    target = round(1 / (target_rate * CLOCK_PERIOD))
    if not 2 <= target < ISI_MAX:
        raise ParameterError("target_rate", target_rate, f"must give an interval of 2 … {ISI_MAX - 1} clocks of "
                                                         f"{CLOCK_PERIOD * 1e6:g} µs (the search's counter)")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ParameterError("seed", seed, "must be a whole number >= 0")
    tolerance = check_value(tolerance, "tolerance", "", minimum=0.0, exclusive=True)
    in_codes = check_codes("in_code", [in_code] * n, n, IN_BITS)
    start = 1 << (TRIM_BITS - 1)
    # a search measures about two intervals per bit (a settle spike, then the interval), then two more for the
    # rate after; the slowest neuron of the trim range is ~1.25 target intervals
    t_sim = TRIM_START + (2 * TRIM_BITS + 4) * 1.25 / target_rate
    check_steps("target_rate", target_rate, t_sim / MAX_STEP)
    work = Path(work)
    deck = work / "tile-mc.cir"
    write_atomic(deck, tile.render({"in": [[(0.0, c)] for c in in_codes],
                                    "trim": [[(0.0, start)] for _ in range(n)]}).encode())
    # the prediction needs nothing of the co-simulation: it runs alongside, in a process of its own
    plan = {"target": target, "bits": TRIM_BITS, "isi_max": ISI_MAX, "clock": CLOCK_PERIOD}
    prediction = _Plain(work, tile, deck, 3.5 * 1.25 / target_rate, seed, plan, "predict")
    try:
        co, co_wall, co_cpu = _cosim(work, tile, {"deck": str(deck), "in_codes": in_codes,
                                                  "trim_codes": [start] * n, "t_stop": t_sim, "max_step": MAX_STEP,
                                                  "sync": sync, "seed": seed, "target": target,
                                                  "t_start": TRIM_START}, "trim")
        predicted, predict_wall, predict_cpu = prediction.result()
    finally:
        prediction.stop()
    rises = _rises(co["edges"], n)
    changes: list[list[float]] = [[] for _ in range(n)]
    last = [start] * n
    for tau, _, packed in co["code_changes"]:
        for k in range(n):
            code = (packed >> (k * TRIM_BITS)) & ((1 << TRIM_BITS) - 1)
            if code != last[k]:
                changes[k].append(tau)
                last[k] = code
    neurons = []
    for k in range(n):
        result = sar.search(_table(predicted["trials"][k]), target, TRIM_BITS, ISI_MAX)
        first = changes[k][0] if changes[k] else math.inf
        final = changes[k][-1] if changes[k] else TRIM_START
        code = co["trim_codes"][k]
        interval = result.interval(code)
        stat = co["trim_stat"][k]
        neurons.append(TrimNeuron(
            k, code, result.code, result.margin, stat >> 24, bool(co["ctrl"] >> 1 & 1),
            _mean_rate(rises[k][rises[k] < first]), _mean_rate(rises[k][rises[k] > final]),
            1 / (result.interval(start) * CLOCK_PERIOD), 1 / (interval * CLOCK_PERIOD),
            sar.residual_bound(result, target)))
    before = np.array([x.rate_before for x in neurons])
    after = np.array([x.rate_after for x in neurons])
    bounds = [x.residual_bound for x in neurons if not math.isnan(x.residual_bound)]
    delta = max(bounds, default=math.nan)
    return TrimRun(circuit, n, seed, target_rate, target, in_code, sync, tolerance, neurons, _spread(before),
                   _spread(after), float(np.mean(np.abs(before / target_rate - 1) <= tolerance)),
                   float(np.mean(np.abs(after / target_rate - 1) <= tolerance)), spread_bound(delta, n), t_sim,
                   co["stats"]["stops"], co_wall, co_cpu, predict_wall, predict_cpu)


def _table(trials: list) -> Callable[[int], float]:
    """The plant of a search replayed from its measured trials."""
    measured = {int(code): float(isi) for code, isi, _ in trials}
    return lambda code: measured[code]
