"""The SPICE Monte Carlo of a design beside the closed form's prediction, its yield, and the areas for a yield.

:func:`evaluate` runs :func:`lifhw.spice.montecarlo.run_montecarlo` on lif_ota built for a design, summarises the
rate at the input current (mean, σ, quantiles, a yield against a rate spec with its Clopper–Pearson interval) and
puts beside it the closed-form Monte Carlo (:mod:`lifhw.sizing.montecarlo`) with the PDK-derived block σ
(:mod:`lifhw.spice.blocks`) at the design's area factors, anchored on the SPICE nominal neuron (its I-V's V_0,
I_b,eff and κ; the dead time that gives its measured rate). :func:`size_for_yield` evaluates a design and, when its
SPICE yield falls short, scales the matched devices' areas by the closed form until it predicts the yield, then
evaluates the re-sized netlist in SPICE.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import limits, stats
from ..errors import SpiceError
from ..jsonio import Record
from ..params import LIFParams
from ..spice import blocks
from ..spice.deck import AnalogNeuron
from ..spice.design import OTADesign, ota_params, threshold
from ..spice.executor import Executor
from ..spice.montecarlo import STORE_DIR, Failure, MonteCarloRun, column, nominal_neuron, run_montecarlo
from ..spice.netlist import get_circuit
from .design import SizedNeuron
from .montecarlo import BLOCK_OF, Mismatch, anchored_neuron, areas_for_yield, monte_carlo, yield_of

#: Re-centring the re-sized neuron's bias: steps at most, and how close (a fraction of the rate tolerance).
RECENTRE_STEPS, RECENTRE_TOLERANCE = 6, 0.05
#: Closed-form draws beside a SPICE Monte Carlo (its standard error is then negligible against SPICE's).
CLOSED_FORM_N = 100_000
#: Quantities of each sample in the per-sample table (the point ones at the input current).
TABLE = ("rate", "threshold", "energy_per_spike", "n_spikes", "v_zero", "g_m", "tau", "i_b_eff", "kappa",
         "rheobase")


def spice_design(sized: SizedNeuron, corner: str | None = None, temp: float | None = None, circuit: str = "ota"
                 ) -> tuple[LIFParams, OTADesign]:
    """The LIFParams and OTADesign (``circuit``'s defaults for the rest) of a sized design (at its own corner and
    temperature unless given)."""
    design = get_circuit(circuit).design(i_b=sized.i_b, c_tsv=sized.tsv.c_nom, vdd=sized.vdd,
                                         corner=sized.device.corner if corner is None else corner,
                                         temp=sized.temp if temp is None else temp)
    params = ota_params(design)
    return params.replace(c_m=sized.c_m, v_th=threshold(params.v_reset, sized.v_swing), t_ref=sized.t_ref), design


def pdk_mismatch(sized: SizedNeuron, corner: str | None = None, temp: float | None = None,
                 executor: Executor | None = None, store_root=blocks.STORE_DIR) -> Mismatch:
    """The σ of the sized neuron's mismatches from the PDK: :func:`lifhw.spice.blocks.block_table` at its corner,
    temperature and biases (a SPICE Monte Carlo of the blocks, stored once), at the netlist's device sizes."""
    return Mismatch.from_table(blocks.block_table(*spice_design(sized, corner, temp), executor,
                                                  store_root=store_root))


def sample_table(result: MonteCarloRun) -> dict[str, list]:
    """The per-sample table of a SPICE Monte Carlo at its first current: k, setseed and :data:`TABLE` columns."""
    samples = result.samples
    out = {"k": [s.k for s in samples], "setseed": [s.setseed for s in samples]}
    for name in TABLE:
        point = 0 if name in ("rate", "threshold", "energy_per_spike", "n_spikes") else None
        values = column(samples, name, point)
        out[name] = [int(v) for v in values] if name == "n_spikes" else values.tolist()
    return out


def _closed_form_n(n: int) -> int:
    return int(min(CLOSED_FORM_N, limits.current().max_points))


@dataclass(frozen=True)
class ClosedForm(Record):
    """The closed form's prediction of a SPICE Monte Carlo at its first current: the mismatch it draws, the dead
    time that anchors it on the nominal neuron, its ``n`` rates and their summary, and how it compares with SPICE
    (σ ratio, difference of the means in standard errors)."""

    mismatch: Mismatch
    t_dead: float
    n: int
    rate: dict[str, int | float]
    std_ratio: float
    mean_difference_se: float
    rates: np.ndarray

    def spec_yield(self, spec: tuple[float, float]) -> dict:
        """Its share of neurons within ``spec`` (rate Hz, relative tolerance), with the interval."""
        return stats.spec_yield(self.rates, *spec)


