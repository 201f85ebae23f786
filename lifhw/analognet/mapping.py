"""A :class:`~lifhw.fixed.FixedNetwork` mapped onto transistor neurons: the discrete update as a circuit design.

Synchronous windows. Step k spans [k·dt, (k+1)·dt); layer l's synapses inject their charge during the window
[k·dt + φ_l, k·dt + φ_l + t_w], φ_l = t_w/2 + l·dt/L. Every synapse is an **ideal switched current source** (a
current DAC, not a transistor circuit: I = w·I_unit with I_unit = q_lsb/t_w) enabled in the window when its
presynaptic neuron spiked in step k (layer 1: the input events; layer l > 1: the presynaptic neuron's ``rst``, high
from its spike until its hold ends, flat inside the window). All of a neuron's packets of a step are simultaneous and
equally long, so the membrane moves monotonically by the net charge and fires iff the peak reaches its realised
threshold, whatever the order of the inputs.

| discrete | analog |
|---|---|
| θ (THRESH LSB) | V_th − V_rest = θ_V (the circuit's) |
| weight w (LSB) | charge w·q_lsb, q_lsb = θ_V·C_eff/THRESH |
| β per step | τ = dt/ln(1/β) = C_eff/g_m: the leak bias I_b = C_eff·2U_T/(κ·τ)/(I_b,eff/I_b) |
| V_RESET = 0, reset mode ``reset`` | the reset switch to V_reset = V_rest: charge above θ is discarded (exact) |
| REF_STEPS = 0 | the hold covers the next layer's window and ends before the next step's own window |
| same-step propagation | the window phases: dt/L longer than t_w + the comparator's worst delay |
| the state's saturation | the membrane floor V_floor (the DAC's compliance): mapping error, reported |

Approximate parts (their size is the fast model's concern, :mod:`lifhw.analognet.fast`): the OTA's leak is tanh,
not linear (exact closed form in the fast model); the leak's zero sits at V_0 ≠ V_rest; the realised threshold is
the comparator's trip; the membrane cannot go below V_floor; the reset releases the membrane at V_reset after the
hold, then it decays from there for the rest of the step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import analog
from ..errors import ParameterError
from ..fixed import FixedNetwork
from ..jsonio import Record
from ..units import check_value

#: The transistor neurons a network maps onto: both have a timer, a reset switch and the OTA leak.
CIRCUITS = ("ota", "lowpower")
#: Worst comparator delay (s) from the threshold crossing to the spike, for plateaus >= 0.1 mV above the trip:
#: measured in the issue-24 study with one packet staircase per circuit (lif_ota 0.21 ms; lif_lowpower's gated
#: pA latch 0.42 ms). The SPICE run checks every spike's timing against the windows (``timing_violations``).
COMPARATOR_DELAY = {"ota": 0.21e-3, "lowpower": 0.42e-3}
#: Default charge-packet width (s) and synapse full-scale current (A): the DAC's design.
T_W = 20e-6
I_SYN_MAX = 200e-9
#: Default lowest membrane voltage (V) the synapses' compliance allows (the characterised I-V's bottom).
V_FLOOR = 0.3


@dataclass(frozen=True)
class Calibration(Record):
    """What the network model needs of a circuit, measured by ngspice at one bias (``lifhw.analognet.calibrate``):
    κ and I_b,eff of the tanh fit at the rest point, the leak's zero ``v_zero`` − V_rest, C_eff, the threshold
    swing θ_V = V_th − V_rest, V_rest, the supply and the temperature."""

    circuit: str
    temp: float
    vdd: float
    v_rest: float
    theta_v: float
    c_eff: float
    kappa: float
    i_b: float
    i_b_eff: float
    v_zero: float


@dataclass(frozen=True)
class AnalogMapping(Record):
    """The analog design of one network: per layer the programmed leak bias ``i_b`` and its effective ``i_b_eff``,
    the charge per weight LSB ``q_lsb`` and the DAC unit ``i_unit`` = q_lsb/t_w, the window phase; shared: the step
    ``dt``, packet width ``t_w``, the timer's ``t_ref``, the membrane floor and ceiling ``x_floor``/``x_ceil``
    (V from V_rest), and the calibration's numbers (SI)."""

    circuit: str
    dt: float
    t_w: float
    t_ref: float
    x_floor: float
    x_ceil: float
    i_syn_max: float
    phases: tuple[float, ...]
    i_b: tuple[float, ...]
    i_b_eff: tuple[float, ...]
    q_lsb: tuple[float, ...]
    i_unit: tuple[float, ...]
    calibration: Calibration
    #: area factors of the matched devices (lifhw.spice.design.AREA_FACTORS: a_mirror, a_leak, a_cmp)
    areas: tuple[float, float, float] = (1.0, 1.0, 1.0)

    @property
    def a(self) -> float:
        """κ/2U_T (1/V): the tanh leak's argument scale."""
        return self.calibration.kappa / (2 * float(analog.thermal_voltage(self.calibration.temp)))

    def tau(self, layer: int) -> float:
        """The small-signal leak time constant (s) of ``layer``'s neurons."""
        return self.calibration.c_eff / (self.a * self.i_b_eff[layer])


