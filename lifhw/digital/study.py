"""What the digital level measures: the RTL's f-I rates, its area, and the files of ``make rtl-test``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import fixed, jsonio, theory
from ..errors import ParameterError
from ..fi import FICurve
from ..files import replace, run_folder, write_atomic
from ..jsonio import Record
from ..limits import COST_RTL_NEURON_STEP, check_memory, check_steps
from ..params import LIFParams
from . import runner, testbench
from .hdl import core_parameters, neuron_parameters

#: Bytes one neuron-step of fi_measure keeps: the model's state (int64) and spikes, the RTL's and the float's spikes.
RECORD_BYTES = 8 + 3
#: Closed-form rates (Hz) at which ``make rtl-test`` measures the RTL f-I: the acceptance range 1–200 Hz.
FI_TARGET_RATES = (1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 150.0, 200.0)


@dataclass(frozen=True)
class RtlStudy(Record):
    """The RTL's f-I under constant currents, measured in Icarus (one neuron per current), beside the bit-exact
    model's on the same input ``code``s (they must agree exactly: ``spike_mismatches`` counts the spikes in which
    they differ), the float discrete-time LIF's and the continuous closed form's; ``quantized``: the integers
    (:meth:`lifhw.fixed.QuantizedLIF.as_dict`)."""

    rtl: FICurve
    model: FICurve
    discrete: FICurve
    theory: FICurve
    code: list[int]
    t_sim: float
    spike_mismatches: int
    quantized: dict


def fi_measure(q: fixed.QuantizedLIF, currents, t_sim: float, work: Path, vcd: Path | None = None) -> RtlStudy:
    """The :class:`RtlStudy` of ``q`` at ``currents`` (A) over ``t_sim`` (s), run in a folder of its own under
    ``work``."""
    currents = np.atleast_1d(np.asarray(currents, dtype=float))
    codes = q.input_code(currents)
    # Icarus and the bit-exact model each step every neuron; both keep (n_steps, N) records: refuse before either runs.
    n_steps = check_steps("t_sim", t_sim, round(t_sim / q.dt), f"t_sim/dt = {t_sim:.4g}/{q.dt:.4g}: time steps")
    check_steps("t_sim", t_sim, COST_RTL_NEURON_STEP * n_steps * len(currents),
                f"{n_steps} steps x {len(currents)} currents, each neuron-step {COST_RTL_NEURON_STEP} of lifhw.sim's: "
                "steps of work")
    check_memory("t_sim", t_sim, RECORD_BYTES * n_steps * len(currents),
                 f"{n_steps} steps x {len(currents)} neurons of records: bytes")
    if n_steps < 2:
        raise ParameterError("t_sim", t_sim, f"must cover at least 2 steps of dt = {q.dt:g} s")
    with run_folder(work, "fi") as run:  # concurrent runs given the same work folder each get their own
        tb = testbench.compile_tb(q, len(currents), run, stim_depth=len(currents))
        rows = testbench.run_tb(tb, codes, n_steps, spikes_only=True, vcd=vcd)
    spikes = np.zeros((n_steps, len(currents)), dtype=bool)
    spikes[rows[:, 0], rows[:, 1]] = rows[:, 2] == 1
    _, model_spikes = fixed.simulate(q, np.broadcast_to(codes, (n_steps, len(currents))))
    float_spikes = fixed.simulate_float(q.params, q.dt, currents, n_steps, q.fmt.discretization, q.fmt.reset_mode)
    meta = {"dt": q.dt, "t_sim": t_sim}

    def curve(spiked: np.ndarray, label: str) -> FICurve:
        return FICurve(currents, fixed.rates_from_spikes(spiked, q.dt), label, meta)

    return RtlStudy(curve(spikes, f"RTL {q.rtl['WIDTH']}-bit {q.fmt.leak} leak"),
                    curve(model_spikes, "bit-exact model"), curve(float_spikes, "float discrete-time LIF"),
                    FICurve(currents, theory.firing_rate(q.params, currents), "closed form"),
                    [int(c) for c in codes], t_sim, int(np.count_nonzero(spikes != model_spikes)), q.as_dict())


@dataclass(frozen=True)
class ModuleArea(Record):
    """Yosys generic-cell statistics of one module (:func:`lifhw.digital.runner.synth_area`) under ``label``."""

    label: str
    module: str
    parameters: dict
    cells: int
    flops: int
    by_type: dict[str, int]


@dataclass(frozen=True)
class AreaReport(Record):
    """``area.json``: the modules' areas, how they were measured and at which time step."""

    tool: str
    dt: float
    modules: list[ModuleArea]

    @property
    def cells(self) -> dict[str, int]:
        """Generic cells of each module, by label."""
        return {m.label: m.cells for m in self.modules}


