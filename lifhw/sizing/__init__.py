"""Sizing the OTA-leak neuron for a target τ or rate, TSV-aware, at any corner and temperature.

* :mod:`.design` -- the pure model: :class:`DevicePoint` (what the process gives), :class:`TSV`, the
  solvers for C_m and I_b, :func:`size` and :class:`SizedNeuron` (a sized design and its costs), the
  corner table;
* :mod:`.montecarlo` -- the mismatch Monte Carlo through the closed form;
* :mod:`.verify` -- the same sizing with κ, I_b,eff and the leakage floor from ngspice, and the sized
  neuron simulated at any corner and temperature.
"""

from .design import (
                     TSV,
                     DevicePoint,
                     SizedNeuron,
                     check_targets,
                     corner_table,
                     max_depletion_width,
                     size,
                     solve_c_m,
                     solve_for_rate,
                     solve_i_b,
)
from .montecarlo import Mismatch, RateSpread, monte_carlo, rate_histogram, sample_mismatch

__all__ = ["TSV", "DevicePoint", "SizedNeuron", "check_targets", "corner_table", "max_depletion_width", "size",
           "solve_c_m", "solve_for_rate", "solve_i_b", "Mismatch", "RateSpread", "monte_carlo",
           "rate_histogram", "sample_mismatch"]
