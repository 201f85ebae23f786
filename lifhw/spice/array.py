"""An array of N neurons sharing one bias block built of sky130 transistors: its deck, and energy per spike as
silicon pays it.

A single neuron's netlist (``circuits/lif_<circuit>.cir``) takes its references from ideal sources on ``vdd_ref``
(current sources, ``e_vg``, ``v_rest``/``v_th``/``v_reset``) that no neuron's energy counts. The array deck puts in
their place the bias block of ``circuits/bias_<circuit>.cir`` (:class:`BiasBlock`: a self-starting pA current
reference, one mirror leg per bias current, a ladder for ``v_rest``/``v_th`` and sink followers for ``v_reset`` and
``vg``), places the neuron N times as its subcircuit (:meth:`lifhw.spice.deck.AnalogNeuron.subckt`) and leaves only
these ideal elements: the neurons' supply ``vdd``, the block's supply ``vdda``, the input current ``iin<k>`` of each
neuron (the synapses, whose energy is reported apart), and in a reduced deck the loads ``iload_<node>`` that stand for
neurons not simulated (:func:`stray_sources` checks a deck for anything else).

Energy per spike is every supply source's −V·∫I dt over one window of one transient, divided by the spikes of the
neurons it feeds in that window (:func:`measure_array`): the parts sum to the total by construction, and the input
energy is reported as I·∫V_mem dt and as drawn from a rail at ``vdd``.

**Reduced (lumped) method** for large N: one neuron and the block simulated, the other N − 1 neurons standing as
the mean current they send into the block's sink outputs (``v_reset``, ``vg``): (N − 1)·q·f, q the charge one neuron
sends there per spike and f its rate, both measured on the N = 1 deck (its meters ``vmeter_<node>``, 0 V sources).
The lumped neurons' own supply is counted at the simulated neuron's energy per spike. What it leaves out: the burst
of k neurons resetting together (the mean load is regulated, bursts are not) and the mismatch between neurons.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ParameterError, SpiceError
from ..files import CIRCUITS_DIR
from ..jsonio import Record
from ..limits import check_points
from ..units import check_value
from .deck import AnalogNeuron, Deck
from .measure import spike_times

#: The neurons' own supply and the bias block's supply: the only ideal voltage sources of an array deck.
SUPPLY, BLOCK_SUPPLY = "vdd", "vdda"
#: Names of the other ideal elements an array deck may hold: each neuron's input, a reduced deck's loads and the
#: 0 V meters of the N = 1 deck that measure the charge a neuron sends into the block.
INPUT, LOAD, METER = "iin", "iload_", "vmeter_"
#: Element kinds SPICE treats as ideal sources (independent and controlled, behavioural).
_SOURCE_KINDS = "vieghfb"


@dataclass(frozen=True)
class BiasBlock:
    """The bias block of one neuron circuit, ``circuits/<file>``: a ``.subckt`` whose first port is its supply and
    whose other ports are the neuron's shared nodes of the same names.

    ``makes``: the neuron's ``.param`` values its legs and taps were sized for (the circuit's default design); a
    neuron asking other values is refused (the block is not a programmable DAC).
    """

    circuit: str
    file: str
    makes: tuple[tuple[str, float], ...]

    @property
    def path(self):
        return CIRCUITS_DIR / self.file

    def _subckt_line(self) -> list[str]:
        for line in self.path.read_text().splitlines():
            if line.lower().startswith(".subckt"):
                return line.split()
        raise SpiceError(f"{self.path} has no .subckt line")

    @property
    def name(self) -> str:
        return self._subckt_line()[1]

    @property
    def ports(self) -> tuple[str, ...]:
        return tuple(t.lower() for t in self._subckt_line()[2:])

    def text(self, nodeset: bool = True) -> str:
        """The block's ``.subckt`` … ``.ends`` lines (its comments dropped); ``nodeset`` False drops its operating-point
        guess too (a power-up from 0 V must find the running reference by itself)."""
        lines = [line for line in self.path.read_text().splitlines() if line.strip() and not line.startswith("*")
                 and (nodeset or not _NODESET.match(line))]
        return "\n".join(lines) + "\n"

    def running_state(self) -> dict[str, float]:
        """The block's operating-point guess near its running reference (tt 27 °C): {node: V}, internal nodes named
        as inside ``xbias`` (``xbias.refn``), ports as the deck's nodes of the same name."""
        guess = {}
        for line in self.path.read_text().splitlines():
            if _NODESET.match(line):
                for node, value in re.findall(r"v\((\w+)\)\s*=\s*([-+0-9.eE]+)", line):
                    guess[node if node.lower() in self.ports else f"xbias.{node}"] = float(value)
        return guess

    def check(self, neuron: AnalogNeuron) -> None:
        """Refuse a neuron whose bias currents or reference voltages are not the ones this block makes."""
        values = neuron.values()
        for name, made in self.makes:
            if not math.isclose(values[name], made, rel_tol=1e-9):
                raise ParameterError(name, values[name], f"must be {made:g} for an array of lif_{self.circuit}: its "
                                                         f"bias block {self.file} is built for that value")


