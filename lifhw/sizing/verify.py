"""Sizing in the loop with ngspice: characterise the OTA at a corner, size, verify the sized neuron.

One :class:`Bench` is one OTA-leak netlist (``circuits/lif_ota.cir`` or ``lif_lowpower.cir``) loaded at one process
corner (models load once;
temperature, bias, capacitor and input change with ``option``/``alter``). For each temperature it

1. characterises the OTA at the bias it will run at with :func:`lifhw.spice.characterize.characterize_dc`, the
   DC part of ``lifhw spice characterize``: κ = 2U_T·g_m/I_b,eff from the slope g_m of the membrane
   node's I-V at rest and the amplitude I_b,eff of its tanh fit, and the **leakage floor** (the largest
   current the membrane node draws on [V_reset, V_th) with the OTA's bias off);
2. turns that into a :class:`~lifhw.sizing.design.DevicePoint` and sizes the design with it (re-characterising
   at the solved bias until it stops moving when I_b is the unknown);
3. optionally verifies: ``measured.tau`` from the small-signal decay of the membrane from V_reset
   to its rest point with no input, ``measured.rate`` and ``measured.energy_per_spike`` from a
   transient at the target current.

Each corner is one task of a :class:`lifhw.spice.executor.Executor` (ngspice's shared library holds one simulator
per process), so the corners of a sweep run side by side, in local worker processes or on a Dask cluster.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .. import pdk
from ..errors import LifhwError, ParameterError, SpiceError
from ..files import BUILD
from ..jsonio import Record
from ..ota_theory import MeasuredNeuron
from ..spice.characterize import OTACharacterization, characterize_dc, check_released
from ..spice.deck import AnalogNeuron
from ..spice.design import ota_params, threshold
from ..spice.executor import Executor, LocalExecutor, Task
from ..spice.measure import energy_parts, measure, quiescent_power
from ..spice.netlist import get_circuit
from ..spice.worker import private_session
from .design import TSV, DevicePoint, SizedNeuron, size

#: Where rendered netlists go.
BUILD_DIR = BUILD / "sizing"
#: Seconds one corner (characterisation, sizing and verification at each of its temperatures) may take.
CORNER_TIMEOUT = 3600.0
#: Re-characterise while the solved bias moves by more than this fraction.
BIAS_TOLERANCE = 1e-3
#: Spikes a rate transient aims to contain (the rate is 1/mean ISI over the complete intervals).
RATE_SPIKES = 5
#: Steps per time constant (τ transient) and per inter-spike interval (rate transient).
STEPS_PER_TAU = 200
STEPS_PER_ISI = 2000
#: The τ fit uses the part of the decay between these fractions of the initial distance to rest,
#: where tanh is linear to < 0.3 % for the ~10 mV offset of V_rest from the reset level.
FIT_WINDOW = (0.05, 0.4)


def circuit_t_ref() -> float:
    """Refractory hold (s) of the default lif_ota design (the reset is held this long after a spike)."""
    return ota_params().t_ref


def _v_rest() -> float:
    return ota_params().v_rest


@dataclass(frozen=True)
class Spec:
    """Everything :func:`lifhw.sizing.size` needs except the device (which SPICE supplies)."""

    v_swing: float
    tsv: TSV
    tau: float | None = None
    f_target: float | None = None
    i_target: float | None = None
    i_b: float | None = None
    c_m: float | None = None
    noise_max: float | None = None
    vdd: float = pdk.VDD
    mim_density: float = pdk.MIM_DENSITY
    c_logic: float = pdk.C_LOGIC

    def size(self, device: DevicePoint, t_ref: float) -> SizedNeuron:
        kw = dataclasses.asdict(self)
        kw["tsv"] = self.tsv
        return size(device=device, t_ref=t_ref, **kw)


@dataclass(frozen=True)
class IV(Record):
    """The membrane node's DC I-V a corner was characterised with (V, A) and its fit: the zero V_0 (V), g_m (S) at
    it and the tanh amplitude I_b,eff (A)."""

    v: np.ndarray
    i_leak: np.ndarray
    v_zero: float
    g_m: float
    i_b_eff: float


@dataclass(frozen=True)
class Measured(Record):
    """A sized neuron simulated at one corner: τ from the decay to rest (``tau_error`` against the design's), the
    rest point and quiescent power there, and the transient at ``i_in``: rate (against the tanh model's prediction
    and the device-aware theory of the measured I-V), spikes, ISI CV, reset hold and energy per spike."""

    tau: float
    tau_error: float
    v_rest: float
    quiescent_power: float
    i_in: float
    rate_predicted: float
    rate: float
    n_spikes: int
    isi_cv: float
    t_hold: float
    energy_per_spike: float
    energy_dynamic: float
    energy_input: float
    rate_device_aware: float
    rate_error: float


@dataclass(frozen=True)
class TsvSweep(Record):
    """The rate (Hz) measured at one current with the TSV capacitance set to each of ``c_tsv`` (F)."""

    c_tsv: np.ndarray
    rate: np.ndarray


@dataclass(frozen=True)
class CornerRow(Record):
    """One corner and temperature of the sizing loop: the design sized (or held) there with the I-V it was
    characterised with, what SPICE measured of it (with ``verify``) and the TSV sweep (if asked); or the error that
    stopped it (``parameter_error``: the fields of an impossible target's ParameterError)."""

    corner: str
    temp: float
    design: SizedNeuron | None = None
    iv: IV | None = None
    measured: Measured | None = None
    c_tsv_sweep: TsvSweep | None = None
    error: str | None = None
    parameter_error: tuple[str, Any, str] | None = None

    def raise_error(self) -> CornerRow:
        """Raise the error the row carries (ParameterError for an impossible target, else SpiceError); the row if
        it has none."""
        if self.parameter_error is not None:
            raise ParameterError(*self.parameter_error)
        if self.error is not None:
            raise SpiceError(self.error)
        return self


class Bench:
    """An OTA-leak netlist (``circuit``, at its own design defaults) loaded at one corner in this process, driven by
    ``alter``/``option`` between analyses."""

    def __init__(self, corner: str, temp: float, v_swing: float, c_tsv: float, i_b: float = 10e-12,
                 c_m: float = 1e-12, build_dir: Path = BUILD_DIR, circuit: str = "ota"):
        self.circuit = get_circuit(circuit)
        self.design = self.circuit.design(i_b=i_b, c_tsv=c_tsv, corner=corner, temp=temp)
        v_rest = _v_rest()
        self.params = ota_params(self.design, c_m=c_m, v_th=threshold(v_rest, v_swing))
        # the neuron as loaded; set() then alters the session (and self.params/self.design) in place
        neuron = AnalogNeuron(self.circuit, self.params, self.design)
        deck = neuron.deck(build_dir, f"size-{self.circuit.name}-{corner}")
        self.netlist = Path(deck.path)
        self.session = private_session(self.netlist)
        self.char: OTACharacterization | None = None  # the last characterize()

    def set(self, temp: float | None = None, i_b: float | None = None, c_m: float | None = None,
            c_tsv: float | None = None) -> None:
        """Change the temperature (°C), OTA bias (A), membrane capacitor or TSV capacitance (F)."""
        if temp is not None and temp != self.design.temp:
            self.session.set(temp=temp)
            self.design = self.design.replace(temp=temp)
        elements = {}
        if i_b is not None and i_b != self.design.i_b:
            elements["i_b"] = i_b
            self.design = self.design.replace(i_b=i_b)
        if c_m is not None and c_m != self.params.c_m:
            elements["c_m"] = c_m
            self.params = self.params.replace(c_m=c_m)
        if c_tsv is not None and c_tsv != self.design.c_tsv:
            elements["c_tsv"] = c_tsv
            self.design = self.design.replace(c_tsv=c_tsv)
        self.session.set(**elements)

    def characterize(self) -> DevicePoint:
        """κ, mirror gain and leakage floor at the current corner, temperature and bias, from
        :func:`lifhw.spice.characterize.characterize_dc` (the same numbers ``lifhw spice characterize`` prints)."""
        char = characterize_dc(self.session, self.params, self.design, self.circuit.dc_below_th)
        self.char = char
        self.iv = IV(np.array(char.v), np.array(char.i_leak), char.v_zero, char.g_m, char.i_b_eff)
        # The quiescent power besides the leak's tail, at this bias: sizing re-characterises at the solved bias, so
        # the sized neuron's V_dd*I_b,eff + p_other is the operating point's supply power.
        rest, _ = quiescent_power(self.session.op(), self.design.vdd)
        return DevicePoint(self.design.corner, self.design.temp, char.kappa, char.i_off,
                           char.i_b_eff / self.design.i_b, "spice", leak_in_fit=True,
                           p_other=rest - self.design.vdd * char.i_b_eff)

    def measured(self, t_dead: float) -> MeasuredNeuron:
        """The device-aware theory on the present C_m + C_tsv: the last characterisation's measured I-V with
        ``t_dead`` (s) after each spike."""
        return dataclasses.replace(self.char, c_eff=self.params.c_m + self.design.c_tsv, t_dead=t_dead)

    def isi_guess(self, i_in: float, t_ref: float, fallback: float) -> float:
        """Inter-spike interval (s) at ``i_in`` (A) that sets a rate transient's length: the device-aware ISI
        with ``t_ref`` as dead time; ``fallback`` (s) where the neuron is silent.

        Not the closed-form tanh model: at hot corners the leakage makes the I-V asymmetric, and the
        symmetric tanh fit can call a neuron silent that fires (sf 125 °C: predicted 0, measured ~4.5 Hz).
        """
        isi = float(self.measured(t_ref).isi(i_in))
        return isi if np.isfinite(isi) else fallback

    def measure_tau(self, tau_guess: float) -> dict:
        """Small-signal τ (s): decay of the membrane from V_reset to its rest point with no input.

        Fits ln|V − V_∞| against t over :data:`FIT_WINDOW` of the initial distance; V_∞ is the
        membrane after 12 τ. Also returns the quiescent supply power (W) at rest.
        """
        t_stop = 12 * tau_guess
        vec = self.session.tran(0.0, t_stop, tau_guess / STEPS_PER_TAU)
        check_released(vec["rst"], self.params, self.design, "the small-signal decay", self.netlist)
        t, v = vec["time"], vec["mem"]
        v_inf = v[-1]
        dist = np.abs(v - v_inf)
        start = dist[0]
        if start < 1e-3:
            raise SpiceError(f"the membrane starts only {start * 1e3:.3g} mV from its rest point at "
                             f"{self.design.corner}, {self.design.temp:g} °C: too little decay to measure tau; "
                             f"netlist: {self.netlist}")
        window = (dist > FIT_WINDOW[0] * start) & (dist < FIT_WINDOW[1] * start)
        slope = np.polyfit(t[window], np.log(dist[window]), 1)[0]
        tail = t >= t_stop / 2
        power = float(np.mean(-self.design.vdd * vec["vdd#branch"][tail]))
        return {"tau": -1.0 / slope, "v_rest": float(v_inf), "v_start": float(v[0]), "quiescent_power": power}

    def measure_rate(self, i_in: float, isi_guess: float, quiescent_power: float) -> dict:
        """Rate (Hz) and energy per spike (J) at ``i_in`` (A) from a transient of ~RATE_SPIKES spikes."""
        t_stop = (RATE_SPIKES + 0.5) * isi_guess
        vec = self.session.tran(i_in, t_stop, isi_guess / STEPS_PER_ISI)
        tr = measure(vec, i_in, t_stop, self.design.vdd, self.circuit.release_node)
        if tr.n_isi < 2:
            raise SpiceError(f"only {len(tr.spike_times)} spikes at i_in = {i_in:.4g} A in {t_stop:.4g} s at "
                             f"{self.design.corner}, {self.design.temp:g} °C; netlist: {self.netlist}")
        _, dynamic = energy_parts(tr.energy_per_spike, tr.rate, quiescent_power)
        holds = [r - t for t in tr.spike_times for r in tr.release_times[tr.release_times > t][:1]]
        return {"rate": tr.rate, "n_spikes": len(tr.spike_times), "isi_cv": tr.isi_cv,
                "t_hold": float(np.mean(holds)) if holds else float("nan"),
                "energy_per_spike": tr.energy_per_spike, "energy_dynamic": dynamic,
                "energy_input": self.design.vdd * i_in / tr.rate}


def _size_at(bench: Bench, spec: Spec, t_ref: float) -> SizedNeuron:
    """Characterise, size, and re-characterise at the solved bias until it settles."""
    for _ in range(6):
        design = spec.size(bench.characterize(), t_ref)
        moved = abs(design.i_b / bench.design.i_b - 1)
        bench.set(i_b=design.i_b)
        if moved <= BIAS_TOLERANCE:
            return design
    raise SpiceError(f"the bias did not settle while sizing at {bench.design.corner}, {bench.design.temp:g} °C "
                     f"(last I_b = {design.i_b:.4g} A); netlist: {bench.netlist}")


def _verify(bench: Bench, design: SizedNeuron, i_in: float) -> Measured:
    bench.set(c_m=design.c_m, i_b=design.i_b)
    tau = bench.measure_tau(design.tau)
    predicted = float(design.rate(i_in))
    isi_guess = bench.isi_guess(i_in, design.t_ref, 10 * design.tau)
    out = {"tau": tau["tau"], "tau_error": tau["tau"] / design.tau - 1, "v_rest": tau["v_rest"],
           "quiescent_power": tau["quiescent_power"], "i_in": i_in, "rate_predicted": predicted}
    out.update(bench.measure_rate(i_in, isi_guess, tau["quiescent_power"]))
    # The analog level's device-aware theory: quadrature over the measured I-V, the measured hold as dead time.
    out["rate_device_aware"] = float(bench.measured(t_dead=out["t_hold"]).rate(i_in))
    out["rate_error"] = out["rate"] / predicted - 1 if predicted > 0 else float("nan")
    return Measured(**out)


def _c_tsv_sweep(bench: Bench, design: SizedNeuron, i_in: float, values: list[float],
                 quiescent_power: float) -> TsvSweep:
    """Measured rate (Hz) at ``i_in`` with C_m and I_b kept and the TSV capacitance set to each of ``values``."""
    rates = []
    for c_tsv in values:
        bench.set(c_tsv=c_tsv)
        isi_guess = bench.isi_guess(i_in, design.t_ref, 10 * design.tau)
        rates.append(bench.measure_rate(i_in, isi_guess, quiescent_power)["rate"])
    bench.set(c_tsv=design.tsv.c_nom)
    return TsvSweep(np.array(values, dtype=float), np.array(rates))


def corner_job(job: dict) -> list[CornerRow]:
    """Run one corner (all its temperatures) in this process; returns one row per temperature.

    ``job``: ``corner``, ``temps``, ``spec`` (a :class:`Spec` for sizing) or ``fixed`` (a SizedNeuron whose
    C_m and programmed I_b are kept), ``t_ref`` (s, the dead time after a spike in the rate model),
    ``verify``, ``i_in`` (A; None: 3 × I_b,eff), ``build_dir``, ``circuit`` (the netlist's name) and optionally
    ``c_tsv_sweep`` (F values at which a verified design's rate is measured again).
    """
    spec, fixed = job.get("spec"), job.get("fixed")
    first = fixed.i_b if fixed is not None else (spec.i_b or 10e-12)
    # Start at room temperature and step outwards: each operating point starts from the previous one.
    order = sorted(job["temps"], key=lambda t: abs(t - pdk.NOMINAL_TEMP))
    bench = Bench(job["corner"], order[0], (spec or fixed).v_swing, (spec.tsv if spec else fixed.tsv).c_nom,
                  i_b=first, c_m=fixed.c_m if fixed is not None else 1e-12, build_dir=job["build_dir"],
                  circuit=job["circuit"])
    results = {}
    for temp in order:
        bench.set(temp=temp)
        try:
            if fixed is not None:
                bench.set(i_b=fixed.i_b, c_m=fixed.c_m)
                design = dataclasses.replace(fixed, device=bench.characterize(), t_ref=job["t_ref"])
            else:
                design = _size_at(bench, spec, job["t_ref"])
            measured = sweep = None
            if job["verify"]:
                i_in = job["i_in"] if job["i_in"] is not None else 3.0 * design.i_b_eff
                measured = _verify(bench, design, i_in)
                if job.get("c_tsv_sweep"):
                    sweep = _c_tsv_sweep(bench, design, i_in, job["c_tsv_sweep"], measured.quiescent_power)
            row = CornerRow(job["corner"], temp, design, bench.iv, measured, sweep)
        except ParameterError as exc:  # an impossible target at this corner; sent as fields (picklable)
            row = CornerRow(job["corner"], temp, error=str(exc), parameter_error=(exc.name, exc.value, exc.rule))
        except LifhwError as exc:  # one failed corner does not lose the others
            row = CornerRow(job["corner"], temp, error=f"{type(exc).__name__}: {exc}")
        results[temp] = row
    return [results[temp] for temp in job["temps"]]


def run_corners(jobs: list[dict], workers: int = 1, executor: Executor | None = None) -> list[CornerRow]:
    """Run :func:`corner_job` for each job as a task of ``executor`` (default: ``workers`` local processes), in
    order. An error a corner raises reaches the caller as itself."""
    tasks = [Task(corner_job, (job,), f"corner {job['corner']}", timeout=CORNER_TIMEOUT) for job in jobs]
    if executor is None:
        with LocalExecutor(workers) as local:
            results = local.map(tasks)
    else:
        results = executor.map(tasks)
    out = []
    for result in results:
        if isinstance(result, Exception):
            raise result
        out.extend(result)
    return out


def size_and_verify(spec: Spec, corners: list[str], temps: list[float], t_ref: float, verify: bool = True,
                    i_in: float | None = None, build_dir: Path = BUILD_DIR,
                    workers: int = 1, executor: Executor | None = None, circuit: str = "ota") -> list[CornerRow]:
    """Size ``spec`` at each corner and temperature with SPICE-characterised devices of ``circuit``, and verify
    it."""
    jobs = [{"corner": c, "temps": list(temps), "spec": spec, "t_ref": t_ref, "verify": verify, "i_in": i_in,
             "build_dir": Path(build_dir), "circuit": circuit} for c in corners]
    return run_corners(jobs, workers, executor)


def evaluate_corners(design: SizedNeuron, corners: list[str], temps: list[float], verify: bool = True,
                     i_in: float | None = None, build_dir: Path = BUILD_DIR,
                     workers: int = 1, c_tsv_sweep: list[float] | None = None,
                     executor: Executor | None = None, circuit: str = "ota") -> list[CornerRow]:
    """The *same* design (C_m, programmed I_b) in ``circuit`` characterised, and optionally simulated, at other
    corners.

    With ``verify`` and ``c_tsv_sweep`` (F), each row also has the rate measured at those TSV capacitances.
    """
    jobs = [{"corner": c, "temps": list(temps), "fixed": design, "t_ref": design.t_ref, "verify": verify, "i_in": i_in,
             "build_dir": Path(build_dir), "c_tsv_sweep": c_tsv_sweep, "circuit": circuit} for c in corners]
    return run_corners(jobs, workers, executor)

