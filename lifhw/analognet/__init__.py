"""A trained :class:`lifhw.fixed.FixedNetwork` on transistor-level neurons (issue 24).

``mapping`` turns the network's discrete update into a design of analog neurons and ideal switched-current synapses
(:class:`AnalogMapping`, every refusal a :class:`~lifhw.errors.ParameterError` naming the flag); ``calibrate``
measures the circuit once in ngspice (κ, I_b,eff, the leak's zero, C_eff); ``fast`` is the device-aware network
model (the OTA's exact tanh flow, realised thresholds, the membrane floor) vectorised over dies and samples;
``dies`` draws the PDK's mismatch per die from the block table (die k from its own seed); ``spicenet`` runs the
network in ngspice, one neuron deck per layer on the executor.
"""

from .fast import AnalogRun, Die, nominal_die, run
from .mapping import AnalogMapping, Calibration, map_network

__all__ = ["AnalogMapping", "AnalogRun", "Calibration", "Die", "map_network", "nominal_die", "run"]