_VOLTAGES = (("v_rest", 0.6), ("v_th", 0.9), ("v_reset", 0.6), ("vdd", 1.8))
BLOCKS = {
    "lowpower": BiasBlock("lowpower", "bias_lowpower.cir",
                          (("i_b", 10e-12), ("i_cmp", 30e-12), ("i_ref", 5e-12), ("i_inv", 100e-12), *_VOLTAGES)),
    "ota": BiasBlock("ota", "bias_ota.cir", (("i_b", 10e-12), ("i_cmp", 1e-9), ("i_ref", 100e-12), *_VOLTAGES)),
}

#: The block netlists: every result computed from them is invalidated when one changes (lifhw.report.cache).
DATA_FILES = tuple(block.path for block in BLOCKS.values())


def get_block(circuit: str) -> BiasBlock:
    if circuit not in BLOCKS:
        raise ParameterError("circuit", circuit, f"must be one of {', '.join(BLOCKS)} (the circuits with a bias "
                                                 "block in transistors)")
    return BLOCKS[circuit]


def check_neurons(n) -> int:
    """``n`` as a neuron count: a whole number from 1 to the points lifhw.limits allows."""
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ParameterError("neurons", n, "must be a whole number >= 1")
    return check_points("neurons", n, int(n), "neurons")


#: Sink outputs of the block into which a neuron's charge flows (the reset switch's, the comparator tail's).
SINK_PORTS = ("vreset", "vg")
_IC = re.compile(r"^\.ic\s", re.IGNORECASE)
_NODESET = re.compile(r"^\.nodeset\s", re.IGNORECASE)
#: Nodes of the block's current reference saved in a power-up transient: its nfet and pfet gate lines.
REFERENCE_NODES = ("refn", "refg")


