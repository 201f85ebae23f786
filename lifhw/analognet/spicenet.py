"""The mapped network in ngspice, partitioned: every neuron in its own deck, layer after layer.

With ideal synapses the partition is exact: a synapse is a behavioural current source whose controlling quantity
(the presynaptic spike of the step) draws no current, so nothing flows from a layer back to the one before, and the
presynaptic ``rst`` is read only inside windows where it is flat (checked for every spike: ``timing_violations``).
So layer l's neurons are simulated one deck each, driven by a piecewise-linear source holding Σ_j W_ij·s_j(k) of
every step k in the layer's window, s_j the previous layer's SPICE spikes (layer 1: the input events); a step's
packets are one pulse of that many units (the DAC sums its inputs). The synapse stops sinking as the membrane nears
V_floor and sourcing as it nears vdd − V_floor (a 1 mV tanh edge): the DAC's output compliance.

One deck per layer (its leak bias and DAC unit), loaded once per worker; one task per neuron runs the transient of
every sample (``alter`` of the PWL, then ``tran`` from the operating point). One whole-network deck is not
affordable: a spike costs ~1000 Newton iterations of every instance in the deck, so its cost grows as N² for a layer
of N (the issue-24 study: a 64-64-10 deck did not finish 2 steps in 23 CPU-min; partitioned, 64-16-10 took 233 CPU-s
for 16 steps with counts equal to its one deck's).

Results are stored per neuron and sample as each neuron finishes (:class:`lifhw.spice.store.ResultStore`, keyed by
the deck and the neuron's input of that sample), so a killed run resumes and a longer subset reuses a shorter one.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import SpiceError
from ..files import BUILD
from ..fixed import FixedNetwork
from ..jsonio import Record
from ..spice.deck import AnalogNeuron, Deck
from ..spice.design import AREA_FACTORS, ota_params
from ..spice.executor import Executor, Task
from ..spice.netlist import get_circuit
from ..spice.runner import Session
from ..spice.store import ResultStore
from .mapping import AnalogMapping

#: Where SPICE network results and decks are kept.
STORE_DIR = BUILD / "analognet" / "spice"
#: Rise and fall time (s) of a packet's pulse, and the width (V) of the DAC's compliance edge.
T_RISE = 1e-7
COMPLIANCE_EDGE = 1e-3
#: Largest transient step (s): the pulses' corners place the steps that matter.
MAX_STEP = 2e-4
#: CPU seconds a neuron's sample may take before its task is reported failed (a hidden neuron of 16 steps, 13
#: spikes: 26 CPU-s idle; a loaded machine runs 3-6x slower).
SECONDS_PER_SAMPLE = 600.0
#: Steps one PWL source holds: 4 pulses of 8 numbers stay far within PySpice's 1023-character command.
STEPS_PER_SOURCE = 4


def layer_neuron(mapping: AnalogMapping, layer: int) -> AnalogNeuron:
    """The circuit's default neuron with layer ``layer``'s leak bias, the mapping's refractory hold and area
    factors."""
    circuit = get_circuit(mapping.circuit)
    design = circuit.design(i_b=mapping.i_b[layer], **dict(zip(AREA_FACTORS, mapping.areas, strict=True)))
    return AnalogNeuron(circuit, ota_params(design, t_ref=mapping.t_ref), design)


def sources(n_steps: int) -> int:
    """PWL sources a deck of ``n_steps`` steps needs: each holds :data:`STEPS_PER_SOURCE` steps, so that its
    ``alter`` stays within PySpice's 1023-character command."""
    return -(-n_steps // STEPS_PER_SOURCE)


def layer_deck_text(mapping: AnalogMapping, layer: int, n_steps: int) -> str:
    """The neuron deck of ``layer`` with its synapse: PWL sources ``vd_syn<j>`` of DAC units (step after step, each
    holding :data:`STEPS_PER_SOURCE` steps) and the switched current source of their sum into the membrane, within
    the compliance."""
    cal = mapping.calibration
    floor, ceil = cal.v_rest + mapping.x_floor, cal.v_rest + mapping.x_ceil
    sink = f"(0.5*(1+tanh((v(mem)-{floor!r})/{COMPLIANCE_EDGE!r})))"
    source = f"(0.5*(1+tanh(({ceil!r}-v(mem))/{COMPLIANCE_EDGE!r})))"
    n = sources(n_steps)
    units = "+".join(f"v(syn_d{j})" for j in range(n))
    synapse = ["* synapse: ideal switched current source of DAC units (lifhw.analognet)",
               *(f"vd_syn{j} syn_d{j} 0 pwl(0 0 1 0)" for j in range(n)),
               f"b_syn 0 mem I = {mapping.i_unit[layer]!r}*({units})*(({units}) >= 0 ? {source} : {sink})"]
    lines = layer_neuron(mapping, layer).render().rstrip("\n").split("\n")
    end = max(i for i, line in enumerate(lines) if line.strip().lower() == ".end")
    return "\n".join(lines[:end] + synapse + lines[end:]) + "\n"


def pwls(units: np.ndarray, phase: float, dt: float, t_w: float) -> list[str]:
    """The PWL vectors (ngspice ``alter @v[pwl]`` form), one per source, of DAC ``units`` per step: each a pulse at
    k·dt + phase of source k // STEPS_PER_SOURCE."""
    out = []
    for first in range(0, len(units), STEPS_PER_SOURCE):
        points = [0.0, 0.0]
        for k in range(first, min(first + STEPS_PER_SOURCE, len(units))):
            if d := int(units[k]):
                t0 = k * dt + phase
                points += [t0, 0.0, t0 + T_RISE, float(d), t0 + t_w, float(d), t0 + t_w + T_RISE, 0.0]
        points += [len(units) * dt + dt, 0.0]
        out.append("[ " + " ".join(f"{p:.12g}" for p in points) + " ]")
    return out


def run_neuron(session: Session, inputs: list[list[str]], t_stop: float, vdd: float) -> tuple[list[dict], float]:
    """The worker's task: one neuron's transient per sample (``inputs``: its PWL vectors per source). Returns, per
    sample, the spike times (rising edges of ``rst`` through vdd/2), the times ``rst`` falls back, and the energy its
    supply ``vdd`` and the shared references' ``vdd_ref`` delivered (J); and the CPU seconds this process spent."""
    start = time.process_time()
    out = []
    for vectors in inputs:
        for j, text in enumerate(vectors):
            session.command(f"alter @vd_syn{j}[pwl] = {text}")
        v = session.tran(0.0, t_stop, MAX_STEP)
        t, rst = v["time"], v["rst"]
        high = rst > vdd / 2
        up = np.flatnonzero(high[1:] & ~high[:-1]) + 1
        down = np.flatnonzero(~high[1:] & high[:-1]) + 1
        out.append({"spikes": t[up].tolist(), "releases": t[down].tolist(),
                    "energy": float(np.trapezoid(-vdd * v["vdd#branch"], t)),
                    "energy_shared": float(np.trapezoid(-vdd * v["vdd_ref#branch"], t))})
    return out, time.process_time() - start


@dataclass(frozen=True)
class SpiceNetworkRun(Record):
    """The SPICE run of a network over samples: spike counts per layer (``counts[l][m][i]``), the spikes' steps
    per layer (``spike_steps[l][m]``: (step, neuron) pairs), spikes whose timing broke the windows, the energy per
    sample of the neurons' supplies, of the shared references and (bookkept) of the ideal synapses (J), and the CPU
    seconds of the run that computed them (0 for results read from the store)."""

    samples: list[int]
    counts: list[list[list[int]]]
    timing_violations: int
    energy_neurons: list[float]
    energy_shared: list[float]
    energy_synapses: list[float]
    cpu_seconds: float


def _steps(times: list[float], mapping: AnalogMapping, layer: int, n_steps: int) -> np.ndarray:
    spikes = np.zeros(n_steps, dtype=bool)
    for t in times:
        spikes[min(int((t - mapping.phases[layer]) // mapping.dt), n_steps - 1)] = True
    return spikes


def _violations(result: dict, mapping: AnalogMapping, layer: int, n_layers: int, t_stop: float) -> int:
    """Spikes whose hold does not cover the next layer's window, or does not end before the neuron's next window."""
    bad = 0
    releases = np.asarray(result["releases"])
    for t in result["spikes"]:
        k = int((t - mapping.phases[layer]) // mapping.dt)
        later = releases[releases > t]
        release = later[0] if len(later) else np.inf
        if layer + 1 < n_layers:
            window = k * mapping.dt + mapping.phases[layer + 1]
            bad += t > window or release < window + mapping.t_w
        own_next = (k + 1) * mapping.dt + mapping.phases[layer]
        bad += own_next < t_stop and release > own_next
    return bad


def run_network(mapping: AnalogMapping, net: FixedNetwork, events, executor: Executor,
                store_root: Path | str = STORE_DIR, samples: list[int] | None = None) -> SpiceNetworkRun:
    """``net`` mapped by ``mapping`` in ngspice over ``events`` (bool (M, T, n_in)), nominal devices."""
    ev = np.asarray(events, dtype=bool)
    m, n_steps, _ = ev.shape
    t_stop = n_steps * mapping.dt
    vdd = mapping.calibration.vdd
    s_in = ev
    counts, cpu, bad = [], 0.0, 0
    energy = np.zeros(m)
    shared = np.zeros(m)
    synapses = np.zeros(m)
    for index, layer in enumerate(net.layers):
        text = layer_deck_text(mapping, index, n_steps)
        deck = Deck.write(text, Path(store_root) / "decks", f"analognet-{mapping.circuit}-layer{index + 1}")
        store = ResultStore(store_root, {"kind": "analognet-spice-neuron", "deck": deck.digest, "t_stop": t_stop,
                                         "max_step": MAX_STEP, "phase": mapping.phases[index], "t_w": mapping.t_w})
        units = np.einsum("mkj,ij->mki", s_in.astype(np.int64), layer.weights)  # (M, T, n_out)
        synapses += np.einsum("mkj,ij->m", s_in.astype(np.int64), np.abs(layer.weights)) * mapping.q_lsb[index] * vdd
        inputs = [[pwls(units[s, :, i], mapping.phases[index], mapping.dt, mapping.t_w) for s in range(m)]
                  for i in range(layer.n_out)]
        # one item per (neuron input, sample): the same deck and PWL give the same transient, so a run with more
        # samples, or another network sharing a neuron's inputs, reuses what is stored
        names = [[hashlib.sha256("\n".join(vectors).encode()).hexdigest()[:24] for vectors in per_neuron]
                 for per_neuron in inputs]
        results = [[store.get(name, dict) for name in per_neuron] for per_neuron in names]
        todo = [(i, [s for s, r in enumerate(results[i]) if r is None]) for i in range(layer.n_out)]
        todo = [(i, missing) for i, missing in todo if missing]
        tasks = [Task(run_neuron, ([inputs[i][s] for s in missing], t_stop, vdd),
                      f"layer {index + 1} neuron {i} over {len(missing)} samples", deck,
                      timeout=SECONDS_PER_SAMPLE * len(missing)) for i, missing in todo]

        def finished(k: int, result, todo=todo, store=store, names=names) -> None:
            # stored as each neuron finishes, its cost beside it (a result is the same bytes whoever computes it)
            if not isinstance(result, Exception):
                i, missing = todo[k]
                for s, item in zip(missing, result[0], strict=True):
                    store.put(names[i][s], item)
                    store.put(f"{names[i][s]}.cost", {"cpu_seconds": result[1] / len(missing)})

        for (i, missing), result in zip(todo, executor.map(tasks, finished) if tasks else [], strict=True):
            if isinstance(result, Exception):
                raise result if isinstance(result, SpiceError) else SpiceError(str(result))
            for s, item in zip(missing, result[0], strict=True):
                results[i][s] = item
            cpu += result[1]
        spikes = np.zeros((m, n_steps, layer.n_out), dtype=bool)
        for i, per_sample in enumerate(results):
            for s, res in enumerate(per_sample):
                spikes[s, :, i] = _steps(res["spikes"], mapping, index, n_steps)
                bad += _violations(res, mapping, index, len(net.layers), t_stop)
                energy[s] += res["energy"]
                shared[s] += res["energy_shared"]
        counts.append(spikes.sum(axis=1).tolist())
        s_in = spikes
    return SpiceNetworkRun(samples=list(samples) if samples is not None else list(range(m)), counts=counts,
                           timing_violations=int(bad), energy_neurons=energy.tolist(),
                           energy_shared=shared.tolist(), energy_synapses=synapses.tolist(), cpu_seconds=cpu)
