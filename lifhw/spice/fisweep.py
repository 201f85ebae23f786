"""One netlist's f-I sweep beside its theory: ``lifhw spice fi`` and each netlist of the analog study.

:func:`measure_fi` characterises a transistor netlist (its measured I-V is the device-aware theory it is compared
with; an ideal netlist is compared with the closed form of its LIFParams), measures the quiescent power at rest,
runs one transient per current in the neuron's workers and splits each point's energy per spike into a static part
(quiescent power × ISI) and a dynamic one. A failed point is kept with its error. :func:`run_fi` is the command:
a sweep with failed points, or one that is interrupted, keeps its finished points in a file (``partial``, or a new
one under :data:`PARTIAL_DIR` for each run) and says where.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .. import jsonio, progress, theory
from ..errors import Interrupted, ParameterError
from ..fi import FICurve
from ..files import BUILD
from ..jsonio import Record
from ..params import LIFParams
from .characterize import OTACharacterization
from .design import OTADesign
from .measure import energy_parts
from .sweep import SpiceNeuron, SweepError, SweepResult

#: Where a sweep with failed or unfinished points keeps its finished ones: one new file per run.
PARTIAL_DIR = BUILD / "spice" / "partial"
#: What a point that had not finished when the sweep was interrupted says instead of a result.
NOT_RUN = "not run: interrupted"


@dataclass(frozen=True)
class Sweep(Record):
    """An f-I sweep of one netlist beside its theory at the same currents (``linear``: the linear LIF with the
    measured g_m, for a transistor netlist), the measures of each point (NaN where it failed, its error in
    ``errors``), the simulated time of each and the quiescent power of the neuron and of the shared references
    (W)."""

    fi: FICurve
    theory: FICurve
    linear: FICurve | None
    n_spikes: np.ndarray
    isi_cv: np.ndarray
    energy_per_spike: np.ndarray
    supply_power: np.ndarray
    shared_power: np.ndarray
    charge_time: np.ndarray
    t_sim: np.ndarray
    errors: tuple[str | None, ...]
    quiescent_power: float
    shared_quiescent_power: float

    @property
    def current(self) -> np.ndarray:
        return self.fi.current

    @property
    def linear_fi(self) -> FICurve:
        """The linear LIF's curve of a transistor netlist (ParameterError for an ideal one, which has none)."""
        if self.linear is None:
            raise ParameterError("linear", None, "an ideal netlist has no linear equivalent: it is linear")
        return self.linear

    @property
    def rate(self) -> np.ndarray:
        return self.fi.rate

    def _energy_parts(self) -> list[tuple[float, float]]:
        return [energy_parts(e, r, self.quiescent_power) for e, r in zip(self.energy_per_spike, self.rate, strict=True)]

    @property
    def energy_static(self) -> np.ndarray:
        """The quiescent power times the ISI at each point (J; NaN where silent)."""
        return np.array([part[0] for part in self._energy_parts()])

    @property
    def energy_dynamic(self) -> np.ndarray:
        """The energy per spike beyond the static part at each point (J; NaN where silent)."""
        return np.array([part[1] for part in self._energy_parts()])

    def columns(self) -> dict:
        """The sweep as named columns, one value per point: the CSV files and the command's JSON."""
        out = {"current": self.current, "rate": self.rate, "theory_rate": self.theory.rate, "n_spikes": self.n_spikes,
               "isi_cv": self.isi_cv, "energy_per_spike": self.energy_per_spike, "energy_static": self.energy_static,
               "energy_dynamic": self.energy_dynamic, "supply_power": self.supply_power,
               "shared_power": self.shared_power, "charge_time": self.charge_time, "t_sim": self.t_sim}
        if self.linear is not None:
            out["linear_rate"] = self.linear.rate
        return out | {"errors": list(self.errors)}


@dataclass(frozen=True)
class Trace(Record):
    """The membrane voltage (V) of one transient against time (s), at ``i_in`` (A), for a figure."""

    i_in: float
    time: np.ndarray
    v_mem: np.ndarray