def _anchored(result: MonteCarloRun, params: LIFParams, design: OTADesign):
    """The closed-form neuron anchored on the run's nominal neuron at its first current."""
    nominal = result.nominal
    point = nominal.points[0]
    return anchored_neuron(params.c_m + design.c_tsv, params.v_rest, params.v_reset, params.v_th, design.temp,
                           nominal.v_zero, nominal.i_b_eff, nominal.kappa, point.i_in, point.rate)


def closed_form(result: MonteCarloRun, params: LIFParams, design: OTADesign, mismatch: Mismatch,
                seed: int) -> ClosedForm:
    """The closed form's prediction of a SPICE Monte Carlo ``result`` at its first current, and how they compare."""
    neuron = _anchored(result, params, design)
    n = _closed_form_n(result.n)
    rates = monte_carlo(neuron, result.nominal.points[0].i_in, mismatch, n, seed).rates
    rate = stats.describe(rates)
    spice = stats.describe(column(result.samples, "rate", 0))
    return ClosedForm(mismatch, neuron.t_dead, n, rate, rate["std"] / spice["std"],
                      (rate["mean"] - spice["mean"]) / math.hypot(spice["stderr"], rate["stderr"]), rates)


@dataclass(frozen=True)
class SpiceMonteCarlo(Record):
    """A SPICE Monte Carlo of a design at one current (:func:`evaluate`): the run, the rate spec it is held to (rate
    Hz, relative tolerance; None: none), the closed form beside it and the block table its σ came from (None where
    there is no closed form to compare, or every σ was given)."""

    run: MonteCarloRun
    spec: tuple[float, float] | None
    closed_form: ClosedForm | None
    blocks: dict | None

    @property
    def rates(self) -> np.ndarray:
        """The rate (Hz) of each sample that finished, at the current."""
        return column(self.run.samples, "rate", 0)

    @property
    def rate(self) -> dict:
        return stats.describe(self.rates)

    def spec_yield(self) -> dict | None:
        """The samples' share within the spec, with its interval (None without a spec)."""
        return None if self.spec is None else stats.spec_yield(self.rates, *self.spec)

    def table(self) -> dict[str, list]:
        return sample_table(self.run)


def evaluate(params: LIFParams, design: OTADesign, i_in: float, n: int, seed: int, executor: Executor,
             mismatch: bool = True, process: bool = False, spec: tuple[float, float] | None = None,
             sigma: dict | None = None, store_root=STORE_DIR, blocks_root=blocks.STORE_DIR,
             quiet: bool = False, circuit: str = "ota") -> SpiceMonteCarlo:
    """SPICE Monte Carlo of ``circuit`` for ``params``/``design`` at ``i_in`` (A), with the closed form beside it.

    ``spec`` (rate Hz, relative tolerance): the yield of both. ``sigma``: σ to use instead of the PDK's block
    table for some of the closed form's mismatches (``sigma_vos``, ``sigma_ib``, ``sigma_vth``). With the
    mismatch off (process only) there is no closed form to compare: it models mismatch. Neither is there for a
    circuit without area factors: the block table measures lif_ota's matched devices (``Circuit.areas``).
    """
    run = run_montecarlo(AnalogNeuron(circuit, params, design), [i_in], n, seed, executor, mismatch, process,
                         store_root=store_root, quiet=quiet)
    table = cf = None
    if mismatch and not process and len(run.samples) >= 2 and get_circuit(circuit).areas:
        fields = {k: v for k, v in (sigma or {}).items() if v is not None}
        if len(fields) < len(BLOCK_OF):  # the σ not given come from the PDK
            table = blocks.block_table(params, design, executor, store_root=blocks_root)
            fields = Mismatch.from_table(table, design.a_mirror, design.a_leak, design.a_cmp).as_dict() | fields
        cf = closed_form(run, params, design, Mismatch(**fields), seed)
    return SpiceMonteCarlo(run, spec, cf, table)


def _block_area(table: dict) -> dict[str, float]:
    """µm² of each block's matched devices at area factor 1 (two of each device kind)."""
    return {block: 2 * sum(entry["devices"].values()) for block, entry in table["blocks"].items()}


@dataclass(frozen=True)
class YieldRow(Record):
    """One design's SPICE Monte Carlo against a rate spec: its netlist, samples and failures, the rate's summary,
    the yield with its interval, the nominal neuron's rate, and the closed form's rate and yield beside it."""

    design: OTADesign
    netlist: str
    n: int
    failed: list[Failure]
    rate: dict[str, int | float]
    yield_: dict
    nominal_rate: float
    closed_form: dict

    def as_dict(self) -> dict:
        out = super().as_dict()
        out["yield"] = out.pop("yield_")
        return out

    @classmethod
    def from_dict(cls, data: dict) -> YieldRow:
        return super().from_dict({**data, "yield_": data.get("yield")})


