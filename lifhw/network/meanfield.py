"""Mean-field (diffusion-approximation) theory of Brunel's sparse E/I network of LIF neurons.

A LIF neuron whose input is Gaussian white noise with mean :math:`\\mu` and standard deviation
:math:`\\sigma` (both in V, as in :math:`\\tau \\dot V = -V + \\mu + \\sigma\\sqrt{\\tau}\\xi(t)` with V measured
from rest) fires at the Siegert rate

.. math::  \\frac{1}{\\nu} = \\tau_{rp} + \\tau\\sqrt{\\pi}
   \\int_{(V_r-\\mu)/\\sigma}^{(\\theta-\\mu)/\\sigma} e^{u^2}\\,(1+\\operatorname{erf} u)\\,du .

The integrand equals ``erfcx(-u)`` (the scaled complementary error function), which stays finite
where :math:`e^{u^2}` and :math:`1+\\operatorname{erf} u` separately over- and underflow.

In Brunel's network (Brunel 2000, *J. Comput. Neurosci.* 8:183, model A) every neuron gets
:math:`C_E` excitatory synapses of efficacy :math:`J`, :math:`C_I = \\gamma C_E` inhibitory ones of
efficacy :math:`-gJ` and :math:`C_E` external Poisson inputs at :math:`\\nu_{ext}` each, all as
voltage jumps. With every neuron firing at :math:`\\nu`,

.. math::  \\mu = C_E J \\tau\\,[\\nu_{ext} + \\nu(1 - g\\gamma)], \\qquad
           \\sigma^2 = C_E J^2 \\tau\\,[\\nu_{ext} + \\nu(1 + g^2\\gamma)],

and a stationary state is a fixed point :math:`\\nu = \\phi(\\mu(\\nu), \\sigma(\\nu))`. Since
:math:`\\phi` grows with :math:`\\nu_{ext}` at fixed :math:`\\nu`, the inverse problem — the drive that
makes a given :math:`\\nu` self-consistent — has exactly one answer, which gives the whole branch of
fixed points as a function of the drive and its saddle-node (runaway) point.

Units: rates in Hz, times in s, voltages in V relative to the resting potential.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.integrate import quad
from scipy.optimize import brentq
from scipy.special import erfcx

from ..errors import ParameterError
from ..params import LIFParams

#: Largest external rate per input (Hz) the drive search tries: a Poisson input far beyond any synapse.
DRIVE_MAX = 1e9
#: Above this upper limit of the Siegert integral, e^{u^2} overflows a double: the rate is 0 to
#: double precision (1/nu > tau * e^{700}).
_U_MAX = 26.0


@dataclass(frozen=True)
class Coupling:
    """Connectivity and efficacies of Brunel's model A (SI units).

    Attributes
    ----------
    c_e : int
        Excitatory in-degree C_E (also the number of external Poisson inputs per neuron).
    c_i : int
        Inhibitory in-degree C_I (γ = C_I / C_E).
    j : float
        Excitatory efficacy J (V): the jump of V per excitatory or external spike.
    g : float
        Relative strength of inhibition: an inhibitory spike moves V by −g·J.
    """

    c_e: int = 1000
    c_i: int = 250
    j: float = 0.1e-3
    g: float = 5.0

    def __post_init__(self) -> None:
        for name in ("c_e", "c_i"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
                raise ParameterError(name, value, "must be an integer >= 1")
        if not (isinstance(self.j, int | float) and math.isfinite(self.j) and self.j > 0):
            raise ParameterError("j", self.j, "must be > 0 V")
        if not (isinstance(self.g, int | float) and math.isfinite(self.g) and self.g >= 0):
            raise ParameterError("g", self.g, "must be >= 0 (inhibitory efficacy is -g*J)")

    @property
    def gamma(self) -> float:
        """C_I / C_E."""
        return self.c_i / self.c_e


def brunel_neuron() -> LIFParams:
    """Brunel's (2000) neuron: τ = 20 ms, θ = 20 mV, V_r = 10 mV (from rest at 0), τ_rp = 2 ms."""
    return LIFParams(v_rest=0.0, v_th=20e-3, v_reset=10e-3, t_ref=2e-3)


