"""Every file lifhw reads, malformed every way :mod:`malformed` knows: a file a user hands a command is refused in
one line naming the file and the field (exit 2, no traceback, nothing large allocated); a store lifhw wrote itself
is recomputed after one warning line naming the file and the field."""

from __future__ import annotations

import dataclasses
import json
import math
import subprocess
import sys
from pathlib import Path

import malformed
import nir
import numpy as np
import pytest
from test_cli_fuzz import _commands, _flags

from lifhw import LIFParams, cli, fixed, pdk
from lifhw.report import ReportContext
from lifhw.spice import blocks
from lifhw.spice import montecarlo as mc
from lifhw.spice.store import ResultStore

#: The generator's seeds (each adds its own random cuts and random fields; the fixed cases are the same for all).
SEEDS = (2126,)


def _network(sizes) -> fixed.FixedNetwork:
    rng = np.random.default_rng(0)
    layers = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
        acc = fixed.default_acc_width(8, n_in, 16)
        q = fixed.quantize(LIFParams(), 1e-3, fixed.FixedFormat(width=16, frac=10, in_width=acc))
        layers.append(fixed.FixedLayer(rng.integers(-100, 100, size=(n_out, n_in)), q, 8, acc))
    return fixed.FixedNetwork(tuple(layers))


@pytest.fixture(scope="module")
def valid(tmp_path_factory):
    """A valid model (3 inputs: were a malformed file taken, deploy would stop at the digits' 64 inputs, naming
    no field, and the test would say so) and a valid NIR graph with lifhw's metadata."""
    d = tmp_path_factory.mktemp("valid")
    fixed.save_network(_network([3, 4, 2]), d / "fixed.npz")
    n = 4
    graph = nir.NIRGraph.from_list(
        nir.Linear(weight=np.full((n, 3), 0.1)),
        nir.LIF(tau=np.full(n, 0.02), r=np.ones(n), v_leak=np.zeros(n), v_threshold=np.ones(n), v_reset=np.zeros(n),
                metadata={"lifhw_ref_steps": 1, "lifhw_reset_mode": "reset"}))
    graph.metadata = {"dt": 1e-3, "discretization": "euler", "lifhw_width": 16}
    nir.write(str(d / "graph.nir"), graph)
    return d


#: Every command argument naming a file for lifhw to read: the tests below hand each its malformed files (deploy's
#: and size accuracy's model: models, NIR graphs and learn folders).
READERS = {("nir export", "model"), ("nir import", "graph"), ("deploy", "model"), ("size accuracy", "model")}


def _size_accuracy(path) -> list:
    """size accuracy on ``path``: it reads its model as deploy does, before any SPICE."""
    return ["size", "accuracy", path, "--target-accuracy", "0.9"]


def test_every_argument_that_reads_a_file_is_handed_malformed_files():
    reading = {(" ".join(path), flag) for path, parser in _commands(cli.build_parser())
               for flag, action in _flags(parser)
               if isinstance(action.type, cli.PathArg) and action.type.kind == "read"}
    assert reading == READERS, "a new reading argument: add its files to tests/malformed.py and a test here"


def _refusals(cases, suffix: str, commands, run, tmp_path: Path) -> list[str]:
    """Each case written to a file and given to each command: what was not one line naming the file and field."""
    wrong = []
    for k, case in enumerate(cases):
        path = tmp_path / f"case{k}{suffix}"
        case.write(path)
        for command in commands:
            done = run(*command(path))
            lines = done.stderr.strip().splitlines()
            ok = (done.returncode == 2 and len(lines) == 1 and lines[0].startswith(f"lifhw: error: {path}: ")
                  and case.field in lines[0])
            if not ok:
                wrong.append(f"{case.name} ({command(path)[0]}): exit {done.returncode}: {done.stderr.strip()[-300:]}")
    return wrong


@pytest.mark.parametrize("seed", SEEDS)
def test_every_malformed_model_is_refused_in_one_line_naming_the_field(seed, valid, tmp_path, lifhw_in_process):
    cases = malformed.npz_cases(valid / "fixed.npz", np.random.default_rng(seed))
    commands = [lambda p: ["nir", "export", p, "--out", tmp_path / "out.nir"],
                lambda p: ["deploy", p, "--out", tmp_path / "deploy"], _size_accuracy]
    assert _refusals(cases, ".npz", commands, lifhw_in_process, tmp_path) == []
    assert not (tmp_path / "out.nir").exists() and not (tmp_path / "deploy" / "sim").exists()