@dataclass(frozen=True)
class YieldSizing(Record):
    """:func:`size_for_yield`: the spec (rate, tolerance, yield wanted) at ``i_in``, the design as sized, and, when
    it falls short, the area factors the closed form found (with the rate's sensitivity to each mismatch), the bias
    re-centred on the target (``i_b`` and its steps), the closed form's predicted yield and the re-sized design's
    SPICE row; ``meets``: the last design's yield reaches the spec."""

    spec: dict[str, float]
    i_in: float
    sized: YieldRow
    meets: bool
    areas: dict[str, float] | None = None
    sensitivities: dict[str, float] | None = None
    recentred: dict | None = None
    predicted: dict | None = None
    resized: YieldRow | None = None


def size_for_yield(params: LIFParams, design: OTADesign, i_in: float, tolerance: float, wanted: float, n: int,
                   seed: int, executor: Executor, f_target: float | None = None, store_root=STORE_DIR,
                   blocks_root=blocks.STORE_DIR, quiet: bool = False) -> YieldSizing:
    """The SPICE yield of the design within ``tolerance`` of its rate at ``i_in`` (``f_target``, or the nominal
    neuron's SPICE rate) and, if it is below ``wanted``, the area factors the closed form says reach it, the bias
    re-centred on the target (:func:`recentre`), checked by a SPICE Monte Carlo of the re-sized netlist."""
    first = evaluate(params, design, i_in, n, seed, executor, store_root=store_root, blocks_root=blocks_root,
                     quiet=quiet)
    target = f_target if f_target is not None else first.run.nominal.points[0].rate
    spec = (target, tolerance)
    sized = _yield_row(first, spec, design)
    wanted_spec = {"rate": target, "tolerance": tolerance, "yield": wanted}
    if sized.yield_["yield"] >= wanted:
        return YieldSizing(wanted_spec, i_in, sized, True)
    table = first.blocks
    point = first.run.nominal.points[0]
    neuron = _anchored(first.run, params, design)
    found = areas_for_yield(neuron, i_in, table, target, tolerance, wanted, _closed_form_n(n), seed,
                            _block_area(table))
    bigger, steps = recentre(params, design.replace(**{k: float(v) for k, v in found["areas"].items()}), i_in,
                             target, tolerance, -found["sensitivities"]["sigma_ib"] / point.rate, executor,
                             store_root)
    second = evaluate(params, bigger, i_in, n, seed, executor, store_root=store_root, blocks_root=blocks_root,
                      quiet=quiet)
    resized = _yield_row(second, spec, bigger)
    predicted = yield_of(neuron, i_in, Mismatch.from_table(table, **found["areas"]), target, tolerance,
                         _closed_form_n(n), seed)
    return YieldSizing(wanted_spec, i_in, sized, bool(resized.yield_["yield"] >= wanted), found["areas"],
                       found["sensitivities"], {"i_b": bigger.i_b, "steps": steps}, predicted, resized)


def recentre(params: LIFParams, design: OTADesign, i_in: float, target: float, tolerance: float, elasticity: float,
             executor: Executor, store_root) -> tuple[OTADesign, list[dict]]:
    """``design`` with its bias I_b set so that its nominal SPICE rate at ``i_in`` is ``target`` (within
    RECENTRE_TOLERANCE × ``tolerance``): larger devices load the membrane with more gate capacitance and shift the
    blocks' systematic offsets, which the areas alone would leave as a shift of every neuron. ``elasticity``:
    −d ln(rate)/d ln(I_b), the first step's slope; then secant steps on ln(rate) against ln(I_b)."""
    steps: list[dict] = []
    for _ in range(RECENTRE_STEPS):
        rate = nominal_neuron(AnalogNeuron("ota", params, design), [i_in], executor, store_root).points[0].rate
        steps.append({"i_b": design.i_b, "rate": rate})
        if abs(rate / target - 1) <= RECENTRE_TOLERANCE * tolerance:
            return design, steps
        if len(steps) >= 2 and steps[-1]["rate"] != steps[-2]["rate"]:
            elasticity = -math.log(steps[-1]["rate"] / steps[-2]["rate"]) / math.log(steps[-1]["i_b"] /
                                                                                      steps[-2]["i_b"])
        design = design.replace(i_b=design.i_b * (rate / target) ** (1 / elasticity))
    raise SpiceError(f"the re-sized neuron's rate did not settle at {target:.4g} Hz by its bias in "
                     f"{RECENTRE_STEPS} steps: {steps}")


def _yield_row(evaluated: SpiceMonteCarlo, spec: tuple[float, float], design: OTADesign) -> YieldRow:
    run, rates, cf = evaluated.run, evaluated.rates, evaluated.closed_form
    return YieldRow(design, run.netlist, run.n, run.failed, stats.describe(rates), stats.spec_yield(rates, *spec),
                    run.nominal.points[0].rate, {"rate": cf.rate, "yield": cf.spec_yield(spec)})
