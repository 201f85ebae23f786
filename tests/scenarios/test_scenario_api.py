"""The scenario machinery: parameters, results, JSON, threshold search, CLI and report section."""

import json
import subprocess
import sys

import numpy as np
import pytest

from lifhw.cli import main, to_json
from lifhw.errors import ParameterError
from lifhw.params import LIFParams
from lifhw.report import ReportContext
from lifhw.report.sections import scenarios as section
from lifhw.scenarios import SCENARIOS, Param, ScenarioResult, get, run
from lifhw.scenarios.base import steady_rate, threshold_search
from lifhw.sim import simulate

ISSUE_KEYS = {"scenario", "params", "predicted", "simulated", "tolerance", "passed"}


def test_every_scenario_module_is_registered_and_listed():
    # A scenario module that is not in the registry would never run, be tested or reach the report.
    import pkgutil

    import lifhw.scenarios as package

    modules = {info.name for info in pkgutil.iter_modules(package.__path__)} - {"base"}
    registered = {scenario.run.__module__.rpartition(".")[2] for scenario in SCENARIOS.values()}
    assert registered == modules
    listed = subprocess.run([sys.executable, "-m", "lifhw", "scenario", "list", "--json"], capture_output=True,
                            text=True, check=True).stdout
    assert [s["name"] for s in json.loads(listed)["scenarios"]] == list(SCENARIOS)


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_json_has_the_issue_keys_in_si_with_lif_names(default_results, name):
    data = json.loads(to_json(default_results[name].as_dict()))
    assert ISSUE_KEYS <= set(data)
    assert data["scenario"] == name
    assert set(data["predicted"]) == set(data["simulated"])
    assert all(isinstance(v, float) for v in data["predicted"].values())
    assert list(data["params"])[:6] == ["c_m", "r_m", "v_rest", "v_th", "v_reset", "t_ref"]
    assert data["passed"] is True


def test_passed_needs_every_number_within_tolerance_and_every_check():
    ok = ScenarioResult("x", {}, {"a": 1.0, "zero": 0.0}, {"a": 1.019, "zero": 0.001}, 0.02)
    assert ok.passed and ok.errors["a"] == pytest.approx(0.019)
    assert not ScenarioResult("x", {}, {"a": 1.0}, {"a": 1.021}, 0.02).passed
    assert not ScenarioResult("x", {}, {"a": 1.0}, {"a": 1.0}, 0.02, checks={"fires": False}).passed
    back = ScenarioResult.from_dict(json.loads(json.dumps(
        ScenarioResult("x", {}, {"a": 1.0}, {"a": 1.0}, 0.02, series={"t": np.arange(3)}).as_dict(series=True))))
    assert back.passed and back.series["t"].tolist() == [0, 1, 2]


def test_params_read_spice_text_lists_and_reject_bad_values():
    assert Param("r", 1.0, "Ohm", "", minimum=0.0).parse("200Meg") == 200e6
    assert Param("h", (1.0,), "", "", minimum=0.0, is_list=True).parse("0.5,2.5") == (0.5, 2.5)
    with pytest.raises(ParameterError, match=r"^r = -1: must be > 0 Ohm"):
        Param("r", 1.0, "Ohm", "", minimum=0.0).parse("-1")
    with pytest.raises(ParameterError, match="not a parameter of scenario allodynia"):
        run("allodynia", r_inflamed="1G")
    with pytest.raises(ParameterError, match="scenario"):
        get("sciatica")


@pytest.mark.parametrize("n_parallel", [1, 7])
def test_threshold_search_brackets_a_known_step(n_parallel):
    x, trials = threshold_search(lambda xs: np.asarray(xs) >= np.pi, 0.0, 10.0, rtol=1e-9, n_parallel=n_parallel)
    assert x == pytest.approx(np.pi, rel=1e-9)
    assert all(outcome == (value >= np.pi) for value, outcome in trials)
    with pytest.raises(ParameterError, match="search range"):
        threshold_search(lambda xs: np.asarray(xs) >= 20.0, 0.0, 10.0)


def test_steady_rate_under_conductances_matches_the_simulator():
    neuron = LIFParams()
    g_e, g_i = np.array([5e-9, 10e-9, 30e-9]), 4e-9
    rates = simulate(neuron, 1.0, 1e-3, g_e=g_e, g_i=g_i, e_i=-80e-3).rates(skip=1)
    np.testing.assert_allclose(steady_rate(neuron, g_e=g_e, g_i=g_i, e_i=-80e-3), rates, rtol=1e-9)


def test_cli_runs_a_scenario_with_overrides_as_json(capsys):
    assert main(["scenario", "tsv-slowdown", "--tsv-depth", "100u", "--c-m", "2p", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["params"]["tsv_depth"] == pytest.approx(100e-6) and data["params"]["c_m"] == pytest.approx(2e-12)
    default = run("tsv-slowdown")
    assert data["predicted"]["c_tsv"] == pytest.approx(2 * default.predicted["c_tsv"])
    assert data["passed"] is True


def test_cli_human_table_and_list(capsys):
    assert main(["scenario", "euler-stability", "--h-ratios", "0.5,2.5", "--v-rest", "-60m"]) == 0
    out = capsys.readouterr().out
    assert "PASSED" in out and "growth_euler_h2.5" in out
    assert main(["scenario", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["scenarios"]
    assert [s["name"] for s in listed] == list(SCENARIOS)
    assert {"name": "r_m_inflamed", "default": 200e6, "unit": "Ohm"}.items() <= listed[1]["params"][0].items()


@pytest.mark.parametrize("argv, needle", [
    (["scenario", "allodynia", "--r-m-inflamed", "50Meg"], "r_m_inflamed = 5e+07: must be > r_m"),
    (["scenario", "allodynia", "--r-m-inflamed", "lots"], "r_m_inflamed = 'lots'"),
    (["scenario", "wind-up", "--lambda-d", "-4u"], "lambda_d = -4e-06: must be > 0 m"),
    (["scenario", "place-field", "--laps", "2.5"], "laps = 2.5: must be a whole number"),
    (["scenario", "spinal-gate", "--g-e", "1n"], "g_e = 1e-09: too weak"),
    (["scenario", "tsv-slowdown", "--r-m", "-1"], "r_m = -1: must be > 0"),
    (["scenario", "sciatica"], "invalid choice: 'sciatica'"),
])
def test_cli_bad_overrides_get_one_line_and_exit_2(capsys, argv, needle):
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and needle in captured.err and "Traceback" not in captured.err


def test_console_entry_point_runs_a_scenario():
    out = subprocess.run([sys.executable, "-m", "lifhw", "scenario", "allodynia", "--r-m-inflamed", "400Meg",
                          "--json"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["simulated"]["rheobase_inflamed"] == pytest.approx(50e-12, rel=0.02)


def test_report_section_has_a_figure_and_table_per_scenario_and_budget_rows(tmp_path):
    ctx = ReportContext(params=LIFParams(), build_dir=tmp_path, quiet=True)
    built = section.build(ctx)
    assert built.key == "scenarios"
    assert built.html.count("<figure>") == len(SCENARIOS)
    assert built.html.count("<table") == len(SCENARIOS) + 1
    levels = [row.level for row in built.budget]
    assert all(f"scenario {name}" in levels for name in SCENARIOS)
    assert all(row.passed for row in built.budget)
    assert set(built.summary) == set(SCENARIOS)
    # The second build reads every scenario from the cache.
    assert len(list((tmp_path / "cache").glob("scenario-*.json"))) == len(SCENARIOS)
    assert section.build(ctx).summary == built.summary
