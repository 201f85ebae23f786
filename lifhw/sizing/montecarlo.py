"""Mismatch Monte Carlo through the closed form, with the PDK's block σ; yield and areas for a yield.

The dominant random errors of one neuron are the leak OTA's input offset (it moves the leak's zero V_0), its tail
mirror's relative error on I_b and the comparator's offset on V_th, all zero-mean Gaussians whose σ falls as
1/√(W·L) (Pelgrom et al., *IEEE JSSC* 24(5), 1989). Their σ are not typed here: :func:`Mismatch.from_table` takes
them from the SPICE Monte Carlo of the blocks with the PDK's own statistics (:mod:`lifhw.spice.blocks`), at the
design's area factors. :func:`monte_carlo` samples them and evaluates each neuron with
:class:`lifhw.ota_theory.TanhNeuron`; :func:`areas_for_yield` finds the area factors that bring the share of
neurons within a rate tolerance to a target.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
from scipy.optimize import brentq

from .. import stats
from ..errors import ParameterError
from ..jsonio import Record
from ..limits import check_points
from ..ota_theory import TanhNeuron
from .design import SizedNeuron, _need_positive

#: The area factors (lifhw.spice.design.OTADesign) and the block each scales, in the order of Mismatch's fields.
BLOCK_OF = {"sigma_vos": ("a_leak", "leak_ota"), "sigma_ib": ("a_mirror", "mirror"),
            "sigma_vth": ("a_cmp", "comparator")}
#: Largest area factor the search for a yield tries (the 2/4 µm mirror at 625x is 50/100 µm, the models' limit).
AREA_MAX = 625.0


@dataclass(frozen=True)
class Mismatch:
    """Standard deviations of the dominant mismatches of one neuron.

    The mirror error is drawn as a zero-mean relative error (the first-order form of the subthreshold
    exp(ΔV_T/nU_T)), so the population's mean bias is the programmed one.
    """

    sigma_vos: float  #: OTA input offset (V), shifts the leak's zero
    sigma_ib: float  #: bias-mirror error, standard deviation of ΔI_b/I_b (dimensionless)
    sigma_vth: float  #: comparator offset (V), shifts the realised threshold

    def __post_init__(self) -> None:
        for name in ("sigma_vos", "sigma_ib", "sigma_vth"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0 or math.isinf(value):
                raise ParameterError(name, value, "must be a finite number >= 0")

    @classmethod
    def from_table(cls, table: dict, a_mirror: float = 1.0, a_leak: float = 1.0, a_cmp: float = 1.0) -> Mismatch:
        """The σ of :func:`lifhw.spice.blocks.block_table` at these area factors (its Pelgrom fit)."""
        areas = {"a_mirror": a_mirror, "a_leak": a_leak, "a_cmp": a_cmp}
        return cls(**{name: _sigma_at(table, block, areas[factor]) for name, (factor, block) in BLOCK_OF.items()})

    def scaled(self, factor: float) -> Mismatch:
        return Mismatch(self.sigma_vos * factor, self.sigma_ib * factor, self.sigma_vth * factor)

    def as_dict(self) -> dict:
        return asdict(self)


def _sigma_at(table: dict, block: str, area: float) -> float:
    fit = table["blocks"][block]["fit"]
    return float(fit["sigma_1"] * area ** fit["slope"])


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


def population(nominal: TanhNeuron, mismatch: Mismatch, n: int, seed: int) -> TanhNeuron:
    """``n`` mismatched copies of ``nominal``: its offsets plus the draws, its bias times the mirror error."""
    draw = sample_mismatch(mismatch, n, seed)
    return nominal.replace(i_b=nominal.i_b * draw["ib_factor"], v_offset=nominal.v_offset + draw["v_offset"],
                           v_th_offset=nominal.v_th_offset + draw["v_th_offset"])


@dataclass(frozen=True)
class RateSpread(Record):
    """The rate (Hz) at ``i_in`` (A) of ``n`` mismatched neurons (``seed``): every neuron's rate, their mean,
    standard deviation, coefficient of variation and the standard error of the mean, the nominal (mismatch-free)
    rate, the mean's distance from it in standard errors (``z``) and how many neurons are silent."""

    i_in: float
    n: int
    seed: int
    mismatch: Mismatch
    nominal: float
    mean: float
    std: float
    cv: float
    stderr: float
    z: float
    silent: int
    rates: np.ndarray


def monte_carlo(design: SizedNeuron | TanhNeuron, i_in: float, mismatch: Mismatch, n: int = 2000,
                seed: int = 0) -> RateSpread:
    """The :class:`RateSpread` at ``i_in`` (A) of ``n`` mismatched copies of ``design`` (a sized design, or the
    closed-form neuron itself)."""
    _need_positive("i_in", i_in, "A")
    nominal = design.neuron() if isinstance(design, SizedNeuron) else design
    rates = population(nominal, mismatch, n, seed).rate(i_in)
    nominal_rate = float(nominal.rate(i_in))
    mean, std = float(np.mean(rates)), float(np.std(rates, ddof=1))
    stderr = std / math.sqrt(n)
    return RateSpread(i_in, n, seed, mismatch, nominal_rate, mean, std, std / mean if mean > 0 else math.inf, stderr,
                      (mean - nominal_rate) / stderr if stderr > 0 else 0.0, int(np.sum(rates == 0)), rates)


