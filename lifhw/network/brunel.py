"""Event-driven simulation of Brunel's (2000) sparse network of excitatory and inhibitory LIF neurons.

``n_e`` excitatory and ``n_i`` inhibitory neurons (model A: identical neurons, Brunel's
:func:`~lifhw.network.meanfield.brunel_neuron` by default) with fixed in-degrees ``c_e``, ``c_i``;
a spike moves the target's V by ``j`` (excitatory source) or ``-g·j`` (inhibitory) after ``delay``.
Each neuron also gets ``c_e`` external Poisson inputs of efficacy ``j`` at
``nu_ext = eta · θ / (j c_e τ)`` each, i.e. one Poisson count of mean ``c_e·nu_ext·dt`` per step.

Integration is exact for delta synapses: between inputs V decays by ``exp(-dt/τ)`` per step
(as NEST's ``iaf_psc_delta`` on a grid). Spikes are propagated only when they happen, over
outgoing lists, into a ring buffer of ``delay/dt`` rows of per-neuron input (the compiled loop is
in :mod:`lifhw.network._kernel`).

Measures (over ``[t_transient, t_sim)``):

* ``rate`` — mean firing rate per neuron (Hz);
* ``cv_isi`` — mean over neurons with at least 3 spikes of std/mean of their inter-spike intervals;
* ``synchrony`` — χ² = Var_t(population spike count per bin) / mean_i Var_t(spike count of neuron
  i per bin), the spike-count form of Golomb's synchrony measure: about 1/N for independent
  neurons, 1 for identical trains;
* ``oscillation_hz`` — the strongest frequency of the population rate (Brunel's fast and slow
  synchronous states oscillate at ~180 Hz and ~20 Hz).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..errors import ParameterError
from ..limits import check_memory, check_points, check_steps
from ..params import LIFParams
from . import _kernel
from .meanfield import Coupling, brunel_neuron, fixed_point, input_moments, nu_threshold, siegert_cv

#: Brunel's (2000) states of Fig. 8: (g, eta).
STATES: dict[str, tuple[float, float]] = {
    "SR": (3.0, 2.0),
    "SI fast": (6.0, 4.0),
    "AI": (5.0, 2.0),
    "SI slow": (4.5, 0.9),
}


#: Neuron updates the compiled loop makes in the time lifhw.sim takes one step (~30 ns against ~40 µs): a run of
#: n neurons over k steps counts n·k/UPDATES_PER_STEP against lifhw.limits' max_steps.
UPDATES_PER_STEP = 1000
#: Largest mean external Poisson count per neuron and step: its inverse-CDF table has ~mean + 10·sqrt(mean) rows.
POISSON_MEAN_MAX = 1e4


def _steps(name: str, value: float, dt: float) -> int:
    steps = round(value / dt)
    if abs(steps * dt - value) > 1e-9 * max(value, dt):
        raise ParameterError(name, value, f"must be a whole number of steps dt = {dt:.6g} s")
    return steps


@dataclass(frozen=True)
class BrunelNetwork:
    """Parameters of Brunel's network (SI units). Validated on construction.

    Attributes
    ----------
    n_e, n_i : int
        Number of excitatory and inhibitory neurons.
    c_e, c_i : int
        Excitatory and inhibitory in-degree (at most ``n_e``, ``n_i``).
    j : float
        Excitatory efficacy (V).
    g : float
        Relative inhibition (inhibitory efficacy −g·j), ``>= 0``.
    eta : float
        External drive relative to threshold, ν_ext / ν_thr, ``>= 0``.
    delay : float
        Transmission delay (s), a whole number (``>= 1``) of steps.
    dt : float
        Time step (s).
    neuron : LIFParams
        The neuron; ``v_rest`` is the origin of V (only the differences to it matter).
    """

    n_e: int = 10_000
    n_i: int = 2_500
    c_e: int = 1000
    c_i: int = 250
    j: float = 0.1e-3
    g: float = 5.0
    eta: float = 2.0
    delay: float = 1.5e-3
    dt: float = 0.1e-3
    neuron: LIFParams = field(default_factory=brunel_neuron)

    def __post_init__(self) -> None:
        for name in ("n_e", "n_i"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
                raise ParameterError(name, value, "must be an integer >= 1")
        coupling = Coupling(self.c_e, self.c_i, self.j, self.g)  # validates c_e, c_i, j, g
        if coupling.c_e > self.n_e:
            raise ParameterError("c_e", self.c_e, f"in-degree must be <= n_e = {self.n_e}")
        if coupling.c_i > self.n_i:
            raise ParameterError("c_i", self.c_i, f"in-degree must be <= n_i = {self.n_i}")
        if not (math.isfinite(self.eta) and self.eta >= 0):
            raise ParameterError("eta", self.eta, "must be >= 0")
        if not (math.isfinite(self.dt) and self.dt > 0):
            raise ParameterError("dt", self.dt, "must be > 0 s")
        if not (math.isfinite(self.delay) and _steps("delay", self.delay, self.dt) >= 1):
            raise ParameterError("delay", self.delay, f"must be >= dt = {self.dt:.6g} s")
        _steps("t_ref", self.neuron.t_ref, self.dt)

    @classmethod
    def of_size(cls, n: int, **kwargs) -> BrunelNetwork:
        """A network of ``n`` neurons, 80 % excitatory (n must be a multiple of 5)."""
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 5 or n % 5:
            raise ParameterError("n", n, "must be a multiple of 5, >= 5 (80 % excitatory, 20 % inhibitory)")
        return cls(n_e=4 * n // 5, n_i=n // 5, **kwargs)

    @property
    def n(self) -> int:
        return self.n_e + self.n_i

    @property
    def coupling(self) -> Coupling:
        return Coupling(self.c_e, self.c_i, self.j, self.g)

    @property
    def nu_ext(self) -> float:
        """External rate per input (Hz): η·θ/(J C_E τ)."""
        return self.eta * nu_threshold(self.coupling, self.neuron)

    def siegert_rate(self) -> float:
        """Mean-field (Siegert) fixed-point rate (Hz), lowest branch."""
        return fixed_point(self.nu_ext, self.coupling, self.neuron)

    def siegert_cv(self) -> float:
        """Mean-field ISI CV at the Siegert fixed point (white-noise input; see :func:`meanfield.siegert_cv`)."""
        mu, sigma = input_moments(self.siegert_rate(), self.nu_ext, self.coupling, self.neuron)
        return siegert_cv(float(mu), float(sigma), self.neuron)

    def as_dict(self) -> dict:
        out = {k: getattr(self, k) for k in ("n_e", "n_i", "c_e", "c_i", "j", "g", "eta", "delay", "dt")}
        out["neuron"] = self.neuron.as_dict()
        out["nu_ext"] = self.nu_ext
        return out


@dataclass(frozen=True)
class NetworkResult:
    """Spikes of a run of :func:`simulate` and the measures derived from them.

    Attributes
    ----------
    network : BrunelNetwork
    t_sim, t_transient : float
        Simulated time and the initial part left out of the measures (s).
    spike_time : ndarray
        Spike times (s), ascending (a spike at the end of step k is at (k + 1)·dt).
    spike_neuron : ndarray
        Neuron of each spike (excitatory first, then inhibitory).
    """

    network: BrunelNetwork
    t_sim: float
    t_transient: float
    seed: int
    spike_time: np.ndarray
    spike_neuron: np.ndarray

    def _window(self) -> tuple[np.ndarray, np.ndarray]:
        keep = self.spike_time >= self.t_transient
        return self.spike_time[keep], self.spike_neuron[keep]

    @property
    def rate(self) -> float:
        """Mean rate per neuron (Hz) after the transient."""
        times, _ = self._window()
        return times.size / (self.network.n * (self.t_sim - self.t_transient))

    def cv_isi(self) -> float:
        """Mean coefficient of variation of the ISIs over neurons with >= 3 spikes (NaN if none)."""
        times, neurons = self._window()
        order = np.argsort(neurons, kind="stable")
        times, neurons = times[order], neurons[order]
        same = neurons[1:] == neurons[:-1]
        isi, owner = np.diff(times)[same], neurons[1:][same]
        count = np.bincount(owner, minlength=self.network.n)
        ok = count >= 2
        if not ok.any():
            return math.nan
        mean = np.bincount(owner, weights=isi, minlength=self.network.n) / np.maximum(count, 1)
        # Two passes (deviations from each neuron's mean), not E[x^2] - E[x]^2, which cancels.
        var = np.bincount(owner, weights=(isi - mean[owner]) ** 2, minlength=self.network.n) / np.maximum(count, 1)
        return float(np.mean(np.sqrt(var[ok]) / mean[ok]))

    def synchrony(self, bin_width: float = 1e-3) -> float:
        """χ²: variance of the population count per bin over the mean single-neuron count variance.

        Bins of ``bin_width`` (s) over the window after the transient; NaN without spikes.
        """
        n_bins = int((self.t_sim - self.t_transient) / bin_width)
        if n_bins < 2:
            raise ParameterError("bin_width", bin_width, "must leave at least 2 bins after the transient")
        times, neurons = self._window()
        bins = ((times - self.t_transient) / bin_width).astype(np.int64)
        inside = bins < n_bins
        bins, neurons = bins[inside], neurons[inside].astype(np.int64)
        if bins.size == 0:
            return math.nan
        population = np.bincount(bins, minlength=n_bins) / self.network.n
        # Per-neuron count variance from the counts of occupied (neuron, bin) pairs only.
        keys, counts = np.unique(neurons * n_bins + bins, return_counts=True)
        square = np.bincount(keys // n_bins, weights=counts.astype(float) ** 2, minlength=self.network.n)
        mean = np.bincount(neurons, minlength=self.network.n) / n_bins
        single = np.mean(square / n_bins - mean * mean)
        return float(np.var(population) / single) if single > 0 else math.nan

    def oscillation_frequency(self, f_min: float = 5.0, f_max: float = 1000.0) -> float:
        """Frequency (Hz) of the highest peak in [f_min, f_max] of the power spectrum of the population rate.

        Binned at ``dt`` after the transient; NaN without spikes. The default ``f_max`` leaves out
        the lines of the time grid itself (multiples of 1/(delay + dt) and the like, kHz).
        """
        times, _ = self._window()
        if times.size == 0:
            return math.nan
        dt = self.network.dt
        n_bins = int(round((self.t_sim - self.t_transient) / dt))
        counts = np.bincount(np.minimum(((times - self.t_transient) / dt).astype(np.int64), n_bins - 1),
                             minlength=n_bins)
        power = np.abs(np.fft.rfft(counts - counts.mean())) ** 2
        freq = np.fft.rfftfreq(n_bins, dt)
        above = (freq >= f_min) & (freq <= f_max)
        if not above.any():
            raise ParameterError("f_min", f_min, f"must leave frequencies up to f_max = {f_max:.6g} Hz and "
                                 f"the Nyquist frequency {freq[-1]:.6g} Hz")
        return float(freq[above][np.argmax(power[above])])

    def population_rate(self, bin_width: float = 0.5e-3) -> tuple[np.ndarray, np.ndarray]:
        """Bin start times (s) and population rate (Hz per neuron) over the whole run."""
        n_bins = int(round(self.t_sim / bin_width))
        bins = np.minimum((self.spike_time / bin_width).astype(np.int64), n_bins - 1)
        counts = np.bincount(bins, minlength=n_bins)
        return np.arange(n_bins) * bin_width, counts / (self.network.n * bin_width)

    def summary(self) -> dict:
        """The measures and the mean-field prediction as a JSON-ready dict."""
        return {"rate": self.rate, "cv_isi": self.cv_isi(), "synchrony": self.synchrony(),
                "oscillation_hz": self.oscillation_frequency(),
                "siegert_rate": self.network.siegert_rate(), "siegert_cv": self.network.siegert_cv(),
                "nu_ext": self.network.nu_ext,
                "n_spikes": int(self.spike_time.size), "t_sim": self.t_sim, "t_transient": self.t_transient,
                "seed": self.seed, "network": self.network.as_dict()}


def poisson_table(mean: float) -> tuple[np.ndarray, np.ndarray]:
    """Inverse-CDF table of a Poisson count of ``mean`` for 32-bit uniform integers, and its guide table.

    ``cdf32[k] = floor(CDF(k)·2^32)`` for k = 0, 1, … up to the first that rounds to 2^32, which is
    replaced by the sentinel 2^32; a uniform ``u`` in [0, 2^32) gives the count
    ``k = #{cdf32 <= u}`` with every probability exact to 2^-32. ``guide[b] = #{cdf32 <= b·2^24}``
    for the 256 top-byte buckets ``b`` lets the search start next to the answer.
    """
    if not (math.isfinite(mean) and 0 <= mean <= POISSON_MEAN_MAX):
        raise ParameterError("mean", mean, f"must be in [0, {POISSON_MEAN_MAX:g}] (Poisson count per step)")
    log_mean = math.log(mean) if mean > 0 else -math.inf
    cdf, k, thresholds = 0.0, 0, []
    while True:
        # In logs: e^-mean alone underflows for means above ~700.
        term = math.exp(k * log_mean - mean - math.lgamma(k + 1)) if mean > 0 else float(k == 0)
        cdf += term
        scaled = math.floor(cdf * 2.0**32)
        if scaled >= 2**32 or (k > mean and term < 2.0**-40):
            thresholds.append(2**32)
            break
        thresholds.append(scaled)
        k += 1
    cdf32 = np.array(thresholds, dtype=np.uint64)
    guide = np.searchsorted(cdf32, np.arange(256, dtype=np.uint64) << np.uint64(24), side="right")
    return cdf32, guide.astype(np.int64)


#: Bytes held per spike at the peak: the kernel's two int32 lists at up to twice their length while one grows,
#: their trimmed copies, then the float64 spike times.
SPIKE_BYTES = 32


def memory(n: int, in_degree: int, n_delay: int, n_ref: int, n_steps: int) -> int:
    """The most bytes :func:`simulate` holds at once for ``n`` neurons of ``in_degree`` synapses each, a delay of
    ``n_delay`` steps, ``n_ref`` refractory steps and ``n_steps`` steps: the uint16 targets, the int64 pointers
    with their counts (or the fill cursors) per source and block of 65536 targets, the float64 delay ring, the
    neurons' state and the spikes, at most one per neuron every ``n_ref + 1`` steps."""
    pointers = 2 * 8 * (n * ((n - 1) // 2**_kernel.BLOCK_BITS + 1) + 1)
    state = (8 + 4 + 4 + 8) * n  # V, refractory count, this step's spikes, the initial V's draw
    spikes = SPIKE_BYTES * n * -(-n_steps // (n_ref + 1))
    return 2 * n * in_degree + pointers + 8 * n_delay * n + state + spikes


def simulate(network: BrunelNetwork, t_sim: float = 1.0, seed: int = 0, t_transient: float | None = None,
             v0: np.ndarray | None = None) -> NetworkResult:
    """Simulate ``network`` for ``t_sim`` seconds; the same ``seed`` gives the same spikes.

    The seed draws the connectivity, the initial V (uniform between rest and threshold unless
    ``v0`` (V, relative to rest) is given) and the external Poisson input. ``t_transient`` (s,
    default min(0.1 s, t_sim/5)) is left out of the measures.
    """
    if not (math.isfinite(t_sim) and t_sim > 0):
        raise ParameterError("t_sim", t_sim, "must be > 0 s")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not 0 <= seed < 2**63:
        raise ParameterError("seed", seed, "must be an integer in [0, 2^63)")
    t_transient = min(0.1, t_sim / 5) if t_transient is None else t_transient
    if not 0 <= t_transient < t_sim:
        raise ParameterError("t_transient", t_transient, f"must be in [0, t_sim = {t_sim:.6g}) s")
    net, neuron = network, network.neuron
    theta = neuron.v_th - neuron.v_rest
    # Everything the run will hold or do, refused before any of it is allocated.
    check_points("n", net.n, net.n, "neurons")
    n_steps = check_steps("dt", net.dt, round(t_sim / net.dt), f"t_sim/dt = {t_sim:.4g}/{net.dt:.4g}: time steps")
    # Connecting draws every synapse's source twice (once to size the lists, once to fill them): a draw costs
    # about what a neuron update does.
    check_steps("n", net.n, (net.n * n_steps + 2 * net.n * (net.c_e + net.c_i)) / UPDATES_PER_STEP,
                f"(n x t_sim/dt + 2 x n x (c_e + c_i)) / {UPDATES_PER_STEP} (neuron updates and synapse draws, counted "
                "as steps of lifhw.sim)")
    n_delay = _steps("delay", net.delay, net.dt)
    n_ref = _steps("t_ref", neuron.t_ref, net.dt)
    check_memory("n", net.n, memory(net.n, net.c_e + net.c_i, n_delay, n_ref, n_steps),
                 f"delay ring of delay/dt = {n_delay} rows x {net.n} neurons, {net.n * (net.c_e + net.c_i):.4g} "
                 f"synapses and up to one spike per neuron every {n_ref + 1} steps: bytes")
    poisson_mean = net.c_e * net.nu_ext * net.dt
    if not poisson_mean <= POISSON_MEAN_MAX:
        raise ParameterError("eta", net.eta, f"gives c_e x nu_ext x dt = {poisson_mean:.4g} external spikes per neuron "
                                             f"and step, more than {POISSON_MEAN_MAX:g}; lower eta or dt")
    state = np.array([seed], dtype=np.uint64)
    ptr, targets = _kernel.connect(net.n_e, net.n_i, net.c_e, net.c_i, state)
    if v0 is None:
        v = _kernel.uniform(state, net.n) * theta
    else:
        v = np.array(v0, dtype=float).reshape(-1)
        if v.shape != (net.n,):
            raise ParameterError("v0", v.shape, f"must hold one potential per neuron ({net.n})")
    cdf32, guide = poisson_table(poisson_mean)
    ring = np.zeros((n_delay, net.n))
    step, neuron_index = _kernel.run(
        v, ring, ptr, targets, net.n_e, net.j, -net.g * net.j, math.exp(-net.dt / neuron.tau_m), theta,
        neuron.v_reset - neuron.v_rest, n_ref, net.j, cdf32, guide, n_steps, state)
    return NetworkResult(net, n_steps * net.dt, t_transient, int(seed), (step + 1) * net.dt, neuron_index)
