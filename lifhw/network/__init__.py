"""Brunel's balanced network of excitatory and inhibitory LIF neurons: mean field and simulation.

:mod:`~lifhw.network.meanfield` holds the Siegert rate and the self-consistent theory (fixed
point, drive for a target rate, drive range); :mod:`~lifhw.network.brunel` the event-driven
simulation and its measures (rate, ISI CV, synchrony).
"""

from .brunel import STATES, BrunelNetwork, NetworkResult, simulate
from .meanfield import (
    Coupling,
    DriveRange,
    brunel_neuron,
    drive_for_rate,
    drive_range,
    fixed_point,
    fixed_points,
    input_moments,
    nu_threshold,
    siegert_cv,
    siegert_rate,
)

__all__ = ["STATES", "BrunelNetwork", "Coupling", "DriveRange", "NetworkResult", "brunel_neuron", "drive_for_rate",
           "drive_range", "fixed_point", "fixed_points", "input_moments", "nu_threshold", "siegert_cv",
           "siegert_rate", "simulate"]