def test_a_refusal_shows_the_value_it_read(valid, tmp_path, lifhw_in_process, one_line_exit_2):
    shown = {"n_layers = 2.5": "n_layers = 2.5: must be a whole number",
             "n_layers = 'abc'": "n_layers = 'abc': must be a whole number",
             "l0_neuron.params.c_m = -1": "l0_neuron.params.c_m = -1: must be > 0 F",
             "l0_weights = complex": "l0_weights = '<c16 (4, 3)': must be a matrix of whole numbers"}
    for case in malformed.npz_cases(valid / "fixed.npz", np.random.default_rng(0)):
        if case.name in shown:
            case.write(tmp_path / "m.npz")
            one_line_exit_2(lifhw_in_process("nir", "export", tmp_path / "m.npz", "--out", tmp_path / "m.nir"),
                            f"{tmp_path / 'm.npz'}: {shown.pop(case.name)}")
    assert not shown


@pytest.mark.parametrize("seed", SEEDS)
def test_every_malformed_nir_graph_is_refused_in_one_line_naming_the_field(seed, valid, tmp_path, lifhw_in_process):
    cases = malformed.nir_cases(valid / "graph.nir", np.random.default_rng(seed), "linear", "lif")
    commands = [lambda p: ["nir", "import", p, "--out", tmp_path / "out.npz"],
                lambda p: ["deploy", p, "--out", tmp_path / "deploy"], _size_accuracy]
    assert _refusals(cases, ".nir", commands, lifhw_in_process, tmp_path) == []
    assert not (tmp_path / "out.npz").exists()


@pytest.mark.parametrize("seed", SEEDS)
def test_every_malformed_learn_result_is_refused_in_one_line_naming_the_field(seed, valid, tmp_path,
                                                                             lifhw_in_process):
    folder = tmp_path / "learned"
    folder.mkdir()
    (folder / "fixed.npz").write_bytes((valid / "fixed.npz").read_bytes())
    cases = malformed.json_cases({"seed": 3, "steps": 16, "encoding": "rate"}, np.random.default_rng(seed))
    wrong = []
    for case in cases:
        case.write(folder / "result.json")
        for command in (["deploy", folder, "--out", tmp_path / "deploy"], _size_accuracy(folder)):
            done = lifhw_in_process(*command)
            line = done.stderr.strip()
            if not (done.returncode == 2 and "\n" not in line
                    and line.startswith(f"lifhw: error: {folder}/result.json: ") and case.field in line):
                wrong.append(f"{case.name} ({command[0]}): exit {done.returncode}: {line[-300:]}")
    assert wrong == []


def _sample() -> mc.Sample:
    return mc.Sample(v_zero=0.6, g_m=1e-9, tau=math.nan, i_b_eff=1e-11, kappa=0.7, kappa_fit=0.7, rheobase=9e-12,
                     dc_points=30, k=3, setseed=12345, parameters={pdk.MISMATCH_SWITCH: 1.0},
                     points=[mc.SamplePoint(3e-11, 0.2, 25.0, 5, 0.1, 2e-12),
                             mc.SamplePoint(4e-11, 0.2, 35.0, 7, math.nan, 2e-12)])


def _nominal() -> mc.Nominal:
    point = mc.NominalPoint(3e-11, 25.0, 5, {"i_in": 3e-11, "t_stop": 0.2}, 0.1, 2e-12, 0.05)
    dc = {f.name: getattr(_sample(), f.name) for f in dataclasses.fields(mc.DC)}
    return mc.Nominal(**dc, points=[point])


def _block_table() -> blocks.BlockTable:
    row = {"factor": "a_leak", "quantity": "V_os", "unit": "V", "fit": {"sigma_1": 1e-3, "slope": -0.5},
           "rows": [{"area": 1.0, "n": 500, "mean": 0.0, "sigma": 1e-3, "sigma_95": [0.9e-3, 1.1e-3]}],
           "devices": {"nfet pair": 4.0}}
    return blocks.BlockTable.from_dict({"corner": "tt", "temp": 27.0, "i_b": 1e-9, "i_cmp": 1e-9,
                                        "areas": [1.0, 4.0, 16.0], "copies": 50, "redraws": 10,
                                        "blocks": {block: row for block in blocks.BLOCKS}})


