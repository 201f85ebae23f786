"""Report section: Brunel's balanced E/I network, simulated and in mean field."""

from __future__ import annotations

import numpy as np

from ...network import STATES, BrunelNetwork, Coupling, drive_for_rate, drive_range, meanfield
from ...network import simulate as simulate_network
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


def _state(g: float, eta: float, t_sim: float) -> dict:
    net = BrunelNetwork.of_size(N, g=g, eta=eta)
    res = simulate_network(net, t_sim, seed=SEED)
    shown = (res.spike_neuron < RASTER_NEURONS) & (res.spike_time >= WINDOW[0]) & (res.spike_time < WINDOW[1])
    t, rate = res.population_rate(0.2e-3)
    inside = (t >= WINDOW[0]) & (t < WINDOW[1])
    return {"g": g, "eta": eta, "t_sim": t_sim, "rate": res.rate, "siegert": net.siegert_rate(),
            "cv_isi": res.cv_isi(), "siegert_cv": net.siegert_cv(), "synchrony": res.synchrony(),
            "synchrony_5ms": res.synchrony(5e-3), "oscillation_hz": res.oscillation_frequency(),
            "raster_t": res.spike_time[shown].tolist(), "raster_i": res.spike_neuron[shown].tolist(),
            "pop_t": t[inside].tolist(), "pop_rate": rate[inside].tolist()}


def _compute() -> dict:
    out = {"states": {name: _state(g, eta, T_STATE[name]) for name, (g, eta) in STATES.items()}}
    coupling = Coupling(g=G_SWEEP)
    span = drive_range(coupling)
    nu_thr = meanfield.nu_threshold(coupling)
    out["silent"] = _state(G_SWEEP, 0.8 * span.nu_ext_silent / nu_thr, 0.5)
    out["span"] = span.as_dict()
    out["sweep_sim"] = [simulate_network(BrunelNetwork.of_size(N, g=G_SWEEP, eta=eta), 0.5, seed=SEED).rate
                        for eta in ETAS]
    eta_fine = np.geomspace(0.7, 4.5, 60)
    out["eta_fine"] = eta_fine.tolist()
    out["sweep_mf"] = [meanfield.fixed_point(eta * nu_thr, coupling) for eta in eta_fine]
    eta_target = drive_for_rate(TARGET_RATE, coupling) / nu_thr
    out["target"] = {"eta": eta_target,
                     "rate": simulate_network(BrunelNetwork.of_size(N, g=G_SWEEP, eta=eta_target), 1.0,
                                              seed=SEED).rate}
    return out


def build(ctx: ReportContext) -> Section:
    import matplotlib.pyplot as plt

    bar = ctx.progress("network (Brunel)", 1)
    data = ctx.cached("network", {"n": N, "seed": SEED, "t": T_STATE, "etas": ETAS, "g": G_SWEEP},
                      _compute)
    bar.update()
    states = {name: data["states"][name] for name in STATES}  # Brunel's Fig. 8 order (the cache sorts keys)

    fig, axes = plt.subplots(2, 4, figsize=(13, 5), sharex=True, gridspec_kw={"height_ratios": [2, 1]})
    for col, (name, s) in enumerate(states.items()):
        axes[0, col].plot(np.array(s["raster_t"]) * 1e3, s["raster_i"], "k.", ms=1.5)
        axes[0, col].set_title(f"{name}: g = {s['g']:g}, η = {s['eta']:g}", fontsize=9)
        axes[1, col].plot(np.array(s["pop_t"]) * 1e3, s["pop_rate"], "k-", lw=0.6)
        axes[1, col].set_xlabel("t (ms)")
    axes[0, 0].set_ylabel("neuron")
    axes[1, 0].set_ylabel("population rate (Hz)")
    states_fig = figure_html(fig, f"Brunel's four states (N = {N:,}, C_E = 1000, C_I = 250, J = 0.1 mV): raster of "
                                  f"{RASTER_NEURONS} neurons and population rate in 0.2 ms bins")

    fig, ax = plt.subplots(figsize=(7, 4.2))
    ax.plot(data["eta_fine"], data["sweep_mf"], "k-", lw=2, label="mean field (Siegert fixed point)")
    ax.plot(ETAS, data["sweep_sim"], "o", mfc="none", label=f"simulation, N = {N:,}")
    span = data["span"]
    ax.axvline(span["nu_ext_silent"] / 10.0, color="gray", ls="--", lw=0.8,
               label=f"mean-field silence edge (rate {span['rate_silent']:g} Hz)")
    ax.set_xlabel("η = ν_ext / ν_thr")
    ax.set_ylabel("rate (Hz)")
    ax.set_title(f"g = {G_SWEEP:g}")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    sweep_fig = figure_html(fig, "network rate against external drive: simulation and mean field")

    rows = [[name, s["g"], s["eta"], s["rate"], s["siegert"], s["cv_isi"], s["siegert_cv"], s["synchrony"],
             s["synchrony_5ms"], s["oscillation_hz"]] for name, s in [*states.items(), ("silent", data["silent"])]]
    table = table_html(["state", "g", "η", "rate (Hz)", "Siegert (Hz)", "CV ISI", "CV white-noise theory",
                        "χ² (1 ms)", "χ² (5 ms)", "rhythm (Hz)"], rows)

    ai = states["AI"]
    err_ai = abs(ai["rate"] / ai["siegert"] - 1)
    err_target = abs(data["target"]["rate"] / TARGET_RATE - 1)
    sim_mf = np.interp(ETAS, data["eta_fine"], data["sweep_mf"])
    budget = [BudgetRow("network sim, AI state (g=5, η=2)", "Siegert fixed point", err_ai, 0.05,
                        "diffusion approximation of J = 0.1 mV jumps; acceptance bound"),
              BudgetRow(f"network sim at mean-field drive for {TARGET_RATE:g} Hz", "target rate", err_target, 0.10,
                        "inverse problem fed back into the simulation; acceptance bound")]
    html = (f"<p>Brunel (2000) model A, exact integration at dt = 0.1 ms, delay 1.5 ms, seed {SEED}. χ² is the "
            "variance of the population spike count over the mean single-neuron count variance (1/N = "
            f"{1 / N:.1e} for independent neurons); the rhythm is the strongest frequency of the population rate "
            f"below 1 kHz. The simulated ISI CV of the AI state ({ai['cv_isi']:.2f}; benchmarks/bench_network.py "
            "runs Brian2 on the same network and finds the same) "
            "is below the white-noise theory's: that theory assumes independent Poisson input, and the "
            "recurrent input of the network is not. "
            f"Mean-field drive range at g = {G_SWEEP:g}: η from "
            f"{span['nu_ext_silent'] / 10:.3g} (rate {span['rate_silent']:g} Hz) to "
            f"{span['nu_ext_runaway'] / 10:.3g} (rate {span['rate_runaway']:g} Hz). The mean-field drive for "
            f"{TARGET_RATE:g} Hz, η = {data['target']['eta']:.4g}, gives {data['target']['rate']:.3g} Hz in "
            "simulation.</p>" + states_fig + table + sweep_fig)
    summary = {"states": {name: {k: s[k] for k in ("g", "eta", "rate", "siegert", "cv_isi", "siegert_cv", "synchrony",
                                                   "synchrony_5ms", "oscillation_hz")} for name, s in states.items()},
               "silent_rate": data["silent"]["rate"], "drive_range": span, "target": data["target"],
               "sweep_max_rel_error": float(np.max(np.abs(np.array(data["sweep_sim"]) / sim_mf - 1)))}
    return Section(KEY, "Balanced E/I network (Brunel 2000)", html, budget, summary)
