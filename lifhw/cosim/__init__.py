"""Mixed-signal co-simulation (issue 22): a tile of transistor-level neurons in libngspice and its Verilog
periphery (``rtl/tile_periph.v``: DAC code registers, AER encoder, trim search) in one lockstep run.

``tile`` renders the tile's deck (N neurons of one ``AnalogNeuron`` subcircuit, each fed by a 6-bit input DAC and
trimmed by a 5-bit leak-trim DAC of ``circuits/idac.cir``); ``ngspice`` is the foreground binding of the shared
library; ``bridge`` the lockstep protocol between ngspice and the HDL simulator; ``cocotb_tile`` the cocotb tests
that run the tile; ``sar`` the Python model of the trim search; ``run`` the commands' runs (co-simulation, the
plain ngspice reference of the same deck, the trim calibration and its prediction).
"""
