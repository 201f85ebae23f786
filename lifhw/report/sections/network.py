"""Report section: Brunel's balanced E/I network, simulated and in mean field."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...jsonio import Record
from ...network import STATES, BrunelNetwork, Coupling, drive_for_rate, drive_range, meanfield
from ...network import simulate as simulate_network
from ...network.meanfield import DriveRange
from .. import BudgetRow, ReportContext, Section, figure_html, table_html

KEY = "network"
ORDER = 70
N = 12_500
SEED = 1
#: Simulated time per state (s); the SR state fires near 1/t_ref, 10x the synaptic events of AI.
T_STATE = {"SR": 0.3, "SI fast": 0.6, "AI": 0.6, "SI slow": 0.6}
#: Raster and rate window shown (s) and neurons shown in the raster.
WINDOW = (0.15, 0.25)
RASTER_NEURONS = 50
#: Drives of the rate-against-eta comparison (g = 5).
ETAS = (0.8, 0.9, 1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0)
G_SWEEP = 5.0
TARGET_RATE = 10.0


@dataclass(frozen=True)
class State(Record):
    """One simulated network state beside its mean field, and what its figure draws (raster and population rate in
    :data:`WINDOW`)."""

    g: float
    eta: float
    t_sim: float
    rate: float
    siegert: float
    cv_isi: float
    siegert_cv: float
    synchrony: float
    synchrony_5ms: float
    oscillation_hz: float
    raster_t: np.ndarray
    raster_i: np.ndarray
    pop_t: np.ndarray
    pop_rate: np.ndarray

    #: The numbers of the state's table row and of summary.json.
    NUMBERS = ("g", "eta", "rate", "siegert", "cv_isi", "siegert_cv", "synchrony", "synchrony_5ms", "oscillation_hz")


@dataclass(frozen=True)
class Target(Record):
    """The mean-field drive η for :data:`TARGET_RATE` and the rate the simulation gives there."""

    eta: float
    rate: float


@dataclass(frozen=True)
class Network(Record):
    """Brunel's four states (in :data:`STATES` order), a silent one, the mean-field drive range, the rate against η
    simulated (:data:`ETAS`) and in mean field (``eta_fine``), and the drive for :data:`TARGET_RATE`."""

    states: dict[str, State]
    silent: State
    span: DriveRange
    sweep_sim: np.ndarray
    eta_fine: np.ndarray
    sweep_mf: np.ndarray
    target: Target

    @property
    def sweep_max_rel_error(self) -> float:
        return float(np.max(np.abs(self.sweep_sim / np.interp(ETAS, self.eta_fine, self.sweep_mf) - 1)))


def _state(g: float, eta: float, t_sim: float) -> State:
    net = BrunelNetwork.of_size(N, g=g, eta=eta)
    res = simulate_network(net, t_sim, seed=SEED)
    shown = (res.spike_neuron < RASTER_NEURONS) & (res.spike_time >= WINDOW[0]) & (res.spike_time < WINDOW[1])
    t, rate = res.population_rate(0.2e-3)
    inside = (t >= WINDOW[0]) & (t < WINDOW[1])
    return State(g, eta, t_sim, res.rate, net.siegert_rate(), res.cv_isi(), net.siegert_cv(), res.synchrony(),
                 res.synchrony(5e-3), res.oscillation_frequency(), res.spike_time[shown], res.spike_neuron[shown],
                 t[inside], rate[inside])


def _simulate() -> Network:
    states = {name: _state(g, eta, T_STATE[name]) for name, (g, eta) in STATES.items()}
    coupling = Coupling(g=G_SWEEP)
    span = drive_range(coupling)
    nu_thr = meanfield.nu_threshold(coupling)
    silent = _state(G_SWEEP, 0.8 * span.nu_ext_silent / nu_thr, 0.5)
    sweep_sim = [simulate_network(BrunelNetwork.of_size(N, g=G_SWEEP, eta=eta), 0.5, seed=SEED).rate for eta in ETAS]
    eta_fine = np.geomspace(0.7, 4.5, 60)
    sweep_mf = [meanfield.fixed_point(eta * nu_thr, coupling) for eta in eta_fine]
    eta_target = drive_for_rate(TARGET_RATE, coupling) / nu_thr
    target = Target(eta_target, simulate_network(BrunelNetwork.of_size(N, g=G_SWEEP, eta=eta_target), 1.0,
                                                 seed=SEED).rate)
    return Network(states, silent, span, np.array(sweep_sim), eta_fine, np.array(sweep_mf), target)


def compute(ctx: ReportContext) -> Network:
    bar = ctx.progress("network (Brunel)", 1)
    result = ctx.cached("network", {"n": N, "seed": SEED, "t": T_STATE, "etas": ETAS, "g": G_SWEEP}, _simulate,
                        Network)
    bar.update()
    return result


def _states(result: Network) -> dict[str, State]:
    return {name: result.states[name] for name in STATES}  # Brunel's Fig. 8 order (the cache sorts keys)


def figures(result: Network) -> dict:
    """'states': raster and population rate of each state; 'sweep': the rate against η."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 4, figsize=(13, 5), sharex=True, gridspec_kw={"height_ratios": [2, 1]})
    for col, (name, s) in enumerate(_states(result).items()):
        axes[0, col].plot(s.raster_t * 1e3, s.raster_i, "k.", ms=1.5)
        axes[0, col].set_title(f"{name}: g = {s.g:g}, η = {s.eta:g}", fontsize=9)
        axes[1, col].plot(s.pop_t * 1e3, s.pop_rate, "k-", lw=0.6)
        axes[1, col].set_xlabel("t (ms)")
    axes[0, 0].set_ylabel("neuron")
    axes[1, 0].set_ylabel("population rate (Hz)")
    figs = {"states": fig}

    fig, ax = plt.subplots(figsize=(7, 4.2))
    ax.plot(result.eta_fine, result.sweep_mf, "k-", lw=2, label="mean field (Siegert fixed point)")
    ax.plot(ETAS, result.sweep_sim, "o", mfc="none", label=f"simulation, N = {N:,}")
    span = result.span
    ax.axvline(span.nu_ext_silent / 10.0, color="gray", ls="--", lw=0.8,
               label=f"mean-field silence edge (rate {span.rate_silent:g} Hz)")
    ax.set_xlabel("η = ν_ext / ν_thr")
    ax.set_ylabel("rate (Hz)")
    ax.set_title(f"g = {G_SWEEP:g}")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    figs["sweep"] = fig
    return figs


