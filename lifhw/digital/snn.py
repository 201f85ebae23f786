"""The SNN core, ``rtl/snn_core.v``: a :class:`lifhw.fixed.FixedNetwork` as its parameters and weight image,
the file-driven testbench ``dv/tb_snn_core.v``, the scoreboard against :func:`lifhw.fixed.network_run`, and area.

:func:`core_parameters` refuses (``ParameterError``, one line naming it) what the core cannot run.
:func:`write_stimulus` turns input events (samples, steps, n_in) into the testbench's files; :func:`expected` is
what the model says the core must report; :func:`scoreboard` compares. :func:`run` does all of it under cocotb
on Icarus or Verilator (the cocotb test is :mod:`lifhw.digital.cocotb_snn`, inside the package so that an
installed lifhw runs it); :func:`area` synthesizes the deployed core with Yosys, its memories kept as memories.
"""

from __future__ import annotations

import json
import re
import time
import typing
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import fixed, jsonio
from ..errors import ParameterError, RtlError
from ..files import tool_folder, write_atomic
from . import runner
from .hdl import SOURCES, packed
from .testbench import write_hex

#: The cocotb test module (this package's ``cocotb_snn.py``): declared so that a cached result follows its code.
COCOTB_MODULE = "lifhw.digital.cocotb_snn"
DATA_FILES = (Path(__file__).with_name("cocotb_snn.py"),)
#: Per-layer Verilog parameters of snn_core (packed, layer 0 in the low 32 bits) and the QuantizedLIF keys.
LAYER_PARAMETERS = ("ACC_W", "LEAK_MULT", "LEAK_FRAC", "THRESH", "V_RESET", "RESET_MODE", "REF_STEPS")
#: Largest layer size snn_core takes (its SIZES check).
MAX_SIZE = 65535
#: The clock at which cycles become inferences per second in deploy's result and the report (a figure any
#: 130 nm standard-cell flow meets for this datapath; the cycle count is what the RTL fixes).
CLOCK_HZ = 100e6
#: Bits of the testbench's control word: probe flag, reset_at, gap.
PROBE_BIT, RESET_SHIFT, RESET_MAX, GAP_MAX = 31, 16, (1 << 15) - 1, (1 << 16) - 1
EVENTS_FILE, CTRL_FILE, COUNTS_FILE, UPDATES_FILE = "events.hex", "ctrl.hex", "counts.txt", "updates.txt"
WEIGHTS_FILE, NETWORK_FILE, STIMULUS_FILE, SCORE_FILE = "weights.hex", "network.npz", "stimulus.npz", "score.json"
BIAS_FILE = "bias.hex"


def bits_for(value: int) -> int:
    """Bits that hold 0..value (at least 1): how snn_core derives its widths (``bits_for`` in the Verilog)."""
    return max(1, int(value).bit_length())


def core_parameters(net: fixed.FixedNetwork, max_steps: int, weight_width: int | None = None) -> dict:
    """snn_core's Verilog parameters for ``net`` (without WEIGHT_FILE, BIAS_FILE), counts up to ``max_steps`` per
    sample; ``BIAS`` is 1 when a layer has a bias (the core then has a bias bank for every neuron).

    ``weight_width`` is the weight memory width of the core to deploy on (default: the widest layer's
    ``weight_bits``). Raises ParameterError for what the core cannot run: layers of different state widths (one
    state memory), weights wider than ``weight_width`` or ``weight_width`` wider than the state, a layer larger
    than :data:`MAX_SIZE`.
    """
    if not isinstance(net, fixed.FixedNetwork):
        raise ParameterError("model", type(net).__name__, "must be a lifhw.fixed.FixedNetwork")
    widths = [layer.q.rtl["WIDTH"] for layer in net.layers]
    if len(set(widths)) != 1:
        raise ParameterError("layers", widths, "state WIDTH differs between layers; snn_core has one state "
                                               "memory and one WIDTH")
    width = widths[0]
    bits = [layer.weight_bits for layer in net.layers]
    weight_w = max(bits) if weight_width is None else weight_width
    if isinstance(weight_w, bool) or not isinstance(weight_w, int) or not 2 <= weight_w <= width:
        raise ParameterError("weight_width", weight_w, f"the core's weight memory width must be 2..WIDTH = {width}")
    for k, b in enumerate(bits):
        if b > weight_w:
            raise ParameterError("weight_width", weight_w, f"layer {k + 1} has {b}-bit weights, wider than the "
                                                           f"core's {weight_w}-bit weight memory")
    for k, n in enumerate(net.sizes):
        if n > MAX_SIZE:
            raise ParameterError("sizes", net.sizes, f"layer {k} has {n} neurons; snn_core takes 1..{MAX_SIZE}")
    if isinstance(max_steps, bool) or not isinstance(max_steps, int) or max_steps < 1:
        raise ParameterError("max_steps", max_steps, "must be a whole number of steps >= 1")
    layer_values = {name: [layer.acc_width if name == "ACC_W" else layer.q.rtl[name] for layer in net.layers]
                    for name in LAYER_PARAMETERS}
    return {"L": len(net.layers), "SIZES": packed(net.sizes), "WIDTH": width, "WEIGHT_W": weight_w,
            **{name: packed(values) for name, values in layer_values.items()}, "MAX_STEPS": max_steps,
            "BIAS": int(any(layer.bias is not None for layer in net.layers))}


