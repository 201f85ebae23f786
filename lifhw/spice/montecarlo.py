"""SPICE Monte Carlo of a transistor neuron with the PDK's own statistics (sky130 ``_mm`` sections, process σ).

How a sample is drawn (measured in ngspice 39, ``circuits/README.md``): the workers load the neuron rendered with
the corner's ``_mm`` section once; for sample k each sets the global statistical parameters with ``alterparam``
— ``MC_MM_SWITCH`` (1: every transistor instance draws its own AGAUSS threshold term, the PDK's mismatch; 0: none)
and, with ``process``, each device type's die-level threshold shift ``sw_vth0_<model>_mc`` drawn here from the σ
the model package states (:func:`lifhw.pdk.process_sigmas`), common to every instance of the sample — then
``setseed N_k`` and one ``reset``, which re-reads the loaded deck and draws every AGAUSS anew. ``N_k`` and the
process draws come from ``numpy.random.SeedSequence([seed, k])``, so sample k is a pure function of the deck
(design, corner, temperature), the seed and k, whichever worker computes it and in whatever order: ``reset``
forgets everything but the deck and the ``alterparam`` values, and every sample sets all of those.

Per sample (:func:`run_sample`): one DC sweep of the membrane probe at :data:`DC_STEP` with no input, up to
:data:`DC_BELOW_TH` below V_th (the lowest trip point of 1000 mismatched samples was 36 mV below it) — V_0, g_m at
the zero, τ, I_b,eff and κ, the rheobase — then one transient per current, long enough for two spikes of a
sample up to 30 % slower than the nominal (and once more, :data:`RETRY_FACTOR` longer, for one that had fewer):
rate, the realised threshold (the membrane's peak before each spike), energy per spike. The analysis is tolerant:
a sample whose sweep reaches its comparator or reset keeps the part of the I-V below it, and a number that cannot
be measured is NaN; a Monte Carlo loses no sample to a guard meant for a nominal run.

:func:`run_montecarlo` runs the samples on an :class:`~lifhw.spice.executor.Executor`, each stored as it finishes
(:class:`~lifhw.spice.store.ResultStore`, keyed by deck, model version, seed and plan), with a progress bar; a
rerun computes only the missing samples and a larger ``n`` reuses the first ones.
"""

from __future__ import annotations

import math
import os
import resource
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .. import analog, pdk, stats
from ..errors import Interrupted, ParameterError, SpiceError
from ..files import BUILD
from ..jsonio import Record, plain
from ..limits import COST_SPICE_STEP, check_points, check_steps
from ..ota_theory import MeasuredNeuron
from ..params import LIFParams
from ..progress import Progress, reached
from . import netlist as nl
from .characterize import DC_BELOW_REST, fit_tanh
from .deck import AnalogNeuron, Deck
from .design import OTADesign
from .executor import Executor, Task
from .measure import measure
from .runner import Session
from .store import ResultStore
from .sweep import RUN_DIR, T_SIM_MAX, transient_job

#: DC sweep step (V) of a sample: V_0 to 0.06 mV and I_b,eff to 0.1 % of the 2.5 mV characterisation's, 3x faster.
DC_STEP = 10e-3
#: A sample's DC sweep stops this far (V) below V_th: its comparator may trip 4-5 σ (~40 mV) below V_th.
DC_BELOW_TH = 0.05
#: First transient of a sample: this many nominal ISIs, two spikes for a sample up to 30 % slower than nominal.
FIRST_ISIS = 2.6
#: A sample with fewer than two spikes runs once more, this many times longer (then it counts as silent: rate 0).
RETRY_FACTOR = 4.0
#: Where samples are stored (one folder per content key).
STORE_DIR = BUILD / "spice" / "mc"
#: Version of what a stored sample holds and how it was measured: a change to the analysis bumps it.
SAMPLE_FORMAT = 1
#: The quantities of a sample that a result summarises (besides the rate at each current).
DC_QUANTITIES = ("v_zero", "g_m", "tau", "i_b_eff", "kappa", "kappa_fit", "rheobase")
POINT_QUANTITIES = ("rate", "threshold", "energy_per_spike")


