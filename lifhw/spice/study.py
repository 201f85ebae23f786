"""The analog study behind ``make spice`` and the report's analog section.

Characterises the OTA (tt, 27 °C), sweeps f-I for ``lif_ideal`` (against the closed form), ``lif_ota`` without and
with a typical TSV and ``lif_lowpower`` (against the device-aware theory and the linear LIF with the same g_m),
measures energy per spike of both transistor neurons (static: quiescent power × ISI; dynamic: the rest; the shared
bias references apart) against C_eff·ΔV·V_dd and at :data:`ENERGY_RATE`, and writes ``build/spice/``:
``characterization.json``, ``fi_<curve>.csv``, ``study.json`` and PNG figures.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
from scipy.optimize import brentq

from .. import analog, theory
from ..fi import relative_error
from ..files import write_atomic
from ..params import LIFParams
from .design import ota_params, typical_tsv_capacitance
from .measure import energy_parts
from .netlist import get_circuit
from .sweep import SpiceNeuron

#: OTA sweep currents as multiples of the measured rheobase (1.2x up: the acceptance range).
OTA_MULTIPLES = (0.8, 1.2, 1.5, 2.0, 3.0, 5.0, 10.0, 20.0, 40.0)
#: Ideal-netlist sweep currents as multiples of the closed-form rheobase.
IDEAL_MULTIPLES = (0.8, 1.1, 1.5, 2.0, 3.0, 5.0, 10.0, 20.0)
#: Rate (Hz) at which the transistor neurons' energy per spike is measured for comparison with published neurons
#: (issue 14: the figure of merit at 30 Hz): one transient at the current the device-aware theory gives it for.
ENERGY_RATE = 30.0
#: Issue 14's spec for lif_lowpower at ENERGY_RATE (tt, 27 °C, default C_m): energy per spike (J) and quiescent
#: power (W) of the neuron's own supply, at most.
LOWPOWER_SPEC = {"energy_per_spike": 3e-12, "quiescent_power": 50e-12}


def _points(result, theory_rate) -> dict:
    return {"current": result.currents.tolist(), "rate": result.rate.tolist(),
            "theory_rate": np.asarray(theory_rate, dtype=float).tolist(),
            "n_spikes": result.column("n_spikes").tolist(), "isi_cv": result.column("isi_cv").tolist(),
            "energy_per_spike": result.column("energy_per_spike").tolist(),
            "supply_power": result.column("supply_power").tolist(),
            "charge_time": result.column("charge_time").tolist(), "errors": result.errors}


def study_points() -> int:
    """SPICE runs that :func:`run_study` reports through ``on_point``: the characterisations, each sweep point and
    the transient of each neuron at :data:`ENERGY_RATE`."""
    return 2 + 3 * len(OTA_MULTIPLES) + len(IDEAL_MULTIPLES) + 2


def energy_at_rate(neuron: SpiceNeuron, char, quiescent: float, rate: float = ENERGY_RATE) -> dict:
    """One transient of ``neuron`` at the current its device-aware theory ``char`` gives ``rate`` (Hz) for: the
    energy per spike of its own supply, split into static (``quiescent`` power × ISI) and dynamic parts, and the
    shared references' power."""
    i_in = brentq(lambda i: float(char.rate(i)) - rate, 1.01 * char.rheobase, 1e3 * char.rheobase)
    tr = neuron.transient(i_in)
    static, dynamic = energy_parts(tr.energy_per_spike, tr.rate, quiescent)
    return {"i_in": i_in, "rate": tr.rate, "energy_per_spike": tr.energy_per_spike, "energy_static": static,
            "energy_dynamic": dynamic, "quiescent_power": quiescent, "shared_power": tr.shared_power}


def _energy(neuron: SpiceNeuron, char, pts: dict, tick) -> dict:
    """Quiescent and shared power at rest (operating point), the static/dynamic split of each point of ``pts``, and
    the energy at :data:`ENERGY_RATE`."""
    quiescent, shared = neuron.quiescent()
    parts = [energy_parts(e, r, quiescent) for e, r in zip(pts["energy_per_spike"], pts["rate"], strict=True)]
    pts.update(quiescent_power=quiescent, shared_quiescent_power=shared, energy_static=[p[0] for p in parts],
               energy_dynamic=[p[1] for p in parts])
    out = energy_at_rate(neuron, char, quiescent)
    if tick:
        tick()
    return out