def port_widths(net: fixed.FixedNetwork, max_steps: int) -> dict[str, int]:
    """The widths snn_core derives for its ports (the same ``bits_for`` rule as the Verilog)."""
    return {"IN_IDX_W": bits_for(net.n_in - 1), "IDX_W": bits_for(max(net.sizes) - 1),
            "LAY_W": bits_for(len(net.layers) - 1), "OUT_IDX_W": bits_for(net.sizes[-1] - 1),
            "CNT_W": bits_for(max_steps)}


def weight_image(net: fixed.FixedNetwork) -> np.ndarray:
    """The weight memory's words: every layer's W (n_out, n_in) row-major, layer 0 first."""
    return np.concatenate([layer.weights.ravel() for layer in net.layers])


def bias_image(net: fixed.FixedNetwork) -> np.ndarray:
    """The bias bank's words: one per neuron, layers in order (as the state memory), 0 for a layer without bias."""
    return np.concatenate([np.zeros(layer.n_out, dtype=np.int64) if layer.bias is None else layer.bias
                           for layer in net.layers])


def write_memories(work: Path, net: fixed.FixedNetwork, parameters: dict, absolute: bool = True) -> dict[str, str]:
    """Write the weight image (and, with ``BIAS``, the bias bank's) into ``work``; returns the Verilog parameters
    that name them, quoted, as absolute paths or as the bare names (read where the tool runs)."""
    work = Path(work)
    images = {"WEIGHT_FILE": (WEIGHTS_FILE, weight_image(net))}
    if parameters["BIAS"]:
        images["BIAS_FILE"] = (BIAS_FILE, bias_image(net))
    names = {}
    for parameter, (name, words) in images.items():
        write_hex(work / name, words, parameters["WEIGHT_W"])
        names[parameter] = f'"{work / name if absolute else name}"'
    return names


def cycles_per_step(net: fixed.FixedNetwork, events_per_layer) -> int:
    """Clocks of one step (rtl/README.md, *SNN core*): the idle clock that takes step_i, the scan of the n_0
    inputs, and per neuron of layer l an accumulation of E_l + 2 clocks (1 when E_l = 0) and an update; E_l is
    the number of events layer l reads (the spikes of layer l − 1 in this step; layer 0: the input events)."""
    total = 1 + net.n_in
    for layer, e in zip(net.layers, events_per_layer, strict=True):
        total += layer.n_out * ((int(e) + 2 if e else 1) + 1)
    return total


def inference_cycles(net: fixed.FixedNetwork, events) -> np.ndarray:
    """Clocks per sample as tb_snn_core runs it (rtl/README.md, *SNN core*): the reset clock, the init sweep (one
    clock per neuron), every step back to back (:func:`cycles_per_step`, from the model's spikes), then one clock
    to address the counts and one per output neuron to read them. Assumes the events of a step load while the
    step before runs (at most one a clock; true unless a step has more input events than its run has clocks)."""
    events = check_events(net, events)
    result = fixed.network_run(net, events)
    per_layer = [events.sum(axis=-1)] + [s.sum(axis=-1) for s in result.spikes[:-1]]  # (samples, steps) each
    steps = np.vectorize(lambda *e: cycles_per_step(net, e))(*per_layer)
    return 1 + sum(net.sizes[1:]) + steps.sum(axis=1) + 1 + net.sizes[-1]


