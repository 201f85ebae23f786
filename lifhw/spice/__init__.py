"""The analog level: ngspice/sky130 netlists of the LIF neuron, run through PySpice's shared library.

* :mod:`.design` -- :class:`OTADesign` (biases, supply, corner, temperature, TSV) and :func:`ota_params`,
  the LIFParams of the default 1.8 V design;
* :mod:`.netlist` -- the circuits in ``circuits/`` and rendering them with validated numbers;
* :mod:`.deck` -- :class:`AnalogNeuron` (a circuit built for LIFParams and a design: renders its deck nominal, at a
  corner, with mismatch) and the :class:`~lifhw.spice.deck.Deck` a worker loads;
* :mod:`.runner` -- an ngspice session per process; :mod:`.executor` and :mod:`.pool` -- batches of SPICE tasks in
  worker processes or on Dask, per-task timeout;
* :mod:`.measure` -- spike times, rate, ISI CV, charge times and energy per spike of a transient;
* :mod:`.characterize` -- OTA characterisation (DC I-V of the membrane node, tanh fit, κ and g_m at rest,
  leakage floor, single-spike dead time): a :class:`lifhw.ota_theory.MeasuredNeuron`, the device-aware theory;
* :mod:`.sweep` -- :class:`SpiceNeuron` (a loaded netlist: characterise, transient, sweep), :class:`Spice` (the level)
  and :func:`fi`, its f-I curve;
* :mod:`.fisweep` -- a netlist's f-I sweep beside its theory with its energy per spike (``lifhw spice fi`` and each
  netlist of the study);
* :mod:`.study` -- the study behind ``make spice`` and the report's analog section.
"""

from .characterize import OTACharacterization, characterize_dc, characterize_ota, fit_tanh
from .deck import AnalogNeuron
from .design import DV_REF, TSV_TYPICAL, OTADesign, ota_params, typical_tsv_capacitance
from .measure import Transient, crossings, measure
from .sweep import Spice, SpiceNeuron, SweepError, SweepResult, fi

__all__ = ["DV_REF", "TSV_TYPICAL", "OTADesign", "ota_params", "typical_tsv_capacitance", "Transient",
           "crossings", "measure", "OTACharacterization", "characterize_dc", "characterize_ota", "fit_tanh",
           "AnalogNeuron", "Spice", "SpiceNeuron", "SweepError", "SweepResult", "fi"]