@dataclass(frozen=True)
class Plan:
    """What every sample of a run does (fixed by the client, sent to the workers).

    ``dc``: (start, stop, step) V of the probe sweep; per current: ``t_stop`` and ``max_step`` (s) of the
    transient, ``t_retry`` (s) of the longer one for a sample with fewer than two spikes (0: none);
    ``mismatch``: the per-instance draw is on; ``process``: (parameter, σ) of the die-level shift of each device
    model the circuit uses (σ = 0 without process variation: the parameter is still set, to 0, so that no value a
    previous run left in a worker's deck survives); ``seed``; the neuron's ``c_eff`` (F),
    ``v_rest``/``v_reset``/``v_th``/``vdd`` (V), ``temp`` (°C) and ``release_node`` for the analysis.
    """

    currents: tuple[float, ...]
    dc: tuple[float, float, float]
    t_stop: tuple[float, ...]
    max_step: tuple[float, ...]
    t_retry: tuple[float, ...]
    mismatch: bool
    process: tuple[tuple[str, float], ...]
    seed: int
    c_eff: float
    v_rest: float
    v_reset: float
    v_th: float
    vdd: float
    temp: float
    release_node: str

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class DC(Record):
    """What a sample's (or the nominal neuron's) DC sweep gives: :data:`DC_QUANTITIES` (NaN where the I-V did not
    allow it) and how many points of the sweep were the leak's."""

    v_zero: float
    g_m: float
    tau: float
    i_b_eff: float
    kappa: float
    kappa_fit: float
    rheobase: float
    dc_points: int


@dataclass(frozen=True)
class SamplePoint(Record):
    """One transient of a sample at ``i_in`` (A), ``t_stop`` (s) long: rate (Hz), spikes, the realised threshold
    (V, NaN without a spike) and the energy per spike (J)."""

    i_in: float
    t_stop: float
    rate: float
    n_spikes: int
    threshold: float
    energy_per_spike: float


@dataclass(frozen=True)
class Sample(DC):
    """Sample ``k`` as it is stored: ngspice's seed and the ``alterparam`` values it drew, its DC numbers and one
    :class:`SamplePoint` per current."""

    k: int
    setseed: int
    parameters: dict[str, float]
    points: list[SamplePoint]


@dataclass(frozen=True)
class NominalPoint(Record):
    """The nominal neuron at ``i_in`` (A), run as :class:`~lifhw.spice.sweep.SpiceNeuron` runs a point (``job``):
    what a sample measures there and the CPU seconds the transient took."""

    i_in: float
    rate: float
    n_spikes: int
    job: dict
    threshold: float
    energy_per_spike: float
    fi_point_cpu: float


@dataclass(frozen=True)
class Nominal(DC):
    """The Monte Carlo deck with nothing drawn: its DC numbers and one point per current."""

    points: list[NominalPoint]


@dataclass(frozen=True)
class SampleCost(Record):
    """What one sample cost its worker, stored beside it: CPU and wall seconds, resident memory (bytes), the
    worker's pid and the executor that ran it."""

    cpu: float
    wall: float
    rss: int
    pid: int
    executor: str

    def __post_init__(self) -> None:
        if not 0 <= self.cpu < math.inf:
            raise ParameterError("cpu", self.cpu, "must be a finite number of seconds >= 0")
        if not 0 < self.wall < math.inf:  # samples per second divide by it
            raise ParameterError("wall", self.wall, "must be a finite number of seconds > 0")
        if self.rss < 0:
            raise ParameterError("rss", self.rss, "must be a number of bytes >= 0")


@dataclass(frozen=True)
class Failure(Record):
    """Sample ``k`` failed: the error it raised."""

    k: int
    error: str


@dataclass(frozen=True)
class MonteCarloRun(Record):
    """A SPICE Monte Carlo of ``circuit`` (:func:`run_montecarlo`): what was drawn, the deck (``netlist``) and the
    store of its samples, the nominal neuron, the samples that finished (in order of k) with a summary of each
    quantity (:func:`summarize`), those that failed, how many were computed now and how many reused, and what they
    cost."""

    circuit: str
    corner: str
    temp: float
    n: int
    seed: int
    mismatch: bool
    process: dict[str, float]
    currents: list[float]
    netlist: str
    store: str
    plan: Plan
    nominal: Nominal
    samples: list[Sample]
    summary: dict[str, dict[str, int | float]]
    failed: list[Failure]
    computed: int
    reused: int
    timing: dict
    cost: dict

    def check(self) -> MonteCarloRun:
        """Raise SpiceError naming the first failed sample (the others are in the store); the run if none failed."""
        if self.failed:
            first = self.failed[0]
            raise SpiceError(f"{len(self.failed)} of {self.n} Monte Carlo samples failed (the others are stored in "
                             f"{self.store}): sample {first.k}: {first.error}")
        return self