def wrapper(net: fixed.FixedNetwork, parameters: dict, files: dict[str, str], name: str = "snn_deployed") -> str:
    """A synthesizable top module with the deployed network's parameters: snn_core's ports, its widths written
    out, the memories read from ``files`` (:func:`write_memories`' parameters)."""
    w = port_widths(net, parameters["MAX_STEPS"])
    ports = [("input", "", "clk_i"), ("input", "", "rst_i"), ("input", "", "in_valid_i"),
             ("input", w["IN_IDX_W"], "in_idx_i"), ("output", "", "in_ready_o"), ("input", "", "step_i"),
             ("output", "", "busy_o"), ("output", "", "upd_valid_o"), ("output", w["LAY_W"], "upd_layer_o"),
             ("output", w["IDX_W"], "upd_idx_o"), ("output", "", "upd_spike_o"),
             ("output", ("signed", parameters["WIDTH"]), "upd_v_o"), ("input", w["OUT_IDX_W"], "cnt_addr_i"),
             ("output", w["CNT_W"], "cnt_o")]

    def declaration(direction, width, port):
        signed = ""
        if isinstance(width, tuple):
            signed, width = width
        bus = f"[{width - 1}:0] " if width else ""
        return f"    {direction:<6} wire {signed + ' ' if signed else ''}{bus}{port}"

    overrides = ",\n".join(f"        .{k}({v})" for k, v in {**parameters, **files}.items())
    return (f"// {name}: snn_core with the parameters of a deployed lifhw.fixed.FixedNetwork (lifhw deploy).\n"
            f"// Layer sizes {'-'.join(map(str, net.sizes))}; the memories are read from "
            f"{', '.join(files.values())}.\n"
            "`timescale 1ns / 1ps\n`default_nettype none\n\n"
            f"module {name} (\n" + ",\n".join(declaration(*p) for p in ports) + "\n);\n"
            f"    snn_core #(\n{overrides}\n    ) u_core (\n"
            + ",\n".join(f"        .{p[2]}({p[2]})" for p in ports) + "\n    );\nendmodule\n\n`default_nettype wire\n")


# --- the testbench's files -----------------------------------------------------------------------------------

def control_words(n_samples: int, n_steps: int, probe=None, reset_at=None, gap=None) -> np.ndarray:
    """One control word per step (samples × steps): probe flag, reset_at (clocks after the pulse), idle gap.

    A step that a reset cuts is not probed: which of its updates ran depends on where the reset lands.
    """
    shape = (n_samples, n_steps)
    probe = np.zeros(shape, dtype=bool) if probe is None else np.broadcast_to(probe, shape)
    reset_at = np.zeros(shape, dtype=np.int64) if reset_at is None else np.broadcast_to(reset_at, shape)
    gap = np.zeros(shape, dtype=np.int64) if gap is None else np.broadcast_to(gap, shape)
    if np.any(reset_at < 0) or np.any(reset_at > RESET_MAX) or np.any(gap < 0) or np.any(gap > GAP_MAX):
        raise ParameterError("ctrl", "reset_at/gap", f"reset_at must be 0..{RESET_MAX}, gap 0..{GAP_MAX} clocks")
    probe = probe & (reset_at == 0)
    return (probe.astype(np.int64) << PROBE_BIT) | (reset_at.astype(np.int64) << RESET_SHIFT) | gap


def event_words(events: np.ndarray) -> np.ndarray:
    """The +events words: per step the indices of the inputs that spike, ascending, then a word with bit 31."""
    flat = events.reshape(-1, events.shape[-1])
    ends = np.cumsum(flat.sum(axis=1) + 1) - 1  # where each step's end word goes
    words = np.full(int(ends[-1]) + 1, 1 << 31, dtype=np.int64)
    is_event = np.ones(words.size, dtype=bool)
    is_event[ends] = False
    words[is_event] = np.nonzero(flat)[1]  # row-major: steps in order, ascending index within a step
    return words


def check_events(net: fixed.FixedNetwork, events) -> np.ndarray:
    """Input events as bool (samples, steps, n_in); ParameterError naming what does not fit."""
    e = np.asarray(events)
    if e.ndim != 3 or e.shape[-1] != net.n_in or e.shape[0] < 1 or e.shape[1] < 1:
        raise ParameterError("events", e.shape, f"must be (samples >= 1, steps >= 1, {net.n_in})")
    if e.dtype != bool and not np.all((e == 0) | (e == 1)):
        raise ParameterError("events", str(e.dtype), "must be spikes: bool or 0/1")
    return e.astype(bool)