def _siegert_scalar(mu: float, sigma: float, neuron: LIFParams) -> float:
    theta = neuron.v_th - neuron.v_rest
    v_r = neuron.v_reset - neuron.v_rest
    if sigma == 0.0:
        # Deterministic limit: tau*ln((mu - V_r)/(mu - theta)) above threshold, silent below.
        if mu <= theta:
            return 0.0
        return 1.0 / (neuron.t_ref + neuron.tau_m * math.log((mu - v_r) / (mu - theta)))
    lower, upper = (v_r - mu) / sigma, (theta - mu) / sigma
    if upper > _U_MAX:
        return 0.0
    # erfcx(-u) is ~1/(|u| sqrt(pi)) for u << 0 and ~2 e^{u^2} for u >> 0: split at 0 so quad sees
    # one smooth regime per piece.
    pieces = [(lower, min(upper, 0.0)), (max(lower, 0.0), upper)]
    integral = sum(quad(lambda u: erfcx(-u), a, b, epsabs=0.0, epsrel=1e-11, limit=200)[0]
                   for a, b in pieces if b > a)
    return 1.0 / (neuron.t_ref + neuron.tau_m * math.sqrt(math.pi) * integral)


def siegert_rate(mu, sigma, neuron: LIFParams | None = None) -> np.ndarray:
    """Stationary rate (Hz) of a LIF neuron driven by Gaussian white noise of mean ``mu`` and s.d. ``sigma`` (V).

    ``mu`` and ``sigma`` broadcast; ``sigma = 0`` gives the deterministic rate. ``neuron`` defaults to
    :func:`brunel_neuron`; its ``v_rest`` is the origin of ``mu``.
    """
    neuron = neuron or brunel_neuron()
    mu, sigma = np.broadcast_arrays(np.asarray(mu, dtype=float), np.asarray(sigma, dtype=float))
    if np.any(sigma < 0) or not np.all(np.isfinite(sigma)):
        raise ParameterError("sigma", sigma.tolist(), "must be finite and >= 0 V")
    if not np.all(np.isfinite(mu)):
        raise ParameterError("mu", mu.tolist(), "must be finite (V)")
    out = np.empty(mu.shape)
    for index in np.ndindex(mu.shape):
        out[index] = _siegert_scalar(float(mu[index]), float(sigma[index]), neuron)
    return out


def siegert_cv(mu: float, sigma: float, neuron: LIFParams | None = None) -> float:
    """Coefficient of variation of the ISI of a LIF driven by Gaussian white noise (``mu``, ``sigma`` in V).

    Brunel (2000), appendix A: CV² = 2π(ντ)² ∫_{y_r}^{y_θ} e^{x²} ∫_{−∞}^{x} e^{y²}(1 + erf y)² dy dx with
    ν the Siegert rate; the inner integrand is written e^{x²−y²} erfcx(−y)² so that it stays finite.
    Deep below threshold (upper limit > 18, where e^{2x²} overflows) spikes are rare, independent
    events and the CV is its Poisson limit, 1.
    """
    neuron = neuron or brunel_neuron()
    if not (math.isfinite(sigma) and sigma > 0):
        raise ParameterError("sigma", sigma, "must be > 0 V (the CV of noiseless firing is 0)")
    lower = (neuron.v_reset - neuron.v_rest - mu) / sigma
    upper = (neuron.v_th - neuron.v_rest - mu) / sigma
    if upper > 18.0:
        return 1.0
    rate = float(siegert_rate(mu, sigma, neuron))

    def inner(x: float) -> float:
        return quad(lambda y: math.exp(x * x - y * y) * erfcx(-y) ** 2, -np.inf, x, epsrel=1e-10, limit=200)[0]

    outer = quad(inner, lower, upper, epsrel=1e-9, limit=200)[0]
    return math.sqrt(2 * math.pi * (rate * neuron.tau_m) ** 2 * outer)