def draws(plan: Plan, k: int | None) -> tuple[int, dict[str, float]]:
    """ngspice's seed and the ``alterparam`` values of sample k (None: the nominal, nothing drawn)."""
    if k is None:
        return 1, {pdk.MISMATCH_SWITCH: 0.0, **{name: 0.0 for name, _ in plan.process}}
    rng = np.random.default_rng(np.random.SeedSequence([plan.seed, k]))
    seed = int(rng.integers(1, 2**31 - 1))
    z = rng.standard_normal(len(plan.process))
    return seed, {pdk.MISMATCH_SWITCH: 1.0 if plan.mismatch else 0.0,
                  **{name: float(sigma * zi) for (name, sigma), zi in zip(plan.process, z, strict=True)}}


def _leak(vectors: dict, plan: Plan) -> dict:
    """The membrane I-V of one sample, measured where it is the leak's: below the first point where the reset
    switch conducts or the current stops rising (the comparator or reset engaged)."""
    v, i_leak = vectors["mem"], -vectors["v_probe#branch"]
    bad = (vectors["rst"] > plan.v_reset) | np.append(False, np.diff(i_leak) <= 0)
    end = int(np.argmax(bad)) if bad.any() else len(v)
    v, i_leak = v[:end], i_leak[:end]
    out = dict.fromkeys(DC_QUANTITIES, math.nan) | {"dc_points": int(end)}
    if end >= 2:
        out["rheobase"] = float(np.max(i_leak))
    if end < 4 or not i_leak[0] < 0 < i_leak[-1]:
        return out  # no zero inside the sweep: nothing at rest to measure
    iv = MeasuredNeuron(tuple(v.tolist()), tuple(i_leak.tolist()), plan.c_eff, plan.v_rest, plan.v_reset,
                        plan.v_th, 0.0)
    out["v_zero"] = iv.rest_point
    try:
        out["g_m"] = iv.g_m
        out["tau"] = iv.tau
    except ParameterError:
        pass
    try:
        out["i_b_eff"], out["kappa_fit"], _ = fit_tanh(v, i_leak, plan.temp)
    except SpiceError:
        return out
    out["kappa"] = 2 * float(analog.thermal_voltage(plan.temp)) * out["g_m"] / out["i_b_eff"]
    return out


def leak_plan(neuron: AnalogNeuron) -> Plan:
    """A plan with no transients for ``neuron``: its DC sweep, its voltages and the process parameters a redraw
    sets (to 0), for a caller that measures a drawn neuron's leak with :func:`measure_leak`."""
    return _plan(neuron.circuit, neuron.params, neuron.design, (), 0, True, False, ((), (), ()))


def measure_leak(session: Session, plan: Plan) -> dict:
    """The DC numbers of the neuron loaded (and drawn) in ``session``, as a sample's: :data:`DC_QUANTITIES`, V_0
    absolute."""
    return _leak(session.dc_probe(*plan.dc), plan)


def _point(session: Session, plan: Plan, index: int) -> dict:
    i_in, step = plan.currents[index], plan.max_step[index]
    for t_stop in (plan.t_stop[index], plan.t_retry[index]):
        if t_stop <= 0:
            break
        tr = measure(session.tran(i_in, t_stop, step), i_in, t_stop, plan.vdd, plan.release_node)
        if tr.n_isi >= 1:
            break
    thresholds = tr.thresholds
    return {"i_in": i_in, "t_stop": t_stop, "rate": tr.rate, "n_spikes": len(tr.spike_times),
            "threshold": float(np.mean(thresholds)) if len(thresholds) else math.nan,
            "energy_per_spike": tr.energy_per_spike}


def run_sample(session: Session, plan: Plan, k: int | None) -> dict:
    """Sample k (None: the nominal) on the loaded Monte Carlo deck: redraw, DC sweep, transients.

    Returns ``{"sample": what is stored, "cpu" and "wall": s this sample took, "rss": bytes, "pid"}``.
    """
    cpu, wall = time.process_time(), time.perf_counter()
    seed, parameters = draws(plan, k)
    session.redraw(seed, parameters)
    record: dict[str, Any] = {"k": k, "setseed": seed, "parameters": parameters}
    record |= measure_leak(session, plan)
    record["points"] = [_point(session, plan, index) for index in range(len(plan.currents))]
    return {"sample": record, "cpu": time.process_time() - cpu, "wall": time.perf_counter() - wall,
            "pid": os.getpid(), "rss": _rss()}


