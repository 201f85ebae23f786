"""The fast verification path: ``dv/tb_lif_core.v`` driven by files, and the scoreboard against the model.

Stimulus and control words go in as hex files, every neuron-update comes back as a text line, and Python
never runs per clock. :func:`random_stimulus` makes the stimulus, :func:`expected_updates` what the bit-exact
model :func:`lifhw.fixed.step` says the RTL must write, and :func:`scoreboard` compares the two line by line.
:func:`compile_tb` and :func:`run_tb` run the testbench under plain ``vvp``; a cocotb test starts it instead
and uses :func:`write_stimulus`, :func:`plusargs` and :func:`read_updates` on the same files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import fixed
from ..errors import ParameterError, RtlError
from ..files import write_atomic
from . import runner
from .hdl import core_parameters

#: Bits of each field of tb_lif_core's per-sweep control word {reset_at, gap}.
CTRL_FIELD = 16
STIM_FILE, CTRL_FILE, UPDATES_FILE = "stim.hex", "ctrl.hex", "updates.txt"


def parameters(q: fixed.QuantizedLIF, n: int, stim_depth: int, ctrl_depth: int = 1) -> dict[str, int]:
    """Verilog parameters of tb_lif_core: lif_core's for ``n`` neurons and the depths of its stimulus memories."""
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n < 1 << CTRL_FIELD:
        raise ParameterError("n", n, f"the number of neurons must be a whole number in 1..{(1 << CTRL_FIELD) - 1}")
    return {**core_parameters(q, n), "STIM_DEPTH": int(stim_depth), "CTRL_DEPTH": int(ctrl_depth)}


def plusargs(work: Path, n_sweeps: int, with_ctrl: bool = True) -> list[str]:
    """Plusargs of tb_lif_core for the files :func:`write_stimulus` writes into ``work``."""
    work = Path(work)
    args = [f"+stim={work / STIM_FILE}", f"+out={work / UPDATES_FILE}", f"+nsweep={int(n_sweeps)}"]
    return args + [f"+ctrl={work / CTRL_FILE}"] if with_ctrl else args


def write_hex(path: Path, codes, bits: int) -> None:
    """Write integers as two's-complement hex words of ``bits`` bits, one a line ($readmemh)."""
    codes = np.asarray(codes, dtype=np.int64).ravel() & ((1 << bits) - 1)
    digits = (bits + 3) // 4
    write_atomic(Path(path), "".join(f"{c:0{digits}x}\n" for c in codes.tolist()).encode())


def write_stimulus(work: Path, q: fixed.QuantizedLIF, stim: np.ndarray, ctrl: np.ndarray | None = None) -> None:
    """Write the input codes (and control words) where :func:`plusargs` points the testbench."""
    work = Path(work)
    write_hex(work / STIM_FILE, stim, q.rtl["IN_WIDTH"])
    if ctrl is not None:
        write_hex(work / CTRL_FILE, ctrl, 2 * CTRL_FIELD)


def read_updates(work: Path) -> np.ndarray:
    """The monitor's lines as an int64 array of rows (sweep, neuron, spike, v)."""
    path = Path(work) / UPDATES_FILE
    if not path.exists():
        raise RtlError(f"the testbench wrote no {path}; log: {path.parent / 'vvp.log'}")
    if path.stat().st_size == 0:
        return np.zeros((0, 4), dtype=np.int64)
    try:
        return np.loadtxt(path, dtype=np.int64, ndmin=2)
    except ValueError as exc:
        # An x or z in the design's outputs ends up in the file as a letter.
        raise RtlError(f"the testbench wrote an update that is not four integers ({exc}); see {path}") from None


@dataclass(frozen=True)
class Testbench:
    """A tb_lif_core compiled by Icarus: its ``vvp`` file, the quantized neuron and its number of neurons."""

    vvp: Path
    q: fixed.QuantizedLIF
    n: int

    @property
    def work(self) -> Path:
        return self.vvp.parent


def compile_tb(q: fixed.QuantizedLIF, n: int, work: Path, stim_depth: int, ctrl_depth: int = 1) -> Testbench:
    """Compile tb_lif_core with Icarus for ``n`` neurons into ``work``; RtlError with the log on failure."""
    return Testbench(runner.iverilog("tb_lif_core", parameters(q, n, stim_depth, ctrl_depth), Path(work)), q, n)


