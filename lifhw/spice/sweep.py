"""A loaded neuron netlist: transients, OTA characterisation and f-I sweeps in worker processes."""

from __future__ import annotations

import math
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import numpy as np

from .. import theory
from ..errors import ParameterError, SpiceError
from ..fi import Budget, FICurve
from ..files import BUILD
from ..limits import COST_SPICE_POINT, COST_SPICE_STEP, check_steps
from ..params import LIFParams
from ..units import check_value
from . import netlist as nl
from .characterize import OTACharacterization, characterize_ota
from .deck import AnalogNeuron
from .design import OTADesign
from .measure import Transient, measure, quiescent_power
from .pool import SpicePool

#: ISIs a default (``t_sim=None``/"auto") transient must contain.
MIN_ISIS = 5
#: Longest automatic transient (s).
T_SIM_MAX = 30.0
#: A silent point is simulated for this many membrane time constants.
SILENT_TAUS = 5.0
#: Least number of steps of a transient (its step is at most t_sim / RUN_STEPS).
RUN_STEPS = 2000
#: Largest time step as a fraction of the predicted ISI (the threshold crossing is resolved to ~ISI/400).
STEPS_PER_ISI = 400
RUN_DIR = BUILD / "spice" / "run"


def transient_job(circuit: nl.Circuit, params: LIFParams, i_in: float, isi: float, tau: float,
                  t_stop: float | None = None) -> dict:
    """The transient job at ``i_in`` (A) for a neuron whose predicted ISI is ``isi`` (s; inf: silent) and whose
    membrane time constant is ``tau`` (s): ``t_stop`` None means MIN_ISIS ISIs and a half (SILENT_TAUS τ when
    silent); the step resolves the ISI (STEPS_PER_ISI), the run (2000 steps) and the circuit's reset hold."""
    if t_stop is None:
        t_stop = min((MIN_ISIS + 1.5) * isi, T_SIM_MAX) if math.isfinite(isi) else SILENT_TAUS * tau
    check_value(t_stop, "t_sim", "s", minimum=0)
    bounds = {f"t_sim/{RUN_STEPS}": t_stop / RUN_STEPS}
    if math.isfinite(isi):
        bounds[f"ISI/{STEPS_PER_ISI}"] = isi / STEPS_PER_ISI
    if circuit.hold_steps:
        bounds[f"t_ref/{circuit.hold_steps}"] = params.t_ref / circuit.hold_steps
    step = min(bounds.values())
    # Before ngspice runs: a transient of more steps than the limit is refused, saying which bound set the step.
    check_steps("t_sim", t_stop, COST_SPICE_STEP * t_stop / step, f"{t_stop / step:.4g} time steps (x "
                f"{COST_SPICE_STEP}) at {step:.4g} s, the least of {', '.join(bounds)} for lif_{circuit.name}: "
                "steps of work")
    return {"kind": "tran", "i_in": float(i_in), "t_stop": float(t_stop), "max_step": float(step)}


def check_sweep(jobs: list[dict]) -> None:
    """Refuse transients whose steps, summed over every point with each point's fixed cost, are more work than
    lifhw.limits' max_steps (counted in steps of lifhw.sim: COST_SPICE_STEP, COST_SPICE_POINT)."""
    steps = sum(job["t_stop"] / job["max_step"] for job in jobs)
    check_steps("i", f"{len(jobs)} currents", COST_SPICE_STEP * steps + COST_SPICE_POINT * len(jobs),
                f"{steps:.4g} transient steps over {len(jobs)} points (x {COST_SPICE_STEP}, + {COST_SPICE_POINT} a "
                "point): steps of work")


class SweepError(SpiceError):
    """Some points of a sweep failed; ``result`` keeps every point, finished or not."""

    def __init__(self, message: str, result: SweepResult):
        super().__init__(message)
        self.result = result


@dataclass
class SweepResult:
    """An f-I sweep: per current, the measured transient or the error of its failed run."""

    circuit: str
    currents: np.ndarray
    transients: list
    errors: list

    @property
    def rate(self) -> np.ndarray:
        return np.array([t.rate if t is not None else np.nan for t in self.transients])

    def column(self, name: str) -> np.ndarray:
        return np.array([t.summary()[name] if t is not None else np.nan for t in self.transients], dtype=float)

    def curve(self, label: str, metadata: dict | None = None) -> FICurve:
        return FICurve(self.currents, self.rate, label, metadata or {})

    @property
    def failed(self) -> list[int]:
        return [k for k, err in enumerate(self.errors) if err is not None]

    def check(self) -> SweepResult:
        """Raise :class:`SweepError` naming each failed point; return self if none failed."""
        if self.failed:
            lines = [f"{len(self.failed)} of {len(self.currents)} {self.circuit} sweep points failed "
                     f"({len(self.currents) - len(self.failed)} finished and kept):"]
            lines += [f"[i_in = {self.currents[k]:.6g} A] {self.errors[k]}" for k in self.failed]
            raise SweepError("\n".join(lines), self)
        return self