def _transistor_neuron(name: str, params: LIFParams, design, workers: int, tick, out: dict):
    """Characterise netlist ``name``, sweep it at OTA_MULTIPLES × its rheobase and measure its energy; put its
    points (``out[name]``), netlist and energy in ``out``; return the characterisation, currents and sweep."""
    with SpiceNeuron(name, params, design, workers=workers) as neuron:
        char = neuron.characterize()
        if tick:
            tick()
        currents = np.array(OTA_MULTIPLES) * char.rheobase
        result = neuron.sweep(currents, on_point=tick)
        out[f"netlist_{name}"] = str(neuron.netlist)
        out[name] = _points(result, char.rate(currents))
        out[f"energy_{name}"] = _energy(neuron, char, out[name], tick)
    return char, currents, result


def run_study(workers: int = 2, log=print, params: LIFParams | None = None, on_point=None) -> dict:
    """Run every simulation of the study for ``params`` (default: the analog design's); JSON-ready, no files.

    ``on_point()`` is called after the characterisation and after each finished sweep point (progress).
    """
    tick = (lambda *_: on_point()) if on_point is not None else None
    design = get_circuit("ota").design()
    params = params or ota_params(design)
    c_tsv = typical_tsv_capacitance()
    out: dict = {"params": params.as_dict(), "design": design.as_dict(), "c_tsv": c_tsv}

    log("spice: characterising the OTA (tt, 27 C) and sweeping lif_ota")
    char, currents, result = _transistor_neuron("ota", params, design, workers, tick, out)
    trace = result.transients[OTA_MULTIPLES.index(3.0)]
    if trace is not None:
        keep = trace.time <= min(trace.t_stop, 3.0 / max(trace.rate, 1e-9))
        out["trace"] = {"i_in": trace.i_in, "time": trace.time[keep][::4].tolist(),
                        "v_mem": trace.v_mem[keep][::4].tolist()}
    out["characterization"] = char.as_dict()
    linear = char.linear_params()
    out["linear_params"] = linear.as_dict()
    out["ota"]["linear_rate"] = theory.firing_rate(linear, currents).tolist()

    log("spice: characterising and sweeping lif_lowpower")
    low_design = get_circuit("lowpower").design()
    low_char, _, _ = _transistor_neuron("lowpower", params, low_design, workers, tick, out)
    out["design_lowpower"] = low_design.as_dict()
    out["characterization_lowpower"] = low_char.as_dict()

    log("spice: sweeping lif_ota with a typical TSV")
    tsv_design = design.replace(c_tsv=c_tsv)
    with SpiceNeuron("ota", params, tsv_design, workers=workers) as neuron:
        tsv_result = neuron.sweep(currents, on_point=tick)
    tsv_char = char.with_c_eff(params.c_m + c_tsv)
    out["ota_tsv"] = _points(tsv_result, tsv_char.rate(currents))

    log("spice: sweeping lif_ideal")
    # The ideal netlist is LIFParams as a circuit: the very neuron the closed form and the RTL describe.
    ideal_params = params
    ideal_currents = np.array(IDEAL_MULTIPLES) * ideal_params.rheobase
    with SpiceNeuron("ideal", ideal_params, design, workers=workers) as neuron:
        ideal = neuron.sweep(ideal_currents, on_point=tick)
        out["netlist_ideal"] = str(neuron.netlist)
    out["ideal_params"] = ideal_params.as_dict()
    out["ideal"] = _points(ideal, theory.firing_rate(ideal_params, ideal_currents))
    out["energy_reference"] = analog.spike_energy(params.c_m, params.v_th - params.v_reset, design.vdd)
    out["energy_reference_tsv"] = analog.spike_energy(params.c_m + c_tsv, params.v_th - params.v_reset, design.vdd)
    out["checks"] = checks(out)
    return out


#: Issue 3's acceptance bounds (relative errors) on the keys :func:`checks` returns; the report's error budget
#: and the tests both read them here.
ACCEPTANCE = {"ideal_max_rel_error": 0.01, "ota_max_rel_error": 0.05, "rheobase_rel_error": 0.10,
              "tsv_rel_error": 0.05, "lowpower_max_rel_error": 0.05, "lowpower_rheobase_rel_error": 0.10}