@dataclass(frozen=True)
class RtlArtifacts(Record):
    """What ``make rtl-test`` wrote: the spikes in which the RTL and the model differ in fi.csv, per leak, and the
    area."""

    spike_mismatches: dict[str, int]
    area: AreaReport


def area_report(params: LIFParams, dt: float, out: Path, n_core: int = 16) -> AreaReport:
    """area.json: lif_neuron (16-bit shift and multiplier leak) and lif_core (``n_core`` neurons)."""
    out = Path(out)
    rows = []
    with run_folder(out, "synth") as run:
        for leak in fixed.LEAK_MODES:
            q = fixed.quantize(params, dt, fixed.FixedFormat(width=16, leak=leak))
            rows.append(ModuleArea(label=f"lif_neuron 16-bit {leak} leak",
                                   **runner.synth_area("lif_neuron", neuron_parameters(q), run)))
        q = fixed.quantize(params, dt, fixed.FixedFormat(width=16, leak="shift"))
        rows.append(ModuleArea(label=f"lif_core N={n_core} 16-bit shift leak",
                               **runner.synth_area("lif_core", core_parameters(q, n_core), run)))
    report = AreaReport("yosys synth -flatten; stat (generic cells)", dt, rows)
    jsonio.write(out / "area.json", report)
    return report


def write_artifacts(params: LIFParams, out: Path, dt: float = 1e-4, t_sim: float = 3.0) -> RtlArtifacts:
    """``make rtl-test``'s files in ``out``: fi.csv (RTL, model, float and closed-form rates, 16-bit, both
    leaks), lif_core.vcd (a 200-step run of 4 neurons) and area.json (Yosys)."""
    out = Path(out)
    rates = np.array(FI_TARGET_RATES)
    currents = theory.current_for_rate(params, rates)
    lines = ["leak,target_rate_Hz,current_A,code,rtl_rate_Hz,model_rate_Hz,float_rate_Hz,closed_form_Hz,"
             "bracket_lo_Hz,bracket_hi_Hz"]
    mismatches = {}
    for leak in fixed.LEAK_MODES:
        q = fixed.quantize(params, dt, fixed.FixedFormat(width=16, leak=leak))
        data = fi_measure(q, currents, t_sim, out / f"fi_{leak}")
        lo, hi = fixed.rate_bracket(q, currents)
        for k in range(len(currents)):
            lines.append(",".join(str(v) for v in (leak, rates[k], currents[k], data.code[k], float(data.rtl.rate[k]),
                                                   float(data.model.rate[k]), float(data.discrete.rate[k]),
                                                   float(data.theory.rate[k]), lo[k], hi[k])))
        mismatches[leak] = data.spike_mismatches
    write_atomic(out / "fi.csv", ("\n".join(lines) + "\n").encode())
    q = fixed.quantize(params, dt)
    with run_folder(out, "vcd") as run:
        tb = testbench.compile_tb(q, 4, run, stim_depth=4)
        testbench.run_tb(tb, q.input_code(theory.current_for_rate(params, [20.0, 50.0, 100.0, 200.0])), 200,
                         vcd=(run / "lif_core.vcd").resolve())
        replace(run / "lif_core.vcd", out / "lif_core.vcd")  # whole, as every other file of out
    return RtlArtifacts(mismatches, area_report(params, dt, out))
