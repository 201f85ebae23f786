"""The report cache: its keys follow the code and data each result was computed from, and a damaged entry is
recomputed. The keys are compared before and after a file is (virtually) edited: the edit is made by serving
changed bytes for one path, so the checkout itself is never touched."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pytest

from lifhw.fi import FICurve
from lifhw.files import DV_DIR, RTL_DIR
from lifhw.jsonio import Record
from lifhw.report import ReportContext, cache, discover_sections
from lifhw.report.page import build_report

SECTIONS = {module.KEY: module for module in discover_sections()}


def _keys() -> dict[str, str]:
    return {key: cache.key({}, (module,)) for key, module in SECTIONS.items()}


def _edited(monkeypatch, path) -> dict[str, str]:
    """The section keys with ``path``'s content changed by one appended byte."""
    read = cache._read
    monkeypatch.setattr(cache, "_read", lambda p: read(p) + (b" " if p.resolve() == path.resolve() else b""))
    try:
        return _keys()
    finally:
        monkeypatch.setattr(cache, "_read", read)


def _module_path(name: str):
    return cache._module_file(name)


@pytest.mark.parametrize("path", [RTL_DIR / "lif_datapath.v", RTL_DIR / "snn_core.v", DV_DIR / "tb_snn_core.v"])
def test_editing_the_verilog_changes_the_digital_keys_and_nothing_else(monkeypatch, path):
    # lifhw.digital.hdl declares every HDL file of the level, so the RTL section follows the SNN core's files too,
    # and so does the co-simulated tile, whose periphery is Verilog of the same level.
    before = _keys()
    after = _edited(monkeypatch, path)
    assert {key for key in before if before[key] != after[key]} == {"rtl", "deploy", "cosim"}


def test_editing_the_snn_cocotb_test_changes_the_deploy_key_only(monkeypatch):
    from lifhw.digital import snn

    before = _keys()
    after = _edited(monkeypatch, snn.DATA_FILES[0])
    assert {key for key in before if before[key] != after[key]} == {"deploy"}


@pytest.mark.parametrize("name", ["ota", "lowpower"])
def test_editing_a_netlist_changes_exactly_the_sections_that_simulate_it(monkeypatch, name):
    before = _keys()
    from lifhw.spice.netlist import get_circuit

    after = _edited(monkeypatch, get_circuit(name).path)
    changed = {key for key in before if before[key] != after[key]}
    assert {"analog", "sizing"} <= changed
    assert not changed & {"rtl", "reference", "network", "scenarios", "deploy"}
    if name == "ota":  # the trained network's neurons: the calibration and the block table simulate lif_ota
        assert "analognet" in changed


@pytest.mark.parametrize("name", ["idac.cir", "lifhw.cosim.bridge", "lifhw.cosim.cocotb_tile", "lifhw.cosim.plain",
                                  "lifhw.vcd"])
def test_editing_what_the_cosimulation_runs_changes_its_key_only(monkeypatch, name):
    # the DAC cells its decks include, the bridge and the cocotb test Icarus loads by name, the plain reference's
    # process, the reader of its waveform pair
    from lifhw.cosim.tile import DAC_FILE

    before = _keys()
    after = _edited(monkeypatch, DAC_FILE if name == "idac.cir" else _module_path(name))
    assert {key for key in before if before[key] != after[key]} == {"cosim"}


@pytest.mark.parametrize("name", ["lifhw.analognet.fast", "lifhw.analognet.dies", "lifhw.analognet.sizing",
                                  "lifhw.analognet.mapping", "lifhw.analognet.calibrate"])
def test_editing_the_analog_network_model_changes_its_key_only(monkeypatch, name):
    before = _keys()
    after = _edited(monkeypatch, _module_path(name))
    assert {key for key in before if before[key] != after[key]} == {"analognet"}


def test_editing_the_digits_task_changes_the_sections_that_train_it(monkeypatch):
    before = _keys()
    after = _edited(monkeypatch, _module_path("lifhw.learn.digits"))
    assert {key for key in before if before[key] != after[key]} == {"learn", "deploy", "analognet"}


def test_editing_theory_changes_every_key_that_imports_it(monkeypatch):
    before = _keys()
    after = _edited(monkeypatch, _module_path("lifhw.theory"))
    importers = {key for key, module in SECTIONS.items() if "lifhw.theory" in cache.import_closure([module.__name__])}
    assert importers >= {"reference", "analog", "sizing"}  # each imports it, directly or through a level
    assert {key for key in before if before[key] != after[key]} == importers