@dataclass(frozen=True)
class FiMeasurement(Record):
    """What :func:`measure_fi` measured on ``circuit`` built for ``params``/``design`` (rendered to ``netlist``):
    the characterisation of a transistor netlist (None for an ideal one), the sweep and optionally the membrane
    trace of one point."""

    circuit: str
    params: LIFParams
    design: OTADesign
    netlist: str
    characterization: OTACharacterization | None
    sweep: Sweep
    trace: Trace | None = None

    @property
    def measured(self) -> OTACharacterization:
        """The characterisation of a transistor netlist (ParameterError for an ideal one, which has none)."""
        if self.characterization is None:
            raise ParameterError("circuit", self.circuit, "an ideal netlist has no device characterisation")
        return self.characterization

    def flat(self) -> dict:
        """The JSON of ``lifhw spice fi`` and of its partial file: the neuron, the device numbers, a list per point
        quantity."""
        char = self.characterization
        device: dict[str, float | None]
        if char is not None:
            device = {"kappa": char.kappa, "i_b_eff": char.i_b_eff, "g_m": char.g_m, "rheobase": char.rheobase,
                      "tanh_rheobase": char.tanh_rheobase, "t_dead": char.t_dead, "tau": char.tau}
        else:
            device = {"kappa": None, "i_b_eff": None, "rheobase": self.params.rheobase}
        return {"circuit": self.circuit, "params": self.params.as_dict(), "design": self.design.as_dict(),
                "netlist": self.netlist, **device, "quiescent_power": self.sweep.quiescent_power,
                "shared_quiescent_power": self.sweep.shared_quiescent_power, **self.sweep.columns()}


def _trace(result: SweepResult, index: int) -> Trace | None:
    """Point ``index``'s membrane over its first three ISIs (every fourth sample), None if it failed."""
    tr = result.transients[index]
    if tr is None:
        return None
    keep = tr.time <= min(tr.t_stop, 3.0 / max(tr.rate, 1e-9))
    return Trace(tr.i_in, tr.time[keep][::4], tr.v_mem[keep][::4])


def _measurement(neuron: SpiceNeuron, char: OTACharacterization | None, quiescent: tuple[float, float], model,
                 result: SweepResult, jobs: list[dict], trace_at: int | None) -> FiMeasurement:
    currents = result.currents
    name = f"lif_{neuron.circuit.name}"
    linear = None
    if char is not None:
        linear = FICurve(currents, theory.firing_rate(char.linear_params(), currents), f"linear LIF, {name}'s g_m")
    sweep = Sweep(result.curve(f"SPICE {name}"),
                  FICurve(currents, model.rate(currents), "device-aware theory" if char is not None else "closed form"),
                  linear, result.column("n_spikes"), result.column("isi_cv"), result.column("energy_per_spike"),
                  result.column("supply_power"), result.column("shared_power"), result.column("charge_time"),
                  np.array([job["t_stop"] for job in jobs]), tuple(result.errors), *quiescent)
    return FiMeasurement(neuron.circuit.name, neuron.params, neuron.design, str(neuron.netlist), char, sweep,
                         None if trace_at is None else _trace(result, trace_at))


@dataclass(frozen=True)
class StoredPoint:
    """A point of an earlier run of the same sweep, read back from its partial file: the measures a
    :class:`~lifhw.spice.measure.Transient` summarises (no waveform)."""

    i_in: float
    t_stop: float
    rate: float
    n_spikes: float
    isi_cv: float
    energy_per_spike: float
    supply_power: float
    shared_power: float
    charge_time: float

    def summary(self) -> dict:
        return asdict(self)


#: The per-point columns of a partial file a :class:`StoredPoint` is read from (``t_sim`` is its ``t_stop``).
_POINT_COLUMNS = ("current", "t_sim", "rate", "n_spikes", "isi_cv", "energy_per_spike", "supply_power",
                  "shared_power", "charge_time", "errors")