class SpiceNeuron:
    """One :class:`~lifhw.spice.deck.AnalogNeuron`'s deck loaded in a pool of ngspice workers.

    ``neuron`` is the AnalogNeuron, or a circuit name built with ``params``/``design`` (None: the circuit's
    defaults). ``executor`` (a :class:`~lifhw.spice.executor.Executor`, e.g. a Dask cluster) runs its jobs; None
    starts ``workers`` local processes of its own. Use as a context manager (the workers are processes)::

        with SpiceNeuron("ota", workers=2) as neuron:
            char = neuron.characterize()
            result = neuron.sweep([20e-12, 100e-12, 500e-12]).check()
    """

    def __init__(self, neuron: AnalogNeuron | str = "ota", params: LIFParams | None = None,
                 design: OTADesign | None = None, workers: int = 1, timeout: float = 300.0,
                 run_dir: Path | str = RUN_DIR, executor=None):
        if not isinstance(neuron, AnalogNeuron):
            neuron = AnalogNeuron(neuron, params, design)
        elif params is not None or design is not None:
            raise TypeError("an AnalogNeuron carries its own params and design")
        self.neuron = neuron
        self.circuit, self.params, self.design = neuron.circuit, neuron.params, neuron.design
        self.pool = SpicePool(neuron.deck(run_dir), workers=workers, timeout=timeout, executor=executor)
        self.netlist = self.pool.netlist
        self._char: OTACharacterization | None = None

    def __enter__(self) -> SpiceNeuron:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.pool.close()

    def characterize(self) -> OTACharacterization:
        """The OTA characterisation (DC I-V, tanh fit, single-spike dead time); run once per instance."""
        if not self.circuit.transistors:
            raise ParameterError("circuit", self.circuit.name, "has no transistors to characterise")
        if self._char is None:
            self._char = characterize_ota(self.pool, self.params, self.design, self.circuit.dc_below_th)
        return self._char

    def theory(self):
        """What this circuit is compared with: the device-aware theory of its measured I-V (a transistor
        circuit) or the closed form of its LIFParams (an ideal one). Either has ``isi``, ``rate`` and ``fi``."""
        return self.characterize() if self.circuit.transistors else theory.ClosedForm(self.params)

    def quiescent(self) -> tuple[float, float]:
        """(neuron, shared) supply power (W) at rest with no input, from the operating point
        (:func:`~lifhw.spice.measure.quiescent_power`)."""
        (raw,) = self.pool.map([{"kind": "op"}])
        if isinstance(raw, Exception):
            raise raw
        return quiescent_power(raw, self.design.vdd)

    def job(self, i_in: float, t_stop: float | None = None) -> dict:
        """The transient job for ``i_in`` (A); ``t_stop`` None means long enough for MIN_ISIS ISIs."""
        if not math.isfinite(i_in):
            raise ParameterError("i_in", i_in, "must be a finite current in A")
        model = self.theory()
        return transient_job(self.circuit, self.params, i_in, float(model.isi(i_in)), model.tau, t_stop)

    def transient(self, i_in: float, t_stop: float | None = None) -> Transient:
        """One transient at constant ``i_in`` (A); raises SpiceError if it fails."""
        return self.sweep([i_in], t_stop).check().transients[0]

    def jobs(self, currents, t_sim: float | None = None) -> list[dict]:
        """The transient jobs of a sweep at ``currents`` (A), refused up front if all of them together are more work
        than lifhw.limits allows."""
        currents = np.atleast_1d(np.asarray(currents, dtype=float))
        # What the points cost at the least (RUN_STEPS each) is refused before a job is made for each.
        check_sweep([{"t_stop": 1.0, "max_step": 1.0 / RUN_STEPS}] * len(currents))
        jobs = [self.job(i, t_sim) for i in currents]
        check_sweep(jobs)
        return jobs

    def sweep(self, currents, t_sim: float | None = None, on_point=None) -> SweepResult:
        """Transients at each current, in parallel workers; failed points are kept as errors.

        ``on_point(index, transient_or_error)`` is called as each point finishes.
        """
        currents = np.atleast_1d(np.asarray(currents, dtype=float))
        jobs = self.jobs(currents, t_sim)
        transients: list = [None] * len(jobs)
        errors: list = [None] * len(jobs)

        def done(index, raw):
            if isinstance(raw, Exception):
                errors[index] = str(raw)
            else:
                job = jobs[index]
                transients[index] = measure(raw, job["i_in"], job["t_stop"], self.design.vdd,
                                            self.circuit.release_node)
            if on_point is not None:
                on_point(index, transients[index] if errors[index] is None else errors[index])

        self.pool.map(jobs, on_result=done)
        return SweepResult(self.circuit.name, currents, transients, errors)