@pytest.mark.parametrize(("module", "tool", "sections"), [
    ("lifhw.digital.runner", "iverilog", {"rtl", "deploy", "cosim"}),
    ("lifhw.digital.runner", "verilator", {"rtl", "deploy", "cosim"}),
    ("lifhw.spice.netlist", "sky130", {"analog", "sizing", "montecarlo", "cosim", "analognet"}),
    ("lifhw.spice.runner", "libngspice", {"analog", "sizing", "montecarlo", "cosim", "analognet"}),
])
def test_another_tool_version_changes_exactly_the_sections_that_run_it(monkeypatch, module, tool, sections):
    # A new Icarus or sky130 release can change a number without any file of ours changing.
    import importlib

    probe = importlib.import_module(module)
    before = _keys()
    installed = probe.tool_versions()
    assert installed[tool] != "not installed"  # CI installs every tool
    monkeypatch.setattr(probe, "tool_versions", lambda: {**installed, tool: installed[tool] + " (another build)"})
    after = _keys()
    changed = {key for key in before if before[key] != after[key]}
    assert sections <= changed
    assert not changed & ({"reference", "network", "scenarios"} - sections)


def test_closure_follows_imports_inside_functions():
    # lifhw.cli.core imports the report page only inside its handler.
    assert "lifhw.report.page" in cache.import_closure(["lifhw.cli.core"])


@dataclass(frozen=True)
class Probe(Record):
    value: int


@pytest.mark.parametrize("damage", [b"", b"{", b"not json at all", b"{}", b'{"key": "other", "result": {}}',
                                    b'{"key": "KEY", "result": [1, 2]}', b'{"key": "KEY", "result": {}}',
                                    b'{"key": "KEY", "result": {"value": "42"}}',
                                    b'{"key": "KEY", "result": {"value": true}}'])
def test_a_damaged_entry_is_recomputed_and_replaced(tmp_path, capsys, damage):
    ctx = ReportContext(params=None, build_dir=tmp_path)
    calls = []

    def compute():
        calls.append(1)
        return Probe(42)

    first = ctx.cached("probe", {"x": 1}, compute, Probe)
    assert first == Probe(42)
    (entry,) = (tmp_path / "cache").iterdir()
    assert ctx.cached("probe", {"x": 1}, compute, Probe) == Probe(42) and len(calls) == 1  # served from the cache
    entry.write_bytes(damage.replace(b"KEY", entry.stem.encode()))
    assert ctx.cached("probe", {"x": 1}, compute, Probe) == Probe(42) and len(calls) == 2
    warning = capsys.readouterr().err.strip().splitlines()
    assert len(warning) == 1 and str(entry) in warning[0] and "recomputing" in warning[0]
    assert json.loads(entry.read_text())["result"] == {"value": 42}  # replaced, so the next run reads it again
    assert ctx.cached("probe", {"x": 1}, compute, Probe) == Probe(42) and len(calls) == 2


def test_an_entry_of_another_shape_names_the_type_and_the_field(tmp_path, capsys):
    # A result whose fields changed (or a hand-edited entry) is not handed to the section as if it were the result.
    ctx = ReportContext(params=None, build_dir=tmp_path)
    ctx.cached("probe", {}, lambda: Probe(1), Probe)
    (entry,) = (tmp_path / "cache").iterdir()
    entry.write_text(json.dumps({"key": entry.stem, "result": {"value": 1.5}}))
    assert ctx.cached("probe", {}, lambda: Probe(2), Probe) == Probe(2)
    (warning,) = capsys.readouterr().err.strip().splitlines()
    assert "does not read back (result.value = 1.5: expected int" in warning


def test_the_cache_returns_the_typed_result_and_reads_nan_back(tmp_path):
    # NaN is stored as null (JSON has no NaN) and read back as NaN where the type says float, on the first run too.
    ctx = ReportContext(params=None, build_dir=tmp_path)
    curve = FICurve([1e-10, 2e-10, 3e-10], [0.0, float("nan"), 12.5], "probe", {"dt": 1e-4})
    first = ctx.cached("curve", {}, lambda: curve, FICurve)
    again = ctx.cached("curve", {}, lambda: pytest.fail("served from the cache"), FICurve)
    for got in (first, again):
        assert isinstance(got, FICurve) and got.label == "probe" and got.metadata == {"dt": 1e-4}
        np.testing.assert_array_equal(got.rate, curve.rate)  # NaN where it was NaN
    (entry,) = (tmp_path / "cache").iterdir()
    assert json.loads(entry.read_text())["result"]["rate"] == [0.0, None, 12.5]


def test_report_survives_a_corrupted_cache(tmp_path):
    from lifhw import LIFParams

    build_report(LIFParams(), tmp_path / "out", tmp_path / "build", quiet=True, only=["reference"])
    for entry in (tmp_path / "build" / "cache").iterdir():
        entry.write_bytes(entry.read_bytes()[:10])
    summary = build_report(LIFParams(), tmp_path / "out", tmp_path / "build", quiet=True, only=["reference"])
    assert summary["all_passed"]


@pytest.mark.parametrize("name", ["lowpower", "ota"])
def test_editing_a_bias_block_changes_the_array_key_only(monkeypatch, name):
    from lifhw.spice.array import get_block

    before = _keys()
    after = _edited(monkeypatch, get_block(name).path)
    assert {key for key in before if before[key] != after[key]} == {"array"}