def write_stimulus(work: Path, net: fixed.FixedNetwork, events: np.ndarray, ctrl: np.ndarray) -> dict:
    """Write the network, events and control words where the testbench and the cocotb test read them;
    returns the testbench's extra parameters (its memory depths)."""
    work = Path(work)
    words = event_words(events)
    write_hex(work / EVENTS_FILE, words, 32)
    write_hex(work / CTRL_FILE, ctrl, 32)
    fixed.save_network(net, work / NETWORK_FILE)
    buffer = work / STIMULUS_FILE
    np.savez(buffer, events=events, ctrl=ctrl)
    return {"EV_WORDS": int(words.size), "CTRL_WORDS": int(ctrl.size)}


def plusargs(work: Path, n_samples: int, n_steps: int) -> list[str]:
    work = Path(work)
    return [f"+events={work / EVENTS_FILE}", f"+ctrl={work / CTRL_FILE}", f"+counts={work / COUNTS_FILE}",
            f"+updates={work / UPDATES_FILE}", f"+samples={n_samples}", f"+steps={n_steps}"]


def _read_rows(path: Path, columns: int) -> np.ndarray:
    if not path.exists():
        raise RtlError(f"the testbench wrote no {path}; log: {path.parent / 'test.log'}")
    if path.stat().st_size == 0:
        return np.zeros((0, columns), dtype=np.int64)
    try:
        rows = np.loadtxt(path, dtype=np.int64, ndmin=2)
    except ValueError as exc:
        # An x or z in the design's outputs ends up in the file as a letter.
        raise RtlError(f"the testbench wrote a line that is not {columns} integers ({exc}); see {path}") from None
    if rows.shape[1] != columns:
        raise RtlError(f"the testbench wrote {rows.shape[1]} columns, not {columns}; see {path}")
    return rows


def read_counts(work: Path, n_out: int) -> tuple[np.ndarray, np.ndarray]:
    """The counts file: (samples, n_out) output spike counts and the clocks of each sample."""
    rows = _read_rows(Path(work) / COUNTS_FILE, n_out + 2)
    return rows[:, 1:-1], rows[:, -1]


def read_updates(work: Path) -> np.ndarray:
    """The probed neuron updates: rows (sample, step, layer, neuron, spike, v)."""
    return _read_rows(Path(work) / UPDATES_FILE, 6)


# --- what the model says --------------------------------------------------------------------------------------

def reset_steps(ctrl: np.ndarray) -> np.ndarray:
    """bool (samples, steps): the steps a reset cuts (the core starts again from reset after them)."""
    return (np.asarray(ctrl, dtype=np.int64) >> RESET_SHIFT) & RESET_MAX > 0


