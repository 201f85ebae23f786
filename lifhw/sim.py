"""Reference simulation of LIF neurons in numpy.

:func:`simulate` integrates a population of N neurons,

.. math::  C_m \\frac{dV}{dt} = -g_L (V - V_{rest}) - g_e(t)(V - E_e) - g_i(t)(V - E_i) + I(t),

with threshold ``v_th``, reset to ``v_reset`` and an absolute refractory period ``t_ref`` during
which V is clamped at ``v_reset``. Inputs are held constant over each step of length ``dt``
(sampled at the step's start), so the membrane relaxes towards

.. math::  V_\\infty = \\frac{g_L V_{rest} + g_e E_e + g_i E_i + I}{g_L + g_e + g_i}
   \\quad\\text{with}\\quad \\tau_{eff} = \\frac{C_m}{g_L + g_e + g_i}.

Methods
-------
``exact``
    :math:`V \\leftarrow V_\\infty + (V - V_\\infty) e^{-h/\\tau_{eff}}` — the exponential (propagator)
    update, exact for piecewise-constant input at any step (as NEST's ``iaf_psc_*`` models).
    The threshold crossing inside a step is solved exactly, so spike times are exact too.
``euler``
    :math:`V \\leftarrow V + \\frac{h}{\\tau_{eff}}(V_\\infty - V)`, first-order; spike times are
    linearly interpolated inside the step. Unstable for :math:`h \\ge 2\\tau_{eff}`, which raises
    :class:`~lifhw.errors.UnstableStepError` unless ``allow_unstable=True``.

Events inside a step are handled in continuous time: a neuron that spikes mid-step is reset,
spends ``t_ref`` clamped (possibly ending mid-step) and integrates the remainder of the step, so
firing rates converge even when ``dt`` is a sizeable fraction of the ISI.

:func:`simulate_ivp` is an independent adaptive oracle (``scipy.integrate.solve_ivp`` with a
threshold event) for tests.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from scipy.integrate import solve_ivp

from . import theory
from .errors import ParameterError, UnstableStepError
from .fi import Budget, FICurve
from .limits import check_memory, check_points, check_steps, current
from .params import FIELDS, LIFParams
from .theory import firing_rate
from .units import check_value

METHODS = ("exact", "euler")


@dataclass(frozen=True)
class SimResult:
    """What :func:`simulate` returns.

    Attributes
    ----------
    t : ndarray, shape (n_steps + 1,)
        Step boundaries (s).
    v : ndarray, shape (n_steps + 1, N) or None
        Membrane potential at the step boundaries (V), when ``record_v`` was set.
    spike_neuron, spike_time : ndarray
        One entry per spike: the neuron's index and the spike time (s), in time order.
    n_neurons : int
    method : str
    dt : float
    """

    t: np.ndarray
    v: np.ndarray | None
    spike_neuron: np.ndarray
    spike_time: np.ndarray
    n_neurons: int
    method: str
    dt: float

    def spike_times(self, neuron: int = 0) -> np.ndarray:
        """Spike times (s) of one neuron."""
        return self.spike_time[self.spike_neuron == neuron]

    def isis(self, neuron: int = 0) -> np.ndarray:
        """Inter-spike intervals (s) of one neuron."""
        return np.diff(self.spike_times(neuron))

    def rates(self, skip: int = 0) -> np.ndarray:
        """Steady firing rate (Hz) of each neuron: 1 / mean ISI, skipping the first ``skip`` ISIs.

        The interval before the first spike depends on the initial condition, so it never counts.
        A neuron with fewer than ``skip + 1`` ISIs has rate 0.
        """
        out = np.zeros(self.n_neurons)
        order = np.lexsort((self.spike_time, self.spike_neuron))
        neurons, times = self.spike_neuron[order], self.spike_time[order]
        starts = np.searchsorted(neurons, np.arange(self.n_neurons + 1))
        for k in range(self.n_neurons):
            t = times[starts[k]:starts[k + 1]][skip:]
            if len(t) >= 2:
                out[k] = (len(t) - 1) / (t[-1] - t[0])
        return out


def _population(params: LIFParams | Sequence[LIFParams]) -> dict[str, np.ndarray]:
    if isinstance(params, LIFParams):
        return {name: np.array([getattr(params, name)]) for name in FIELDS}
    plist = list(params)
    if not plist or not all(isinstance(p, LIFParams) for p in plist):
        raise ParameterError("params", type(params).__name__, "must be a LIFParams or a non-empty list of them")
    return {name: np.array([getattr(p, name) for p in plist]) for name in FIELDS}


class _Input:
    """An input (current or conductance): constant, per-neuron, sampled per step, or f(t)."""

    def __init__(self, name: str, source, n_steps: int):
        self.name = name
        # Exactly one of the three forms is set; a function is called at each step's time.
        self.func: Callable = lambda _t: None
        self.series: np.ndarray | None = None
        self.const: np.ndarray | None = None
        if callable(source):
            self.func = source
            self.width = 1
            return
        arr = np.asarray(source, dtype=float)
        if not np.all(np.isfinite(arr)):
            raise ParameterError(name, "array", "must be finite")
        if arr.ndim == 0:
            self.const, self.width = arr.reshape(1), 1
        elif arr.ndim == 1:
            self.const, self.width = arr, len(arr)
        elif arr.ndim == 2:
            if arr.shape[0] != n_steps:
                raise ParameterError(name, f"shape {arr.shape}",
                                     f"a sampled input has one row per step ({n_steps} rows)")
            self.series, self.width = arr, arr.shape[1]
        else:
            raise ParameterError(name, f"shape {arr.shape}", "must be a scalar, (N,), (n_steps, N) or f(t)")

    def at(self, k: int, t: float, n: int) -> np.ndarray:
        if self.const is not None:
            value = self.const
        elif self.series is not None:
            value = self.series[k]
        else:
            value = np.asarray(self.func(t), dtype=float)
        return np.broadcast_to(value, (n,))


def _check_times(dt: float, t_sim: float) -> None:
    check_value(dt, "dt", "s", minimum=0)
    check_value(t_sim, "t_sim", "s", minimum=0)


#: Neurons of a population that cost one more step of one neuron (lifhw.limits counts work in those): 10^4
#: recorded neurons took 605 µs a step against 46 µs for 100 (0.056 µs a neuron-step, counted as 1/700 of a
#: 44 µs step); under conductances that vary each step (the propagator's exp per neuron, an input function
#: evaluated per step) the 450 neurons of ``scenario place-field`` took 156 µs a step (0.25 µs a neuron-step).
NEURONS_PER_STEP = 700
VARYING_NEURONS_PER_STEP = 150


def steps_of_work(n_steps: float, size: int, conductances_vary: bool = False) -> float:
    """What ``n_steps`` steps of ``size`` neurons cost in steps of one neuron (lifhw.limits' max_steps)."""
    return n_steps * (1 + (size - 1) / (VARYING_NEURONS_PER_STEP if conductances_vary else NEURONS_PER_STEP))


def simulate(params: LIFParams | Sequence[LIFParams], t_sim: float, dt: float, i_in=0.0, *,
             method: str = "exact", g_e=0.0, g_i=0.0, e_e=0.0, e_i=None,
             v0=None, n: int | None = None, record_v: bool = False,
             allow_unstable: bool = False) -> SimResult:
    """Simulate N LIF neurons for ``t_sim`` seconds with step ``dt``.

    Parameters
    ----------
    params : LIFParams or sequence of LIFParams
        One parameter set for all neurons, or one per neuron.
    t_sim, dt : float
        Duration and step (s); ``round(t_sim / dt)`` steps are taken.
    i_in : float, array or callable
        Injected current (A): a constant, one value per neuron ``(N,)``, one row per step
        ``(n_steps, N)`` (or ``(n_steps, 1)``), or a function of time returning a scalar or ``(N,)``.
        Time-varying inputs are sampled at the start of each step and held over it.
    g_e, g_i : like ``i_in``
        Excitatory and inhibitory conductances (S), same forms as ``i_in``.
    e_e, e_i : float or (N,)
        Their reversal potentials (V), one for all or one per neuron; ``e_i`` defaults to each neuron's
        ``v_rest`` (shunting).
    v0 : float or (N,), optional
        Initial potential (V); defaults to ``v_reset``.
    n : int, optional
        Number of neurons when no argument implies it.
    method : {'exact', 'euler'}
    record_v : bool
        Keep the membrane potential at every step boundary.
    allow_unstable : bool
        Let forward Euler run at ``dt >= 2 tau_eff`` (to show the blow-up) instead of raising.
    """
    if method not in METHODS:
        raise ParameterError("method", method, f"must be one of {', '.join(METHODS)}")
    _check_times(dt, t_sim)
    # Refused before anything is allocated: the time axis alone is 8 bytes a step.
    n_steps = check_steps("dt", dt, round(t_sim / dt), f"t_sim/dt = {t_sim:.4g}/{dt:.4g}: time steps")
    if n_steps < 1:
        raise ParameterError("t_sim", t_sim, f"must be at least one step (dt = {dt:g} s)")
    pop = _population(params)
    inputs = [_Input("i_in", i_in, n_steps), _Input("g_e", g_e, n_steps), _Input("g_i", g_i, n_steps)]
    for name, value in (("e_e", e_e), ("e_i", e_i), ("v0", v0)):
        if value is not None and not np.all(np.isfinite(np.asarray(value, dtype=float))):
            raise ParameterError(name, np.asarray(value, dtype=float).tolist(), "must be finite (V)")
    if n is not None:
        check_points("n", n, n, "neurons")
    widths = {len(pop["c_m"]), *(inp.width for inp in inputs), n or 1, np.size(e_e)}
    for extra in (v0, e_i):
        if extra is not None:
            widths.add(np.size(extra))
    widths.discard(1)
    if len(widths) > 1:
        raise ParameterError("n", sorted(widths), "parameters, inputs, v0 and reversal potentials disagree on the "
                                                  "number of neurons")
    size = widths.pop() if widths else 1
    conductances_vary = not (inputs[1].const is not None and inputs[2].const is not None)
    check_steps("dt", dt, steps_of_work(n_steps, size, conductances_vary),
                f"t_sim/dt = {n_steps} steps of {size} neurons{' under varying conductances' * conductances_vary}: "
                "steps of work (lifhw.limits)")
    check_memory("dt", dt, 8 * (n_steps + 1) * (1 + (size if record_v else 0)),
                 f"t_sim/dt = {n_steps} steps{f' x {size} neurons recorded' if record_v else ''}: bytes")
    p = {name: np.broadcast_to(value, (size,)) for name, value in pop.items()}
    e_e_arr = np.broadcast_to(np.asarray(e_e, dtype=float), (size,))
    e_i_arr = p["v_rest"] if e_i is None else np.broadcast_to(np.asarray(e_i, dtype=float), (size,))
    g_l = 1.0 / p["r_m"]

    v = np.array(np.broadcast_to(p["v_reset"] if v0 is None else np.asarray(v0, float), (size,)))
    ref_left = np.zeros(size)
    t = np.arange(n_steps + 1) * dt
    trace = np.empty((n_steps + 1, size)) if record_v else None
    if trace is not None:
        trace[0] = v
    spikes_n: list[np.ndarray] = []
    spikes_t: list[np.ndarray] = []

    # The propagator exp(-dt/tau_eff) only changes when the conductances do: compute it once for
    # constant conductances (the common case) instead of one exp per neuron per step.
    inputs_vary = conductances_vary or inputs[0].const is None
    tau = decay = vinf = None
    for k in range(n_steps):
        i_k, ge_k, gi_k = (inp.at(k, t[k], size) for inp in inputs)
        if decay is None or conductances_vary:
            if np.any(ge_k < 0) or np.any(gi_k < 0):
                raise ParameterError("g_e" if np.any(ge_k < 0) else "g_i", float(min(ge_k.min(), gi_k.min())),
                                     f"conductances must be >= 0 S (step {k})")
            g_tot = g_l + ge_k + gi_k
            tau = p["c_m"] / g_tot
            decay = np.exp(-dt / tau) if method == "exact" else 1.0 - dt / tau
            if method == "euler" and not allow_unstable and np.any(dt >= 2 * tau):
                raise UnstableStepError(dt, float(tau.min()))
        if vinf is None or inputs_vary:
            vinf = (g_l * p["v_rest"] + ge_k * e_e_arr + gi_k * e_i_arr + i_k) / g_tot
        _advance(v, ref_left, dt, t[k], tau, vinf, decay, p, method, spikes_n, spikes_t)
        if trace is not None:
            trace[k + 1] = v

    if spikes_t:
        sn, st = np.concatenate(spikes_n), np.concatenate(spikes_t)
        order = np.argsort(st, kind="stable")
        sn, st = sn[order], st[order]
    else:
        sn, st = np.zeros(0, dtype=int), np.zeros(0)
    return SimResult(t=t, v=trace, spike_neuron=sn, spike_time=st, n_neurons=size, method=method, dt=dt)


def _advance(v, ref_left, h, t0, tau, vinf, decay, p, method, spikes_n, spikes_t) -> None:
    """Advance every neuron by one step of length ``h`` in place.

    Neurons that neither spike nor leave refractoriness during the step take the whole-step update
    (``decay`` is the propagator over ``h``); the few that do go through :func:`_events`.
    """
    refractory = ref_left > 0
    whole = ref_left >= h
    np.subtract(ref_left, h, out=ref_left, where=whole)
    v_end = vinf + (v - vinf) * decay
    plain = ~refractory & (v_end < p["v_th"]) & (v < p["v_th"])
    np.copyto(v, v_end, where=plain)
    special = np.flatnonzero(~plain & ~whole)
    if special.size:
        _events(special, v, ref_left, h, t0, tau, vinf, p, method, spikes_n, spikes_t)


def _events(idx, v, ref_left, h, t0, tau, vinf, p, method, spikes_n, spikes_t) -> None:
    """Advance neurons ``idx`` by ``h`` in continuous time: refractory ends, spikes and resets inside the step."""
    t_left = np.full(v.shape, h)
    while idx.size:
        # Refractory neurons stay clamped for what is left of their refractory time.
        r = np.minimum(ref_left[idx], t_left[idx])
        ref_left[idx] -= r
        t_left[idx] -= r
        idx = idx[t_left[idx] > 0]
        if not idx.size:
            break
        vi, vinf_i, tau_i, left = v[idx], vinf[idx], tau[idx], t_left[idx]
        if method == "exact":
            v_end = vinf_i + (vi - vinf_i) * np.exp(-left / tau_i)
        else:
            v_end = vi + (left / tau_i) * (vinf_i - vi)
        vth = p["v_th"][idx]
        spiking = (v_end >= vth) | (vi >= vth)
        v[idx[~spiking]] = v_end[~spiking]
        t_left[idx[~spiking]] = 0.0
        if not np.any(spiking):
            break
        s = idx[spiking]
        vs, v_end_s, vth_s = vi[spiking], v_end[spiking], vth[spiking]
        with np.errstate(divide="ignore", invalid="ignore"):
            if method == "exact":
                cross = tau_i[spiking] * np.log((vinf_i[spiking] - vs) / (vinf_i[spiking] - vth_s))
            else:
                cross = left[spiking] * (vth_s - vs) / (v_end_s - vs)
        cross = np.where(vs >= vth_s, 0.0, np.clip(cross, 0.0, left[spiking]))
        if len(spikes_n) >= current().max_steps:
            # Each pass is one more event inside a step; only a strong input with t_ref near 0 gets here.
            raise ParameterError("t_ref", float(p["t_ref"][s].min()),
                                 f"the inputs fire more than max_steps = {current().max_steps:g} spike events within "
                                 "t_sim (a strong input fires without bound as t_ref -> 0); raise t_ref, lower the "
                                 "input, or raise --max-steps")
        spikes_n.append(s)
        spikes_t.append(t0 + (h - t_left[s]) + cross)
        v[s] = p["v_reset"][s]
        ref_left[s] = p["t_ref"][s]
        t_left[s] -= cross
        # A neuron whose threshold equals its reset with no refractory time would spike forever.
        stuck = (cross == 0.0) & (ref_left[s] == 0.0)
        t_left[s[stuck]] = 0.0
        idx = s[t_left[s] > 0]


def simulate_ivp(params: LIFParams, t_sim: float, i_in: float | Callable[[float], float] = 0.0, *,
                 v0: float | None = None, rtol: float = 1e-10, atol: float = 1e-14) -> np.ndarray:
    """Spike times (s) of one neuron from an adaptive Runge-Kutta solution (the test oracle).

    Independent of :func:`simulate`: scipy's ``solve_ivp`` (DOP853) integrates the membrane
    equation, a terminal event finds each threshold crossing, and integration restarts from
    ``v_reset`` after ``t_ref``. ``i_in`` is a constant (A) or a function of time.
    """
    current = i_in if callable(i_in) else (lambda _t, c=float(i_in): c)

    def rhs(t, y):
        return [(-(y[0] - params.v_rest) / params.r_m + current(t)) / params.c_m]

    def hit(_t, y):
        return y[0] - params.v_th

    # solve_ivp reads an event's direction and whether it ends the integration from the function's attributes.
    hit.__dict__.update(terminal=True, direction=1)
    t, v, spikes = 0.0, params.v_reset if v0 is None else v0, []
    while t < t_sim:
        sol = solve_ivp(rhs, (t, t_sim), [v], method="DOP853", events=hit, rtol=rtol, atol=atol)
        if sol.status != 1:
            break
        spike = float(sol.t_events[0][0])
        spikes.append(spike)
        t, v = spike + params.t_ref, params.v_reset
    return np.array(spikes)


#: Methods of :class:`Simulation`: the two integrators of :func:`simulate` and the adaptive oracle.
FI_METHODS = ("exact", "euler", "ivp")
#: One solve_ivp interval between spikes costs about what this many steps of :func:`simulate` do (~2 ms
#: against ~50 µs), which is how the oracle's spikes count against ``lifhw.limits``' max_steps.
IVP_STEPS_PER_SPIKE = 40
#: Relative ISI error the exact integrator is held to: its spike times are exact but for round-off (~1e-14
#: measured; the propagator and the crossing are closed forms, the time of step k is k·dt, not a running sum).
EXACT_ROUNDOFF = 1e-9
#: Relative ISI error the solve_ivp oracle is held to: DOP853 at rtol 1e-10, atol 1e-14 measured ≤ 2e-9 from
#: 1.02× rheobase to 30× on three neurons (t_ref 0 to 5 ms); the bound leaves a factor 500.
IVP_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Simulation:
    """The reference-simulation level (a :class:`~lifhw.fi.Level`): :func:`simulate` (``method`` "exact" or
    "euler", step ``dt``) or the :func:`simulate_ivp` oracle ("ivp"), ``t_sim`` seconds per current.

    ``allow_unstable`` lets forward Euler run at ``dt >= 2 tau`` (:func:`simulate`).
    """

    name: ClassVar[str] = "sim"
    method: str = "exact"
    dt: float = 1e-4
    t_sim: float = 2.0
    allow_unstable: bool = False

    def __post_init__(self) -> None:
        if self.method not in FI_METHODS:
            raise ParameterError("method", self.method, f"must be one of {', '.join(FI_METHODS)}")
        _check_times(self.dt, self.t_sim)

    def fi(self, params: LIFParams, currents) -> FICurve:
        """The simulated f-I curve: rate (Hz) against constant current (A).

        One neuron per current in a single population; the rate is the mean steady ISI's inverse (the interval
        before the first spike is excluded). The closed form is :func:`lifhw.theory.fi`.
        """
        currents = np.atleast_1d(np.asarray(currents, dtype=float))
        check_points("currents", len(currents), len(currents), "currents")
        # Every spike is work too: the closed form says how many a run will fire, before it starts.
        spikes = self.t_sim * float(np.sum(firing_rate(params, currents)))
        if self.method == "ivp":
            check_steps("currents", f"{len(currents)} up to {currents.max():.4g} A", IVP_STEPS_PER_SPIKE * spikes,
                        f"t_sim x closed-form rate = {spikes:.4g} spikes, each {IVP_STEPS_PER_SPIKE} steps of "
                        "solve_ivp")
        else:
            check_steps("currents", f"{len(currents)} up to {currents.max():.4g} A", spikes,
                        "t_sim x closed-form rate: spike events")
        meta = {"method": self.method, "params": params.as_dict(), "t_sim": self.t_sim}
        if self.method == "ivp":
            rates = []
            for c in currents:
                times = simulate_ivp(params, self.t_sim, c)
                rates.append((len(times) - 1) / (times[-1] - times[0]) if len(times) >= 2 else 0.0)
            return FICurve(currents, np.array(rates), "solve_ivp", meta)
        result = simulate(params, self.t_sim, self.dt, currents, method=self.method,
                          allow_unstable=self.allow_unstable)
        return FICurve(currents, result.rates(), f"{self.method} dt={self.dt:g}s", {**meta, "dt": self.dt})

    def transient(self, params: LIFParams, i_in: float, t_stop: float) -> SimResult:
        """One neuron under constant ``i_in`` (A) for ``t_stop`` s, its membrane recorded (:func:`simulate`)."""
        if self.method == "ivp":
            raise ParameterError("method", self.method, "gives spike times only (simulate_ivp): use exact or euler "
                                                        "for a transient")
        return simulate(params, t_stop, self.dt, i_in, method=self.method, record_v=True,
                        allow_unstable=self.allow_unstable)

    def budget(self, params: LIFParams, currents) -> Budget:
        """Where the simulated rates lie around the closed form's.

        * exact: the closed-form ISI to :data:`EXACT_ROUNDOFF`;
        * euler: at step boundaries forward Euler is the exact propagator of τ_e = −h/ln(1 − h/τ) (its
          amplification, :func:`lifhw.theory.euler_amplification`), so its ISI is t_ref plus the closed-form time to
          threshold scaled by τ_e/τ; the crossing inside a step (linearly interpolated) and the partial step after
          the refractory period each move a spike by less than one step: ± 2h. No claim for h ≥ τ (the
          amplification is no longer a decay);
        * ivp: the closed-form ISI to :data:`IVP_TOLERANCE`.

        Rates need two spikes within ``t_sim`` (:meth:`lifhw.fi.Budget.from_isi`).
        """
        currents = np.atleast_1d(np.asarray(currents, dtype=float))
        isi = theory.isi(params, currents)
        if self.method == "exact":
            return Budget.from_isi(currents, isi * (1 - EXACT_ROUNDOFF), isi * (1 + EXACT_ROUNDOFF),
                                   f"exact propagator: spike times exact to round-off ({EXACT_ROUNDOFF:g} of the ISI)",
                                   self.t_sim)
        if self.method == "ivp":
            return Budget.from_isi(currents, isi * (1 - IVP_TOLERANCE), isi * (1 + IVP_TOLERANCE),
                                   f"solve_ivp DOP853 at rtol 1e-10: {IVP_TOLERANCE:g} of the ISI", self.t_sim)
        h, tau = self.dt, params.tau_m
        if h >= tau:
            return Budget.unbounded(currents, f"forward Euler at h = {h / tau:.3g} tau >= tau: the error is no longer "
                                              "a decay, no bound")
        tau_e = -h / np.log(theory.euler_amplification(h, tau))
        isi_e = params.t_ref + theory.time_to_threshold(params, currents) * (tau_e / tau)
        return Budget.from_isi(currents, isi_e - 2 * h, isi_e + 2 * h,
                               f"forward Euler = exact propagator of tau_e = -h/ln(1 - h/tau) = {tau_e:.6g} s at "
                               f"h = {h:g} s, spikes within 2h", self.t_sim)

    def as_dict(self) -> dict:
        return {"method": self.method, "dt": self.dt, "t_sim": self.t_sim}


def fi(params: LIFParams, currents, method: str = "exact", dt: float = 1e-4, t_sim: float = 2.0,
       allow_unstable: bool = False) -> FICurve:
    """The simulated f-I curve for ``method`` in :data:`FI_METHODS`: :meth:`Simulation.fi`."""
    return Simulation(method, dt, t_sim, allow_unstable).fi(params, currents)
