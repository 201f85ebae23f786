"""Mismatch Monte Carlo of the sized neuron through the closed form (fast; the SPICE one is in lifhw.spice).

The dominant random errors of one neuron are the OTA's input offset (it moves the leak's zero), the bias
mirror's relative error on I_b and the comparator's offset on V_th, all zero-mean Gaussians (Pelgrom et al.,
*IEEE JSSC* 24(5), 1989); :func:`monte_carlo` samples them and evaluates each neuron with
:class:`lifhw.ota_theory.TanhNeuron`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from ..errors import ParameterError
from ..limits import check_points
from .design import SizedNeuron, _need_positive


@dataclass(frozen=True)
class Mismatch:
    """Standard deviations of the dominant mismatches of one neuron.

    Defaults are Pelgrom estimates for the devices of the DESIGN OTA with A_VT ≈ 5 mV·µm (sky130 nfet):
    the 2/2 µm input pair gives σ(V_os) = √2·A_VT/√(WL) ≈ 3.5 mV; the 2/4 µm mirror gives
    σ(ΔV_T) ≈ 2.5 mV, i.e. σ(ΔI_b/I_b) = 2.5 mV / (n U_T) ≈ 0.07; a small latch comparator ≈ 5 mV.
    The mirror error is drawn as a zero-mean relative error (the first-order form of the subthreshold
    exp(ΔV_T/nU_T)), so the population's mean bias is the programmed one.
    """

    sigma_vos: float = 3.5e-3  #: OTA input offset (V), shifts V_rest
    sigma_ib: float = 0.07  #: bias-mirror error, standard deviation of ΔI_b/I_b (dimensionless)
    sigma_vth: float = 5e-3  #: comparator offset (V), shifts V_th

    def __post_init__(self) -> None:
        for name in ("sigma_vos", "sigma_ib", "sigma_vth"):
            if not getattr(self, name) >= 0:
                raise ParameterError(name, getattr(self, name), "must be >= 0")

    def scaled(self, factor: float) -> Mismatch:
        return Mismatch(self.sigma_vos * factor, self.sigma_ib * factor, self.sigma_vth * factor)

    def as_dict(self) -> dict:
        return asdict(self)


def sample_mismatch(mismatch: Mismatch, n: int, seed: int) -> dict[str, np.ndarray]:
    """``n`` neurons' offsets: V_os (V), bias factor I_b,actual/I_b and V_th offset (V).

    The same seed gives the same draws; the bias factor is clipped at 0 (a mirror cannot reverse).
    """
    if isinstance(n, bool) or not (isinstance(n, int | np.integer) and n >= 2):
        raise ParameterError("n", n, "must be a whole number >= 2")
    if isinstance(seed, bool) or not (isinstance(seed, int | np.integer) and seed >= 0):
        raise ParameterError("seed", seed, "must be a whole number >= 0")
    check_points("n", n, n, "neurons")
    z = np.random.default_rng(seed).standard_normal((n, 3))
    return {"v_offset": mismatch.sigma_vos * z[:, 0], "ib_factor": np.clip(1.0 + mismatch.sigma_ib * z[:, 1], 0, None),
            "v_th_offset": mismatch.sigma_vth * z[:, 2]}


def monte_carlo(design: SizedNeuron, i_in: float, mismatch: Mismatch = Mismatch(), n: int = 2000,
                seed: int = 0) -> dict:
    """Rate (Hz) at ``i_in`` (A) across a population of ``n`` mismatched copies of ``design``.

    Returns the rates and their mean, standard deviation, the standard error of the mean, the
    nominal (mismatch-free) rate and the mean's distance from it in standard errors.
    """
    _need_positive("i_in", i_in, "A")
    draw = sample_mismatch(mismatch, n, seed)
    rates = design.neuron(i_b=design.i_b_eff * draw["ib_factor"], v_offset=draw["v_offset"],
                          v_th_offset=draw["v_th_offset"]).rate(i_in)
    nominal = float(design.rate(i_in))
    mean, std = float(np.mean(rates)), float(np.std(rates, ddof=1))
    stderr = std / math.sqrt(n)
    return {"i_in": i_in, "n": n, "seed": seed, "mismatch": mismatch.as_dict(), "nominal": nominal, "mean": mean,
            "std": std, "cv": std / mean if mean > 0 else math.inf, "stderr": stderr,
            "z": (mean - nominal) / stderr if stderr > 0 else 0.0, "silent": int(np.sum(rates == 0)),
            "rates": rates}
