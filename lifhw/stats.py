"""Statistics of a population (Monte Carlo): summary with quantiles, and a yield with its exact interval."""

from __future__ import annotations

import math

import numpy as np

#: Quantiles every summary reports (1, 5, 50, 95, 99 %).
QUANTILES = (0.01, 0.05, 0.5, 0.95, 0.99)


def describe(values) -> dict:
    """n, mean, standard deviation (n − 1), standard error of the mean and :data:`QUANTILES` of the finite
    values; ``missing`` counts the others (failed or unmeasurable members)."""
    x = np.asarray(values, dtype=float)
    ok = x[np.isfinite(x)]
    out: dict[str, float] = {"n": int(ok.size), "missing": int(x.size - ok.size)}
    if ok.size == 0:
        return out | {"mean": math.nan, "std": math.nan, "stderr": math.nan} | {_q(q): math.nan for q in QUANTILES}
    std = float(np.std(ok, ddof=1)) if ok.size > 1 else math.nan
    out |= {"mean": float(np.mean(ok)), "std": std, "stderr": std / math.sqrt(ok.size)}
    out |= {_q(q): float(v) for q, v in zip(QUANTILES, np.quantile(ok, QUANTILES), strict=True)}
    return out


def _q(q: float) -> str:
    return f"q{round(q * 100):02d}"


def binomial_interval(passed: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Clopper–Pearson (exact) interval of a proportion: ``passed`` of ``n``, two-sided ``level``."""
    from scipy.stats import beta

    if n <= 0:
        return math.nan, math.nan
    alpha = 1 - level
    lo = float(beta.ppf(alpha / 2, passed, n - passed + 1)) if passed > 0 else 0.0
    hi = float(beta.ppf(1 - alpha / 2, passed + 1, n - passed)) if passed < n else 1.0
    return lo, hi


def spec_yield(values, target: float, tolerance: float, level: float = 0.95) -> dict:
    """Share of the members within ``target`` × (1 ± ``tolerance``), with its Clopper–Pearson interval; members
    that were not measured (NaN) count against it (a sample that failed is not a good part)."""
    x = np.asarray(values, dtype=float)
    lo, hi = target * (1 - tolerance), target * (1 + tolerance)
    passed = int(np.sum((x >= lo) & (x <= hi)))
    interval = binomial_interval(passed, x.size, level)
    return {"target": target, "tolerance": tolerance, "low": lo, "high": hi, "passed": passed, "n": int(x.size),
            "yield": passed / x.size if x.size else math.nan, "interval": list(interval), "level": level}
