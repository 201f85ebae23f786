"""Paths as a hostile or careless user types them (issue 21, outcomes 1, 2 and the output-folder lock of 5).

No path reaches a tool's script or command line as text the tool would split or run: every path flag of every
command is given a name holding a space, ``;``, a newline, ``$(...)``, backticks, Yosys' ``exec`` and ``!`` lines and
make's ``$(shell ...)``, each asking to create a file named PWNED; the command works (its files where the user asked)
or refuses in one line, and no PWNED appears. Writers never replace what is not a regular file, every OS error on a
path is one line naming its flag, and a folder one command fills refuses a second command in one line.
"""

from __future__ import annotations

import argparse
import os
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import lifhw.cli as cli
from lifhw import LIFParams, files, fixed, pdk
from lifhw.digital import hdl, runner, snn

#: One folder or file name with every character a tool's script, command file, makefile or shell gives a meaning.
HOSTILE = ("o b;exec -- touch PWNED;$(touch PWNED)`touch PWNED`$(shell touch PWNED)'\"\n!touch PWNED\n"
           "exec -- touch PWNED")
REPO = Path(__file__).resolve().parents[1]


def pwned(*roots: Path) -> list[Path]:
    """Files named PWNED under ``roots`` (a command a path smuggled in would have made one)."""
    return [p for root in roots for p in root.rglob("PWNED")]


def small_network() -> fixed.FixedNetwork:
    """64 inputs (the digits deploy streams) -> 3 -> 2: the smallest model every command reading one takes."""
    q = fixed.quantize(LIFParams(), 1e-3, fixed.FixedFormat(width=12, frac=8, in_width=12))
    rng = np.random.default_rng(0)
    return fixed.FixedNetwork((fixed.FixedLayer(rng.integers(-8, 8, (3, 64)), q, 4, 12),
                               fixed.FixedLayer(rng.integers(-8, 8, (2, 3)), q, 4, 12)))


# --- the aliases every tool takes ----------------------------------------------------------------------------

def test_a_tool_is_given_a_name_of_safe_characters_for_the_same_file(tmp_path):
    folder = tmp_path / HOSTILE
    folder.mkdir()
    (folder / "a.v").write_text("module a; endmodule\n")
    assert not files.tool_safe(folder) and files.tool_safe(tmp_path / "plain-1.2_x+y")
    for given in (folder, folder / "a.v"):
        alias = files.tool_alias(given)
        assert files.tool_safe(alias) and os.path.samefile(alias, given)
        assert files.tool_alias(given) == alias  # the same name in every call (and every process: a digest)
    library = files.tool_file(folder / "a.v")  # its folder aliased: a relative include beside it is found
    assert files.tool_safe(library) and library.name == "a.v" and os.path.samefile(library.parent, folder)


def test_a_stand_in_folder_hands_its_files_to_the_folder_asked_for_even_when_the_run_fails(tmp_path):
    work = tmp_path / HOSTILE
    with files.tool_folder(work) as stage:
        assert files.tool_safe(stage) and stage != work.resolve()
        (stage / "out.txt").write_text("done")
    assert (work / "out.txt").read_text() == "done" and not stage.exists()
    with pytest.raises(RuntimeError), files.tool_folder(work) as stage:
        (stage / "log.txt").write_text("what failed")
        raise RuntimeError
    assert (work / "log.txt").read_text() == "what failed"
    with files.tool_folder(tmp_path / "safe") as stage:  # a safe name is used as it is
        assert stage == (tmp_path / "safe").resolve()
    with files.run_folder(work, "fi") as run:
        assert files.tool_safe(run)