def array_deck(neuron: AnalogNeuron, n: int, i_in: float, v_start=None, loads: dict[str, float] | None = None,
               meters: bool = False, mismatch: bool = False, power_up: float | None = None, pin: bool = False) -> str:
    """The deck of ``n`` neurons of ``neuron``'s circuit on one bias block, each with input ``i_in`` (A).

    ``v_start``: each membrane's initial voltage (V, ``n`` values; None: all at V_reset, the neurons in phase).
    ``power_up``: the supplies ramp from 0 V to V_dd in this time (s) and the deck holds no initial condition and no
    operating-point guess: its operating point is the unpowered circuit (every node at 0 V), and the reference has to
    start by itself in the transient (``v_start`` must be None). Its gate lines are saved (:data:`REFERENCE_NODES`).
    ``pin`` (without ``power_up``): the block's nodes start at its running-state guess (``.ic``, released at t = 0),
    which the reference then leaves for its own running point over tens of ms (at 0.08 s the N = 1 deck fired at
    26.2 Hz, 30.3 Hz from its own operating point); False: the guess only steers the operating point (``.nodeset``).
    ``loads``: {sink port: A} currents into the block standing for neurons not simulated (the reduced method).
    ``meters``: neuron 0's sink ports through 0 V sources ``vmeter_<port>`` (the charge it sends into the block).
    Supplies: ``vdd`` feeds the neurons, ``vdda`` the block. Node names: ``mem<k>``, ``spk<k>``, ``rst<k>``.
    """
    block = get_block(neuron.name)
    block.check(neuron)
    check_neurons(n)
    i_in = check_value(i_in, "i_in", "A", minimum=0, exclusive=False)
    values = neuron.values()
    if power_up is not None:
        power_up = check_value(power_up, "power_up", "s", minimum=0)
        if v_start is not None:
            raise ParameterError("v_start", v_start, "must be None with power_up (the membranes start unpowered)")
    starts = [values["v_reset"]] * n if v_start is None else [check_value(v, "v_start", "V") for v in v_start]
    if len(starts) != n:
        raise ParameterError("v_start", len(starts), f"must give one voltage per neuron ({n})")
    flat = neuron.render(mismatch)
    # What the deck keeps of the single neuron's netlist: its model library, temperature, parameters and options.
    header = [line for line in flat.splitlines() if line.split() and line.split()[0].lower() in (".lib", ".temp",
                                                                                                 ".param", ".options")]
    cell = [line for line in neuron.subckt().splitlines()
            if not _IC.match(line) and (power_up is None or not _NODESET.match(line))]
    ports = neuron.ports
    missing = set(block.ports[1:]) - set(ports)
    if missing:
        raise SpiceError(f"{block.file} has ports {sorted(missing)} that lif_{neuron.name} does not share")
    own = {"mem", "spk", "rst"}
    supply = f"{values['vdd']!r}" if power_up is None else f"pwl(0 0 {power_up!r} {values['vdd']!r})"
    lines = [f"* {n} x lif_{neuron.name} sharing {block.file} (generated by lifhw.spice.array)", *header, *cell,
             block.text(nodeset=power_up is None).rstrip("\n"),
             f"{SUPPLY} {SUPPLY} 0 {supply}", f"{BLOCK_SUPPLY} {BLOCK_SUPPLY} 0 {supply}",
             f"xbias {' '.join((BLOCK_SUPPLY, *block.ports[1:]))} {block.name}"]
    metered = {p: f"{p}_n0" for p in SINK_PORTS if p in ports} if meters else {}
    for k in range(n):
        nodes = [f"{p}{k}" if p in own else (metered.get(p, p) if k == 0 else p) for p in ports]
        lines += [f"xn{k} {' '.join(nodes)} {neuron.cell_name}", f"{INPUT}{k} 0 mem{k} dc {i_in!r}"]
    lines += [f"{METER}{port} {node} {port} dc 0" for port, node in metered.items()]
    loads = loads or {}
    for port in set(loads) - {p for p in SINK_PORTS if p in ports}:
        raise ParameterError("load", port, f"must be a sink port of the block ({', '.join(SINK_PORTS)})")
    for port in (p for p in SINK_PORTS if p in loads):  # in one order: the deck's text is its identity
        lines.append(f"{LOAD}{port} 0 {port} dc {check_value(loads[port], 'load', 'A', minimum=0, exclusive=False)!r}")
    if power_up is None:
        pinned = {**(block.running_state() if pin else {}), **{f"mem{k}": v for k, v in enumerate(starts)}}
        lines.append(".ic " + " ".join(f"v({node})={v!r}" for node, v in pinned.items()))
    saves = [f"i({SUPPLY})", f"i({BLOCK_SUPPLY})", *(f"v({node}{k})" for k in range(n) for node in ("mem", "spk",
                                                                                                   "rst")),
             *(f"v({p})" for p in (*SINK_PORTS, "vth", "rest") if p in ports), *(f"i({METER}{p})" for p in metered),
             *(f"v(xbias.{node})" for node in (REFERENCE_NODES if power_up is not None else ()))]
    lines += [".save " + " ".join(saves), ".end"]
    return "\n".join(lines) + "\n"