def input_moments(rate, nu_ext, coupling: Coupling, neuron: LIFParams | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Brunel's (μ, σ) in V for network rate ``rate`` and external rate ``nu_ext`` per input (Hz)."""
    tau = (neuron or brunel_neuron()).tau_m
    rate = np.asarray(rate, dtype=float)
    nu_ext = np.asarray(nu_ext, dtype=float)
    c, j, g, gamma = coupling.c_e, coupling.j, coupling.g, coupling.gamma
    mu = c * j * tau * (nu_ext + rate * (1.0 - g * gamma))
    sigma = np.sqrt(c * j * j * tau * (nu_ext + rate * (1.0 + g * g * gamma)))
    return mu, sigma


def nu_threshold(coupling: Coupling, neuron: LIFParams | None = None) -> float:
    """External rate (Hz) whose mean drive alone just reaches threshold: θ / (J C_E τ)."""
    neuron = neuron or brunel_neuron()
    return (neuron.v_th - neuron.v_rest) / (coupling.j * coupling.c_e * neuron.tau_m)


def _check_rate(name: str, value: float, neuron: LIFParams) -> None:
    top = 1.0 / neuron.t_ref if neuron.t_ref > 0 else math.inf
    if not (math.isfinite(value) and 0 < value < top):
        raise ParameterError(name, value, f"must be in (0, 1/t_ref = {top:.6g}) Hz")


def fixed_points(nu_ext: float, coupling: Coupling, neuron: LIFParams | None = None,
                 grid: int = 400) -> np.ndarray:
    """All self-consistent rates ν = φ(μ(ν), σ(ν)) (Hz), ascending, for external rate ``nu_ext`` (Hz).

    Sign changes of ν − φ are bracketed on a geometric grid of ``grid`` rates between 1e-6 Hz and
    1/τ_rp and refined with Brent's method. An excitation-dominated network can have several.
    """
    neuron = neuron or brunel_neuron()
    if not (math.isfinite(nu_ext) and nu_ext >= 0):
        raise ParameterError("nu_ext", nu_ext, "must be >= 0 Hz")
    top = 1.0 / neuron.t_ref if neuron.t_ref > 0 else 1e4

    def excess(nu: float) -> float:
        mu, sigma = input_moments(nu, nu_ext, coupling, neuron)
        return nu - float(siegert_rate(mu, sigma, neuron))

    rates = np.geomspace(1e-6, top * (1 - 1e-9), grid)
    values = np.array([excess(r) for r in rates])
    roots = [brentq(excess, rates[k], rates[k + 1], xtol=1e-12, rtol=1e-12)
             for k in np.flatnonzero(np.sign(values[:-1]) != np.sign(values[1:]))]
    if values[0] > 0:
        # ν − φ > 0 already at 1e-6 Hz: the only fixed point is (numerically) silence.
        roots.insert(0, 0.0)
    return np.array(roots)


def fixed_point(nu_ext: float, coupling: Coupling, neuron: LIFParams | None = None) -> float:
    """The lowest self-consistent rate (Hz) at external rate ``nu_ext`` (Hz): the branch a quiet network settles on."""
    return float(fixed_points(nu_ext, coupling, neuron)[0])


def _drive(rate: float, coupling: Coupling, neuron: LIFParams) -> float:
    """ν_ext (Hz) making ``rate`` self-consistent, continued to negative values where recurrence alone overshoots.

    The root is searched down to the drive at which σ = 0 (there φ = 0 < rate), so it always exists.
    """
    def excess(nu_ext: float) -> float:
        mu, sigma = input_moments(rate, nu_ext, coupling, neuron)
        return float(siegert_rate(mu, sigma, neuron)) - rate

    low = -rate * (1.0 + coupling.g**2 * coupling.gamma)
    high = nu_threshold(coupling, neuron)
    while excess(high) < 0:
        high *= 2.0
        if high > DRIVE_MAX:
            raise ParameterError("g", coupling.g, f"no external drive up to {DRIVE_MAX:g} Hz per input holds the "
                                 f"network at {rate:.4g} Hz: inhibition g*C_I/C_E = {coupling.g * coupling.gamma:.4g} "
                                 f"dominates (with J = {coupling.j:.4g} V); lower g or raise j")
    return brentq(excess, low, high, xtol=1e-12, rtol=1e-12)


def drive_for_rate(rate: float, coupling: Coupling, neuron: LIFParams | None = None) -> float:
    """External rate per input ν_ext (Hz) that makes ``rate`` (Hz) a fixed point of the network.

    Exact inverse of the self-consistency: at fixed ν, φ grows monotonically with ν_ext, so there
    is one root, found by Brent's method. A rate that recurrent excitation alone already exceeds
    would need a negative drive and is rejected.
    """
    neuron = neuron or brunel_neuron()
    _check_rate("rate", rate, neuron)
    nu_ext = _drive(rate, coupling, neuron)
    if nu_ext < 0:
        raise ParameterError("rate", rate, f"would need a negative external drive ({nu_ext:.6g} Hz): recurrent "
                             "excitation alone fires faster")
    return nu_ext


@dataclass(frozen=True)
class DriveRange:
    """External drive (Hz per input) between a silent network and runaway activity.

    Attributes
    ----------
    nu_ext_silent : float
        Below this drive the stationary rate is under ``rate_silent``.
    nu_ext_runaway : float
        Above this drive the low-activity fixed point exceeds ``rate_runaway`` or disappears
        (saddle-node), so the network jumps to near-saturated firing.
    rate_silent, rate_runaway : float
        The two rates (Hz) that define the edges.
    saddle_node : bool
        True when the runaway edge is a saddle-node of the fixed-point branch (excitation
        dominates), False when it is where the rate reaches ``rate_runaway``.
    """

    nu_ext_silent: float
    nu_ext_runaway: float
    rate_silent: float
    rate_runaway: float
    saddle_node: bool

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def drive_range(coupling: Coupling, neuron: LIFParams | None = None, rate_silent: float = 0.1,
                rate_runaway: float | None = None, grid: int = 200) -> DriveRange:
    """The range of ν_ext (Hz) that keeps the network between silence and runaway.

    The branch of fixed points is traced through its inverse ν ↦ ν_ext(ν) (as :func:`drive_for_rate`)
    on ``grid`` rates from ``rate_silent`` to ``rate_runaway`` (default half of 1/τ_rp). Where
    ν_ext(ν) first stops increasing, the low-activity branch ends in a saddle-node: more drive
    has no low-rate fixed point.
    """
    neuron = neuron or brunel_neuron()
    rate_runaway = 0.5 / neuron.t_ref if rate_runaway is None else rate_runaway
    _check_rate("rate_silent", rate_silent, neuron)
    _check_rate("rate_runaway", rate_runaway, neuron)
    if rate_runaway <= rate_silent:
        raise ParameterError("rate_runaway", rate_runaway, f"must be > rate_silent = {rate_silent:.6g} Hz")
    rates = np.geomspace(rate_silent, rate_runaway, grid)
    drives = np.array([_drive(float(r), coupling, neuron) for r in rates])
    falls = np.flatnonzero(np.diff(drives) <= 0)
    if falls.size == 0:
        return DriveRange(float(drives[0]), float(drives[-1]), rate_silent, rate_runaway, False)
    k = int(falls[0])
    # Refine the maximum of nu_ext(nu) between the grid neighbours of the turning point.
    lo, hi = rates[max(k - 1, 0)], rates[min(k + 1, grid - 1)]
    peak = _maximise(lambda r: _drive(r, coupling, neuron), lo, hi)
    return DriveRange(float(drives[0]), float(peak), rate_silent, rate_runaway, True)


def _maximise(f, lo: float, hi: float, tol: float = 1e-6) -> float:
    """Maximum of a unimodal ``f`` on [lo, hi] by golden-section search (log-spaced rates)."""
    a, b = math.log(lo), math.log(hi)
    ratio = (math.sqrt(5) - 1) / 2
    c, d = b - ratio * (b - a), a + ratio * (b - a)
    fc, fd = f(math.exp(c)), f(math.exp(d))
    while b - a > tol:
        if fc > fd:
            b, d, fd = d, c, fc
            c = b - ratio * (b - a)
            fc = f(math.exp(c))
        else:
            a, c, fc = c, d, fd
            d = a + ratio * (b - a)
            fd = f(math.exp(d))
    return max(fc, fd)