def run_tb(tb: Testbench, stim: np.ndarray, n_sweeps: int, ctrl: np.ndarray | None = None,
           spikes_only: bool = False, vcd: Path | None = None) -> np.ndarray:
    """Run a compiled testbench with plain ``vvp`` (no cocotb); returns :func:`read_updates`."""
    if n_sweeps * tb.n >= 1 << 31:
        # The testbench addresses its stimulus with a 32-bit integer sweep * N + neuron.
        raise ParameterError("t_sim", n_sweeps, f"{n_sweeps} steps x {tb.n} neurons must stay below 2^31 updates")
    write_stimulus(tb.work, tb.q, stim, ctrl)
    args = plusargs(tb.work, n_sweeps, ctrl is not None) + ["+finish", "+autostart"]
    if spikes_only:
        args.append("+spikes_only")
    if vcd is not None:
        args.append(f"+vcd={vcd}")
    runner.vvp(tb.vvp, args)
    return read_updates(tb.work)


def random_stimulus(q: fixed.QuantizedLIF, n: int, n_sweeps: int, seed: int,
                    reset_prob: float = 0.005) -> tuple[np.ndarray, np.ndarray]:
    """Random input codes (n_sweeps, n) and control words (n_sweeps,) for tb_lif_core.

    Each neuron has its own mean drive between −0.5 and 3 times the drive that settles at threshold (one in
    twenty is held down by the most negative code instead), plus noise; 5 % of the codes are uniform over
    the whole input range and 1 % sit on a rail, so both saturation limits, threshold crossings and
    refractory periods all occur. Gaps of 0–3 idle clocks separate the steps; with probability
    ``reset_prob`` a sweep is cut by a synchronous reset at a random neuron.
    """
    rng = np.random.default_rng(seed)
    settle = (1.0 - q.beta_q) * q.rtl["THRESH"]
    mean = np.where(rng.random(n) < 0.05, q.x_min, rng.uniform(-0.5, 3.0, n) * settle)
    x = mean + rng.normal(0.0, 2.0 * settle + 1.0, (n_sweeps, n))
    wide = rng.random((n_sweeps, n)) < 0.05
    x[wide] = rng.integers(q.x_min, q.x_max, endpoint=True, size=int(wide.sum()))
    rail = rng.random((n_sweeps, n)) < 0.01
    x[rail] = np.where(rng.random(int(rail.sum())) < 0.5, q.x_min, q.x_max)
    codes = np.clip(np.round(x), q.x_min, q.x_max).astype(np.int64)
    gap = rng.integers(0, 4, n_sweeps)
    reset_at = np.where(rng.random(n_sweeps) < reset_prob, rng.integers(1, n, endpoint=True, size=n_sweeps), 0)
    return codes, (reset_at << CTRL_FIELD) | gap


def resets(ctrl: np.ndarray) -> np.ndarray:
    """Per sweep, the neuron k + 1 at whose update a reset cuts it, or 0 (the ``reset_at`` field)."""
    return np.asarray(ctrl, dtype=np.int64) >> CTRL_FIELD


def expected_updates(q: fixed.QuantizedLIF, stim: np.ndarray, ctrl: np.ndarray) -> np.ndarray:
    """The rows (sweep, neuron, spike, v) the RTL must produce, from the bit-exact model."""
    n_sweeps, n = stim.shape
    reset_at = resets(ctrl)
    v, ref = fixed.initial_state(q, n)
    blocks = []
    idx = np.arange(n)
    for s in range(n_sweeps):
        v_next, ref_next, spike = fixed.step(q, v, ref, stim[s])
        k = n if reset_at[s] == 0 else int(reset_at[s]) - 1
        blocks.append(np.column_stack([np.full(k, s), idx[:k], spike[:k], v_next[:k]]))
        v, ref = (v_next, ref_next) if reset_at[s] == 0 else fixed.initial_state(q, n)
    return np.concatenate(blocks).astype(np.int64)


@dataclass(frozen=True)
class ScoreboardResult:
    """Outcome of comparing every RTL update with the model."""

    updates: int
    expected: int
    mismatches: list[str]

    @property
    def passed(self) -> bool:
        return not self.mismatches and self.updates == self.expected


def scoreboard(q: fixed.QuantizedLIF, stim: np.ndarray, ctrl: np.ndarray, got: np.ndarray) -> ScoreboardResult:
    """Compare every update row of the RTL with :func:`expected_updates`; every difference is listed."""
    want = expected_updates(q, stim, ctrl)
    mismatches = []
    if got.shape != want.shape:
        mismatches.append(f"row count: RTL wrote {len(got)} updates, the model expects {len(want)}")
    m = min(len(got), len(want))
    bad = np.flatnonzero(np.any(got[:m] != want[:m], axis=1))
    for i in bad.tolist():
        s, k, spike, v = got[i].tolist()
        mismatches.append(f"sweep {want[i, 0]} neuron {want[i, 1]}: RTL (sweep {s}, neuron {k}, spike {spike}, "
                          f"v {v}) model (spike {want[i, 2]}, v {want[i, 3]})")
    return ScoreboardResult(len(got), len(want), mismatches)
