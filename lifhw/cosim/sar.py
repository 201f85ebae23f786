"""Python model of ``rtl/trim_sar.v``'s search: predicts the code a neuron's trim converges to.

The plant is a function code -> inter-spike interval (in the target's unit, clocks), e.g. SPICE intervals per trim
code. The search is the RTL's, decision by decision (rtl/README.md, *Trim search*):

* bits from the MSB down; a trial is the code so far with the bit under trial set;
* the bit is kept when the trial's interval is shorter than the target (still too fast: a larger code makes the
  neuron slower), cleared otherwise;
* at the end c, the code so far (the largest code measured faster than the target), and c + 1 (the last trial,
  which failed) were both measured; the search ends on the one whose interval is nearer the target, c on a tie.
  When no trial was kept, c = 0 was never measured and the search ends on 0.

An interval longer than ``isi_max`` (the RTL's wait limit, 2^ISI_W − 1 clocks) counts as ``isi_max``: slower than
any target, never the nearer candidate. ``margin`` says how robust the prediction is to a measurement that
differs from the plant's by numerics or a clock: the smallest distance of any decision from its threshold, in ISI
steps of the two codes around the result.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class SarResult:
    code: int
    trials: list[tuple[int, float, bool]] = field(default_factory=list)   # (trial code, interval, bit kept)
    chose_upper: bool = False       # ended on c + 1 (nearer the target than c)
    margin: float = math.inf        # smallest |decision - threshold| / interval step at the result

    @property
    def iterations(self) -> int:
        return len(self.trials)

    def interval(self, code: int) -> float:
        """The interval measured at ``code`` (a trial's); NaN when the search never measured it."""
        return next((isi for trial, isi, _ in self.trials if trial == code), math.nan)


def search(isi: Callable[[int], float], target: float, bits: int, isi_max: float = math.inf) -> SarResult:
    """The code rtl/trim_sar.v ends on for a plant with interval ``isi(code)`` and a target interval."""
    if bits < 1:
        raise ValueError(f"bits must be >= 1, got {bits}")
    code, pass_isi, fail_isi, fail_code = 0, math.nan, math.nan, 0
    result = SarResult(0)
    distances = []
    for b in range(bits - 1, -1, -1):
        trial = code | (1 << b)
        t = min(isi(trial), isi_max)
        keep = t < target
        result.trials.append((trial, t, keep))
        distances.append(abs(t - target))
        if keep:
            code, pass_isi = trial, t
        else:
            fail_isi, fail_code = t, trial
    measured_both = not (math.isnan(pass_isi) or math.isnan(fail_isi))
    if measured_both and fail_isi < isi_max and (fail_isi - target) < (target - pass_isi):
        code, result.chose_upper = fail_code, True
    result.code = code
    if measured_both:
        step = fail_isi - pass_isi
        distances.append(abs((fail_isi - target) - (target - pass_isi)))   # the final nearer-choice
        result.margin = min(distances) / step if step > 0 else 0.0
    return result


def residual_bound(result: SarResult, target: float) -> float:
    """The largest relative rate error |f/f_target − 1| the search can leave on a neuron whose interval rises with
    the code: half the interval step of the two codes that bracket the target over the smaller interval (a whole
    step when the result is code 0's bracket, where code 0 is never measured). NaN when the target is outside the
    trim range (no bracket was measured)."""
    kept = [(c, t) for c, t, k in result.trials if k]
    failed = [(c, t) for c, t, k in result.trials if not k]
    if not kept or not failed:
        return math.nan
    (c, low), high = max(kept), result.interval(max(kept)[0] + 1)
    if math.isnan(high) or high < target:
        return math.nan
    return (high - low) / (1 if c == 0 else 2) / low


def predict(measure: Callable[[list[int]], list[float]], n: int, target: float, bits: int,
            isi_max: float = math.inf) -> list[SarResult]:
    """The search of ``n`` neurons run on a plant measured in rounds: ``measure(codes)`` returns every neuron's
    interval with neuron k at ``codes[k]`` (one plain SPICE transient of the whole tile), and each round measures
    the trial each neuron's search needs next. ``bits`` rounds at most."""
    tables: list[dict[int, float]] = [{} for _ in range(n)]
    while True:
        results: list[SarResult | None] = []
        needed: dict[int, int] = {}
        for k in range(n):
            missing: list[int] = []

            def plant(code: int, k: int = k, missing: list[int] = missing) -> float:
                if code not in tables[k]:
                    missing.append(code)
                    raise LookupError(code)
                return tables[k][code]
            try:
                results.append(search(plant, target, bits, isi_max))
            except LookupError:
                results.append(None)
                needed[k] = missing[0]
        if not needed:
            return [r for r in results if r is not None]
        codes = [needed.get(k, 1 << (bits - 1)) for k in range(n)]
        for k, isi in enumerate(measure(codes)):
            tables[k][codes[k]] = isi