@dataclass(frozen=True)
class Spice:
    """The SPICE level (a :class:`~lifhw.fi.Level`): netlist ``circuit`` (``lif_ideal`` by default: LIFParams as a
    circuit) built for each neuron with ``design`` (None: the circuit's default design), one transient per current
    (``t_sim`` s each; None: :func:`transient_job`'s, at least MIN_ISIS ISIs).

    ``executor`` (shared, the caller closes it) runs the transients; None: ``workers`` local processes per call,
    ``timeout`` s per transient. Decks are written under ``run_dir``.
    """

    name: ClassVar[str] = "spice"
    circuit: str = "ideal"
    design: OTADesign | None = None
    t_sim: float | None = None
    workers: int = 2
    timeout: float = 300.0
    executor: object = field(default=None, compare=False, repr=False)
    run_dir: Path = RUN_DIR

    def __post_init__(self) -> None:
        circuit = nl.get_circuit(self.circuit)
        object.__setattr__(self, "design", self.design or circuit.design())

    def neuron(self, params: LIFParams) -> AnalogNeuron:
        """The analog neuron this level builds for ``params`` (ParameterError if the circuit cannot)."""
        return AnalogNeuron(self.circuit, params, self.design)

    def _loaded(self, params: LIFParams) -> SpiceNeuron:
        return SpiceNeuron(self.neuron(params), workers=self.workers, timeout=self.timeout, run_dir=self.run_dir,
                           executor=self.executor)

    def fi(self, params: LIFParams, currents) -> FICurve:
        """The f-I curve; raises :class:`SweepError` (every finished point in ``.result``) if any point failed."""
        with self._loaded(params) as neuron:
            result = neuron.sweep(currents, self.t_sim).check()
            return result.curve(f"SPICE lif_{self.circuit}", {"netlist": str(neuron.netlist),
                                                               "params": params.as_dict(),
                                                               "design": neuron.design.as_dict()})

    def transient(self, params: LIFParams, i_in: float, t_stop: float | None = None) -> Transient:
        """One transient at constant ``i_in`` (A) for ``t_stop`` s (None: long enough for MIN_ISIS ISIs)."""
        with self._loaded(params) as neuron:
            return neuron.transient(i_in, t_stop)

    def budget(self, params: LIFParams, currents) -> Budget:
        """The circuit's own bound around the closed form (``Circuit.isi_bounds``) at the steps its transients take;
        no claim for a transistor circuit, which is compared with the device-aware theory of its measured I-V."""
        currents = np.atleast_1d(np.asarray(currents, dtype=float))
        circuit = self.neuron(params).circuit
        if circuit.isi_bounds is None:
            return Budget.unbounded(currents, f"lif_{circuit.name} is held to the device-aware theory of its measured "
                                              "I-V (lifhw spice fi), not to the closed form")
        closed = theory.ClosedForm(params)
        jobs = [transient_job(circuit, params, i, float(closed.isi(i)), closed.tau, self.t_sim) for i in currents]
        low, high, source = circuit.isi_bounds(params, currents, np.array([job["max_step"] for job in jobs]))
        return Budget.from_isi(currents, low, high, f"lif_{circuit.name}: {source}",
                               np.array([job["t_stop"] for job in jobs]))

    def as_dict(self) -> dict:
        design = typing.cast(OTADesign, self.design)  # the circuit's default once constructed
        return {"circuit": self.circuit, "design": design.as_dict(), "t_sim": self.t_sim}


def fi(params: LIFParams, currents, circuit: str = "ideal", design: OTADesign | None = None,
       t_sim: float | None = None, workers: int = 2, timeout: float = 300.0) -> FICurve:
    """The SPICE level's f-I curve: :meth:`Spice.fi`."""
    return Spice(circuit, design, t_sim, workers, timeout).fi(params, currents)