def measure_fi(neuron: SpiceNeuron, currents, t_sim: float | None = None, on_point=None, model=None,
               trace_at: int | None = None, check: bool = False,
               stored: dict[int, StoredPoint] | None = None) -> FiMeasurement:
    """The f-I sweep of ``neuron`` at ``currents`` (A), ``t_sim`` (s) per point (None: long enough for
    :data:`~lifhw.spice.sweep.MIN_ISIS` ISIs), beside ``model`` (default: the neuron's own theory, see
    :meth:`~lifhw.spice.sweep.SpiceNeuron.theory`); ``trace_at``: the index of the point whose membrane is kept.

    ``stored``: points an earlier run finished, by index (:func:`stored_points`); only the others are simulated.
    ``on_point(index, transient_or_error)`` is called as each point finishes. A failed point is kept as its error;
    with ``check`` it raises :class:`~lifhw.spice.sweep.SweepError` after the sweep. Interrupted (Ctrl-C), the
    points that finished are kept and the others marked :data:`NOT_RUN`. Either error carries the measurement in
    ``measurement``.
    """
    currents = np.atleast_1d(np.asarray(currents, dtype=float))
    jobs = neuron.jobs(currents, t_sim)
    char = neuron.characterize() if neuron.circuit.transistors else None
    quiescent = neuron.quiescent()
    model = model if model is not None else neuron.theory()
    finished: dict[int, object] = dict(stored or {})
    todo = [k for k in range(len(currents)) if k not in finished]

    def done(index, got):
        finished[todo[index]] = got
        if on_point is not None:
            on_point(todo[index], got)
        progress.reached("between-points")

    def result() -> SweepResult:
        got = [finished.get(k, NOT_RUN) for k in range(len(currents))]
        return SweepResult(neuron.circuit.name, currents, [None if isinstance(r, str) else r for r in got],
                           [r if isinstance(r, str) else None for r in got])

    try:
        if todo:
            neuron.sweep(currents[todo], t_sim, on_point=done)
    except KeyboardInterrupt:
        raise _Interrupted(f"{len(finished)} of {len(currents)} points finished",
                           _measurement(neuron, char, quiescent, model, result(), jobs, trace_at)) from None
    measurement = _measurement(neuron, char, quiescent, model, result(), jobs, trace_at)
    if check:
        try:
            result().check()
        except SweepError as error:
            raise _Failed(str(error), error.result, measurement) from None
    return measurement


class _Interrupted(Interrupted):
    """A sweep stopped by Ctrl-C or SIGTERM, with what it measured until then."""

    def __init__(self, message: str, measurement: FiMeasurement):
        super().__init__(message)
        self.measurement = measurement


class _Failed(SweepError):
    """A sweep with failed points, with what it measured."""

    def __init__(self, message: str, result: SweepResult, measurement: FiMeasurement):
        super().__init__(message, result)
        self.measurement = measurement


def partial_path(partial: Path | str | None) -> Path:
    """Where a run keeps its finished points: ``partial``, or a new file under :data:`PARTIAL_DIR`."""
    if partial is not None:
        return Path(partial)
    PARTIAL_DIR.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix="fi-", suffix=".json", dir=PARTIAL_DIR)
    os.close(fd)
    return Path(name)


def stored_points(partial: Path | str | None, neuron: SpiceNeuron, currents, t_sim: float | None = None,
                  warn=None) -> dict[int, StoredPoint]:
    """The points of ``currents`` that the partial file ``partial`` (of an earlier, interrupted or failed run)
    holds finished for the same neuron — the same circuit, parameters, design and rendered netlist — at the
    same current and simulated time; by index. A point that failed there is not taken: it is run again.

    A file that is not a readable partial file of ``lifhw spice fi`` gives none, and one ``warn`` line saying why;
    a missing file (the first run) gives none silently.
    """
    if partial is None or not Path(partial).exists():
        return {}
    try:
        data = _read_partial(Path(partial))
    except (OSError, ValueError) as exc:
        if warn is not None:
            warn(f"--partial {partial} is not a partial file of lifhw spice fi ({exc}): every point is run")
        return {}
    same = (data["circuit"] == neuron.circuit.name and data["params"] == neuron.params.as_dict()
            and data["design"] == neuron.design.as_dict() and data["netlist"] == str(neuron.netlist))
    if not same:
        return {}
    by_point = {(row["current"], row["t_sim"]): row for row in data["points"] if row["errors"] is None}
    out = {}
    for k, i_in in enumerate(np.atleast_1d(np.asarray(currents, dtype=float))):
        row = by_point.get((float(i_in), neuron.job(float(i_in), t_sim)["t_stop"]))
        if row is not None:
            out[k] = StoredPoint(row["current"], row["t_sim"], *(row[name] for name in _POINT_COLUMNS[2:-1]))
    return out


