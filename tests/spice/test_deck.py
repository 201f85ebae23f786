"""AnalogNeuron: one value renders every deck of a neuron, flat or as a subcircuit, and the subcircuit is the neuron.

The subcircuit form is checked against the flat netlist it comes from (a second rendering of the same circuit,
run in ngspice): the same rate, and in a deck of two instances with the PDK's mismatch each draws its own.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from lifhw import LIFParams
from lifhw.errors import ParameterError
from lifhw.spice import AnalogNeuron, OTADesign, ota_params
from lifhw.spice import deck as deck_module
from lifhw.spice import netlist as nl
from lifhw.spice.deck import Deck
from lifhw.spice.executor import LocalExecutor, Task
from lifhw.spice.measure import measure
from lifhw.spice.runner import Session, run_job

#: One neuron of each circuit, and a current that fires it at tens of Hz.
NEURONS = {"ideal": (AnalogNeuron("ideal", LIFParams()), 0.6e-9),
           "ota": (AnalogNeuron("ota"), 40e-12),
           "lowpower": (AnalogNeuron("lowpower"), 34e-12)}


#: Transient (s) of the two-neuron mismatch deck: five spikes of lif_ota at 40 pA.
T_MISMATCH = 0.15


def _elements(text: str) -> list[str]:
    return [line for line in text.splitlines() if line[:1].isalpha()]


def test_defaults_and_what_it_refuses():
    neuron = AnalogNeuron("lowpower")
    assert neuron.circuit is nl.get_circuit("lowpower") and neuron.design == nl.get_circuit("lowpower").design()
    assert neuron.params == ota_params(neuron.design)
    with pytest.raises(ParameterError, match="^v_rest = -0.07"):
        AnalogNeuron("ota", LIFParams())  # the OTA cannot build a -70 mV membrane: refused at construction
    hot = neuron.at(corner="ss", temp=85.0)
    assert (hot.design.corner, hot.design.temp, hot.design.i_cmp) == ("ss", 85.0, neuron.design.i_cmp)
    assert "_mm" not in hot.render() and re.search(r"^\.lib \S+ ss_mm$", hot.render(mismatch=True), re.MULTILINE)
    assert ".temp 85.0" in hot.render()


def test_the_deck_is_the_netlist_rendered_for_its_neuron():
    neuron = AnalogNeuron("ota", ota_params(), OTADesign(c_tsv=140e-15, corner="ff", temp=85.0))
    circuit = neuron.circuit
    assert neuron.render() == nl.render(circuit, circuit.values(neuron.params, neuron.design), "ff", 85.0)
    assert neuron.render(mismatch=True) == nl.render(circuit, circuit.values(neuron.params, neuron.design), "ff",
                                                     85.0, mismatch=True)


@pytest.mark.parametrize("name", list(NEURONS))
def test_the_cell_deck_holds_every_element_once_and_hides_the_neurons_nodes(name):
    neuron, _ = NEURONS[name]
    flat, cell = neuron.render(), neuron.render(cell=True)
    body = neuron.subckt().splitlines()
    assert body[0] == f".subckt lif_{name} {' '.join(neuron.ports)}" and body[-1] == f".ends lif_{name}"
    assert neuron.ports[:2] == ("mem", "spk") and neuron.circuit.release_node in neuron.ports
    # The same elements, each once: the neuron's inside the subcircuit, the shared ones and the probe outside.
    inside = _elements("\n".join(body[1:-1]))
    instance = f"x_neuron {' '.join(neuron.ports)} lif_{name}"
    assert sorted(_elements(cell)) == sorted(_elements(flat) + [instance])
    assert {line.split()[0] for line in _elements(flat)} - {line.split()[0] for line in inside} == \
        set(neuron.circuit.shared) | ({"v_probe", "r_probe"} if neuron.circuit.transistors else set())
    # No node of the neuron but its ports is named outside it.
    outside = [line for line in _elements(cell) if line not in inside and line != instance]
    inner = {node for line in inside for node in deck_module._nodes(line.split())}
    named = {node for line in outside for node in deck_module._nodes(line.split())}
    assert (inner & named) - {"0"} <= set(neuron.ports)


def _rate(vectors, i_in, t_stop, neuron):
    return measure(vectors, i_in, t_stop, neuron.design.vdd, neuron.circuit.release_node).rate


def test_the_subcircuit_is_the_neuron(tmp_path):
    # Each neuron's flat deck and its one-instance subcircuit deck, the same transient: the same rate (lif_ideal to
    # round-off; the transistor decks to ngspice's tolerance: a different node order takes other time steps).
    tasks, runs = [], []
    for name, (neuron, i_in) in NEURONS.items():
        t_stop = 0.12
        job = {"kind": "tran", "i_in": i_in, "t_stop": t_stop, "max_step": t_stop / 2000}
        for cell in (False, True):
            deck = neuron.deck(tmp_path, f"{name}-{'cell' if cell else 'flat'}", cell=cell)
            tasks.append(Task(run_job, (job,), f"{name} {'cell' if cell else 'flat'}", deck))
            runs.append((name, i_in, t_stop))
    with LocalExecutor(2, timeout=300) as executor:
        results = executor.map(tasks)
    rates = {}
    for (name, i_in, t_stop), result in zip(runs, results, strict=True):
        assert not isinstance(result, Exception), result
        rates.setdefault(name, []).append(_rate(result, i_in, t_stop, NEURONS[name][0]))
    assert rates["ideal"][1] == pytest.approx(rates["ideal"][0], rel=1e-9) and rates["ideal"][0] > 20
    for name in ("ota", "lowpower"):
        flat, cell = rates[name]
        assert flat > 10 and cell == pytest.approx(flat, rel=1e-3)


def _two_neurons(session: Session, seed: int, switch: float, i_in: float) -> list[float]:
    session.redraw(seed, {"mc_mm_switch": switch})
    session.set(i_in=i_in, i_in1=i_in)
    vectors = session.tran(i_in, T_MISMATCH, T_MISMATCH / 2000)
    second = {"time": vectors["time"], "spk": vectors["spk1"], "rst": vectors["rst1"], "mem": vectors["mem1"],
              "vdd#branch": vectors["vdd#branch"]}
    neuron = NEURONS["ota"][0]
    return [_rate(vectors, i_in, T_MISMATCH, neuron), _rate(second, i_in, T_MISMATCH, neuron)]


def _redraws(session: Session, i_in: float) -> list[list[float]]:
    """Both neurons' rates at seeds 1 and 2 with the mismatch drawn, and at seed 1 with it switched off."""
    return [_two_neurons(session, seed, switch, i_in) for seed, switch in ((1, 1.0), (2, 1.0), (1, 0.0))]


