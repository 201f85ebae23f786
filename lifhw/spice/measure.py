"""Measurements on a transient: spike times, rate, ISI statistics, reset releases, energy per spike."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


def crossings(t: np.ndarray, y: np.ndarray, level: float, rising: bool = True) -> np.ndarray:
    """Times (s) where ``y`` crosses ``level`` upwards (or downwards), linearly interpolated."""
    t = np.asarray(t, dtype=float)
    y = np.asarray(y, dtype=float) - level
    if rising:
        idx = np.nonzero((y[:-1] < 0) & (y[1:] >= 0))[0]
    else:
        idx = np.nonzero((y[:-1] > 0) & (y[1:] <= 0))[0]
    frac = y[idx] / (y[idx] - y[idx + 1])
    return t[idx] + frac * (t[idx + 1] - t[idx])


@dataclass
class Transient:
    """What one transient of a neuron netlist measured (SI units).

    ``rate`` is 1/mean ISI over all complete ISIs (every ISI starts from a reset, so all are steady), 0
    with fewer than two spikes. ``charge_times`` are the intervals from a reset release to the next spike.
    ``energy_per_spike`` is ∫V_dd·I_dd dt between the first and the last spike divided by the ISIs
    between them (NaN with fewer than two spikes): the neuron's own supply ``vdd``. ``supply_power`` is that
    supply's mean power over the run; ``shared_power`` the mean power of ``vdd_ref``, the bias references an
    array of neurons shares (NaN for a netlist without one), which no neuron's energy counts.
    """

    i_in: float
    t_stop: float
    spike_times: np.ndarray
    release_times: np.ndarray
    charge_times: np.ndarray
    energy_per_spike: float
    supply_power: float
    shared_power: float
    time: np.ndarray = field(repr=False)
    v_mem: np.ndarray = field(repr=False)

    @property
    def isis(self) -> np.ndarray:
        return np.diff(self.spike_times)

    @property
    def n_isi(self) -> int:
        return max(len(self.spike_times) - 1, 0)

    @property
    def rate(self) -> float:
        return float(1.0 / np.mean(self.isis)) if self.n_isi else 0.0

    @property
    def thresholds(self) -> np.ndarray:
        """The realised threshold of each spike (V): the membrane's highest voltage between the release before it
        (or the start) and the spike, where the comparator tripped (it differs from V_th by its offset)."""
        out = []
        for spike in self.spike_times:
            before = self.release_times[self.release_times < spike]
            start = before[-1] if len(before) else self.time[0]
            window = (self.time >= start) & (self.time <= spike)
            out.append(float(np.max(self.v_mem[window])) if np.any(window) else float("nan"))
        return np.array(out)

    @property
    def isi_cv(self) -> float:
        return float(np.std(self.isis) / np.mean(self.isis)) if self.n_isi >= 2 else float("nan")

    def summary(self) -> dict:
        return {"i_in": self.i_in, "t_stop": self.t_stop, "rate": self.rate, "n_spikes": len(self.spike_times),
                "isi_cv": self.isi_cv, "energy_per_spike": self.energy_per_spike,
                "supply_power": self.supply_power, "shared_power": self.shared_power,
                "charge_time": float(np.mean(self.charge_times)) if len(self.charge_times) else float("nan"),
                "spike_times": self.spike_times.tolist()}


def spike_times(t: np.ndarray, spk: np.ndarray, release: np.ndarray, vdd: float) -> tuple[np.ndarray, np.ndarray]:
    """(spikes, releases): rising vdd/2 crossings of ``spk`` and falling ones of the ``release`` node (s).

    A spike counts only once the reset that followed the previous one has been released: a glitch of spk while the
    reset is held (the comparator bouncing as the membrane is pulled down) is not a spike.
    """
    rising = crossings(t, spk, vdd / 2, rising=True)
    releases = crossings(t, release, vdd / 2, rising=False)
    kept: list[float] = []
    for time in rising:
        if not kept or np.any((releases > kept[-1]) & (releases < time)):
            kept.append(time)
    return np.array(kept), releases


def measure(vectors: dict[str, np.ndarray], i_in: float, t_stop: float, vdd: float, release_node: str) -> Transient:
    """Spike times (rising crossings of v(spk) at vdd/2), releases, energy from the saved vectors.

    ``release_node`` falls (through vdd/2) when the reset lets the membrane go.
    """
    t = vectors["time"]
    spikes, releases = spike_times(t, vectors["spk"], vectors[release_node], vdd)
    charge = []
    for release in releases:
        later = spikes[spikes > release]
        if len(later):
            charge.append(later[0] - release)
    power = -vdd * vectors["vdd#branch"]
    energy = float("nan")
    if len(spikes) >= 2:
        inside = (t >= spikes[0]) & (t <= spikes[-1])
        energy = float(np.trapezoid(power[inside], t[inside]) / (len(spikes) - 1))
    mean_power = float(np.trapezoid(power, t) / (t[-1] - t[0]))
    shared = vectors.get("vdd_ref#branch")
    shared_power = float(np.trapezoid(-vdd * shared, t) / (t[-1] - t[0])) if shared is not None else float("nan")
    return Transient(float(i_in), float(t_stop), spikes, releases, np.array(charge), energy, mean_power,
                     shared_power, t, vectors["mem"])


def quiescent_power(vectors: dict[str, np.ndarray], vdd: float) -> tuple[float, float]:
    """(neuron, shared) supply power (W) at an operating point's vectors (the rest state with no input); shared is
    NaN for a netlist without a ``vdd_ref`` supply."""
    shared = vectors.get("vdd_ref#branch")
    return (float(-vdd * vectors["vdd#branch"][0]),
            float(-vdd * shared[0]) if shared is not None else float("nan"))


def energy_parts(energy_per_spike: float, rate: float, quiescent: float) -> tuple[float, float]:
    """(static, dynamic) energy per spike (J): static is the quiescent power times the ISI, which the neuron would
    spend at rest anyway; dynamic the rest, what spiking adds (NaN for a silent point)."""
    if not rate > 0:
        return float("nan"), float("nan")
    static = quiescent / rate
    return static, energy_per_spike - static