def _rss() -> int:
    """Resident memory of this process now (bytes)."""
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:  # not Linux: the peak instead
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def run_nominal_dc(session: Session, plan: Plan) -> dict:
    """The nominal neuron's (nothing drawn) DC sweep: the numbers of :func:`run_sample` and the I-V itself."""
    seed, parameters = draws(plan, None)
    session.redraw(seed, parameters)
    vectors = session.dc_probe(*plan.dc)
    out = _leak(vectors, plan)
    end = out["dc_points"]
    return out | {"v": vectors["mem"][:end].tolist(), "i_leak": (-vectors["v_probe#branch"][:end]).tolist()}


def run_nominal_point(session: Session, plan: Plan, job: dict) -> dict:
    """One f-I point of the nominal neuron, run as :class:`~lifhw.spice.sweep.SpiceNeuron` runs it (``job``): the
    rate the samples are planned around, and the cost (CPU s of the transient) a sample is compared with."""
    seed, parameters = draws(plan, None)
    session.redraw(seed, parameters)
    cpu = time.process_time()
    tr = measure(session.tran(job["i_in"], job["t_stop"], job["max_step"]), job["i_in"], job["t_stop"], plan.vdd,
                 plan.release_node)
    return {"i_in": job["i_in"], "rate": tr.rate, "n_spikes": len(tr.spike_times), "job": job,
            "threshold": float(np.mean(tr.thresholds)) if len(tr.spike_times) else math.nan,
            "energy_per_spike": tr.energy_per_spike, "fi_point_cpu": time.process_time() - cpu}


def _check(circuit: nl.Circuit, design: OTADesign, currents, n: int, seed: int, process: bool) -> np.ndarray:
    if not circuit.transistors:
        raise ParameterError("circuit", circuit.name, "has no PDK transistors: nothing to draw")
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 2:
        raise ParameterError("n", n, "must be a whole number >= 2")
    check_points("n", n, n, "Monte Carlo samples")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ParameterError("seed", seed, "must be a whole number >= 0")
    if process and design.corner != pdk.PROCESS_CORNER:
        raise ParameterError("corner", design.corner, f"--process draws {pdk.NAME}'s process statistics, which are "
                                                      f"centred on {pdk.PROCESS_CORNER}: use --corner "
                                                      f"{pdk.PROCESS_CORNER} (or drop --process)")
    currents = np.atleast_1d(np.asarray(currents, dtype=float))
    check_points("i_in", currents.tolist(), len(currents), "currents")
    if len(currents) == 0 or not np.all(np.isfinite(currents)) or np.any(currents <= 0):
        raise ParameterError("i_in", currents.tolist(), "must be one or more currents > 0 A")
    return currents


def _plan(circuit: nl.Circuit, params: LIFParams, design: OTADesign, currents, seed: int, mismatch: bool,
          process: bool, transients: tuple[tuple, tuple, tuple]) -> Plan:
    dc = (min(params.v_reset, params.v_rest - DC_BELOW_REST), params.v_th - DC_BELOW_TH, DC_STEP)
    models = nl.device_models(circuit)
    sigmas = pdk.process_sigmas(models) if process else {pdk.process_parameter(m): 0.0 for m in models}
    return Plan(tuple(float(i) for i in currents), dc, *transients, mismatch, tuple(sorted(sigmas.items())),
                int(seed), params.c_m + design.c_tsv, params.v_rest, params.v_reset, params.v_th, design.vdd,
                design.temp, circuit.release_node)


def _sample_transients(nominal: list[NominalPoint]) -> tuple[tuple, tuple, tuple]:
    """t_stop, max_step and t_retry of the samples at each current, from the nominal neuron's measured rate."""
    t_stop, step, retry = [], [], []
    for point in nominal:
        job = point.job
        if point.rate > 0:
            first = min(FIRST_ISIS / point.rate, T_SIM_MAX)
        else:  # the nominal neuron is silent here: its samples get the nominal run's length, then the retry
            first = job["t_stop"]
        longer = min(RETRY_FACTOR * first, T_SIM_MAX)
        check_steps("i_in", point.i_in, COST_SPICE_STEP * longer / job["max_step"],
                    f"time steps (x {COST_SPICE_STEP}) of a Monte Carlo sample's longest transient (step "
                    f"{job['max_step']:.4g} s): steps of work")
        t_stop.append(first)
        step.append(job["max_step"])
        retry.append(longer)
    return tuple(t_stop), tuple(step), tuple(retry)