def stray_sources(text: str) -> list[str]:
    """The ideal sources of a deck that are not a supply (``vdd``, ``vdda``), an input ``iin<k>``, a load
    ``iload_<port>`` or a 0 V meter ``vmeter_<port>``: what an array deck built of transistors must not have.
    Every element line counts, inside a subcircuit or not."""
    stray = []
    for line in text.splitlines():
        tokens = line.split()
        if not tokens or tokens[0][0].lower() not in _SOURCE_KINDS:
            continue
        name = tokens[0].lower()
        if name in (SUPPLY, BLOCK_SUPPLY) or re.fullmatch(rf"{INPUT}\d+", name):
            continue
        if name.startswith(LOAD) and name[len(LOAD):] in SINK_PORTS:
            continue
        if name.startswith(METER) and tokens[-1] == "0":
            continue
        stray.append(tokens[0])
    return stray


def tran(session, t_stop: float, max_step: float) -> dict[str, np.ndarray]:
    """The executor's task on a loaded array deck: its transient from the initial conditions."""
    return session.transient(t_stop, max_step)


def _integral(t: np.ndarray, y: np.ndarray, t0: float, t1: float) -> float:
    """∫ y dt over [t0, t1], linear between the saved points (and at the ends)."""
    grid = np.concatenate(([t0], t[(t > t0) & (t < t1)], [t1]))
    return float(np.trapezoid(np.interp(grid, t, y), grid))


@dataclass(frozen=True)
class ArrayEnergy(Record):
    """Energy per spike of an array from one transient (J per spike of a neuron, SI).

    ``sources``: each supply source's energy in the window over the spikes of the neurons it feeds (``vdd``: the
    simulated neurons'; ``vdda``: all ``neurons``' (the lumped ones fire at the simulated neuron's rate));
    ``energy_per_spike`` their sum. ``input_energy``: ``i_v_mem`` = I·∫V_mem dt, ``rail`` = I·V_dd·window, per spike.
    ``rates``: each simulated neuron's 1/mean ISI. ``charge``: per spike of neuron 0, the charge (C) it sends into
    each metered sink port (empty without meters). ``sink_levels``: min/max (V) of each sink port in the window.
    """

    neurons: int
    simulated: int
    i_in: float
    window: tuple[float, float]
    spikes: float
    rates: list[float]
    sources: dict[str, float]
    energy_per_spike: float
    input_energy: dict[str, float]
    block_power: float
    charge: dict[str, float]
    sink_levels: dict[str, list[float]]

    @property
    def rate(self) -> float:
        return float(np.mean(self.rates))


def measure_array(vectors: dict[str, np.ndarray], simulated: int, neurons: int, i_in: float,
                  vdd: float) -> ArrayEnergy:
    """:class:`ArrayEnergy` of a transient of an array deck with ``simulated`` neurons standing for ``neurons``.

    The window runs from neuron 0's first spike to its last, so that neuron's energy is whole ISIs; the spikes of
    the others in it are rate·window (their phases differ, their ISIs do not change within a run).
    """
    t = vectors["time"]
    times = [spike_times(t, vectors[f"spk{k}"], vectors[f"rst{k}"], vdd)[0] for k in range(simulated)]
    if len(times[0]) < 3:
        raise SpiceError(f"neuron 0 fired {len(times[0])} times in {t[-1]:.4g} s: energy per spike needs at least "
                         "3 spikes (a longer --t-sim, or a higher --rate)")
    t0, t1 = float(times[0][0]), float(times[0][-1])
    rates = [1.0 / float(np.mean(np.diff(s))) if len(s) >= 2 else 0.0 for s in times]
    simulated_spikes = len(times[0]) - 1 + sum(r * (t1 - t0) for r in rates[1:])
    all_spikes = simulated_spikes + (neurons - simulated) * rates[0] * (t1 - t0)
    e_own = -vdd * _integral(t, vectors[f"{SUPPLY}#branch"], t0, t1)
    e_block = -vdd * _integral(t, vectors[f"{BLOCK_SUPPLY}#branch"], t0, t1)
    sources = {SUPPLY: e_own / simulated_spikes, BLOCK_SUPPLY: e_block / all_spikes}
    i_v = sum(i_in * _integral(t, vectors[f"mem{k}"], t0, t1) for k in range(simulated))
    charge = {key[len(METER):-len("#branch")]: _integral(t, vectors[key], t0, t1) / (len(times[0]) - 1)
              for key in vectors if key.startswith(METER)}
    levels = {p: [float(np.min(vectors[p][(t >= t0) & (t <= t1)])), float(np.max(vectors[p][(t >= t0) & (t <= t1)]))]
              for p in SINK_PORTS if p in vectors}
    return ArrayEnergy(neurons, simulated, float(i_in), (t0, t1), float(all_spikes), rates, sources,
                       float(sum(sources.values())),
                       {"i_v_mem": i_v / simulated_spikes, "rail": simulated * i_in * vdd * (t1 - t0) /
                        simulated_spikes}, e_block / (t1 - t0), charge, levels)