def _in_range(char: dict, pts: dict) -> np.ndarray:
    """The points the device-aware theory is held to: from 1.2× rheobase, comparator delay below 10 % of the ISI."""
    cur, th = np.array(pts["current"]), np.array(pts["theory_rate"], dtype=float)
    return (cur >= 1.2 * char["rheobase"] * (1 - 1e-9)) & (abs(char["comparator_delay"]) * th < 0.1)


def _max_error(char: dict, pts: dict) -> float:
    keep = _in_range(char, pts)
    return float(np.nanmax(relative_error(np.array(pts["rate"], dtype=float)[keep],
                                          np.array(pts["theory_rate"], dtype=float)[keep])))


def checks(data: dict) -> dict:
    """The acceptance numbers of the study (max relative errors, ratios)."""
    char = data["characterization"]
    ota = data["ota"]
    cur = np.array(ota["current"])
    rate = np.array(ota["rate"], dtype=float)
    in_range = _in_range(char, ota)
    linear = np.array(ota["linear_rate"], dtype=float)
    ideal = data["ideal"]
    ideal_ok = (np.array(ideal["n_spikes"], dtype=float) >= 4) & (np.array(ideal["theory_rate"]) > 0)
    tsv_ratio = np.array(data["ota_tsv"]["charge_time"], dtype=float) / np.array(ota["charge_time"], dtype=float)
    c_m = data["params"]["c_m"]
    expected = (c_m + data["c_tsv"]) / c_m
    fires = rate > 0
    silent_below = bool(np.all(rate[cur < char["tanh_rheobase"]] == 0))
    return {
        "ideal_max_rel_error": float(np.nanmax(relative_error(np.array(ideal["rate"], dtype=float)[ideal_ok],
                                                     np.array(ideal["theory_rate"])[ideal_ok]))),
        "ota_max_rel_error": _max_error(char, ota),
        "lowpower_max_rel_error": _max_error(data["characterization_lowpower"], data["lowpower"]),
        "lowpower_rheobase_rel_error": float(abs(data["characterization_lowpower"]["rheobase"]
                                                 / data["characterization_lowpower"]["tanh_rheobase"] - 1)),
        "ota_linear_max_rel_error": float(np.nanmax(relative_error(rate[in_range & (linear > 0)],
                                                         linear[in_range & (linear > 0)]))),
        "ota_points_where_linear_is_silent": int(np.sum(in_range & (linear == 0))),
        "rheobase_rel_error": float(abs(char["rheobase"] / char["tanh_rheobase"] - 1)),
        "silent_below_rheobase": silent_below,
        "fires_above": bool(np.all(fires[cur > 1.1 * char["rheobase"]])),
        "tsv_charge_ratio": np.nanmean(tsv_ratio[fires]).item(),
        "tsv_expected_ratio": expected,
        "tsv_rel_error": float(np.nanmax(relative_error(tsv_ratio[fires], expected))),
    }


def _csv(points: dict) -> bytes:
    buffer = io.StringIO()
    keys = ["current", "rate", "theory_rate", "n_spikes", "isi_cv", "energy_per_spike", "charge_time"]
    if "linear_rate" in points:
        keys.append("linear_rate")
    writer = csv.writer(buffer)
    writer.writerow(keys + ["error"])
    for k in range(len(points["current"])):
        writer.writerow([points[key][k] for key in keys] + [points["errors"][k] or ""])
    return buffer.getvalue().encode()