def _run(executor: Executor, tasks: list[Task]) -> list:
    results = executor.map(tasks)
    for result in results:
        if isinstance(result, Exception):
            raise result
    return results


def _nominal(executor: Executor, deck: Deck, circuit: nl.Circuit, params: LIFParams, plan: Plan,
             store_root: Path) -> Nominal:
    """The nominal neuron: its DC numbers and one f-I point per current (stored like the samples)."""
    store = ResultStore(store_root, {"kind": "spice-montecarlo-nominal", "format": SAMPLE_FORMAT,
                                     "deck": deck.digest, "currents": plan.currents, "dc": plan.dc})
    stored = store.get("nominal", Nominal)
    if stored is not None:
        return stored
    executor.warm(deck, redraws=True)
    (dc,) = _run(executor, [Task(run_nominal_dc, (plan,), "nominal neuron, DC sweep", deck, redraws=True)])
    if not math.isfinite(dc["v_zero"]):
        raise SpiceError(f"the nominal neuron's membrane I-V has no zero below V_th - {DC_BELOW_TH:g} V: there is "
                         f"no rest point to draw around; netlist: {deck.path}")
    # SpiceNeuron's f-I point: its length from the device-aware ISI of the nominal I-V, t_ref as the dead time.
    iv = MeasuredNeuron(tuple(dc.pop("v")), tuple(dc.pop("i_leak")), plan.c_eff, plan.v_rest, plan.v_reset,
                        plan.v_th, params.t_ref)
    jobs = [transient_job(circuit, params, i_in, float(iv.isi(i_in)), iv.tau) for i_in in plan.currents]
    points = _run(executor, [Task(run_nominal_point, (plan, job), f"nominal neuron at i_in = {job['i_in']:.4g} A",
                                  deck, redraws=True) for job in jobs])
    nominal = Nominal.from_dict(plain(dc | {"points": points}))
    store.put("nominal", nominal)
    return nominal


def _deck_and_nominal(neuron: AnalogNeuron, currents: np.ndarray, executor: Executor, store_root,
                      run_dir) -> tuple[Deck, Nominal]:
    deck = neuron.deck(run_dir, mismatch=True)
    # the nominal neuron does not depend on what the samples draw: one plan (and stored result) for every run
    plan = _plan(neuron.circuit, neuron.params, neuron.design, currents, 0, False, False, ((), (), ()))
    return deck, _nominal(executor, deck, neuron.circuit, neuron.params, plan, Path(store_root))


def nominal_neuron(neuron: AnalogNeuron, currents, executor: Executor, store_root: Path | str = STORE_DIR,
                   run_dir: Path | str = RUN_DIR) -> Nominal:
    """The nominal ``neuron`` of its Monte Carlo deck (nothing drawn): its DC numbers and one f-I point per
    current."""
    currents = _check(neuron.circuit, neuron.design, currents, 2, 0, False)
    return _deck_and_nominal(neuron, currents, executor, store_root, run_dir)[1]


