"""Small integer networks and a calibration for the analog-network tests (numbers chosen, not measured)."""

from __future__ import annotations

import numpy as np

from lifhw import fixed
from lifhw.analognet.mapping import Calibration
from lifhw.params import LIFParams

#: lif_ota's numbers as a calibration measures them (a given input of the model under test, not an expected result).
CAL = Calibration(circuit="ota", temp=27.0, vdd=1.8, v_rest=0.6, theta_v=0.3, c_eff=2.6e-12, kappa=0.73, i_b=1e-11,
                  i_b_eff=1.05e-11, v_zero=5e-3)

#: A block table's shape with lif_ota's Pelgrom fits (inputs of the search, not expected results).
TABLE = {"blocks": {
    "comparator": {"fit": {"sigma_1": 8.7e-3, "slope": -0.52}, "devices": {"nfet pair": 1.0, "pfet load": 1.0}},
    "leak_ota": {"fit": {"sigma_1": 4.9e-3, "slope": -0.5}, "devices": {"nfet pair": 4.0, "pfet load": 4.0}},
    "mirror": {"fit": {"sigma_1": 0.05, "slope": -0.54}, "devices": {"nfet mirror": 8.0}}}}


def tiny_net(sizes=(64, 8, 10), seed=0, reset_mode="reset", ref_steps=0, scale=0.6) -> fixed.FixedNetwork:
    """A FixedNetwork of random weights (±``scale`` θ) with the digits network's neuron (τ 20 ms, dt 1 ms)."""
    base = LIFParams()
    params = base.replace(c_m=20e-3 / base.r_m, v_reset=base.v_rest, t_ref=ref_steps * 1e-3)
    rng = np.random.default_rng(seed)
    layers = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=False):
        acc = fixed.default_acc_width(8, n_in, 16)
        fmt = fixed.FixedFormat(width=16, frac=12, leak="mult", leak_frac=16, reset_mode=reset_mode, in_width=acc)
        q = fixed.quantize(params, 1e-3, fmt)
        w = np.clip(np.rint(rng.normal(0.1, scale, (n_out, n_in)) * q.rtl["THRESH"]), -128, 127).astype(np.int64)
        layers.append(fixed.FixedLayer(w, q, 8, acc))
    return fixed.FixedNetwork(tuple(layers))


def events(n=40, steps=16, n_in=64, seed=1, p=0.25) -> np.ndarray:
    return np.random.default_rng(seed).random((n, steps, n_in)) < p