def figures(data: dict) -> dict:
    """Matplotlib figures of the study: 'fi', 'iv', 'energy' and (if present) 'trace'."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figs = {}
    fig, ax = plt.subplots(figsize=(7, 4.4))
    for key, label, style in (("ota", "SPICE lif_ota", "o"), ("ota_tsv", "SPICE lif_ota + TSV", "s"),
                              ("ideal", "SPICE lif_ideal", "^")):
        pts = data[key]
        ax.plot(np.array(pts["current"]) * 1e12, pts["rate"], style, mfc="none", label=label)
        ax.plot(np.array(pts["current"]) * 1e12, pts["theory_rate"], "-", lw=1,
                label={"ota": "device-aware theory", "ota_tsv": "device-aware theory + TSV",
                       "ideal": "closed form (linear LIF)"}[key])
    ax.plot(np.array(data["ota"]["current"]) * 1e12, data["ota"]["linear_rate"], "k--", lw=1,
            label="linear LIF, same g_m")
    ax.set_xscale("log")
    ax.set_xlabel("input current (pA)")
    ax.set_ylabel("firing rate (Hz)")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7)
    figs["fi"] = fig

    char = data["characterization"]
    v = np.array(char["v"])
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(v, np.array(char["i_leak"]) * 1e12, "k.", ms=3, label="ngspice DC (whole membrane node)")
    fit = analog.ota_leak(v, char["v_zero"], char["i_b_eff"], char["kappa_fit"], char["temp"])
    ax.plot(v, fit * 1e12, "r-", label=f"tanh fit: I_b = {char['i_b_eff'] * 1e12:.3g} pA, κ = {char['kappa_fit']:.3f}")
    ax.plot(v, (v - char["v_zero"]) * char["g_m"] * 1e12, "b--", lw=0.8, label="linear, same g_m")
    ax.set_ylim(-1.6 * char["i_b_eff"] * 1e12, 1.6 * char["i_b_eff"] * 1e12)
    ax.set_xlabel("membrane voltage (V)")
    ax.set_ylabel("leak current drawn (pA)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    figs["iv"] = fig

    fig, ax = plt.subplots(figsize=(7, 4.4))
    for key, marker in (("ota", "o"), ("lowpower", "s")):
        pts = data[key]
        rate = np.array(pts["rate"], dtype=float)
        fires = rate > 0
        ax.plot(rate[fires], np.array(pts["energy_per_spike"], dtype=float)[fires] * 1e12, marker + "-",
                label=f"lif_{key}: supply energy / spike")
        color = ax.lines[-1].get_color()
        ax.plot(rate[fires], np.array(pts["energy_static"], dtype=float)[fires] * 1e12, "--", color=color, lw=0.8,
                label=f"  static: quiescent {pts['quiescent_power'] * 1e12:.3g} pW × ISI")
        ax.plot(rate[fires], np.array(pts["energy_dynamic"], dtype=float)[fires] * 1e12, ":", color=color,
                marker=marker, mfc="none", label="  dynamic: the rest")
    ax.axhline(data["energy_reference"] * 1e12, ls="-.", lw=0.8, color="k", label="C_eff·ΔV·V_dd")
    ax.axvline(ENERGY_RATE, lw=0.5, color="grey")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("firing rate (Hz)")
    ax.set_ylabel("energy per spike, neuron's own supply (pJ)")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7)
    figs["energy"] = fig

    if "trace" in data:
        fig, ax = plt.subplots(figsize=(7, 3.2))
        ax.plot(np.array(data["trace"]["time"]) * 1e3, data["trace"]["v_mem"], "k-", lw=0.8)
        ax.set_xlabel("time (ms)")
        ax.set_ylabel("v(mem) (V)")
        ax.set_title(f"lif_ota membrane at {data['trace']['i_in'] * 1e12:.3g} pA")
        ax.grid(alpha=0.3)
        figs["trace"] = fig
    return figs


def write_study(data: dict, out_dir: Path) -> list[Path]:
    """Write the study's JSON, CSVs and figures under ``out_dir``; return the paths written."""
    import matplotlib.pyplot as plt

    out_dir = Path(out_dir)
    written = []
    for name, payload in (("study.json", json.dumps(data, indent=1, sort_keys=True).encode()),
                          ("characterization.json", json.dumps(data["characterization"], indent=1).encode()),
                          ("fi_ota.csv", _csv(data["ota"])), ("fi_ota_tsv.csv", _csv(data["ota_tsv"])),
                          ("fi_lowpower.csv", _csv(data["lowpower"])), ("fi_ideal.csv", _csv(data["ideal"]))):
        write_atomic(out_dir / name, payload)
        written.append(out_dir / name)
    for name, fig in figures(data).items():
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
        plt.close(fig)
        write_atomic(out_dir / f"{name}.png", buffer.getvalue())
        written.append(out_dir / f"{name}.png")
    return written