def rate_histogram(rates, bins: int) -> dict:
    """Counts of the finite ``rates`` in ``bins`` equal bins over their range (one unit-wide range around a
    population with no spread worth a bin), and the bin edges."""
    rates = np.asarray(rates, dtype=float)
    rates = rates[np.isfinite(rates)]
    lo, hi = (float(np.min(rates)), float(np.max(rates))) if len(rates) else (0.0, 1.0)
    if hi - lo <= 1e-12 * max(abs(hi), 1.0):
        # No spread worth a bin (no mismatch, or none that moves the rate): one unit-wide range around it.
        lo, hi = lo - 0.5, hi + 0.5
    counts, edges = np.histogram(rates, bins=bins, range=(lo, hi))
    return {"counts": counts, "edges": edges}


def anchored_neuron(c_eff: float, v_rest: float, v_reset: float, v_th: float, temp: float, v_zero: float,
                    i_b_eff: float, kappa: float, i_in: float, rate: float) -> TanhNeuron:
    """The closed-form neuron of a SPICE-characterised one: its tanh leak (I_b,eff, κ at the zero V_0), and the
    dead time that makes its rate at ``i_in`` the measured ``rate`` (so the closed form's own error on the nominal,
    a few %, does not count against its prediction of the spread)."""
    neuron = TanhNeuron(c_eff, i_b_eff, kappa, v_th - v_reset, temp, 0.0, v_reset=v_reset - v_rest,
                        v_offset=v_zero - v_rest)
    charge = float(neuron.time_to_threshold(i_in))
    if not rate > 0 or not math.isfinite(charge):
        raise ParameterError("i_in", i_in, "the nominal neuron must fire there to anchor the closed form on it")
    return neuron.replace(t_dead=1.0 / rate - charge)


def sensitivities(nominal: TanhNeuron, i_in: float) -> dict[str, float]:
    """d(rate)/dx (Hz per unit) at ``i_in`` for each mismatch of :class:`Mismatch` (central differences)."""
    steps = {"sigma_vos": ("v_offset", 1e-4), "sigma_ib": ("i_b", 1e-4 * nominal.i_b),
             "sigma_vth": ("v_th_offset", 1e-4)}
    out = {}
    for name, (field, h) in steps.items():
        base = getattr(nominal, field)
        up = float(nominal.replace(**{field: base + h}).rate(i_in))
        down = float(nominal.replace(**{field: base - h}).rate(i_in))
        scale = nominal.i_b if field == "i_b" else 1.0  # per unit relative error of I_b
        out[name] = (up - down) / (2 * h) * scale
    return out


def yield_of(nominal: TanhNeuron, i_in: float, mismatch: Mismatch, target: float, tolerance: float, n: int,
             seed: int) -> dict:
    """The closed form's share of neurons whose rate at ``i_in`` is within ``target`` × (1 ± ``tolerance``)."""
    rates = population(nominal, mismatch, n, seed).rate(i_in)
    return stats.spec_yield(rates, target, tolerance) | {"rate": stats.describe(rates)}


def areas_for_yield(nominal: TanhNeuron, i_in: float, table: dict, target: float, tolerance: float,
                    wanted: float, n: int, seed: int, block_area: dict[str, float]) -> dict:
    """Area factors of the three blocks (each >= 1) whose closed-form yield reaches ``wanted``, at least area.

    The nominal stays where it is (the caller re-centres the re-sized neuron's bias on the target). Each block's
    contribution to the rate variance is (S_i σ_i(a_i))² with σ_i from the table's Pelgrom fit; the allocation
    that minimises Σ A_i a_i (``block_area``: µm² of each block's matched devices at 1×) for a given variance
    puts a_i ∝ sqrt(S_i² σ_i(1)²/A_i) (a Lagrange multiplier, slope −1/2); one scale t of that allocation is then
    bisected on the closed-form yield (the same draws for every t).
    """
    sens = sensitivities(nominal, i_in)
    weight = {}
    for name, (factor, block) in BLOCK_OF.items():
        weight[factor] = math.sqrt((sens[name] * _sigma_at(table, block, 1.0)) ** 2 / block_area[block])

    def areas(t: float) -> dict[str, float]:
        return {factor: min(max(1.0, t * w), AREA_MAX) for factor, w in weight.items()}

    def shortfall(t: float) -> float:
        return yield_of(nominal, i_in, Mismatch.from_table(table, **areas(t)), target, tolerance, n,
                        seed)["yield"] - wanted

    hi = AREA_MAX / max(weight.values())
    if shortfall(hi) < 0:
        raise ParameterError("yield", wanted, f"is not reached within the {AREA_MAX:g}x area the device models "
                                              f"allow (closed form: {shortfall(hi) + wanted:.4f} at the largest "
                                              f"areas; relax --rate-tol or the yield)")
    lo = 0.0
    if shortfall(lo) >= 0:
        return {"areas": areas(lo), "t": lo, "sensitivities": sens}
    t = brentq(shortfall, lo, hi, xtol=1e-3 * hi) if shortfall(hi) > 0 else hi
    # brentq stops on either side of the step where the (integer-count) yield crosses: take the side that meets it
    while shortfall(t) < 0:
        t *= 1.01
    return {"areas": areas(t), "t": t, "sensitivities": sens}