def _read_partial(path: Path) -> dict:
    """A partial file's neuron and its points as rows (None read as NaN); ValueError naming what is wrong."""
    try:
        data = json.loads(path.read_text())
    except UnicodeDecodeError as exc:
        raise ValueError(f"not text: {exc.reason}") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc.msg} at line {exc.lineno}") from None
    if not isinstance(data, dict):
        raise ValueError(f"a JSON {type(data).__name__}, not an object")
    for key in ("circuit", "params", "design", "netlist", *_POINT_COLUMNS):
        if key not in data:
            raise ValueError(f"no field {key!r}")
    columns = [data[name] for name in _POINT_COLUMNS]
    if not all(isinstance(c, list) for c in columns) or len({len(c) for c in columns}) != 1:
        raise ValueError(f"the point fields {', '.join(_POINT_COLUMNS)} must be lists of one length")
    rows = []
    for values in zip(*columns, strict=True):
        row = dict(zip(_POINT_COLUMNS, values, strict=True))
        for name in _POINT_COLUMNS[:-1]:
            value = row[name]
            if value is None:
                row[name] = float("nan")
            elif isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{name} holds {value!r}, not a number")
            else:
                row[name] = float(value)
        if not (row["errors"] is None or isinstance(row["errors"], str)):
            raise ValueError(f"errors holds {row['errors']!r}, not a message or null")
        rows.append(row)
    return {"circuit": data["circuit"], "params": data["params"], "design": data["design"],
            "netlist": data["netlist"], "points": rows}


def _warn(message: str) -> None:
    print(f"lifhw: warning: {message}", file=sys.stderr)


def save_interrupted(measurement: FiMeasurement, partial: Path | str | None, message: str) -> Interrupted:
    """Write ``measurement`` to the partial file (``partial`` or a new one); the Interrupted error that says what
    was kept, where, and how to go on."""
    path = partial_path(partial)
    jsonio.write(path, measurement.flat(), indent=None)
    return Interrupted(f"{message}, saved to {path}; the same command with --partial {path} runs only the "
                       "points not finished")


def run_fi(circuit: str, params: LIFParams, design: OTADesign, currents, t_sim: float | None = None, executor=None,
           partial: Path | str | None = None, on_point=None) -> FiMeasurement:
    """``lifhw spice fi``: :func:`measure_fi` of ``circuit`` built for ``params``/``design`` on ``executor``.

    The points an earlier run of the same sweep kept in ``partial`` are taken from it (:func:`stored_points`)
    and only the others simulated. A sweep with failed points raises :class:`~lifhw.spice.sweep.SweepError`, an
    interrupted one :class:`~lifhw.errors.Interrupted`; before either, the finished points are written to
    ``partial`` (default: a new file under :data:`PARTIAL_DIR`), which the message names. The error's ``output``
    is what finished.
    """
    with SpiceNeuron(circuit, params, design, executor=executor) as neuron:
        stored = stored_points(partial, neuron, currents, t_sim, _warn)
        try:
            return measure_fi(neuron, currents, t_sim, on_point, check=True, stored=stored)
        except _Interrupted as exc:
            raise save_interrupted(exc.measurement, partial, str(exc)) from None
        except _Failed as exc:
            path = partial_path(partial)
            jsonio.write(path, exc.measurement.flat(), indent=None)
            error = SweepError(f"{exc} (finished points saved to {path})", exc.result)
            error.output = exc.measurement.flat()
            raise error from None