def run_deck(text: str, directory, stem: str, t_stop: float, max_step: float, executor) -> dict[str, np.ndarray]:
    """Write ``text`` under ``directory`` and run its transient on ``executor``; the saved vectors."""
    from .executor import Task

    deck = Deck.write(text, directory, stem)
    (result,) = executor.map([Task(tran, (float(t_stop), float(max_step)), f"array transient of {deck.path}",
                                   deck)])
    if isinstance(result, Exception):
        raise result
    return result


#: Spikes of neuron 0 a transient must hold (the window spans the ISIs between the first and the last).
MIN_SPIKES = 4
#: Below V_th (V) where neuron 0's membrane starts in a deck started from the operating point: it fires at once.
START_BELOW_TH = 0.02
METHODS = ("auto", "full", "lumped")


@dataclass(frozen=True)
class ArrayRun(Record):
    """One array's energy per spike (:func:`run_array`): ``energy`` of the deck of ``neurons`` (``method`` "full":
    all simulated; "lumped": one simulated and N − 1 as loads, their charge per spike and rate from ``single``, the
    N = 1 deck's run, which is also the single-neuron figure), at ``i_in`` (A; ``rate_target`` Hz asked, None when
    the current was given). ``netlist``: the rendered array deck; ``ideal_rate``: the rate the device-aware theory
    of the neuron with ideal sources gives at ``i_in`` (what the real block's rate compares with)."""

    circuit: str
    neurons: int
    method: str
    corner: str
    temp: float
    i_in: float
    rate_target: float | None
    ideal_rate: float
    energy: ArrayEnergy
    single: ArrayEnergy | None
    netlist: str

    def summary(self) -> dict:
        """What ``lifhw spice array`` prints: energy per spike, its parts by source (summing to it), input apart."""
        e = self.energy
        return {"circuit": self.circuit, "neurons": self.neurons, "method": self.method, "corner": self.corner,
                "temp": self.temp, "i_in": self.i_in, "rate_target": self.rate_target, "rate": e.rate,
                "ideal_rate": self.ideal_rate, "energy_per_spike": e.energy_per_spike, "sources": e.sources,
                "input_energy": e.input_energy, "block_power": e.block_power, "sink_levels": e.sink_levels,
                "charge_per_spike": (self.single or e).charge,
                "single_neuron": None if self.single is None else {
                    "energy_per_spike": self.single.energy_per_spike, "sources": self.single.sources,
                    "rate": self.single.rate}, "netlist": self.netlist}


