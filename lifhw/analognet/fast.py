"""The fast device-aware model of a mapped network: every neuron's realised threshold, leak zero and leak bias,
step-driven in numpy and vectorised over dies and samples (the whole held-out split on 100 dies in seconds).

State x = V_mem − V_rest per neuron. Per step and layer, in the order of the circuit's windows: the membrane decays
freely for dt by the OTA leak's exact flow (C dx/dt = −I_b,eff·tanh(a(x − V_0)), a = κ/2U_T: sinh(a(x − V_0))
decays as e^{−t/τ}, τ = C/(a·I_b,eff)); the step's packets add Σ_j w_ij s_j·q_lsb/C_eff at once (simultaneous equal
pulses: charge conservation), clipped at the membrane floor (the synapses' compliance); the neuron fires iff the
peak reaches its threshold θ_i, and a neuron that fired is reset to V_reset = V_rest (x = 0); its spike feeds the
next layer in the same step. Each sample starts at the operating point, x = V_0 of every neuron.

The leak during the pulse (≤ I_b·t_w/C, 0.08 mV at the default design) and the reset's release ~0.35 mV below
V_reset are not modelled; the comparator's trip is taken as the threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ParameterError
from ..fixed import FixedNetwork
from ..limits import check_memory
from .mapping import AnalogMapping

#: The model's error (V) on the membrane relative to the threshold at the decision, for lif_ota (the issue-24
#: study's measurements): C_eff is C_m, the membrane node's dynamic capacitance is 9.5 fF more (0.36 % of θ_V:
#: 1.1 mV at θ); the pulse threshold sits 0.1 mV below V_th; the reset releases 0.35 mV below V_reset. A count can
#: differ from SPICE's only where a neuron-step's margin |u − θ| is below it.
MODEL_ERROR = 2e-3


def tanh_flow(x, v0, a, tau, t):
    """x after a free decay of length ``t`` under C dx/dt = −I_b·tanh(a(x − v0)), τ = C/(a·I_b): the closed form
    v0 + asinh(sinh(a(x − v0))·e^{−t/τ})/a (|a(x − v0)| stays below ~70 in a 1.8 V window: no overflow)."""
    return v0 + np.arcsinh(np.sinh(a * (x - v0)) * np.exp(-t / tau)) / a


@dataclass(frozen=True, eq=False)
class Die:
    """The analog neurons of K dies: per layer, arrays (K, n) of the realised threshold ``theta`` and the leak's
    zero ``v0`` (V from V_rest) and the leak bias ``i_b_eff`` (A)."""

    theta: tuple[np.ndarray, ...]
    v0: tuple[np.ndarray, ...]
    i_b_eff: tuple[np.ndarray, ...]

    @property
    def n_dies(self) -> int:
        return self.theta[0].shape[0]


def nominal_die(mapping: AnalogMapping, net: FixedNetwork) -> Die:
    """One die without mismatch: every neuron at the calibration's threshold swing, leak zero and the layer's bias."""
    cal = mapping.calibration
    return Die(theta=tuple(np.full((1, layer.n_out), cal.theta_v) for layer in net.layers),
               v0=tuple(np.full((1, layer.n_out), cal.v_zero) for layer in net.layers),
               i_b_eff=tuple(np.full((1, layer.n_out), i_b) for layer, i_b in zip(net.layers, mapping.i_b_eff,
                                                                                  strict=True)))


@dataclass(frozen=True, eq=False)
class AnalogRun:
    """What :func:`run` returns: ``spikes[l]`` bool (K, N, T, n_l) per layer; ``floor_fraction[l]``, the share of
    layer l's neuron-steps whose membrane the floor clipped; ``near[l]`` (K, N), the neuron-steps of each sample
    whose peak came within :data:`MODEL_ERROR` of the threshold (where another model may decide otherwise)."""

    spikes: tuple[np.ndarray, ...]
    floor_fraction: tuple[float, ...]
    near: tuple[np.ndarray, ...]

    @property
    def counts(self) -> tuple[np.ndarray, ...]:
        """Spikes per neuron over the sample, per layer: int64 (K, N, n_l)."""
        return tuple(s.sum(axis=-2, dtype=np.int64) for s in self.spikes)

    @property
    def prediction(self) -> np.ndarray:
        """The class of every die and sample, (K, N): argmax of the output counts, ties to the lowest index (as
        :attr:`lifhw.fixed.NetworkRun.prediction`)."""
        return np.argmax(self.counts[-1], axis=-1)


def run(mapping: AnalogMapping, net: FixedNetwork, die: Die, events, linear: bool = False) -> AnalogRun:
    """``net`` mapped by ``mapping`` on the neurons of ``die`` over input ``events`` (bool (N, T, n_in)).

    ``linear``: the leak as the linear x ← V_0 + (x − V_0)·e^{−dt/τ} and no floor: the discrete network's own update
    in volts (the check that the mapping is the network's arithmetic)."""
    ev = np.asarray(events, dtype=bool)
    if ev.ndim != 3 or ev.shape[2] != net.n_in:
        raise ParameterError("events", ev.shape, f"must be (samples, steps, {net.n_in}) input events")
    k, (n, steps, _) = die.n_dies, ev.shape
    check_memory("dies", k, 9 * k * n * steps * sum(layer.n_out for layer in net.layers),
                 "spikes and membranes of every die, sample and step: bytes")
    a = mapping.a
    state, spikes, clipped, near = [], [], [], []
    for index, layer in enumerate(net.layers):
        state.append(np.broadcast_to(die.v0[index][:, None, :], (k, n, layer.n_out)).astype(float))
        spikes.append(np.zeros((k, n, steps, layer.n_out), dtype=bool))
        clipped.append(0)
        near.append(np.zeros((k, n), dtype=np.int64))
    for step in range(steps):
        s = ev[None, :, step, :].astype(float)
        for index, layer in enumerate(net.layers):
            v0 = die.v0[index][:, None, :]
            tau = (mapping.calibration.c_eff / (a * die.i_b_eff[index]))[:, None, :]
            x = state[index]
            if linear:
                x = v0 + (x - v0) * np.exp(-mapping.dt / tau)
            else:
                x = tanh_flow(x, v0, a, tau, mapping.dt)
            dx = (s @ layer.weights.T.astype(float)) * (mapping.q_lsb[index] / mapping.calibration.c_eff)
            peak = x + dx
            if not linear:
                below = peak < mapping.x_floor
                clipped[index] += int(below.sum())
                peak = np.where(below, mapping.x_floor, peak)
            fire = peak >= die.theta[index][:, None, :]
            near[index] += np.sum(np.abs(peak - die.theta[index][:, None, :]) < MODEL_ERROR, axis=-1)
            state[index] = np.where(fire, 0.0, peak)
            spikes[index][:, :, step, :] = fire
            s = fire.astype(float)
    floor = tuple(c / (k * n * steps * layer.n_out) for c, layer in zip(clipped, net.layers, strict=True))
    return AnalogRun(tuple(spikes), floor, tuple(near))

