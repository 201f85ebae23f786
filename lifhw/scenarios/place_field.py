"""Place field: a neuron whose excitation is tuned to the animal's position on a linear track.

The excitatory conductance is a Gaussian of position, :math:`g_e(x) = A e^{−(x − x_0)^2 / 2\\sigma^2}`
(reversal ``e_e``), against a uniform inhibitory conductance ``g_inh`` (reversal ``e_inh``) and the leak.
The **quasi-static prediction** applies the steady f-I relation of the conductance-driven LIF at every
position (:func:`lifhw.scenarios.base.steady_rate`): the peak rate is the rate at g_e = A and the field
width is the stretch where the rate exceeds 10 % of that peak. It holds while the input changes slowly
against the membrane (τ_eff) and the inter-spike interval, i.e. while ``speed`` × τ ≪ σ.

The **simulation** runs ``laps`` passes along the track, each at the running speed jittered by
±``speed_jitter`` (animals never run two laps alike, which also spreads spike positions across laps),
and builds the rate map as spikes per position bin divided by the time spent in it (the peak is read
from the map averaged over σ/10, whose curvature bias is < 0.1 %). Its 10 % width and its peak are
compared with the prediction at 5 %: spikes are discrete and the first spike of a pass
needs a whole integration from rest, which moves the field's leading edge by about speed/rate at the
edge (of order 1 % of the width here) — a looser bound than 2 % is the physics of counting spikes, not slack.

The figure repeats the measurement across inhibition, field width σ and running speed in one
population simulation, showing the quasi-static prediction break down as speed·τ_m approaches σ.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq

from ..errors import ParameterError
from ..limits import check_points, check_steps
from ..sim import simulate, steps_of_work
from .base import Param, Scenario, ScenarioResult, result_params, steady_rate

TOLERANCE = 0.05
#: Field edges are where the rate exceeds this fraction of its peak.
EDGE_FRACTION = 0.1
#: Sweeps of the figure, as multiples of the scenario's g_inh (or of g_L/2 when g_inh = 0), sigma and speed.
SWEEP_INH = (0.0, 0.5, 1.0, 1.5, 2.0)
SWEEP_SIGMA = (0.4, 0.7, 1.0, 1.3)
SWEEP_SPEED = (1.0, 3.0, 10.0, 30.0, 100.0)
PARAMS = (
    Param("g_peak", 10e-9, "S", "peak excitatory conductance A at the field centre", minimum=0.0),
    Param("sigma", 0.15, "m", "width (standard deviation) of the excitatory tuning", minimum=0.0),
    Param("g_inh", 5e-9, "S", "uniform inhibitory conductance (>= 0)"),
    Param("e_e", 0.0, "V", "excitatory reversal potential"),
    Param("e_inh", -75e-3, "V", "inhibitory reversal potential"),
    Param("speed", 0.1, "m/s", "mean running speed", minimum=0.0),
    Param("speed_jitter", 0.2, "", "laps run at speed x (1 +- jitter), uniformly (0 <= jitter < 1)"),
    Param("laps", 30, "", "number of laps", minimum=0.0, integer=True, work=True),
    Param("track_length", None, "m", "track length, field in the middle (default 8.5 sigma x largest sweep)",
          minimum=0.0),
    Param("bin_size", 5e-3, "m", "position bin of the rate map", minimum=0.0),
    Param("seed", 1, "", "seed of the lap speeds (whole number >= 0)", minimum=-1.0, integer=True),
)


def quasi_static_rate(neuron, x, center, g_peak, sigma, g_inh, e_e, e_inh) -> np.ndarray:
    """Rate (Hz) the steady f-I relation gives at positions ``x`` (m)."""
    g_e = g_peak * np.exp(-0.5 * ((np.asarray(x, dtype=float) - center) / sigma) ** 2)
    return steady_rate(neuron, g_e=g_e, e_e=e_e, g_i=g_inh, e_i=e_inh)


def predicted_field(neuron, g_peak, sigma, g_inh, e_e, e_inh) -> tuple[float, float]:
    """Quasi-static (peak rate Hz, 10 % field width m) of a field centred at 0."""
    def rate(x):
        return float(quasi_static_rate(neuron, x, 0.0, g_peak, sigma, g_inh, e_e, e_inh))

    peak = rate(0.0)
    if peak <= 0:
        return 0.0, 0.0
    far = rate(10 * sigma)
    if far >= EDGE_FRACTION * peak:
        # Only the leak and the inhibition act away from the field; an "inhibition" reversing above threshold
        # makes the neuron fire everywhere, and the field has no edge.
        raise ParameterError("e_inh", e_inh, f"makes the neuron fire at {far:.4g} Hz away from the field, "
                             f">= {EDGE_FRACTION:.0%} of its {peak:.4g} Hz peak, so the field has no edge: inhibition "
                             f"must reverse below v_th = {neuron.v_th:g} V")
    edge = brentq(lambda x: rate(x) - EDGE_FRACTION * peak, 0.0, 10 * sigma, xtol=1e-9 * sigma)
    return peak, 2 * edge


def map_field(centers: np.ndarray, rate_map: np.ndarray, peak_window: float) -> tuple[float, float]:
    """(peak Hz, 10 % width m) of a binned rate map.

    The peak is the maximum of the map averaged over ``peak_window`` (m): single bins hold a few spikes
    per lap, and the maximum of many noisy bins is biased upwards. The width is between the outermost
    crossings of 10 % of that peak in the raw map, interpolated between bins (averaging would blur the
    steep onset at the field's edges).
    """
    n = max(1, int(round(peak_window / (centers[1] - centers[0]))) // 2 * 2 + 1)
    peak = float(np.convolve(rate_map, np.ones(n) / n, mode="same").max())
    if peak <= 0:
        return 0.0, 0.0
    level = EDGE_FRACTION * peak
    above = np.flatnonzero(rate_map > level)
    i, j = above[0], above[-1]
    edges = []
    for inside, outside in ((i, i - 1), (j, j + 1)):
        if outside < 0 or outside >= len(rate_map):
            edges.append(centers[inside])
            continue
        w = (rate_map[inside] - level) / (rate_map[inside] - rate_map[outside])
        edges.append(centers[inside] + w * (centers[outside] - centers[inside]))
    return peak, float(edges[1] - edges[0])


def run_laps(neuron, conditions: list[dict], e_e, e_inh, speed_jitter, laps, track_length, bin_size, seed):
    """Simulate every condition's laps in one population; return each condition's (bin centres, rate map).

    A condition is a dict of ``g_peak``, ``sigma``, ``g_inh`` and ``speed``.
    """
    rng = np.random.default_rng(seed)
    speeds = np.concatenate([c["speed"] * (1 + speed_jitter * rng.uniform(-1, 1, laps)) for c in conditions])
    each = {k: np.repeat([c[k] for c in conditions], laps) for k in ("g_peak", "sigma", "g_inh")}
    center = track_length / 2

    def g_e(t):
        x = speeds * t
        return np.where(x <= track_length, each["g_peak"] * np.exp(-0.5 * ((x - center) / each["sigma"]) ** 2), 0.0)

    dt = neuron.tau_m / 20
    res = simulate(neuron, track_length / speeds.min(), dt, g_e=g_e, e_e=e_e, g_i=each["g_inh"], e_i=e_inh,
                   v0=neuron.v_rest)
    x_spike = speeds[res.spike_neuron] * res.spike_time
    n_bins = int(round(track_length / bin_size))
    bins = np.linspace(0, track_length, n_bins + 1)
    centers = 0.5 * (bins[1:] + bins[:-1])
    out = []
    for k in range(len(conditions)):
        mine = (res.spike_neuron // laps == k) & (x_spike <= track_length)
        counts = np.histogram(x_spike[mine], bins)[0]
        occupancy = np.diff(bins) * np.sum(1.0 / speeds[k * laps:(k + 1) * laps])
        out.append((centers - center, counts / occupancy))
    return out


def _check_work(neuron, speed, speed_jitter, laps, track_length, bin_size) -> None:
    """Refuse a run whose laps would take more steps, neurons or bins than lifhw.limits allow, before it starts."""
    n_conditions = 1 + len(SWEEP_INH) + len(SWEEP_SIGMA) + len(SWEEP_SPEED)
    check_points("laps", laps, n_conditions * laps, f"{n_conditions} conditions x laps: simulated neurons")
    check_points("bin_size", bin_size, track_length / bin_size, "track_length / bin_size: position bins")
    # The population runs until the slowest lap (the slowest sweep speed, jittered down) ends, in steps of tau_m/20.
    slowest = speed * min(SWEEP_SPEED) * (1 - speed_jitter)
    steps = track_length / slowest / (neuron.tau_m / 20)
    check_steps("speed", speed, steps_of_work(steps, n_conditions * laps, conductances_vary=True),
                f"track_length / slowest lap speed ({slowest:.4g} m/s) / (tau_m/20) = {steps:.4g} time steps of "
                f"{n_conditions * laps} neurons: steps of work (lifhw.limits)")


def run(neuron, g_peak, sigma, g_inh, e_e, e_inh, speed, speed_jitter, laps, track_length, bin_size,
        seed) -> ScenarioResult:
    if g_inh < 0:
        raise ParameterError("g_inh", g_inh, "must be >= 0 S")
    if not 0 <= speed_jitter < 1:
        raise ParameterError("speed_jitter", speed_jitter, "must be in [0, 1)")
    for name, value in (("laps", laps), ("seed", seed)):
        if value != int(value) or value < 0:
            raise ParameterError(name, value, "must be a whole number >= 0")
    if e_e <= neuron.v_th:
        raise ParameterError("e_e", e_e, f"must be above v_th = {neuron.v_th:g} V to excite")
    laps, seed = int(laps), int(seed)
    peak_pred, width_pred = predicted_field(neuron, g_peak, sigma, g_inh, e_e, e_inh)
    if peak_pred <= 0:
        raise ParameterError("g_peak", g_peak, "too weak: the neuron does not fire even at the field centre "
                             f"against g_inh = {g_inh:.4g} S")
    if track_length is None:
        track_length = 8.5 * sigma * max(SWEEP_SIGMA)
    if track_length < 2 * width_pred:
        raise ParameterError("track_length", track_length, f"must be >= twice the field width ({width_pred:.4g} m)")
    if bin_size > width_pred / 20:
        raise ParameterError("bin_size", bin_size, f"must be <= 1/20 of the field width ({width_pred / 20:.4g} m)")

    _check_work(neuron, speed, speed_jitter, laps, track_length, bin_size)

    base = {"g_peak": g_peak, "sigma": sigma, "g_inh": g_inh, "speed": speed}
    # With no inhibition the inhibition sweep is in units of half the leak conductance instead.
    inh_unit = g_inh or neuron.g_l / 2
    sweeps = {"g_inh": [{**base, "g_inh": inh_unit * m} for m in SWEEP_INH],
              "sigma": [{**base, "sigma": sigma * m} for m in SWEEP_SIGMA],
              "speed": [{**base, "speed": speed * m} for m in SWEEP_SPEED]}
    conditions = [base] + [c for cs in sweeps.values() for c in cs]
    maps = run_laps(neuron, conditions, e_e, e_inh, speed_jitter, laps, track_length, bin_size, seed)
    peak_sim, width_sim = map_field(*maps[0], sigma / 10)
    predicted = {"field_width": width_pred, "peak_rate": peak_pred}
    simulated = {"field_width": width_sim, "peak_rate": peak_sim}

    x = np.linspace(-4 * sigma, 4 * sigma, 401)
    series = {"map_x": maps[0][0], "map_rate": maps[0][1],
              "qs_x": x, "qs_rate": quasi_static_rate(neuron, x, 0.0, g_peak, sigma, g_inh, e_e, e_inh)}
    k = 1
    for name, cs in sweeps.items():
        pred = [predicted_field(neuron, c["g_peak"], c["sigma"], c["g_inh"], e_e, e_inh)[1] for c in cs]
        sim = [map_field(*m, c["sigma"] / 10)[1] for m, c in zip(maps[k:k + len(cs)], cs, strict=True)]
        series[f"sweep_{name}"] = [c[name] for c in cs]
        series[f"sweep_{name}_pred"], series[f"sweep_{name}_sim"] = pred, sim
        k += len(cs)
    details = {"tau_eff_at_peak": neuron.c_m / (neuron.g_l + g_peak + g_inh),
               "speed_tau_over_sigma": speed * neuron.tau_m / sigma, "n_conditions": len(conditions)}
    return ScenarioResult("place-field", result_params(neuron, g_peak=g_peak, sigma=sigma, g_inh=g_inh, e_e=e_e,
                                                       e_inh=e_inh, speed=speed, speed_jitter=speed_jitter,
                                                       laps=laps, track_length=track_length, bin_size=bin_size,
                                                       seed=seed),
                          predicted, simulated, TOLERANCE, details=details, series=series)


def figure(result: ScenarioResult):
    import matplotlib.pyplot as plt

    s, p = result.series, result.params
    fig, axes = plt.subplots(1, 4, figsize=(13, 3.4))
    ax = axes[0]
    ax.plot(np.asarray(s["qs_x"]) * 100, s["qs_rate"], "k-", lw=2.5, label="quasi-static")
    ax.step(np.asarray(s["map_x"]) * 100, s["map_rate"], where="mid", color="tab:orange", lw=0.8,
            label=f"simulated, {p['laps']} laps")
    ax.set_xlim(-3 * p["sigma"] * 100, 3 * p["sigma"] * 100)
    ax.axhline(EDGE_FRACTION * result.predicted["peak_rate"], color="gray", ls=":", lw=0.8)
    ax.set_xlabel("position − field centre (cm)")
    ax.set_ylabel("rate (Hz)")
    ax.legend(fontsize=7)
    panels = (("g_inh", 1e9, "uniform inhibition g_inh (nS)"), ("sigma", 100, "tuning width σ (cm)"),
              ("speed", 1, "running speed (m/s)"))
    for ax, (name, scale, label) in zip(axes[1:], panels, strict=True):
        xs = np.asarray(s[f"sweep_{name}"]) * scale
        ax.plot(xs, np.asarray(s[f"sweep_{name}_pred"]) * 100, "k-", label="quasi-static")
        ax.plot(xs, np.asarray(s[f"sweep_{name}_sim"]) * 100, "o", color="tab:blue", mfc="none", label="simulated")
        ax.set_xlabel(label)
        ax.set_ylabel("10 % field width (cm)")
        ax.legend(fontsize=7)
    axes[3].set_xscale("log")
    top = axes[3].secondary_xaxis("top", functions=(lambda v: v * p["c_m"] * p["r_m"] / p["sigma"],
                                                    lambda u: u * p["sigma"] / (p["c_m"] * p["r_m"])))
    top.set_xlabel("speed · τ_m / σ", fontsize=8)
    fig.tight_layout()
    return fig


SCENARIO = Scenario("place-field", "Place field on a linear track",
                    "quasi-static f-I on a Gaussian input map vs spikes over laps: field width and peak rate",
                    PARAMS, run, figure,
                    tolerance_note="5 %: spike counting over laps and the first spike's integration delay "
                                   "at the field's leading edge (about speed / edge rate)")
