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

A Monte Carlo die (``die`` = (seed, k)): the layer decks are rendered with the corner's ``_mm`` section and every
neuron draws its own devices as a Monte Carlo sample does (:mod:`lifhw.spice.montecarlo`: ``alterparam`` of the
mismatch switch and the process shifts, ``setseed``, ``reset``), its ngspice seed drawn from ``SeedSequence([seed,
k, layer, neuron])`` alone: die k is a pure function of the design, the seed and k, on any worker and machine. On
that draw the worker first measures the neuron (:func:`extract`: its leak's zero and I_b,eff from the DC I-V, the
comparator's DC trip), then draws the same devices again (a ``reset`` re-reads the deck: no state of the sweeps
survives into the transients) and runs its samples. One more task per layer measures the same deck with the switch
off (the layer's nominal reference), so the fast model of the die is the calibrated nominal model moved by each
neuron's measured deviation from it (:func:`lifhw.analognet.dies.extracted`).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import pdk
from ..errors import SpiceError
from ..files import BUILD
from ..fixed import FixedNetwork
from ..jsonio import Record
from ..spice import montecarlo
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
#: Largest transient step (s). The pulses' corners place the membrane's steps, but nothing places the end of the
#: refractory hold: the timer's capacitor ramps down linearly (no truncation error to shrink the step) until the
#: starved inverter trips, so ngspice steps over the trip by up to a step. Measured on lif_ota, t_ref 0.645 ms,
#: against 2 µs steps (hold 0.707 ms): at 0.2 ms the holds came out up to +0.19 ms long (die 0's longest timer,
#: 0.84 ms, held 0.96-0.98 ms and broke its next window), at 20 µs within ±0.02 ms, at ~1.3x the CPU.
MAX_STEP = 2e-5
#: CPU seconds a neuron's sample may take before its task is reported failed (a hidden neuron of 16 steps, 13
#: spikes: 26 CPU-s idle; a loaded machine runs 3-6x slower).
SECONDS_PER_SAMPLE = 600.0
#: Steps one PWL source holds: 4 pulses of 8 numbers stay far within PySpice's 1023-character command.
STEPS_PER_SOURCE = 4
#: The die extraction's threshold sweep (V): the membrane probe from V_th − TRIP_SPAN up to V_th + TRIP_SPAN. A
#: die's comparators trip within ±4 σ ≈ ±36 mV of V_th at 1×; 0.1 V keeps a 0.25× device's 5.5 σ.
TRIP_SPAN = 0.1
#: The sweep's steps (V), tried in turn until one converges: Newton can fail at the point a sweep lands on next to
#: the trip (the pA-starved inverters' outputs float mid-rail there; source stepping stalls), and steps of other
#: sizes land elsewhere (measured: of 0.1, 0.25, 0.4, 0.5, 1 and 2 mV, one neuron's sweep failed at 0.1, 0.25 and
#: 0.5 mV). The trip is taken half a step below the first point past it.
TRIP_STEPS = (1e-4, 1.3e-4, 1.7e-4, 2.3e-4, 3.1e-4, 4.3e-4, 5.9e-4, 8.1e-4, 1.1e-3, 1.5e-3, 2e-3)
#: Shunt (Ω) from every node to ground during the threshold sweep: it makes more sweeps converge (measured: the
#: 0.1 mV sweep of the neuron above). 1e15 Ω draws ≤ 1.8 fA, 1e-5 of the smallest bias; the transients' redraw
#: removes it.
TRIP_RSHUNT = 1e15
#: CPU seconds a neuron's extraction (its DC sweeps, ~1-2 CPU-s) may take before its task is reported failed.
SECONDS_PER_EXTRACTION = 120.0


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


def layer_deck_text(mapping: AnalogMapping, layer: int, n_steps: int, mismatch: bool = False) -> str:
    """The neuron deck of ``layer`` with its synapse: PWL sources ``vd_syn<j>`` of DAC units (step after step, each
    holding :data:`STEPS_PER_SOURCE` steps) and the switched current source of their sum into the membrane, within
    the compliance; ``mismatch``: with the corner's ``_mm`` section (every instance draws its own devices)."""
    cal = mapping.calibration
    floor, ceil = cal.v_rest + mapping.x_floor, cal.v_rest + mapping.x_ceil
    sink = f"(0.5*(1+tanh((v(mem)-{floor!r})/{COMPLIANCE_EDGE!r})))"
    source = f"(0.5*(1+tanh(({ceil!r}-v(mem))/{COMPLIANCE_EDGE!r})))"
    n = sources(n_steps)
    units = "+".join(f"v(syn_d{j})" for j in range(n))
    synapse = ["* synapse: ideal switched current source of DAC units (lifhw.analognet)",
               *(f"vd_syn{j} syn_d{j} 0 pwl(0 0 1 0)" for j in range(n)),
               f"b_syn 0 mem I = {mapping.i_unit[layer]!r}*({units})*(({units}) >= 0 ? {source} : {sink})"]
    lines = layer_neuron(mapping, layer).render(mismatch).rstrip("\n").split("\n")
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


def neuron_draw(plan: montecarlo.Plan, die: tuple[int, int], layer: int, neuron: int | None) -> tuple[int, dict]:
    """ngspice's seed and the ``alterparam`` values of ``neuron`` of ``layer`` on die ``die`` = (seed, k): the
    mismatch switch on, every process shift of ``plan`` at 0, the seed from ``SeedSequence([seed, k, layer,
    neuron])``; ``neuron`` None: the layer's nominal reference (the switch off)."""
    values = {pdk.MISMATCH_SWITCH: 0.0 if neuron is None else 1.0, **{name: 0.0 for name, _ in plan.process}}
    if neuron is None:
        return 1, values
    rng = np.random.default_rng(np.random.SeedSequence([*die, layer, neuron]))
    return int(rng.integers(1, 2**31 - 1)), values


def extract(session: Session, plan: montecarlo.Plan, draw: tuple[int, dict]) -> dict:
    """What the fast model needs of the neuron ``draw`` draws in ``session``: its leak's zero ``v_zero`` (V,
    absolute) and ``i_b_eff`` (A) from the DC I-V of a Monte Carlo sample
    (:func:`lifhw.spice.montecarlo.measure_leak`), and the comparator's DC trip ``trip`` (V): where spk passes
    vdd/2 as the probe raises the membrane, to ``trip_step``."""
    session.redraw(*draw)
    leak = montecarlo.measure_leak(session, plan)
    if not (np.isfinite(leak["v_zero"]) and np.isfinite(leak["i_b_eff"])):
        raise SpiceError(f"the drawn neuron's membrane I-V gives no leak zero or I_b,eff (v_zero {leak['v_zero']}, "
                         f"i_b_eff {leak['i_b_eff']}); netlist: {session.netlist}")
    failures = []
    for step in TRIP_STEPS:
        if failures:  # the same devices afresh: nothing of a failed sweep stays
            session.redraw(*draw)
        session.command(f"option rshunt = {TRIP_RSHUNT!r}")
        try:
            sweep = session.dc_probe(plan.v_th - TRIP_SPAN, plan.v_th + TRIP_SPAN, step)
        except SpiceError as exc:
            failures.append(f"{step:g} V: {exc}")
            continue
        up = np.flatnonzero(sweep["spk"] > plan.vdd / 2)
        if not len(up) or up[0] == 0:
            raise SpiceError(f"the drawn neuron's comparator does not trip within {TRIP_SPAN:g} V of V_th "
                             f"{plan.v_th:g} V; netlist: {session.netlist}")
        return {"v_zero": float(leak["v_zero"]), "i_b_eff": float(leak["i_b_eff"]),
                "trip": float(sweep["mem"][up[0]]) - step / 2, "trip_step": step}
    raise SpiceError(f"no threshold sweep of the drawn neuron converged (steps {', '.join(map(str, TRIP_STEPS))} V); "
                     f"the last: {failures[-1]}")


def run_neuron(session: Session, inputs: list[list[str]], t_stop: float, vdd: float,
               draw: tuple[int, dict] | None = None,
               plan: montecarlo.Plan | None = None) -> tuple[list[dict], float, dict | None]:
    """The worker's task: one neuron's transient per sample (``inputs``: its PWL vectors per source). Returns, per
    sample, the spike times (rising edges of ``rst`` through vdd/2), the times ``rst`` falls back, and the energy its
    supply ``vdd`` and the shared references' ``vdd_ref`` delivered (J); the CPU seconds this process spent; and
    the neuron's extraction (:func:`extract`, with ``plan``; else None).

    ``draw``: the neuron's (ngspice seed, ``alterparam`` values), drawn before the extraction and drawn again before
    the transients."""
    start = time.process_time()
    found = None
    if plan is not None:
        found = extract(session, plan, draw)
    if draw is not None and inputs:
        session.redraw(*draw)
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
    return out, time.process_time() - start, found


@dataclass(frozen=True)
class SpiceNetworkRun(Record):
    """The SPICE run of a network over samples: spike counts per layer (``counts[l][m][i]``), spikes whose timing
    broke the windows, the energy per sample of the neurons' supplies, of the shared references and (bookkept) of the
    ideal synapses (J), the CPU seconds this run spent (0 when every result was read from the store) and each
    sample's, summed over its neurons as stored when it was computed (a die's extractions shared among the samples
    computed with them; NaN where a cost record is missing).

    On a Monte Carlo die: ``die`` = [seed, k], each neuron's extraction per layer (``extraction[l][i]``: ngspice's
    ``setseed``, ``v_zero``, ``i_b_eff``, ``trip``, ``trip_step``) and each layer's nominal reference
    (``reference[l]``, the same deck with the mismatch switch off)."""

    samples: list[int]
    counts: list[list[list[int]]]
    timing_violations: int
    energy_neurons: list[float]
    energy_shared: list[float]
    energy_synapses: list[float]
    cpu_seconds: float
    sample_cpu_seconds: list[float]
    die: list[int] | None = None
    extraction: list[list[dict]] | None = None
    reference: list[dict] | None = None


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
                store_root: Path | str = STORE_DIR, samples: list[int] | None = None,
                die: tuple[int, int] | None = None) -> SpiceNetworkRun:
    """``net`` mapped by ``mapping`` in ngspice over ``events`` (bool (M, T, n_in)): nominal devices, or Monte Carlo
    die ``die`` = (seed, k) with every neuron extracted (see the module docstring; M = 0 extracts only)."""
    ev = np.asarray(events, dtype=bool)
    m, n_steps, _ = ev.shape
    t_stop = n_steps * mapping.dt
    vdd = mapping.calibration.vdd
    s_in = ev
    counts, cpu, bad = [], 0.0, 0
    energy = np.zeros(m)
    sample_cpu = np.zeros(m)
    shared = np.zeros(m)
    synapses = np.zeros(m)
    extraction, reference = [], []
    for index, layer in enumerate(net.layers):
        text = layer_deck_text(mapping, index, n_steps, mismatch=die is not None)
        deck = Deck.write(text, Path(store_root) / "decks",
                          f"analognet-{mapping.circuit}-layer{index + 1}" + ("-mc" if die is not None else ""))
        store = ResultStore(store_root, {"kind": "analognet-spice-neuron", "deck": deck.digest, "t_stop": t_stop,
                                         "max_step": MAX_STEP, "phase": mapping.phases[index], "t_w": mapping.t_w})
        units = np.einsum("mkj,ij->mki", s_in.astype(np.int64), layer.weights)  # (M, T, n_out)
        synapses += np.einsum("mkj,ij->m", s_in.astype(np.int64), np.abs(layer.weights)) * mapping.q_lsb[index] * vdd
        inputs = [[pwls(units[s, :, i], mapping.phases[index], mapping.dt, mapping.t_w) for s in range(m)]
                  for i in range(layer.n_out)]
        plan = montecarlo.leak_plan(layer_neuron(mapping, index)) if die is not None else None
        draws = [neuron_draw(plan, die, index, i) if die is not None else None for i in range(layer.n_out)]
        # one item per (neuron input, sample) and die neuron: the same deck, draw and PWL give the same transient,
        # so a run with more samples, or another network sharing a neuron's inputs, reuses what is stored
        names = [[hashlib.sha256("\n".join(vectors + ([f"setseed {draw[0]}"] if draw else [])).encode())
                  .hexdigest()[:24] for vectors in per_neuron] for per_neuron, draw in zip(inputs, draws, strict=True)]
        results = [[store.get(name, dict) for name in per_neuron] for per_neuron in names]
        keys = [f"extract-{draw[0]}" if draw else None for draw in draws] + (["extract-nominal"] if die else [])
        found = [store.get(key, dict) if key else None for key in keys]
        todo = [(i, [s for s, r in enumerate(results[i]) if r is None]) for i in range(layer.n_out)]
        todo = [(i, missing) for i, missing in todo if missing or (keys[i] and found[i] is None)]
        tasks = [Task(run_neuron, ([inputs[i][s] for s in missing], t_stop, vdd, draws[i],
                                   plan if keys[i] and found[i] is None else None),
                      f"layer {index + 1} neuron {i} over {len(missing)} samples", deck, redraws=die is not None,
                      timeout=SECONDS_PER_SAMPLE * len(missing) + (SECONDS_PER_EXTRACTION if die else 0))
                 for i, missing in todo]
        if die is not None and found[-1] is None:
            todo.append((layer.n_out, []))
            tasks.append(Task(run_neuron, ([], t_stop, vdd, neuron_draw(plan, die, index, None), plan),
                              f"layer {index + 1} nominal reference", deck, redraws=True,
                              timeout=SECONDS_PER_EXTRACTION))

        def finished(k: int, result, todo=todo, store=store, names=names, keys=keys) -> None:
            # stored as each neuron finishes, its cost beside it (a result is the same bytes whoever computes it)
            if not isinstance(result, Exception):
                i, missing = todo[k]
                for s, item in zip(missing, result[0], strict=True):
                    store.put(names[i][s], item)
                    store.put(f"{names[i][s]}.cost", {"cpu_seconds": result[1] / len(missing)})
                if result[2] is not None:
                    store.put(keys[i], result[2])

        for (i, missing), result in zip(todo, executor.map(tasks, finished) if tasks else [], strict=True):
            if isinstance(result, Exception):
                raise result if isinstance(result, SpiceError) else SpiceError(str(result))
            for s, item in zip(missing, result[0], strict=True):
                results[i][s] = item
            if result[2] is not None:
                found[i] = result[2]
            cpu += result[1]
        spikes = np.zeros((m, n_steps, layer.n_out), dtype=bool)
        for i, per_sample in enumerate(results):
            for s, res in enumerate(per_sample):
                spikes[s, :, i] = _steps(res["spikes"], mapping, index, n_steps)
                bad += _violations(res, mapping, index, len(net.layers), t_stop)
                energy[s] += res["energy"]
                shared[s] += res["energy_shared"]
                cost = store.get(f"{names[i][s]}.cost", dict)
                sample_cpu[s] += cost["cpu_seconds"] if cost is not None else np.nan
        counts.append(spikes.sum(axis=1).tolist())
        s_in = spikes
        if die is not None:
            extraction.append([{"setseed": draw[0], **f} for draw, f in zip(draws, found, strict=False)])
            reference.append(found[-1])
    return SpiceNetworkRun(samples=list(samples) if samples is not None else list(range(m)), counts=counts,
                           timing_violations=int(bad), energy_neurons=energy.tolist(),
                           energy_shared=shared.tolist(), energy_synapses=synapses.tolist(), cpu_seconds=cpu,
                           sample_cpu_seconds=sample_cpu.tolist(),
                           die=list(die) if die is not None else None,
                           extraction=extraction if die is not None else None,
                           reference=reference if die is not None else None)