def input_for_rate(neuron: AnalogNeuron, rate: float | None, i_in: float | None, executor) -> tuple[float, float]:
    """(i_in, rate): the input for ``rate`` Hz (or the rate at ``i_in`` A) by the neuron's device-aware theory,
    characterised with its ideal sources (the f-I the block's neuron is compared with)."""
    from scipy.optimize import brentq

    from .sweep import SpiceNeuron

    if rate is not None:
        rate = check_value(rate, "rate", "Hz", minimum=0, maximum=1.0 / neuron.params.t_ref)
    with SpiceNeuron(neuron, executor=executor) as spice:
        char = spice.characterize()
    low, high = 1.01 * char.rheobase, 1e3 * char.rheobase
    if rate is None:
        if i_in is None:
            raise ParameterError("rate", rate, "give either --rate or --i-in")
        i_in = check_value(i_in, "i_in", "A", minimum=low, maximum=high)
        return i_in, float(char.rate(i_in))
    f_low, f_high = float(char.rate(low)), float(char.rate(high))
    if not f_low < rate < f_high:
        raise ParameterError("rate", rate, f"must be in ({f_low:.4g}, {f_high:.4g}) Hz, the f-I range of "
                                           f"lif_{neuron.name} (1.01 to 1000 x its rheobase {char.rheobase:.4g} A)")
    i_in = brentq(lambda i: float(char.rate(i)) - rate, low, high, xtol=1e-16)
    return float(i_in), float(char.rate(i_in))


def run_array(circuit: str, neurons: int, executor, directory, rate: float | None = None, i_in: float | None = None,
              method: str = "auto", corner: str | None = None, temp: float | None = None,
              t_sim: float | None = None) -> ArrayRun:
    """Energy per spike of ``neurons`` lif_``circuit`` on one bias block, at the input that fires at ``rate`` Hz
    (or at ``i_in`` A). ``method`` "auto": the full deck up to 16 neurons, the lumped method above."""
    from .runner import tool_versions
    from .store import ResultStore
    from .sweep import transient_job

    block = get_block(circuit)
    neuron = AnalogNeuron(circuit)
    neuron = neuron.at(corner, temp)
    block.check(neuron)
    check_neurons(neurons)
    if method not in METHODS:
        raise ParameterError("method", method, f"must be one of {', '.join(METHODS)}")
    if (rate is None) == (i_in is None):
        raise ParameterError("rate", rate, "give either --rate or --i-in")
    if method == "auto":
        method = "full" if neurons <= 16 else "lumped"
    i_in, ideal_rate = input_for_rate(neuron, rate, i_in, executor)
    isi = 1.0 / ideal_rate
    t_stop = t_sim if t_sim is not None else (MIN_SPIKES + 1.5) * isi
    job = transient_job(neuron.circuit, neuron.params, i_in, isi, neuron.params.tau_m, t_stop)
    vdd = neuron.values()["vdd"]
    v_reset = neuron.params.v_reset

    def run(text: str, stem: str, simulated: int, total: int) -> ArrayEnergy:
        # Stored as it finishes, by what determines it: a rerun (or a lumped run of another N, which starts with the
        # same N = 1 deck) reads it back instead of simulating again.
        store = ResultStore(Path(directory) / "store", {
            "deck": Deck(text, "").digest, "ngspice": tool_versions(), "t_stop": job["t_stop"],
            "max_step": job["max_step"], "simulated": simulated, "neurons": total, "i_in": i_in})
        stored = store.get("energy", ArrayEnergy)
        if stored is not None:
            return stored
        vectors = run_deck(text, directory, stem, job["t_stop"], job["max_step"], executor)
        energy = measure_array(vectors, simulated, total, i_in, vdd)
        store.put("energy", energy)
        return energy

    # Neuron 0 starts just below V_th: its first spike comes at once and every ISI after it starts from a reset, so
    # a window of two ISIs and a little holds the three spikes the energy needs.
    first = neuron.params.v_th - START_BELOW_TH
    deck_one = array_deck(neuron, 1, i_in, v_start=[first], meters=True)
    single = run(deck_one, f"array-{circuit}-1", 1, 1) if method == "lumped" or neurons == 1 else None
    if neurons == 1 and single is not None:
        return ArrayRun(circuit, 1, "full", neuron.design.corner, neuron.design.temp, i_in, rate, ideal_rate, single,
                        None, deck_one)
    if method == "lumped":
        assert single is not None
        loads = {port: (neurons - 1) * q * single.rate for port, q in single.charge.items()}
        text = array_deck(neuron, 1, i_in, v_start=[first], loads=loads)
        energy = run(text, f"array-{circuit}-lumped", 1, neurons)
    else:
        # The membranes start spread over (V_reset, V_th) from neuron 0 down: the neurons fire out of phase, as an
        # array does on average (in phase is the worst case of the sink outputs, a burst of N resets).
        starts = [first - (first - v_reset) * 0.97 * k / neurons for k in range(neurons)]
        # Pinned: with the block's guess as a mere .nodeset the operating point of the 16-neuron deck failed gmin
        # and source stepping, and ngspice's fallback landed on the reference's zero-current state (v_th 0.22 V).
        text = array_deck(neuron, neurons, i_in, v_start=starts, pin=True)
        energy = run(text, f"array-{circuit}-{neurons}", neurons, neurons)
    return ArrayRun(circuit, neurons, method, neuron.design.corner, neuron.design.temp, i_in, rate, ideal_rate,
                    energy, single, text)



