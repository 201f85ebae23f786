"""The default analog design of the OTA-leak neuron and the parameters a netlist takes.

:class:`OTADesign` holds what :class:`~lifhw.params.LIFParams` does not: biases, supply, process corner,
temperature and the TSV. :func:`ota_params` gives the LIFParams of the default 1.8 V design. The sizing
engineer (``lifhw.sizing``) imports both; their names are stable.

Default design (sky130 tt, 27 °C): V_rest = V_reset = 0.6 V, V_th = 0.9 V (a 0.3 V swing that keeps the
leak OTA's NMOS pair and the comparator in saturation on a 1.8 V supply), C_m = 2.6 pF and I_b = 10 pA,
so with κ ≈ 0.68 the leak is g_m = κI_b/2U_T ≈ 0.13 nS and τ = C_m/g_m ≈ 20 ms; t_ref = 2 ms.
(Characterised in ngspice: κ = 0.730, I_b,eff = 10.5 pA, g_m = 0.148 nS, τ = 17.5 ms.)
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from .. import analog, pdk
from ..errors import ParameterError
from ..params import LIFParams
from ..units import check_value

#: Voltage (V) the refractory capacitor discharges from vdd before the hold ends: vdd minus the
#: switching point of the current-starved inverter x_i3 in lif_ota.cir. Measured in tt at 27 °C with
#: the netlist's gmin = 1e-15 S (a 2.020 ms hold for c_ref = 338.4 fF, i_ref = 100 pA); it sets
#: c_ref = t_ref·i_ref/DV_REF (lif_ota's :class:`RefractoryTimer`).
DV_REF = 0.597
#: A typical TSV: 5 µm copper core, 50 µm deep, 200 nm SiO2 liner (≈ 140 fF).
TSV_TYPICAL = dict(diameter=5e-6, depth=50e-6, liner=200e-9)


#: The design's area factors (see :class:`OTADesign`).
AREA_FACTORS = ("a_mirror", "a_leak", "a_cmp")


@dataclass(frozen=True)
class RefractoryTimer:
    """How a netlist's refractory timer maps t_ref to its capacitor: t_ref = (c_ref + c_par)·dv_ref/i_ref.

    ``dv_ref`` (V) is how far the capacitor discharges from vdd before the hold ends; ``c_par`` (F) stands for
    what else the discharge current must move (the reading gate, the drains on the node, a Miller plateau). Both
    are fitted to measured holds at tt, 27 °C (``circuits/README.md``).
    """

    dv_ref: float
    c_par: float = 0.0

    def c_ref(self, t_ref: float, i_ref: float) -> float:
        """The capacitor (F) for a hold of ``t_ref`` s at ``i_ref`` A; ParameterError if it would be negative."""
        c_ref = t_ref * i_ref / self.dv_ref - self.c_par
        if c_ref < 0:
            shortest = self.c_par * self.dv_ref / i_ref
            raise ParameterError("t_ref", t_ref, f"must be >= c_par*dv_ref/i_ref = {shortest:.4g} s at i_ref = "
                                                 f"{i_ref:.4g} A (a shorter hold needs a negative c_ref)")
        return c_ref


def typical_tsv_capacitance() -> float:
    """Capacitance (F) of :data:`TSV_TYPICAL`, via :func:`lifhw.analog.tsv_capacitance`."""
    return analog.tsv_capacitance(**TSV_TYPICAL)


@dataclass(frozen=True)
class OTADesign:
    """Analog parameters of ``circuits/lif_ota.cir`` beyond LIFParams (SI units, validated).

    ==========  ====  ===============================================  =======
    name        unit  meaning                                          default
    ==========  ====  ===============================================  =======
    ``i_b``     A     leak OTA tail reference current (leak knob)      10 pA
    ``i_cmp``   A     comparator and inverter-starving bias            1 nA
    ``i_ref``   A     refractory discharge current                     100 pA
    ``i_inv``   A     logic starving unit (lif_lowpower only)          100 pA
    ``c_tsv``   F     TSV capacitance on the membrane                  0
    ``r_tsv``   Ω     TSV series resistance                            1
    ``vdd``     V     supply                                           1.8
    ``corner``  --    sky130 corner: tt ss ff sf fs                    tt
    ``temp``    °C    temperature                                      27
    ``a_mirror``  --  area factor of the leak OTA's tail mirror        1
    ``a_leak``    --  area factor of the leak OTA's pair and load      1
    ``a_cmp``     --  area factor of the comparator's pair and load    1
    ==========  ====  ===============================================  =======

    The defaults are lif_ota's; another netlist's are its :attr:`lifhw.spice.netlist.Circuit.design` (e.g.
    lif_lowpower: i_cmp 30 pA, i_ref 5 pA).

    An area factor multiplies W·L of a group of matched devices over the netlist's sizes (W and L each by its
    square root, so W/L and the inversion level stay): mismatch falls as 1/sqrt(W·L) (:mod:`lifhw.spice.blocks`).
    """

    i_b: float = 10e-12
    i_cmp: float = 1e-9
    i_ref: float = 100e-12
    i_inv: float = 100e-12
    c_tsv: float = 0.0
    r_tsv: float = 1.0
    vdd: float = pdk.VDD
    corner: str = pdk.NOMINAL_CORNER
    temp: float = pdk.NOMINAL_TEMP
    a_mirror: float = 1.0
    a_leak: float = 1.0
    a_cmp: float = 1.0

    def __post_init__(self) -> None:
        units = {"i_b": "A", "i_cmp": "A", "i_ref": "A", "i_inv": "A", "c_tsv": "F", "r_tsv": "Ohm", "vdd": "V",
                 "temp": "degC",
                 **{name: "" for name in AREA_FACTORS}}
        for name, unit in units.items():
            object.__setattr__(self, name, check_value(getattr(self, name), name, unit))
        for name in ("i_b", "i_cmp", "i_ref", "i_inv", "r_tsv", *AREA_FACTORS):
            if getattr(self, name) <= 0:
                raise ParameterError(name, getattr(self, name), "must be > 0")
        if self.c_tsv < 0:
            raise ParameterError("c_tsv", self.c_tsv, "must be >= 0 F")
        pdk.check_supply(self.vdd)
        if self.corner not in pdk.CORNERS:
            raise ParameterError("corner", self.corner, f"must be one of {', '.join(pdk.CORNERS)}")
        pdk.check_temperature(self.temp)

    def replace(self, **changes) -> OTADesign:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def threshold(v_low: float, v_swing: float) -> float:
    """V_th (V) ``v_swing`` above ``v_low``, rounded to 1 nV: 0.6 + 0.3 is 0.8999999999999999 in binary, and a
    threshold built from a swing must render the same deck as the same threshold typed (so a sizing run reuses what
    the report stored for that neuron, and the two agree to the bit rather than to ngspice's tolerance)."""
    return round(v_low + v_swing, 9)


def ota_params(design: OTADesign | None = None, **changes: float) -> LIFParams:
    """LIFParams of the default analog design; r_m is 1/g_m of the OTA at κ = pdk.KAPPA_NOMINAL."""
    design = design or OTADesign()
    g_m = float(analog.ota_gm(design.i_b, pdk.KAPPA_NOMINAL, design.temp))
    base = LIFParams(c_m=2.6e-12, r_m=1.0 / g_m, v_rest=0.6, v_th=0.9, v_reset=0.6, t_ref=2e-3)
    return base.replace(**changes) if changes else base
