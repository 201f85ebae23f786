"""Input events from intensities in [0, 1]: rate and latency coding, seeded so the RTL sees the same spikes.

Both return bool arrays (n_samples, n_steps, n_in). ``rtl/README.md`` (section *Network*) states the same
rules for the deploy testbench.
"""

from __future__ import annotations

import numpy as np

from ..errors import ParameterError

ENCODINGS = ("rate", "latency")


def _check(intensity, n_steps: int) -> np.ndarray:
    p = np.asarray(intensity, dtype=float)
    if p.ndim != 2:
        raise ParameterError("intensity", p.shape, "must be (n_samples, n_in)")
    if np.any(~np.isfinite(p)) or np.any(p < 0) or np.any(p > 1):
        raise ParameterError("intensity", float(p.flat[np.argmax(~np.isfinite(p) | (p < 0) | (p > 1))]),
                             "must be within [0, 1]")
    if isinstance(n_steps, bool) or not isinstance(n_steps, int | np.integer) or n_steps < 1:
        raise ParameterError("steps", n_steps, "must be a whole number of time steps >= 1")
    return p


def rate(intensity, n_steps: int, seed: int, sample_ids=None) -> np.ndarray:
    """Bernoulli spikes: input j of sample i spikes at step t iff u[t, j] < p[i, j], with u one (n_steps, n_in)
    uniform draw of ``numpy.random.default_rng((seed, sample_ids[i]))`` (C order).

    ``sample_ids`` (default 0, 1, …) name each sample's stream, so a sample gets the same spikes whatever else
    is in the batch.
    """
    p = _check(intensity, n_steps)
    ids = np.arange(len(p)) if sample_ids is None else np.asarray(sample_ids)
    if ids.shape != (len(p),):
        raise ParameterError("sample_ids", ids.shape, f"must be one id per sample, ({len(p)},)")
    out = np.empty((len(p), n_steps, p.shape[1]), dtype=bool)
    for i, sample in enumerate(ids):
        out[i] = np.random.default_rng((int(seed), int(sample))).random((n_steps, p.shape[1])) < p[i]
    return out


def latency(intensity, n_steps: int) -> np.ndarray:
    """One spike per input at step round((1 − p)·(n_steps − 1)) (brighter is earlier); none where p = 0."""
    p = _check(intensity, n_steps)
    t = np.rint((1.0 - p) * (n_steps - 1)).astype(int)
    out = (np.arange(n_steps)[None, :, None] == t[:, None, :]) & (p[:, None, :] > 0)
    return out


def encode(intensity, n_steps: int, encoding: str, seed: int, sample_ids=None) -> np.ndarray:
    """:func:`rate` or :func:`latency` by name."""
    if encoding == "rate":
        return rate(intensity, n_steps, seed, sample_ids)
    if encoding == "latency":
        return latency(intensity, n_steps)
    raise ParameterError("encoding", encoding, f"must be one of {', '.join(ENCODINGS)}")
