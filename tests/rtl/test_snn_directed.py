"""Directed cocotb tests of snn_core (Icarus) on two hand-built networks, and mutations of the RTL they catch.

``extremes``: one layer, 6 inputs, 4-bit weights at -8 and +7, a 5-bit accumulator (saturates after three
events). ``timing``: 2 inputs -> 3 -> 2; layer 1 has REF_STEPS = 2 and weights THRESH and THRESH - 1 from input
0, layer 2 (no refractory period) passes neurons 0 and 1 on with weight THRESH. The expected values are in
``cocotb_snn_core.py``, derived from rtl/README.md.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from lifhw import LIFParams, fixed
from lifhw.digital import hdl, runner, snn

HERE = Path(__file__).parent
BUILD = Path(__file__).resolve().parents[2] / "build" / "rtl" / "snn_directed"
DT = 1e-3  # tau_m = 20 ms: LEAK_MULT = 3196 / 2^16; t_ref = 2 ms: REF_STEPS = 2


def layer(weights, width: int, bits: int, acc: int, t_ref: float, reset_mode: str = "reset",
          bias=None) -> fixed.FixedLayer:
    # frac = 12: THRESH = round(20 mV * 2^12) = 82 LSB.
    q = fixed.quantize(LIFParams(t_ref=t_ref), DT, fixed.FixedFormat(width=width, frac=12, in_width=acc,
                                                                     reset_mode=reset_mode))
    return fixed.FixedLayer(np.array(weights), q, bits, acc, None if bias is None else np.array(bias))


def extremes() -> fixed.FixedNetwork:
    return fixed.FixedNetwork((layer([[7] * 6, [-8] * 6, [7, 7, 7, -8, -8, -8], [-8, -8, -8, 7, 7, 7]],
                                     width=8, bits=4, acc=5, t_ref=0.0),))


def timing() -> fixed.FixedNetwork:
    return fixed.FixedNetwork((layer([[82, 0], [81, 0], [0, -128]], width=12, bits=8, acc=10, t_ref=2e-3),
                               layer([[82, 0, 0], [0, 82, 0]], width=12, bits=8, acc=10, t_ref=0.0)))


def biased() -> fixed.FixedNetwork:
    """2 inputs -> 3 (delayed subtraction, biases 40, 30, -128) -> 2 (immediate subtraction, biases -20 and 100 in
    an 8-bit accumulator: neuron 1's 82 + 82 saturates to 127 before its bias)."""
    return fixed.FixedNetwork((layer([[50, 0], [0, 0], [127, 127]], width=12, bits=8, acc=10, t_ref=0.0,
                                     reset_mode="subtract-delayed", bias=[40, 30, -128]),
                               layer([[82, 82, 0], [82, 82, 0]], width=12, bits=8, acc=8, t_ref=0.0,
                                     reset_mode="subtract", bias=[-20, 100])))


#: network -> the cocotb tests that run on it
NETWORKS = {"extremes": (extremes, ("accumulator_extremes",)),
            "biased": (biased, ("bias_and_both_subtractions",)),
            "timing": (timing, ("refractory_end_and_threshold", "back_to_back_steps", "reset_mid_sample"))}


def run_directed(name: str, work: Path, sources: list[Path] | None = None) -> Path:
    """Build snn_core with network ``name`` and run its cocotb tests; the results XML."""
    build, tests = NETWORKS[name]
    net = build()
    work = work.resolve()
    fixed.save_network(net, work / "net.npz")
    parameters = snn.core_parameters(net, max_steps=255)
    files = snn.write_memories(work, net, parameters)
    return runner.cocotb_run("cocotb_snn_core", "snn_core", {**parameters, **files},
                             work, HERE, extra_env={"LIFHW_SNN_NET": str(work / "net.npz")},
                             test_filter="|".join(rf"\.{t}$" for t in tests), sources=sources)


def outcomes(results: Path) -> dict[str, bool]:
    """Test name -> passed, from cocotb's results XML."""
    return {case.get("name"): case.find("failure") is None and case.find("error") is None
            for case in ET.parse(results).getroot().iter("testcase")}


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_directed(name):
    results = run_directed(name, BUILD / name)
    assert outcomes(results) == {t: True for t in NETWORKS[name][1]}


#: name -> (file, text, mutated text, tests that must fail)
MUTATIONS = {
    "threshold > instead of >=": ("lif_datapath.v", "(sat >= THR)", "(sat > THR)", {"refractory_end_and_threshold"}),
    "events accumulated in descending order": (
        "snn_core.v", "ev_mem[{half_q, k_q[EV_AW-1:0]}]", "ev_mem[{half_q, ev_n_q[EV_AW-1:0] - 1'b1 - k_q[EV_AW-1:0]}]",
        {"accumulator_extremes"}),
    "delayed subtraction on > instead of >=": (
        "lif_datapath.v", "(RESET_MODE == 2) && (v_sw >= THR)", "(RESET_MODE == 2) && (v_sw > THR)",
        {"bias_and_both_subtractions"}),
    "bias bank never added": ("snn_core.v", "add_bias ? bias_rd : w_rd_q", "w_rd_q", {"bias_and_both_subtractions"}),
    "accumulator wraps instead of saturating": (
        "snn_core.v", "acc_q <= acc_sat[ACC_MAX-1:0]", "acc_q <= acc_sum[ACC_MAX-1:0]", {"accumulator_extremes"}),
}


def mutated_sources(top: str, mutation: str, folder: Path) -> list[Path]:
    """Copies of ``top``'s Verilog files in ``folder`` with ``mutation`` applied (its site must be there once)."""
    file, text, mutated, _ = MUTATIONS[mutation]
    sources = []
    for path in hdl.SOURCES[top]:
        source = path.read_text()
        if path.name == file:
            assert source.count(text) == 1, f"the mutation site {text!r} is not (once) in {file}"
            source = source.replace(text, mutated)
        sources.append(folder / path.name)
        sources[-1].write_text(source)
    return sources


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_a_mutation_fails_the_directed_tests(mutation, tmp_path):
    must_fail = MUTATIONS[mutation][3]
    sources = mutated_sources("snn_core", mutation, tmp_path)
    failed = set()
    for name in NETWORKS:
        try:
            results = run_directed(name, tmp_path / name, sources)
        except SystemExit:  # cocotb's runner, under pytest, exits when a test fails
            results = tmp_path / name / "results.xml"
        failed |= {test for test, passed in outcomes(results).items() if not passed}
    assert must_fail <= failed, f"{mutation}: only {sorted(failed)} failed"
    print(f"{mutation}: fails {sorted(failed)}")



def test_the_regression_reports_a_mutated_core(tmp_path):
    # The file-driven path lifhw deploy runs, on a core whose threshold compares with >: mismatches, in words.
    net = timing()
    events = np.zeros((2, 12, 2), dtype=bool)
    events[:, :, 0] = True
    good = snn.run(net, events, tmp_path / "good", probe_fraction=1.0)
    bad = snn.run(net, events, tmp_path / "bad", probe_fraction=1.0,
                  sources=mutated_sources("tb_snn_core", "threshold > instead of >=", tmp_path))
    assert good["mismatches"] == 0 and good["updates"] == 2 * 12 * 5
    assert bad["count_mismatches"] > 0 and bad["update_mismatches"] > 0
    assert "layer 1 neuron 0" in " ".join(bad["messages"])
