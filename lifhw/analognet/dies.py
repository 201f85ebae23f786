"""The PDK's mismatch per die: each neuron's realised threshold, leak zero and leak bias drawn from the σ of the
SPICE Monte Carlo of the blocks (:func:`lifhw.spice.blocks.block_table` through
:class:`lifhw.sizing.montecarlo.Mismatch`, at the design's area factors).

Die k of seed S is drawn from ``SeedSequence([S, k])`` alone: the same seed gives the same dies, die k is the same
whatever the number of dies asked, and another seed gives other dies. Per neuron (layers in order, neurons in
order): θ_i = θ_V + σ_vth·z₁, V_0,i = V_0 + σ_vos·z₂, I_b,eff,i = I_b,eff·(1 + σ_ib·z₃) (the mirror's relative
error; clipped at 1 % of the bias, a mirror does not reverse), z ~ N(0, 1).

A SPICE die is another realisation of the same statistics: sky130's own per-instance mismatch drawn in ngspice
(:mod:`lifhw.analognet.spicenet`); :func:`extracted` is the fast model of such a die, from its neurons' measured
numbers.
"""

from __future__ import annotations

import numpy as np

from ..errors import ParameterError
from ..fixed import FixedNetwork
from ..limits import check_points
from ..sizing.montecarlo import Mismatch
from .fast import Die
from .mapping import AnalogMapping, Calibration, map_network

#: Smallest bias factor a drawn mirror keeps (a 20-σ draw at the PDK's 5 %: never reached in practice).
BIAS_FLOOR = 0.01


def die_normals(net: FixedNetwork, seed: int, k: int) -> np.ndarray:
    """The standard normals of die ``k``: (3, neurons of every layer), from ``SeedSequence([seed, k])``."""
    return np.random.default_rng(np.random.SeedSequence([seed, k])).standard_normal(
        (3, sum(layer.n_out for layer in net.layers)))


def draw(mapping: AnalogMapping, net: FixedNetwork, mismatch: Mismatch, seed: int, dies: int) -> Die:
    """Dies 0 … ``dies`` − 1 of ``seed``: the nominal neurons of ``mapping`` with ``mismatch``'s σ."""
    if isinstance(dies, bool) or not isinstance(dies, int | np.integer) or dies < 1:
        raise ParameterError("dies", dies, "must be a whole number >= 1")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ParameterError("seed", seed, "must be a whole number >= 0")
    check_points("dies", dies, dies, "dies")
    z = np.stack([die_normals(net, seed, k) for k in range(dies)], axis=1)  # (3, K, neurons)
    cal = mapping.calibration
    theta, v0, i_b = [], [], []
    start = 0
    for layer, i_b_eff in zip(net.layers, mapping.i_b_eff, strict=True):
        part = z[:, :, start:start + layer.n_out]
        start += layer.n_out
        theta.append(cal.theta_v + mismatch.sigma_vth * part[0])
        v0.append(cal.v_zero + mismatch.sigma_vos * part[1])
        i_b.append(i_b_eff * np.maximum(1.0 + mismatch.sigma_ib * part[2], BIAS_FLOOR))
    return Die(tuple(theta), tuple(v0), tuple(i_b))


def extracted(mapping: AnalogMapping, run) -> Die:
    """The fast model's neurons of the SPICE die of ``run`` (a :class:`lifhw.analognet.spicenet.SpiceNetworkRun` on
    a die): the calibrated nominal neurons of ``mapping`` moved by each neuron's measured deviation from its layer's
    nominal reference on the same deck — θ by its trip's, V_0 by its leak zero's, I_b,eff by its ratio. Deviations
    rather than the measured values: the extraction's DC trip and coarse I-V are not the calibration's measures (the
    pulse threshold sits 0.46 mV above the DC trip), but they move with the devices as those do."""
    cal = mapping.calibration
    theta, v0, i_b = [], [], []
    for neurons, ref, i_b_eff in zip(run.extraction, run.reference, mapping.i_b_eff, strict=True):
        theta.append(np.array([[cal.theta_v + n["trip"] - ref["trip"] for n in neurons]]))
        v0.append(np.array([[cal.v_zero + n["v_zero"] - ref["v_zero"] for n in neurons]]))
        i_b.append(np.array([[i_b_eff * n["i_b_eff"] / ref["i_b_eff"] for n in neurons]]))
    return Die(tuple(theta), tuple(v0), tuple(i_b))


def training_device(net: FixedNetwork, cal: Calibration, table: dict, scale: float = 1.0) -> dict:
    """The device model mismatch-aware training fine-tunes ``net`` through (the keys of
    :func:`lifhw.learn.model.analog_spec`): ``net`` mapped on the calibrated neurons, the block table's σ at the
    default design × ``scale``."""
    mapped = map_network(net, cal)
    sigma = Mismatch.from_table(table).scaled(scale)
    return {"a": mapped.a, "theta_v": cal.theta_v, "v_zero": cal.v_zero, "x_floor": mapped.x_floor,
            **sigma.as_dict()}