#: A power-up transient's supply ramp (s): an on-chip power-on. The block's start-up is a kick coupled from that
#: ramp (circuits/bias_*.cir): a supply that rises much more slowly would need a power-on reset to kick it.
POWER_RAMP = 100e-6
#: How a corner run starts the block: from its operating point (found with the block's guess, the membrane just below
#: V_th so that every ISI starts from a reset) or powered up from 0 V (no initial condition, no guess).
STARTS = ("op", "power-up")
#: What a power-up transient allows the block to settle (s) before the neuron's ISIs are counted.
POWER_SETTLE = 20e-3


@dataclass(frozen=True)
class CornerRun(Record):
    """One neuron on its bias block at a corner and temperature (:func:`corner_run`), beside the same neuron with its
    ideal sources at the same corner, temperature and input.

    ``start``: "op" (the transient from the operating point, the block's guess a ``.nodeset`` only: pinned at the
    tt 27 °C guess, the reference at ff −40 °C was still climbing to its own running point 0.15 s later, the reset
    hold shrinking 36 → 4.4 ms) or "power-up" (both supplies ramped from 0 V in ``ramp`` s).
    ``spikes``/``releases``: spike and reset-release times (s; after the ramp); ``v_release`` the
    membrane at each release (V: the block's v_reset then); ``rate`` 1/mean ISI of the spikes after the first release
    (each of those ISIs starts from a reset); ``hold`` the mean spike-to-release time (the reset hold, timed by the
    block's i_ref leg); ``reference`` the block's gate lines at the end (V; power-up only); ``block_power`` vdda's
    mean power over the last ISI (W). ``ideal_rate``, ``ideal_hold``: lif_<circuit> with its ideal sources, same
    step and time.
    """

    circuit: str
    corner: str
    temp: float
    start: str
    i_in: float
    ramp: float
    t_stop: float
    spikes: list[float]
    releases: list[float]
    v_release: list[float]
    rate: float
    hold: float
    reference: dict[str, float]
    block_power: float
    ideal_rate: float
    ideal_hold: float

    @property
    def works(self) -> bool:
        """It fired, reset and released: MIN_SPIKES - 2 ISIs after its first release, every spike but the last
        released."""
        after = [s for s in self.spikes if self.releases and s > self.releases[0]]
        return len(after) >= MIN_SPIKES - 2 and len(self.releases) >= len(self.spikes) - 1

    def summary(self) -> dict:
        return {**self.as_dict(), "works": self.works,
                "rate_ratio": self.rate / self.ideal_rate if self.ideal_rate > 0 else math.nan,
                "hold_ratio": self.hold / self.ideal_hold if self.ideal_hold > 0 else math.nan}