def expected(net: fixed.FixedNetwork, events: np.ndarray, ctrl: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The counts (samples, n_out) and probed update rows (sample, step, layer, neuron, spike, v) the core must
    report, from :func:`lifhw.fixed.network_run`.

    A reset during step t (ctrl's reset_at) re-initialises every neuron and count, whether it lands inside step t
    or after it: the sample goes on from reset at step t + 1, and step t itself is not compared.
    """
    resets = reset_steps(ctrl)
    probe = (np.asarray(ctrl, dtype=np.int64) >> PROBE_BIT & 1).astype(bool) & ~resets
    n_samples, n_steps, _ = events.shape
    # Runs from reset: (samples, first step, end step); the samples without a reset share one batched run.
    plain = np.flatnonzero(~resets.any(axis=1))
    runs = [(plain, 0, n_steps)] if plain.size else []
    for s in np.flatnonzero(resets.any(axis=1)):
        bounds = [-1, *np.flatnonzero(resets[s]).tolist(), n_steps]
        runs += [(np.array([s]), a + 1, b) for a, b in zip(bounds[:-1], bounds[1:], strict=True) if b > a + 1]
    counts = np.zeros((n_samples, net.layers[-1].n_out), dtype=np.int64)
    rows = [np.zeros((0, 6), dtype=np.int64)]
    for samples, first, end in runs:
        result = fixed.network_run(net, events[samples, first:end], record_v=True)
        if end == n_steps:
            counts[samples] = result.counts[-1]
        b, t = np.nonzero(probe[samples, first:end])
        for k, (spikes, v) in enumerate(zip(result.spikes, typing.cast(tuple, result.v), strict=True)):
            n = spikes.shape[-1]
            block = np.empty((b.size * n, 6), dtype=np.int64)
            block[:, 0] = np.repeat(samples[b], n)
            block[:, 1] = np.repeat(t + first, n)
            block[:, 2] = k
            block[:, 3] = np.tile(np.arange(n), b.size)
            block[:, 4] = spikes[b, t].ravel()
            block[:, 5] = v[b, t].ravel()
            rows.append(block)
    table = np.concatenate(rows)
    return counts, table[np.lexsort((table[:, 3], table[:, 2], table[:, 1], table[:, 0]))]


@dataclass(frozen=True)
class Score:
    """The comparison of one run of the core with the model."""

    samples: int
    count_mismatches: int       # (sample, output neuron) counts that differ
    updates: int                # probed neuron updates compared (spike and membrane)
    update_mismatches: int
    messages: tuple[str, ...]   # the first differences, in words
    rtl_prediction: np.ndarray
    model_prediction: np.ndarray
    cycles: np.ndarray          # clocks per sample, as the testbench counted them

    @property
    def mismatches(self) -> int:
        return self.count_mismatches + self.update_mismatches

    def as_dict(self) -> dict:
        return {"samples": self.samples, "mismatches": self.mismatches, "count_mismatches": self.count_mismatches,
                "updates": self.updates, "update_mismatches": self.update_mismatches,
                "messages": list(self.messages), "cycles_per_inference": float(self.cycles.mean())}


def scoreboard(net: fixed.FixedNetwork, events: np.ndarray, ctrl: np.ndarray, counts: np.ndarray,
               cycles: np.ndarray, rows: np.ndarray, max_messages: int = 10) -> Score:
    """Every output count and every probed update of the core against :func:`expected`."""
    want_counts, want_rows = expected(net, events, ctrl)
    messages = []
    if counts.shape != want_counts.shape:
        messages.append(f"the core reported {counts.shape} counts, the model {want_counts.shape}")
        count_bad = want_counts.size
    else:
        bad = np.argwhere(counts != want_counts)
        count_bad = len(bad)
        messages += [f"sample {s} output {i}: RTL count {counts[s, i]}, model {want_counts[s, i]}"
                     for s, i in bad[:max_messages].tolist()]
    if rows.shape != want_rows.shape:
        messages.append(f"the core reported {len(rows)} probed updates, the model expects {len(want_rows)}")
    m = min(len(rows), len(want_rows))
    bad_rows = np.flatnonzero(np.any(rows[:m] != want_rows[:m], axis=1))
    update_bad = len(bad_rows) + abs(len(rows) - len(want_rows))
    for i in bad_rows[:max_messages].tolist():
        s, t, k, n, spike, v = want_rows[i].tolist()
        messages.append(f"sample {s} step {t} layer {k + 1} neuron {n}: RTL {rows[i].tolist()}, model spike {spike} "
                        f"v {v}")
    model_pred = np.argmax(want_counts, axis=-1)
    rtl_pred = np.argmax(counts, axis=-1) if counts.shape == want_counts.shape else np.full_like(model_pred, -1)
    return Score(len(want_counts), count_bad, m, update_bad, tuple(messages[:max_messages]), rtl_pred, model_pred,
                 np.asarray(cycles))


# --- running it -----------------------------------------------------------------------------------------------

def probe_mask(n_samples: int, n_steps: int, fraction: float, seed: int) -> np.ndarray:
    """The steps whose every neuron update is compared: a seeded random ``fraction`` of them, and step 0."""
    mask = np.random.default_rng(seed).random((n_samples, n_steps)) < fraction
    mask[0, 0] = True
    return mask


def run(net: fixed.FixedNetwork, events, work: Path, simulator: str = "icarus", ctrl: np.ndarray | None = None,
        probe_fraction: float = 0.125, seed: int = 0, weight_width: int | None = None,
        sources: list[Path] | None = None) -> dict:
    """Stream ``events`` (samples, steps, n_in) through snn_core under cocotb and scoreboard it.

    Builds ``tb_snn_core`` for ``simulator`` with the network's parameters in ``work``, runs the cocotb test of
    :data:`COCOTB_MODULE` (which waits for the file-driven testbench and scoreboards), and returns its
    ``score.json``: :meth:`Score.as_dict`, the counts and predictions, ``sim_seconds`` (the simulation alone) and
    ``build_seconds``. ``ctrl`` defaults to back-to-back steps with a ``probe_fraction`` of them probed.
    ``sources`` replaces the Verilog files (for mutation tests).
    """
    work = Path(work).resolve()
    events = check_events(net, events)
    n_samples, n_steps, _ = events.shape
    parameters = core_parameters(net, n_steps, weight_width)
    if ctrl is None:
        ctrl = control_words(n_samples, n_steps, probe=probe_mask(n_samples, n_steps, probe_fraction, seed))
    ctrl = np.asarray(ctrl, dtype=np.int64).reshape(n_samples, n_steps)
    for stale in (COUNTS_FILE, UPDATES_FILE, SCORE_FILE):
        (work / stale).unlink(missing_ok=True)
    # The simulator's build (a makefile for Verilator, a command file for Icarus) and the testbench's weight file
    # name take the folder's path as it is: a folder whose name a tool cannot take runs in a stand-in.
    with tool_folder(work) as stage:
        result = _stream(net, events, ctrl, parameters, stage, simulator, sources)
    return result


def _stream(net: fixed.FixedNetwork, events: np.ndarray, ctrl: np.ndarray, parameters: dict, work: Path,
            simulator: str, sources: list[Path] | None) -> dict:
    """:func:`run` in ``work``, a folder whose name every tool takes."""
    n_samples, n_steps, _ = events.shape
    files = write_memories(work, net, parameters)
    depths = write_stimulus(work, net, events, ctrl)
    tb_parameters = {**parameters, **files, **depths}
    start = time.perf_counter()
    built = runner.cocotb_build("tb_snn_core", tb_parameters, work, simulator, sources=sources)
    build_seconds = time.perf_counter() - start
    try:
        runner.cocotb_test(built, COCOTB_MODULE, "tb_snn_core", work, Path(__file__).resolve().parents[2],
                           extra_env={"LIFHW_SNN_WORK": str(work)}, plusargs=plusargs(work, n_samples, n_steps))
    except SystemExit:
        # Under pytest, cocotb's runner exits when its test fails; the score it wrote says why, as it does outside.
        pass
    score_path = work / SCORE_FILE
    if not score_path.exists():
        raise RtlError(f"the cocotb test of snn_core wrote no {score_path}; log: {work / 'test.log'}")
    return {**json.loads(score_path.read_text()), "build_seconds": build_seconds, "simulator": simulator}


def score_work(work: Path, sim_seconds: float) -> dict:
    """What the cocotb test does once the testbench is done: read its files, scoreboard, write score.json."""
    work = Path(work)
    net = fixed.load_network(work / NETWORK_FILE)
    with np.load(work / STIMULUS_FILE) as data:
        events, ctrl = data["events"], data["ctrl"]
    counts, cycles = read_counts(work, net.layers[-1].n_out)
    score = scoreboard(net, events, ctrl, counts, cycles, read_updates(work))
    result = {**score.as_dict(), "sim_seconds": sim_seconds, "counts": counts.tolist(), "cycles": cycles.tolist(),
              "rtl_prediction": score.rtl_prediction.tolist(), "model_prediction": score.model_prediction.tolist()}
    jsonio.write(work / SCORE_FILE, result, indent=None)
    return result


# --- area ---------------------------------------------------------------------------------------------------

def area(net: fixed.FixedNetwork, parameters: dict, work: Path, name: str = "snn_deployed") -> dict:
    """Yosys generic cells and flip-flops of the deployed core with its memories kept as memories (as SRAM/ROM
    macros would be), and their bits.

    Writes ``<name>.v`` (:func:`wrapper`) and ``weights.hex`` into ``work`` and synthesizes there: ``synth``'s
    coarse and fine passes without ``memory_map``, then ``stat``. ``cells`` counts the generic cells outside the
    memories, ``memories`` lists each memory's words × width.
    """
    work = Path(work).resolve()
    work.mkdir(parents=True, exist_ok=True)
    files = write_memories(work, net, parameters, absolute=False)
    write_atomic(work / f"{name}.v", wrapper(net, parameters, files, name).encode())
    script = work / f"{name}.ys"
    stat, netlist = work / f"{name}.stat.txt", work / f"{name}.json"
    # In work, by relative names: $readmemh reads the wrapper's relative file name from where Yosys runs, and no
    # path of the user's reaches the script (runner.synth_area says why).
    write_atomic(script, (f"read_verilog -defer {runner.tool_sources(SOURCES['snn_core'])} {name}.v\n"
                          f"hierarchy -check -top {name}\n"
                          "synth -flatten -run coarse:fine\n"
                          "opt -fast -full\nopt -full\ntechmap\nopt -fast\nabc -fast\nopt -fast\n"
                          f"tee -q -o {stat.name} stat\nwrite_json {netlist.name}\n").encode())
    runner.run_tool(["yosys", "-q", "-s", script.name], work / f"{name}.yosys.log", f"Yosys synthesis of {name}",
                    cwd=work)
    cells = {m.group(1): int(m.group(2)) for m in re.finditer(r"^\s+(\$\w+)\s+(\d+)\s*$", stat.read_text(), re.M)}
    memories = []
    for cell in json.loads(netlist.read_text())["modules"][name]["cells"].values():
        if cell["type"].startswith("$mem"):
            p = cell["parameters"]
            memories.append({"name": p["MEMID"].lstrip("\\").split(".")[-1], "words": int(p["SIZE"], 2),
                             "width": int(p["WIDTH"], 2)})
    logic = {k: v for k, v in cells.items() if not k.startswith("$mem")}
    return {"module": name, "cells": sum(logic.values()), "flip_flops": sum(v for k, v in logic.items() if "DFF" in k),
            "memory_bits": sum(m["words"] * m["width"] for m in memories), "memories": memories, "by_type": logic,
            "parameters": dict(parameters)}


# --- deploy: files, regression, area -------------------------------------------------------------------------

def deploy(net: fixed.FixedNetwork, events, labels, out: Path, simulator: str = "icarus",
           weight_width: int | None = None, probe_fraction: float = 0.125, seed: int = 0) -> dict:
    """Deploy ``net`` on snn_core: write the Verilog parameters (``params.json``, the top module
    ``snn_deployed.v``) and ``weights.hex`` into ``out``, stream ``events`` through the core on ``simulator``
    (``out/sim``, :func:`run`), synthesize it (``out/synth``, :func:`area`) and write ``out/deploy.json``.

    Returns the samples, mismatches (output counts and probed neuron updates against lifhw.fixed), the accuracy of
    the RTL's and the model's predictions against ``labels``, cycles per inference and inferences per second at
    :data:`CLOCK_HZ`, and Yosys' cells, flip-flops and memory bits.
    """
    out = Path(out)
    events = check_events(net, events)
    labels = np.asarray(labels)
    if labels.shape != events.shape[:1]:
        raise ParameterError("labels", labels.shape, f"must be one label per sample, ({events.shape[0]},)")
    parameters = core_parameters(net, events.shape[1], weight_width)
    files = write_memories(out, net, parameters, absolute=False)
    jsonio.write(out / "params.json", {**parameters, **{k: v.strip('"') for k, v in files.items()},
                                       "port_widths": port_widths(net, events.shape[1])})
    write_atomic(out / "snn_deployed.v", wrapper(net, parameters, files).encode())
    score = run(net, events, out / "sim", simulator, probe_fraction=probe_fraction, seed=seed,
                weight_width=weight_width)
    synth = area(net, parameters, out / "synth")
    cycles = score["cycles_per_inference"]
    result = {"samples": score["samples"], "mismatches": score["mismatches"],
              "count_mismatches": score["count_mismatches"], "updates_compared": score["updates"],
              "update_mismatches": score["update_mismatches"], "messages": score["messages"],
              "rtl_accuracy": float(np.mean(np.array(score["rtl_prediction"]) == labels)),
              "fixed_accuracy": float(np.mean(np.array(score["model_prediction"]) == labels)),
              "cycles_per_inference": cycles, "clock_hz": CLOCK_HZ, "inferences_per_second": CLOCK_HZ / cycles,
              "cells": synth["cells"], "flip_flops": synth["flip_flops"], "memory_bits": synth["memory_bits"],
              "memories": synth["memories"], "simulator": simulator, "sim_seconds": score["sim_seconds"],
              "build_seconds": score["build_seconds"], "samples_per_second": score["samples"] / score["sim_seconds"],
              "sizes": net.sizes, "out": str(out)}
    jsonio.write(out / "deploy.json", result)
    return result