def check_network(net: FixedNetwork) -> None:
    """Refuse (ParameterError naming ``model``) a network whose neurons the circuits cannot build, whatever the
    circuit's numbers: a reset mode other than reset, V_RESET != 0, REF_STEPS > 0, a layer without leak, a bias."""
    for index, layer in enumerate(net.layers, 1):
        r = layer.q.rtl
        if layer.q.fmt.reset_mode != "reset":
            raise ParameterError("model", f"reset mode {layer.q.fmt.reset_mode}", f"layer {index}: the circuits' "
                                 "reset switch sets the membrane to V_reset; only reset mode 'reset' maps onto them")
        if layer.bias is not None:
            raise ParameterError("model", "a bias bank", f"layer {index}: the mapping has no constant input current "
                                 "per neuron; only a network without biases maps")
        if r["V_RESET"] != 0:
            raise ParameterError("model", f"V_RESET = {r['V_RESET']}", f"layer {index}: the circuits reset to "
                                 "V_rest; only V_RESET = 0 maps")
        if r["REF_STEPS"] != 0:
            raise ParameterError("model", f"REF_STEPS = {r['REF_STEPS']}", f"layer {index}: the mapping realises "
                                 "REF_STEPS = 0 (a hold within one step) only")
        if not layer.q.beta_q < 1:
            raise ParameterError("model", f"beta = {layer.q.beta_q}", f"layer {index}: an integrate-and-fire layer "
                                 "(no leak) has no OTA bias to map onto")


def map_network(net: FixedNetwork, calibration: Calibration, dt: float | None = None, t_w: float = T_W,
                v_floor: float = V_FLOOR, i_syn_max: float = I_SYN_MAX) -> AnalogMapping:
    """The analog design of ``net`` on the calibrated circuit (see the module docstring).

    ``dt`` (default: the network's step) is the analog step: only β is the network's, so any step above the timing
    floor maps it (I_b follows). Refuses (ParameterError naming the flag) what the circuits cannot build: a reset
    mode other than reset, a bias, V_RESET ≠ 0, REF_STEPS > 0, a layer without leak, a weight whose current exceeds
    ``i_syn_max`` (``--t-w``), a packet larger than the membrane's whole window, a step below the timing floor
    (``--dt``).
    """
    if calibration.circuit not in CIRCUITS:
        raise ParameterError("circuit", calibration.circuit, f"must be one of {', '.join(CIRCUITS)} (a transistor "
                             "neuron with a timer)")
    check_network(net)
    dt = float(net.layers[0].q.dt if dt is None else check_value(dt, "dt", "s", minimum=0))
    t_w = check_value(t_w, "t_w", "s", minimum=0)
    i_syn_max = check_value(i_syn_max, "i_syn_max", "A", minimum=0)
    cal = calibration
    v_floor = check_value(v_floor, "v_floor", "V", minimum=0, maximum=cal.v_rest)
    n_layers = len(net.layers)
    delay = COMPARATOR_DELAY[cal.circuit]
    # The hold must cover the next layer's window after the earliest spike and end before the neuron's own window of
    # the next step after the latest one (spikes come within t_w + the comparator's delay of the window).
    hold_min = (dt / n_layers if n_layers > 1 else 0.0) + t_w
    hold_max = dt - t_w - delay
    if dt / n_layers < t_w + delay or hold_min > hold_max:
        floor = max(n_layers * (t_w + delay), dt - hold_max + hold_min)
        raise ParameterError("dt", dt, f"is below the timing floor of {n_layers} layer(s) on lif_{cal.circuit}: "
                             f"at least {floor:.4g} s (t_w {t_w:.3g} s, comparator delay up to {delay:.3g} s)")
    t_ref = 0.5 * (hold_min + hold_max)
    x_floor = v_floor - cal.v_rest
    x_ceil = cal.vdd - v_floor - cal.v_rest  # the source's compliance as far below vdd as the sink's above ground
    u2 = 2 * float(analog.thermal_voltage(cal.temp))
    ratio = cal.i_b_eff / cal.i_b
    i_b, i_b_eff, q_lsb, i_unit = [], [], [], []
    for index, layer in enumerate(net.layers, 1):
        tau = dt / math.log(1.0 / layer.q.beta_q)
        target = cal.c_eff * u2 / (cal.kappa * tau)
        q = cal.theta_v * cal.c_eff / layer.q.rtl["THRESH"]
        w_max = int(np.max(np.abs(layer.weights)))
        if w_max * q / t_w > i_syn_max:
            raise ParameterError("t_w", t_w, f"layer {index}'s largest weight ({w_max} LSB) needs "
                                 f"{w_max * q / t_w:.4g} A for {t_w:.3g} s, above the synapse full scale "
                                 f"{i_syn_max:.4g} A: a longer --t-w or a larger --i-syn-max")
        if w_max * cal.theta_v / layer.q.rtl["THRESH"] > x_ceil - x_floor:
            raise ParameterError("model", f"weight {w_max} LSB", f"layer {index}: one packet of "
                                 f"{w_max * cal.theta_v / layer.q.rtl['THRESH']:.3g} V exceeds the membrane's whole "
                                 f"window {x_ceil - x_floor:.3g} V (V_floor {v_floor:g} V to vdd - V_floor)")
        i_b.append(target / ratio)
        i_b_eff.append(target)
        q_lsb.append(q)
        i_unit.append(q / t_w)
    phases = tuple(t_w / 2 + index * dt / n_layers for index in range(n_layers))
    return AnalogMapping(circuit=cal.circuit, dt=dt, t_w=float(t_w), t_ref=t_ref, x_floor=x_floor, x_ceil=x_ceil,
                         i_syn_max=float(i_syn_max), phases=phases, i_b=tuple(i_b), i_b_eff=tuple(i_b_eff),
                         q_lsb=tuple(q_lsb), i_unit=tuple(i_unit), calibration=cal)
