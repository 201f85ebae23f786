"""The Verilog of the digital level: which files make each module, and each module's parameters.

The Verilog takes the integers that :func:`lifhw.fixed.step` computes with (``WIDTH IN_WIDTH LEAK_MULT
LEAK_FRAC THRESH V_RESET RESET_MODE REF_STEPS``, plus ``N`` for ``lif_core``; ``snn_core``'s, one per layer,
come from :mod:`lifhw.digital.snn`) and derives every width from them with ``$clog2``; a value out of range
stops elaboration with a message naming the parameter (rtl/README.md). A parameter value is an ``int`` or a
Verilog literal (``str``): a packed per-layer array (:func:`packed`) or a quoted file name. ``QuantizedLIF.rtl``
also holds LEAK_MODE, LEAK_SHIFT, LEAK_W and REF_W, which describe the integers but are not Verilog parameters:
the shift leak is ``LEAK_MULT = 1``.
"""

from __future__ import annotations

from .. import fixed
from ..errors import ParameterError
from ..files import DV_DIR, RTL_DIR

DATAPATH = RTL_DIR / "lif_datapath.v"
#: The files of each top-level module, in compilation order.
SOURCES = {"lif_datapath": [DATAPATH],
           "lif_neuron": [DATAPATH, RTL_DIR / "lif_neuron.v"],
           "lif_core": [DATAPATH, RTL_DIR / "lif_core.v"],
           "tb_lif_core": [DATAPATH, RTL_DIR / "lif_core.v", DV_DIR / "tb_lif_core.v"],
           "snn_core": [DATAPATH, RTL_DIR / "snn_core.v"],
           "tb_snn_core": [DATAPATH, RTL_DIR / "snn_core.v", DV_DIR / "tb_snn_core.v"],
           # the digital periphery of a mixed-signal tile (lifhw.cosim) and its trim search alone
           "trim_sar": [RTL_DIR / "trim_sar.v"],
           "tb_cosim_tile": [RTL_DIR / f"{name}.v" for name in ("spike_sync", "sync_fifo", "rr_arbiter", "aer_encoder",
                                                                 "trim_sar", "tile_regs", "tile_periph")]
                            + [DV_DIR / "tb_cosim_tile.v"]}
#: Every HDL file a result of this package depends on (lifhw.report.cache hashes them).
DATA_FILES = tuple(sorted({path for files in SOURCES.values() for path in files}))
#: Parameters of lif_datapath and lif_neuron (lif_core adds N): the integers of lifhw.fixed.step.
NEURON_PARAMETERS = ("WIDTH", "IN_WIDTH", "LEAK_MULT", "LEAK_FRAC", "THRESH", "V_RESET", "RESET_MODE", "REF_STEPS")


def neuron_parameters(q: fixed.QuantizedLIF) -> dict[str, int]:
    """Verilog parameters of lif_neuron (and lif_datapath) with the integers of ``q``."""
    return {name: q.rtl[name] for name in NEURON_PARAMETERS}


def core_parameters(q: fixed.QuantizedLIF, n: int) -> dict[str, int]:
    """Verilog parameters of lif_core for ``n`` neurons with the integers of ``q``."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ParameterError("n", n, "the number of neurons must be a whole number >= 1")
    return {"N": n, **neuron_parameters(q)}


def packed(values, bits: int = 32) -> str:
    """A Verilog literal of ``values`` packed into ``bits``-bit two's-complement fields, ``values[0]`` in the low
    bits (how snn_core takes its per-layer parameters); no underscores, which Icarus's ``-P`` rejects."""
    values = [int(v) for v in values]
    for v in values:
        if not -(1 << (bits - 1)) <= v < (1 << bits):
            raise ParameterError("value", v, f"must fit a {bits}-bit field")
    digits = bits // 4
    text = "".join(f"{v & ((1 << bits) - 1):0{digits}x}" for v in reversed(values))
    return f"{bits * len(values)}'h{text}"


def literal(value) -> str:
    """A parameter value as the tools take it: an int as a 32-bit signed hex constant (Yosys' chparam cannot
    decode a plain negative number such as V_RESET = -300), a str (already a Verilog literal) as it is."""
    return value if isinstance(value, str) else f"32'sh{int(value) & 0xFFFFFFFF:08x}"