def run_montecarlo(neuron: AnalogNeuron, currents, n: int, seed: int, executor: Executor, mismatch: bool = True,
                   process: bool = False, store_root: Path | str = STORE_DIR, run_dir: Path | str = RUN_DIR,
                   quiet: bool = False) -> MonteCarloRun:
    """``n`` samples of ``neuron`` with the PDK's mismatch and/or process variation, each measured at ``currents``
    (A), on ``executor``; see the module docstring.

    A sample that fails is named in the run's ``failed`` (:meth:`MonteCarloRun.check` raises it). Interrupted
    (Ctrl-C, SIGTERM), it raises :class:`~lifhw.errors.Interrupted` naming what was stored.
    """
    chosen, design = neuron.circuit, neuron.design
    currents = _check(chosen, design, currents, n, seed, process)
    if not (mismatch or process):
        raise ParameterError("mismatch", mismatch, "a Monte Carlo needs something to draw: mismatch, process or both")
    start = time.monotonic()
    deck, nominal = _deck_and_nominal(neuron, currents, executor, store_root, run_dir)
    plan = _plan(chosen, neuron.params, design, currents, seed, mismatch, process, _sample_transients(nominal.points))
    store = ResultStore(store_root, {"kind": "spice-montecarlo", "format": SAMPLE_FORMAT, "deck": deck.digest,
                                     "plan": plan.as_dict()})
    samples: dict[int, Sample] = {}
    for k in range(n):
        stored = store.get(k, Sample)
        if stored is not None:
            samples[k] = stored
    todo = [k for k in range(n) if k not in samples]
    progress = Progress("spice montecarlo", n, quiet, done=n - len(todo))
    failed: dict[int, str] = {}
    costs: list[dict] = []

    def finished(index: int, result) -> None:
        k = todo[index]
        if isinstance(result, Exception):
            failed[k] = str(result)
        else:
            samples[k] = Sample.from_dict(plain(result["sample"]))
            store.put(k, samples[k])
            # what it cost, beside it (not in it: the sample is the same bytes whoever computes it, whenever)
            cost = SampleCost(**{key: result[key] for key in ("cpu", "wall", "rss", "pid")},
                              executor=executor.describe())
            store.put(f"{k}.cost", cost)
            costs.append(cost.as_dict())
        progress.update()
        reached("between-points")

    tasks = [Task(run_sample, (plan, k), f"sample {k}", deck, redraws=True) for k in todo]
    try:
        if tasks:
            executor.warm(deck, redraws=True)
        executor.map(tasks, finished)
    except KeyboardInterrupt:
        progress.close()
        raise Interrupted(f"{len(samples)} of {n} samples are stored in {store.dir}; the same command computes "
                          f"the other {n - len(samples)}") from None
    progress.close()
    wall = time.monotonic() - start
    ordered = [samples[k] for k in range(n) if k in samples]
    drawn = {name: sigma for name, sigma in plan.process if sigma > 0}
    return MonteCarloRun(neuron.name, design.corner, design.temp, n, seed, mismatch, drawn, currents.tolist(),
                         deck.path, str(store.dir), plan, nominal, ordered, summarize(ordered, len(currents)),
                         [Failure(k, failed[k]) for k in sorted(failed)], len(todo) - len(failed), n - len(todo),
                         _timing(costs, wall, executor, nominal),
                         sample_cost([store.get(f"{k}.cost", SampleCost) for k in range(n) if k in samples], nominal))


def column(samples: list[Sample], name: str, point: int | None = None) -> np.ndarray:
    """One quantity over the samples: a DC one (``point`` None) or one of the point at index ``point``."""
    if point is None:
        return np.array([getattr(s, name) for s in samples], dtype=float)
    return np.array([getattr(s.points[point], name) for s in samples], dtype=float)


def summarize(samples: list[Sample], n_points: int) -> dict:
    """:func:`lifhw.stats.describe` of every quantity; those of the points keyed ``<name>@<index>``."""
    out = {name: stats.describe(column(samples, name)) for name in DC_QUANTITIES}
    for index in range(n_points):
        for name in POINT_QUANTITIES:
            out[f"{name}@{index}"] = stats.describe(column(samples, name, index))
    return out


def sample_cost(costs: list[SampleCost | None], nominal: Nominal) -> dict:
    """What the samples cost when they were computed (their stored cost records; None: missing or damaged):
    median CPU and wall seconds per sample, samples per second per worker, the CPU ratio to one nominal f-I point,
    the largest worker RSS."""
    found = [c.as_dict() for c in costs if c is not None]
    if not found:
        return {"samples": 0}
    cpu, wall = np.median([c["cpu"] for c in found]), np.median([c["wall"] for c in found])
    return {"samples": len(found), "cpu_per_sample": float(cpu), "wall_per_sample": float(wall),
            "samples_per_second_per_worker": float(1 / wall), "fi_point_cpu": nominal.points[0].fi_point_cpu,
            "cost_ratio": float(cpu / nominal.points[0].fi_point_cpu),
            "worker_rss_max": max(c["rss"] for c in found), "executors": sorted({c["executor"] for c in found})}


def _timing(costs: list[dict], wall: float, executor: Executor, nominal: Nominal) -> dict:
    """What this run cost: wall time, samples per second, CPU per sample against one nominal f-I point."""
    cpu = np.array([c["cpu"] for c in costs])
    point = nominal.points[0].fi_point_cpu
    out = {"wall": wall, "computed": len(costs), "workers": executor.workers, "executor": executor.describe(),
           "fi_point_cpu": point}
    if len(costs):
        out |= {"samples_per_second": len(costs) / wall, "cpu_per_sample": float(np.median(cpu)),
                "cost_ratio": float(np.median(cpu)) / point,
                "worker_rss_max": max(c["rss"] for c in costs)}
    return out