def test_each_instance_of_the_subcircuit_draws_its_own_mismatch(tmp_path):
    # Two lif_ota instances in one _mm deck, sharing the bias references (what issues 22-24 build): each draws its
    # own mismatch, a seed redraws both, and with the draw switched off both are the nominal neuron.
    neuron, i_in = NEURONS["ota"]
    cell = neuron.render(mismatch=True, cell=True)
    second = " ".join("mem1" if p == "mem" else "spk1" if p == "spk" else "rst1" if p == "rst" else p
                      for p in neuron.ports)
    text = cell.replace("\n.save ", f"\nx_second {second} lif_ota\ni_in1 0 mem1 dc 0\n"
                                    ".save v(mem1) v(spk1) v(rst1) ")
    assert ".ic v(mem) =" in neuron.subckt()  # every instance starts from V_reset, the second one too
    deck = Deck.write(text, tmp_path, "two-ota-mc")
    with LocalExecutor(1, timeout=300) as executor:
        (result,) = executor.map([Task(_redraws, (i_in,), "two neurons", deck, redraws=True)])
    assert not isinstance(result, Exception), result
    (a1, b1), (a2, b2), (n1, n2) = result
    assert n2 == pytest.approx(n1, rel=1e-6) and n1 > 10  # nothing drawn: two copies of the nominal neuron
    assert a1 != b1 and a2 != b2 and a1 != a2 and b1 != b2
    assert np.all(np.abs(np.array([a1, b1, a2, b2]) / n1 - 1) < 0.3)  # mismatch, not a broken neuron
