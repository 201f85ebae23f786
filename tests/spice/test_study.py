"""``make spice`` and the report's analog section: one run of the study, its files and its budget."""

from __future__ import annotations

import csv
import json
from types import SimpleNamespace

import pytest

from lifhw.errors import SpiceError
from lifhw.params import LIFParams
from lifhw.report.page import build_report
from lifhw.report.sections.analog import circuit_params
from lifhw.spice.design import ota_params
from lifhw.spice.runner import Session
from lifhw.spice.study import ACCEPTANCE


def test_report_section_runs_the_study_and_writes_build_spice(tmp_path):
    summary = build_report(ota_params(), tmp_path / "out", tmp_path / "build", quiet=True, only=["analog"])
    section = summary["sections"]["analog"]
    rows = {row["level"]: row for row in summary["error_budget"]}
    assert all(row["passed"] for row in rows.values()), rows
    for key, bound in ACCEPTANCE.items():
        assert section[key] < bound, (key, section[key], bound)
    assert section["silent_below_rheobase"] and section["fires_above"]
    spice = tmp_path / "build" / "spice"
    for name in ("study.json", "characterization.json", "fi_ota.csv", "fi_ota_tsv.csv", "fi_lowpower.csv",
                 "fi_ideal.csv", "fi.png", "iv.png", "energy.png"):
        assert (spice / name).stat().st_size > 0, name
    study = json.loads((spice / "study.json").read_text())
    with open(spice / "fi_ota.csv") as handle:
        table = list(csv.DictReader(handle))
    assert [float(r["rate"]) for r in table] == pytest.approx(study["ota"]["sweep"]["fi"]["rate"])
    # energy per spike is compared with C_eff*dV*V_dd, the dynamic part is what exceeds the bias power
    assert study["energy_reference"] == pytest.approx(2.6e-12 * 0.3 * 1.8)
    page = (tmp_path / "out" / "index.html").read_text()
    assert "C<sub>eff</sub>·ΔV·V<sub>dd</sub>" in page and "device-aware theory" in page
    assert "arXiv 2408.07734" in page and "lif_lowpower" in page


def test_a_neuron_the_circuit_cannot_build_falls_back_to_the_analog_design():
    params, note = circuit_params(LIFParams())
    assert params == ota_params() and "cannot be built" in note and "v_rest" in note
    assert circuit_params(ota_params()) == (ota_params(), "")


def _bare_session() -> Session:
    session = Session.__new__(Session)  # no ngspice: only the log classification is exercised
    session.log, session.netlist = [], None
    return session


def test_informational_ngspice_lines_are_not_errors():
    session = _bare_session()
    session._check("source x.cir", ["stderr Using SPARSE 1.3 as Direct Linear Solver",
                                    "stderr Note: Compatibility modes selected: hs a",
                                    "stderr Warning: Further gmin increment", "stdout option SCALE: Scale is set"])
    with pytest.raises(SpiceError, match="ngspice command 'tran 1 2' failed: doAnalyses: TRAN:  Timestep too small"):
        session._check("tran 1 2", ["stderr doAnalyses: TRAN:  Timestep too small; time = 1e-16"])


def test_gmin_stepping_progress_is_benign_only_when_the_analysis_produced_a_plot():
    session = _bare_session()
    # ngspice prints recovered convergence on its progress line; the analysis may still succeed
    session._check("op", ["stderr Trying gmin =   1.0000E-07 Warning: Last gmin step failed",
                          "stderr Trying gmin =   1.0000E-05 Note: One successful gmin step",
                          "stderr Warning: Dynamic gmin stepping failed", "stderr Note: Starting true gmin stepping"])
    # ... and whether it did is its plot: an analysis that gave up left none (the last plot is still "const")
    session._ng = SimpleNamespace(last_plot="const")
    with pytest.raises(SpiceError, match="the op analysis produced no results"):
        session._last_plot("op")
