"""Forward Euler against the exact integrator, across the stability bound h = 2τ.

Relaxing towards V_∞ (here V_rest, no input), one forward-Euler step multiplies the distance
:math:`V − V_\\infty` by :math:`1 − h/\\tau`: its magnitude shrinks for h < 2τ and grows as
:math:`|1 − h/\\tau|^n` beyond, with alternating sign — the neuron "explodes into meaningless numbers".
The exact (propagator) update multiplies it by :math:`e^{−h/\\tau} < 1` at every h. The simulated
factor is the geometric mean of |distance| ratios over ``n_steps`` steps from ``v0_offset`` above rest,
with the threshold moved out of the way so that only the integrator is observed.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import ParameterError
from ..limits import check_steps
from ..sim import simulate
from ..theory import euler_amplification
from ..units import QUANTITIES
from .base import Param, Scenario, ScenarioResult, result_params

TOLERANCE = 0.02
PARAMS = (
    Param("h_ratios", (0.5, 1.5, 1.9, 2.1, 3.0), "", "steps h/tau_m (comma list)", minimum=0.0, is_list=True),
    Param("n_steps", 12, "", "steps over which the growth per step is measured", minimum=0.0, integer=True,
          work=True),
    Param("v0_offset", 10e-3, "V", "initial distance above rest"),
)


def _key(ratio: float) -> str:
    return f"{ratio:g}"


def growth_per_step(distance: np.ndarray, floor: float = 1e-12) -> float:
    """Geometric-mean factor by which |distance| (V) changes per step.

    Only the leading steps while |distance| >= ``floor`` count: potentials near −70 mV carry ~1e-17 V of
    round-off, so a distance the exact integrator has shrunk to that level no longer measures it.
    """
    d = np.abs(np.asarray(distance, dtype=float))
    n = max(1, int(np.argmax(d < floor)) - 1 if np.any(d < floor) else len(d) - 1)
    return float((d[n] / d[0]) ** (1.0 / n))


def run(neuron, h_ratios, n_steps, v0_offset) -> ScenarioResult:
    if n_steps != int(n_steps):
        raise ParameterError("n_steps", n_steps, "must be a whole number > 0")
    if not abs(v0_offset) >= 1e-6:
        raise ParameterError("v0_offset", v0_offset, "must be at least 1 uV from rest (the distance measured)")
    n_steps = int(n_steps)
    check_steps("h_ratios", list(h_ratios), 2 * len(h_ratios) * n_steps,
                "2 methods x h_ratios x n_steps: time steps of the run")
    longest = QUANTITIES["s"].huge / neuron.tau_m
    if max(h_ratios) > longest:
        raise ParameterError("h_ratios", list(h_ratios), f"must be at most {longest:.6g}: a step h = ratio x tau_m "
                                                         f"(tau_m = {neuron.tau_m:.6g} s) beyond 1e6 s is not a time "
                                                         "lifhw models")
    # The threshold goes out of the way: above the largest excursion, |v0_offset|·max|1 - h/tau|^n_steps.
    growth = max(1.0, float(np.max(euler_amplification(np.asarray(h_ratios), 1.0))))
    top = QUANTITIES["V"].huge

    def log_reach(steps: int) -> float:  # log10 of the excursion: growth**steps overflows a float first
        return math.log10(abs(v0_offset)) + steps * math.log10(growth)

    room = (top - abs(neuron.v_rest)) / 2  # a threshold 2·reach above rest must stay within the voltages
    if not (room > 0 and log_reach(n_steps) <= math.log10(room)):
        # Name what broke it: the ratios if they do at the default number of steps, else the number of steps.
        culprit = "h_ratios" if log_reach(PARAMS[1].default) > math.log10(top) else "n_steps"
        raise ParameterError(culprit, list(h_ratios) if culprit == "h_ratios" else n_steps,
                             f"lets the Euler error grow to 10^{log_reach(n_steps):.4g} V in {n_steps} steps: a "
                             f"threshold that far above v_rest = {neuron.v_rest:g} V is beyond the {top:g} V lifhw "
                             "models; lower the h_ratios past 2, n_steps or v0_offset")
    reach = abs(v0_offset) * growth**n_steps
    free = neuron.replace(v_th=neuron.v_rest + 2 * reach)
    tau = neuron.tau_m
    predicted, simulated, checks, series = {}, {}, {}, {"n": np.arange(n_steps + 1), "h_ratios": list(h_ratios)}
    for ratio in h_ratios:
        h = ratio * tau
        traces = {}
        for method in ("euler", "exact"):
            with np.errstate(over="ignore", invalid="ignore"):
                res = simulate(free, n_steps * h, h, v0=neuron.v_rest + v0_offset, method=method, record_v=True,
                               allow_unstable=True)
            traces[method] = res.v[:, 0] - neuron.v_rest
        key = _key(ratio)
        predicted[f"growth_euler_h{key}"] = float(euler_amplification(h, tau))
        simulated[f"growth_euler_h{key}"] = growth_per_step(traces["euler"])
        predicted[f"growth_exact_h{key}"] = float(np.exp(-ratio))
        simulated[f"growth_exact_h{key}"] = growth_per_step(traces["exact"])
        checks[f"exact_stable_h{key}"] = bool(np.all(np.abs(np.diff(np.abs(traces["exact"]))) >= 0)
                                              and np.all(np.abs(traces["exact"][1:]) < abs(v0_offset)))
        series[f"euler_{key}"], series[f"exact_{key}"] = traces["euler"], traces["exact"]
    details = {"stable_bound_h": float(2 * tau), "unstable_ratios": [r for r in h_ratios if r >= 2]}
    return ScenarioResult("euler-stability", result_params(neuron, h_ratios=tuple(h_ratios), n_steps=n_steps,
                                                           v0_offset=v0_offset),
                          predicted, simulated, TOLERANCE, checks, details, series)


def figure(result: ScenarioResult):
    import matplotlib.pyplot as plt

    s = result.series
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9.5, 3.8))
    n = np.asarray(s["n"])
    for ratio in np.atleast_1d(s["h_ratios"]):
        key = _key(float(ratio))
        line, = ax1.plot(n, np.asarray(s[f"euler_{key}"]) * 1e3, "o-", ms=3, lw=0.8, label=f"h/τ = {key}")
        ax2.semilogy(n, np.abs(np.asarray(s[f"exact_{key}"])) * 1e3, "s-", ms=3, lw=0.8, color=line.get_color(),
                     label=f"h/τ = {key}")
    ax1.set_yscale("symlog", linthresh=1.0)
    ax1.set_xlabel("step n")
    ax1.set_ylabel("V − V_rest (mV)")
    ax1.set_title("forward Euler: past h = 2τ the neuron explodes", fontsize=9)
    ax1.legend(fontsize=7)
    ax2.set_xlabel("step n")
    ax2.set_ylabel("|V − V_rest| (mV)")
    ax2.set_title("exact integrator: decays by e^(−h/τ) at every h", fontsize=9)
    ax2.legend(fontsize=7)
    fig.tight_layout()
    return fig


SCENARIO = Scenario("euler-stability", "Forward Euler explodes past h = 2τ",
                    "error growth per step |1 - h/tau| (Euler) and exp(-h/tau) (exact) at each step ratio",
                    PARAMS, run, figure,
                    tolerance_note="2 %; both growth factors are exact up to round-off, measured above 1 pV")