def test_yosys_synthesis_in_a_hostile_folder_runs_nothing_else_and_counts_the_same_cells(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    q = fixed.quantize(LIFParams(), 1e-4, fixed.FixedFormat(width=16, leak="shift"))
    parameters = hdl.neuron_parameters(q)
    plain = runner.synth_area("lif_neuron", parameters, tmp_path / "plain")
    hostile = runner.synth_area("lif_neuron", parameters, tmp_path / HOSTILE)
    assert hostile["cells"] == plain["cells"] > 0 and hostile["by_type"] == plain["by_type"]
    assert (tmp_path / HOSTILE / "lif_neuron.stat.txt").is_file()
    # The deployed core's synthesis reads its weights by a relative name from the folder it runs in.
    net = small_network()
    core = snn.core_parameters(net, 4)
    plain, hostile = (snn.area(net, core, tmp_path / name / "synth") for name in ("plain", HOSTILE))
    weights = {"name": "w_mem", "words": sum(layer.weights.size for layer in net.layers), "width": core["WEIGHT_W"]}
    assert hostile == plain and weights in plain["memories"]
    assert not pwned(tmp_path)


def test_icarus_runs_a_design_compiled_into_a_hostile_folder(tmp_path, monkeypatch):
    from lifhw.digital import study

    monkeypatch.chdir(tmp_path)
    q = fixed.quantize(LIFParams(), 1e-4)
    currents = [0.5e-9, 1e-9]
    plain = study.fi_measure(q, currents, 0.1, tmp_path / "plain")
    hostile = study.fi_measure(q, currents, 0.1, tmp_path / HOSTILE)
    # The RTL's spikes are the bit-exact model's in both folders: the same simulation ran.
    assert hostile.spike_mismatches == plain.spike_mismatches == 0
    assert np.array_equal(hostile.rtl.rate, plain.rtl.rate) and hostile.rtl.rate.max() > 0
    assert not pwned(tmp_path)


def test_ngspice_loads_a_deck_from_a_hostile_folder_and_a_model_library_under_one(tmp_path, monkeypatch):
    from lifhw.spice import AnalogNeuron, OTADesign, ota_params
    from lifhw.spice import netlist as nl
    from lifhw.spice.runner import Session

    monkeypatch.chdir(tmp_path)
    neuron = AnalogNeuron("ideal", LIFParams())
    session = Session()
    rest = {}
    for folder in ("plain", HOSTILE):
        deck = neuron.deck(tmp_path / folder)
        assert deck.path.startswith(str(tmp_path / folder))
        session.load(Path(deck.path))
        rest[folder] = session.op()
    # The same deck from either folder: the same operating point, the membrane at V_rest with no input.
    assert rest["plain"].keys() == rest[HOSTILE].keys()
    assert all(np.array_equal(rest["plain"][k], rest[HOSTILE][k]) for k in rest["plain"])
    assert any(v.size == 1 and abs(float(v[0]) - LIFParams().v_rest) < 1e-6 for v in rest[HOSTILE].values())
    # An installation whose folder a deck line cannot name whole: the deck names it by an alias of that folder, and
    # the library's own relative includes are found through it: the same operating point as from the real folder.
    ota = AnalogNeuron("ota", ota_params(), OTADesign())
    session.load(Path(ota.deck(tmp_path / "real").path))
    expected = session.op()
    real = pdk.model_library()
    installed = tmp_path / f"site {HOSTILE}"
    installed.symlink_to(real.parent, target_is_directory=True)
    monkeypatch.setattr(pdk, "model_library", lambda: installed / real.name)
    deck = ota.deck(tmp_path / "aliased")
    (line,) = [ln for ln in deck.text.splitlines() if ln.lower().startswith(".lib ")]
    named = Path(line.split()[1])
    assert files.tool_safe(named) and os.path.samefile(named, real) and nl.model_library() == named
    session.load(Path(deck.path))
    got = session.op()
    assert got.keys() == expected.keys() and all(np.array_equal(got[k], expected[k]) for k in got)
    assert not pwned(tmp_path)


# --- every path flag of every command --------------------------------------------------------------------------

def _path_flags(parser: argparse.ArgumentParser, command: tuple[str, ...] = ()):
    """(command, flag or positional, its PathArg) of every path the CLI takes."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from _path_flags(child, (*command, name))
        elif isinstance(action.type, cli.PathArg):
            yield command, max(action.option_strings, key=len) if action.option_strings else action.dest, action.type


def _cases(h: str, model: str) -> dict[tuple[tuple[str, ...], str], tuple[list[str], str | None]]:
    """Each path flag with the path ``h`` (``model``: an integer model's file) in a run that costs seconds, and what
    it must do: work (None), or refuse in one line naming the given parameter: a count checked where the work would
    start (after the command took its paths), or, for the study (which characterises the OTA before it can judge a
    limit), its worker count."""
    size_mc = ["size", "montecarlo", "--tau", "20m", "--i-b", "10p", "--kappa", "0.7", "--i-off", "1f", "--sigma-vos",
               "5m", "--sigma-ib", "0.05", "--sigma-vth", "9m", "--n", "10", "--store", h]
    report = ["report", "--only", "reference", "--quiet", "--out", f"{h}/r", "--build-dir", h]
    deploy = ["deploy", model, "--samples", "2", "--max-points", "1", "--out", h]
    cosim_tile = ["cosim", "tile", "--neurons", "2", "--t-sim", "1000", "--work", h, "--waves", f"{h}/w"]
    return {
        (("rtl", "fi"), "--work"): (["rtl", "fi", "--i", "1n", "--t-sim", "0.05", "--work", h], None),
        (("rtl", "artifacts"), "--out"): (["rtl", "artifacts", "--dt", "1", "--out", h], "dt = 1"),
        (("report",), "--out"): (report, None),
        (("report",), "--build-dir"): (report, None),
        (("spice", "fi"), "--partial"): (["spice", "fi", "--circuit", "ideal", "--i", "1n", "--partial", f"{h}.json"],
                                         None),
        (("spice", "study"), "--out"): (["spice", "study", "--workers", "0", "--out", h], "workers"),
        (("spice", "array"), "--out"): (["spice", "array", "--neurons", "2", "--max-points", "1", "--out", h],
                                        "neurons"),
        (("nir", "export"), "model"): (["nir", "export", model, "--out", f"{h}.nir"], None),
        (("nir", "export"), "--out"): (["nir", "export", model, "--out", f"{h}.nir"], None),
        (("nir", "import"), "graph"): (["nir", "import", f"{h}.nir", "--out", f"{h}.npz"], None),
        (("nir", "import"), "--out"): (["nir", "import", f"{h}.nir", "--out", f"{h}.npz"], None),
        (("learn", "digits"), "--out"): (["learn", "digits", "--max-steps", "1", "--out", h], "max_steps"),
        (("deploy",), "model"): (deploy, "max_points"),
        (("deploy",), "--out"): (deploy, "max_points"),
        (("size",), "--store"): (["size", "--tau", "20m", "--i-b", "10p", "--i", "1n:2n:10", "--max-points", "2",
                                  "--store", h], "max_points"),
        (("size", "montecarlo"), "--store"): (size_mc, None),
        (("size", "accuracy"), "model"): (["size", "accuracy", model, "--target-accuracy", "0.9", "--samples", "2",
                                           "--max-points", "1"], "max_points"),
        (("cosim", "tile"), "--work"): (cosim_tile, "max_steps"),
        (("cosim", "tile"), "--waves"): (cosim_tile, "max_steps"),
        (("cosim", "trim"), "--work"): (["cosim", "trim", "--neurons", "2", "--target-rate", "0.001", "--work", h],
                                        "target_rate"),
    }


def test_every_path_flag_has_a_hostile_case():
    """A path flag added later without a case here fails this test."""
    found = {(command, flag) for command, flag, _ in _path_flags(cli.build_parser())}
    assert found == set(_cases("h", "m")), found ^ set(_cases("h", "m"))


def test_every_path_flag_takes_a_hostile_name_and_runs_nothing_else(tmp_path, monkeypatch, lifhw_in_process):
    monkeypatch.chdir(tmp_path)
    h = str(tmp_path / HOSTILE)
    model = f"{h}.model.npz"
    fixed.save_network(small_network(), model)
    runs = {tuple(argv): expect for argv, expect in _cases(h, model).values()}  # one run may hold two paths
    for argv, expect in runs.items():
        run = lifhw_in_process(*argv)
        assert "Traceback" not in run.stderr and not pwned(tmp_path), (argv, run.stderr)
        if expect is None:
            assert run.returncode == 0, (argv, run.stderr)
        else:  # one line of refusal (after any progress lines)
            refusals = [line for line in run.stderr.splitlines() if line.startswith("lifhw:")]
            assert run.returncode == 2 and len(refusals) == 1 and expect in refusals[0], (argv, run.stderr)
    # What worked wrote where the user asked.
    assert (tmp_path / f"{HOSTILE}.nir").is_file() and (tmp_path / f"{HOSTILE}.npz").is_file()
    assert (tmp_path / HOSTILE / "r" / "index.html").is_file()
    assert fixed.load_network(tmp_path / f"{HOSTILE}.npz").sizes == small_network().sizes
    assert not pwned(tmp_path, REPO)


# --- writers and OS errors ---------------------------------------------------------------------------------------

@pytest.fixture
def not_regular(tmp_path):
    """A folder, a FIFO, a socket and a symbolic link, each where a writer might be asked to write."""
    made = {"a folder": tmp_path / "dir", "a FIFO": tmp_path / "fifo", "a socket": tmp_path / "sock",
            "a symbolic link": tmp_path / "link"}
    made["a folder"].mkdir()
    os.mkfifo(made["a FIFO"])
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(made["a socket"]))
    (tmp_path / "target").write_text("kept")
    made["a symbolic link"].symlink_to(tmp_path / "target")
    yield made
    server.close()


def test_a_writer_never_replaces_what_is_not_a_regular_file(not_regular, tmp_path):
    for what, path in not_regular.items():
        before = os.lstat(path)
        with pytest.raises(files.NotRegularFile, match=what):
            files.write_atomic(path, b"x")
        after = os.lstat(path)
        assert stat.S_IFMT(after.st_mode) == stat.S_IFMT(before.st_mode) and after.st_ino == before.st_ino
    assert (tmp_path / "target").read_text() == "kept"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*(p.name for p in not_regular.values()), "target"])
    regular = tmp_path / "file"
    regular.write_text("old")
    files.write_atomic(regular, b"new")
    assert regular.read_text() == "new" and stat.S_IMODE(regular.stat().st_mode) == 0o644


def test_a_file_flag_refuses_what_is_not_a_regular_file_in_one_line(not_regular, tmp_path, lifhw_in_process,
                                                                      one_line_exit_2):
    model = tmp_path / "m.npz"
    fixed.save_network(small_network(), model)
    for what, path in [*not_regular.items(), ("a character device", Path(os.devnull))]:
        one_line_exit_2(lifhw_in_process("nir", "export", model, "--out", path), "out", what)
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc")
def test_an_os_error_on_a_path_is_one_line_naming_its_flag(tmp_path, monkeypatch, lifhw_in_process, one_line_exit_2):
    monkeypatch.chdir(tmp_path)  # the other folders of the commands default to ./build
    model = tmp_path / "m.npz"
    fixed.save_network(small_network(), model)
    long = "x" * 300
    for argv, flag in [(["nir", "export", model, "--out", "/proc/lifhw-absent/m.nir"], "out"),
                       (["nir", "export", model, "--out", "/proc/lifhw-absent.nir"], "out"),
                       (["nir", "export", model, "--out", tmp_path / long / "m.nir"], "out"),
                       (["nir", "export", model, "--out", tmp_path / f"{long}.nir"], "out"),
                       (["nir", "import", tmp_path / f"{long}.nir"], "graph"),
                       (["learn", "digits", "--out", "/proc/lifhw-absent"], "out"),
                       (["learn", "digits", "--out", tmp_path / long], "out"),
                       (["report", "--build-dir", "/proc/lifhw-absent"], "build_dir"),
                       (["rtl", "fi", "--work", "/proc/lifhw-absent"], "work"),
                       (["deploy", model, "--out", "/proc/lifhw-absent"], "out")]:
        one_line_exit_2(lifhw_in_process(*argv), f"{flag} = ")
    assert not any(p.name.startswith("x" * 10) for p in tmp_path.iterdir())


# --- one folder, one run ---------------------------------------------------------------------------------------

HOLDER = """
import sys
from lifhw.files import claimed
with claimed(sys.argv[1]):
    print("held", flush=True)
    sys.stdin.read()
"""


def test_a_folder_another_process_holds_refuses_a_command_in_one_line_until_it_ends(tmp_path, lifhw_in_process,
                                                                                    one_line_exit_2):
    out = tmp_path / "out"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(out)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        assert holder.stdout.readline() == "held\n"  # the event: the other process holds the folder
        with pytest.raises(files.FolderBusy, match=f"pid {holder.pid}"):
            with files.claimed(out):
                pass
        one_line_exit_2(lifhw_in_process("learn", "digits", "--out", out), "out = ", f"pid {holder.pid}",
                        "another lifhw run")
    finally:
        holder.stdin.close()
        holder.wait()
    with files.claimed(out):  # the kernel released the lock with the process
        with files.claimed(out):  # and a process may hold its own folder again (a command calling a library)
            pass


def test_a_second_command_into_a_folder_a_first_one_fills_refuses_in_one_line(tmp_path, one_line_exit_2):
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    first = subprocess.Popen([sys.executable, "-m", "lifhw", "learn", "digits", "--quiet", "--out", str(out)], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        lock = out / files.LOCK_FILE
        # The event: the first command wrote its pid into the lock it holds (it does so before any training).
        while not (lock.exists() and lock.read_text() == f"{first.pid}\n"):
            assert first.poll() is None, first.stderr.read()
            time.sleep(0.05)  # a poll of the event, not a guess of how long it takes
        second = subprocess.run([sys.executable, "-m", "lifhw", "learn", "digits", "--out", str(out)], env=env,
                                capture_output=True, text=True)
        one_line_exit_2(second, "out = ", f"pid {first.pid}")
        assert first.poll() is None  # the second never touched the first
    finally:
        first.kill()
        first.wait()


def test_a_folder_a_refused_command_created_is_not_left_behind(tmp_path, lifhw_in_process, one_line_exit_2):
    out = tmp_path / "new" / "out"
    one_line_exit_2(lifhw_in_process("learn", "digits", "--max-steps", "1", "--out", out), "max_steps")
    assert not out.exists()
    kept = tmp_path / "kept"
    kept.mkdir()
    one_line_exit_2(lifhw_in_process("learn", "digits", "--max-steps", "1", "--out", kept), "max_steps")
    assert kept.is_dir()


def test_a_command_refuses_to_write_its_file_over_a_fifo_in_its_folder_in_one_line(tmp_path, monkeypatch,
                                                                                    lifhw_in_process, one_line_exit_2):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    for name in ("index.html", "summary.json"):
        os.mkfifo(out / name)
    run = lifhw_in_process("report", "--only", "reference", "--quiet", "--out", out, "--build-dir", tmp_path / "b")
    one_line_exit_2(run, "out = ", "a FIFO, not a regular file")
    assert all(stat.S_ISFIFO(os.lstat(out / name).st_mode) for name in ("index.html", "summary.json"))


def test_a_tool_log_that_is_a_fifo_is_refused_not_waited_on(tmp_path):
    log = tmp_path / "yosys.log"
    os.mkfifo(log)
    with pytest.raises(files.NotRegularFile, match="a FIFO"):
        runner.run_tool(["true"], log, "a run")
    assert stat.S_ISFIFO(os.lstat(log).st_mode)