def _required(kind) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(kind)
                 if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING)


def _healed(cases, write, read, path: Path, capsys) -> list[str]:
    """Each case written to ``path`` by ``write``: what ``read`` did not take for missing after one warning line
    naming the file and the field."""
    wrong = []
    for case in cases:
        write(case)
        got = read()
        warning = capsys.readouterr().err.strip()
        if not (got is None and "\n" not in warning and warning.startswith("lifhw: warning: ")
                and f"{path} does not read back (" in warning and case.field in warning and "recomputing" in warning):
            wrong.append(f"{case.name}: {got!r:.80}: {warning[-300:]}")
    return wrong


@pytest.mark.parametrize("kind, value, skip", [(mc.Sample, _sample(), ()), (mc.Nominal, _nominal(), ("job",)),
                                                (mc.SampleCost, mc.SampleCost(1.2, 1.5, 10**8, 1234, "local"), ()),
                                                (blocks.BlockTable, _block_table(), ())],
                         ids=["sample", "nominal", "cost", "block table"])
@pytest.mark.parametrize("seed", SEEDS)
def test_every_damaged_monte_carlo_store_is_recomputed_after_one_warning(kind, value, skip, seed, tmp_path, capsys):
    store = ResultStore(tmp_path, {"kind": "probe"})
    store.put(0, value)
    assert store.get(0, kind) == value and capsys.readouterr().err == ""  # the valid one reads back, silently
    cases = malformed.json_cases(json.loads(store.path(0).read_text()), np.random.default_rng(seed), n=12,
                                 required=_required(kind), skip=frozenset(skip))
    assert _healed(cases, lambda case: case.write(store.path(0)), lambda: store.get(0, kind), store.path(0),
                   capsys) == []


@pytest.mark.parametrize("seed", SEEDS)
def test_every_damaged_report_cache_entry_is_recomputed_after_one_warning(seed, tmp_path, capsys):
    ctx = ReportContext(params=None, build_dir=tmp_path)
    assert ctx.cached("sample", {}, _sample, mc.Sample) == _sample()
    (entry,) = (tmp_path / "cache").iterdir()
    cases = malformed.json_cases(json.loads(entry.read_text()), np.random.default_rng(seed), n=12,
                                 required=("key", "result"))
    calls = []

    def computed():
        calls.append(1)
        return _sample()

    def read():
        # None when the entry was computed again (and replaced: the next case starts from a valid entry)
        before = len(calls)
        done = ctx.cached("sample", {}, computed, mc.Sample)
        return None if len(calls) == before + 1 and done == _sample() else done

    assert _healed(cases, lambda case: case.write(entry), read, entry, capsys) == []
    assert ctx.cached("sample", {}, computed, mc.Sample) == _sample() and len(calls) == len(cases)


def test_a_small_file_declaring_gigabytes_is_refused_before_anything_is_read(valid, tmp_path):
    """The reported case: a NIR file of kilobytes holding a gzip-chunked 20000 x 20000 weight. A real process, its
    peak memory measured: refused in one line, having held no more than its imports."""
    (case,) = [c for c in malformed.nir_cases(valid / "graph.nir", np.random.default_rng(0), "linear", "lif")
               if c.name.startswith("weight = 20000")]
    path = tmp_path / "huge.nir"
    case.write(path)
    assert path.stat().st_size < 100_000
    # VmHWM, the peak of this process's own memory: ru_maxrss carries the forking parent's peak across exec (Linux),
    # and a pytest worker with JAX loaded holds a gigabyte.
    code = ("import re, sys\nfrom lifhw.cli import main\ncode = main(sys.argv[1:])\n"
            "print(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1))\nsys.exit(code)")
    done = subprocess.run([sys.executable, "-c", code, "nir", "import", str(path), "--out", str(tmp_path / "x.npz")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith(f"lifhw: error: {path}: ") and "--max-memory" in done.stderr
    peak_kib = int(done.stdout.split()[-1])
    # 20000 x 20000 float64 is 3.2 GB; the interpreter with numpy, h5py and nir holds a few hundred MB
    assert peak_kib * 1024 < 20000 * 20000 * 8 / 4, peak_kib