def html(result: Network, figs: dict) -> str:
    rows = [[name, *(getattr(s, k) for k in State.NUMBERS)]
            for name, s in [*_states(result).items(), ("silent", result.silent)]]
    table = table_html(["state", "g", "η", "rate (Hz)", "Siegert (Hz)", "CV ISI", "CV white-noise theory",
                        "χ² (1 ms)", "χ² (5 ms)", "rhythm (Hz)"], rows)
    span, ai = result.span, result.states["AI"]
    return (f"<p>Brunel (2000) model A, exact integration at dt = 0.1 ms, delay 1.5 ms, seed {SEED}. χ² is the "
            "variance of the population spike count over the mean single-neuron count variance (1/N = "
            f"{1 / N:.1e} for independent neurons); the rhythm is the strongest frequency of the population rate "
            f"below 1 kHz. The simulated ISI CV of the AI state ({ai.cv_isi:.2f}; benchmarks/bench_network.py "
            "runs Brian2 on the same network and finds the same) "
            "is below the white-noise theory's: that theory assumes independent Poisson input, and the "
            "recurrent input of the network is not. "
            f"Mean-field drive range at g = {G_SWEEP:g}: η from "
            f"{span.nu_ext_silent / 10:.3g} (rate {span.rate_silent:g} Hz) to "
            f"{span.nu_ext_runaway / 10:.3g} (rate {span.rate_runaway:g} Hz). The mean-field drive for "
            f"{TARGET_RATE:g} Hz, η = {result.target.eta:.4g}, gives {result.target.rate:.3g} Hz in "
            "simulation.</p>"
            + figure_html(figs["states"], f"Brunel's four states (N = {N:,}, C_E = 1000, C_I = 250, J = 0.1 mV): "
                                          f"raster of {RASTER_NEURONS} neurons and population rate in 0.2 ms bins")
            + table + figure_html(figs["sweep"], "network rate against external drive: simulation and mean field"))


def budget(result: Network) -> list[BudgetRow]:
    ai = result.states["AI"]
    return [BudgetRow("network sim, AI state (g=5, η=2)", "Siegert fixed point", abs(ai.rate / ai.siegert - 1), 0.05,
                      "diffusion approximation of J = 0.1 mV jumps; acceptance bound"),
            BudgetRow(f"network sim at mean-field drive for {TARGET_RATE:g} Hz", "target rate",
                      abs(result.target.rate / TARGET_RATE - 1), 0.10,
                      "inverse problem fed back into the simulation; acceptance bound")]


def build(ctx: ReportContext) -> Section:
    result = compute(ctx)
    summary = {"states": {name: {k: getattr(s, k) for k in State.NUMBERS} for name, s in _states(result).items()},
               "silent_rate": result.silent.rate, "drive_range": result.span.as_dict(),
               "target": result.target.as_dict(), "sweep_max_rel_error": result.sweep_max_rel_error}
    return Section(KEY, "Balanced E/I network (Brunel 2000)", html(result, figures(result)), budget(result), summary)
