"""How far the RTL's f-I may be from the continuous closed form: the bound derived in rtl/README.md.

:func:`lifhw.fixed.rate_bracket` bounds the RTL by two linear discrete LIFs (a property of the integer
model). This module carries that bracket back to the continuous LIF: a current tolerance (input rounding
plus the mapping errors of :func:`lifhw.fixed.quantize`) and one step dt in the spike interval.
"""

from __future__ import annotations

import numpy as np

from .. import fixed, theory
from ..params import LIFParams


def current_tolerance(q: fixed.QuantizedLIF, currents, params: LIFParams | None = None) -> np.ndarray:
    """Relative current error (per current) within which the RTL behaves as the closed form (rtl/README.md).

    The input rounding gives i_lsb/I; against the parameters asked for (``params`` None or ``q.params``) the
    mapping adds |tau error| + |threshold error| + |V_reset error|/(V_th − V_reset). Against ``q.effective``
    only i_lsb/I remains.
    """
    currents = np.abs(np.asarray(currents, dtype=float))
    tol = q.i_lsb / currents
    if params is None or params == q.params:
        err = q.errors()
        tol = tol + abs(err["tau_m"]) + abs(err["v_th"]) + abs(err["v_reset_V"]) / (q.params.v_th - q.params.v_reset)
    return tol


def continuous_band(q: fixed.QuantizedLIF, currents, params: LIFParams | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Band (Hz) around the continuous closed form inside which rtl/README.md proves the RTL rate lies.

    Low edge: the closed-form ISI at I·(1 − tol) plus one step dt (spike times are quantized to dt and never
    early) plus the t_ref rounding; high edge: the closed-form rate at I·(1 + tol); tol is
    :func:`current_tolerance`. ``params`` defaults to the parameters asked for; pass ``q.effective`` to judge
    the arithmetic alone (the shift leak's beta is a power-of-two step away from the asked tau).
    """
    params = q.params if params is None else params
    currents = np.asarray(currents, dtype=float)
    tol = current_tolerance(q, currents, params)
    isi_lo = theory.isi(params, currents * (1.0 - tol)) + q.dt + abs(q.effective.t_ref - params.t_ref)
    with np.errstate(divide="ignore"):
        low = np.where(np.isfinite(isi_lo), 1.0 / isi_lo, 0.0)
    return low, theory.firing_rate(params, currents * (1.0 + tol))