def _hold(spikes: np.ndarray, releases: np.ndarray) -> float:
    """Mean time from a spike to the release that follows it (s; NaN without one)."""
    holds = [float(releases[releases > s][0] - s) for s in spikes if np.any(releases > s)]
    return float(np.mean(holds)) if holds else math.nan


def corner_run(circuit: str, executor, directory, corner: str | None = None, temp: float | None = None,
               rate: float | None = None, i_in: float | None = None, t_sim: float | None = None,
               start: str = "op", ramp: float = POWER_RAMP) -> CornerRun:
    """lif_``circuit`` on its bias block at ``corner`` and ``temp``, started as ``start`` says (:data:`STARTS`), at
    the input that fires at ``rate`` Hz with ideal sources there (or at ``i_in`` A), for ``t_sim`` s (None: two ISIs
    at half that rate, after the ramp and POWER_SETTLE when powered up); and lif_``circuit`` with its ideal sources at
    the same input, for as long, at the same step."""
    from .executor import Task
    from .measure import measure
    from .runner import run_job
    from .sweep import transient_job

    if start not in STARTS:
        raise ParameterError("start", start, f"must be one of {', '.join(STARTS)}")
    block = get_block(circuit)
    neuron = AnalogNeuron(circuit).at(corner, temp)
    block.check(neuron)
    i_in, ideal_isi_rate = input_for_rate(neuron, rate, i_in, executor)
    powered = start == "power-up"
    ramp = check_value(ramp, "ramp", "s", minimum=0) if powered else 0.0
    # Half the ideal rate: the block's reference runs 1.9x high at -40 C (the leak with it), which halves the rate.
    t_stop = t_sim if t_sim is not None else (
        ramp + (POWER_SETTLE if powered else 0.0) + 2 * (MIN_SPIKES - 1.5) / ideal_isi_rate)
    job = transient_job(neuron.circuit, neuron.params, i_in, 1.0 / ideal_isi_rate, neuron.params.tau_m, t_stop)
    vdd = neuron.values()["vdd"]
    text = (array_deck(neuron, 1, i_in, power_up=ramp) if powered else
            array_deck(neuron, 1, i_in, v_start=[neuron.params.v_th - START_BELOW_TH]))
    v = run_deck(text, directory, f"{start}-{circuit}-{neuron.design.corner}{neuron.design.temp:g}",
                 job["t_stop"], job["max_step"], executor)
    ideal_deck = Deck.write(neuron.render(), Path(directory), f"ideal-{circuit}")
    (raw,) = executor.map([Task(run_job, (job,), f"ideal-source transient of {ideal_deck.path}", ideal_deck)])
    if isinstance(raw, Exception):
        raise raw
    ideal = measure(raw, i_in, job["t_stop"], vdd, neuron.circuit.release_node)

    t = v["time"]
    spikes, releases = spike_times(t, v["spk0"], v["rst0"], vdd)
    spikes, releases = spikes[spikes > ramp], releases[releases > ramp]
    steady = spikes[spikes > releases[0]] if len(releases) else spikes[:0]
    if not powered and len(spikes):  # the first spike came from the membrane's start just below V_th
        steady = np.concatenate((spikes[:1], steady))
    last = (steady[-2], steady[-1]) if len(steady) >= 2 else (t[0], t[-1])
    return CornerRun(circuit, neuron.design.corner, neuron.design.temp, start, float(i_in), float(ramp),
                     float(job["t_stop"]), spikes.tolist(), releases.tolist(),
                     [float(np.interp(r, t, v["mem0"])) for r in releases],
                     1.0 / float(np.mean(np.diff(steady))) if len(steady) >= 2 else 0.0, _hold(spikes, releases),
                     {node: float(v[f"xbias.{node}"][-1]) for node in REFERENCE_NODES if f"xbias.{node}" in v},
                     -vdd * _integral(t, v[f"{BLOCK_SUPPLY}#branch"], *last) / (last[1] - last[0]),
                     ideal.rate, _hold(ideal.spike_times, ideal.release_times))
