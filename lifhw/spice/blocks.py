"""Mismatch of lif_ota's blocks from the PDK's statistics, as a function of device area: DC Monte Carlo.

The three random errors that move a lif_ota neuron (:mod:`lifhw.sizing.montecarlo`) are measured on the blocks
themselves, built from the netlist's devices at its sizes times an area factor (W and L each by its square root):

* ``leak_ota`` — σ(V_os) of the leak OTA (tail mirror, nfet pair, pfet load) connected as in the neuron, a
  follower: its output settles where it sinks no current, V_0 = V_rest + V_os, the leak's zero;
* ``mirror`` — σ(ΔI/I) of its tail mirror at the bias I_b, the output drain held at the diode's voltage (a VCVS),
  so the spread is mismatch alone;
* ``comparator`` — σ of the comparator's trip point: the comparator OTA (pair and pfet load, tail mirroring
  i_cmp) in unity feedback settles at V_th + δ where its pair is balanced; in the neuron that balance, the trip,
  comes at V_mem = V_th − δ (the feedback goes to the other input), so the trip offset is −δ. (The trip point
  proper, where the output crosses the inverter's switching level, differs from the balance by that level's
  distance over the open-loop gain, ~10^2: a systematic shift, not a spread.)

Each block's deck holds :data:`COPIES` copies at each area of :data:`AREAS`; every instance of a ``_mm`` section
draws its own mismatch, so one ``op`` per ``setseed``/``reset`` measures them all (:data:`REDRAWS` redraws). One
task per block on an :class:`~lifhw.spice.executor.Executor`; the table is stored content-addressed (the decks,
the model version, the seeds) and computed once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .. import pdk
from ..errors import ParameterError
from ..files import BUILD
from ..jsonio import Record, plain
from ..params import LIFParams
from . import netlist as nl
from .deck import Deck
from .design import OTADesign
from .executor import Executor, LocalExecutor, Task
from .runner import Session
from .store import ResultStore
from .sweep import RUN_DIR

#: Area factors (× the netlist's W·L) each block is measured at, copies per area and deck, redraws, seed.
AREAS = (1.0, 4.0, 16.0)
COPIES = 50
REDRAWS = 10
SEED = 0
#: Where the tables are stored.
STORE_DIR = BUILD / "spice" / "blocks"
#: Version of the table's content and method: a change to the measurement bumps it.
TABLE_FORMAT = 1
#: Each block: the area factor of OTADesign that scales it, what is measured and its unit.
BLOCKS = {"leak_ota": ("a_leak", "V_os = V_0 - V_rest", "V"),
          "mirror": ("a_mirror", "I_out/I_in - 1", ""),
          "comparator": ("a_cmp", "trip point - V_th", "V")}
NFET, PFET = "sky130_fd_pr__nfet_01v8", "sky130_fd_pr__pfet_01v8"


@dataclass(frozen=True)
class AreaRow(Record):
    """One block at one area factor: its copies' mean and σ, with σ's 95 % interval."""

    area: float
    n: int
    mean: float
    sigma: float
    sigma_95: tuple[float, float]


@dataclass(frozen=True)
class PelgromFit(Record):
    """σ = sigma_1 · area^slope."""

    sigma_1: float
    slope: float


@dataclass(frozen=True)
class BlockRow(Record):
    """One block of the table: what it measures, at each area, its fit and its devices' W·L (µm²)."""

    factor: str
    quantity: str
    unit: str
    rows: list[AreaRow]
    fit: PelgromFit
    devices: dict[str, float]


@dataclass(frozen=True)
class BlockTable(Record):
    """What a stored table must read back as (:func:`block_table` hands it on as its JSON dict)."""

    corner: str
    temp: float
    i_b: float
    i_cmp: float
    areas: list[float]
    copies: int
    redraws: int
    blocks: dict[str, BlockRow]

    def __post_init__(self) -> None:
        if set(self.blocks) != set(BLOCKS):
            raise ParameterError("blocks", sorted(self.blocks), f"must be the blocks {', '.join(BLOCKS)}")


def _size(geometry: dict, w: str, length: str, area: float) -> str:
    scale = math.sqrt(area)
    return f"w={geometry[w] * scale!r} l={geometry[length] * scale!r}"


def _copy(block: str, tag: str, geometry: dict, area: float, design: OTADesign) -> list[str]:
    """The lines of one copy of ``block`` at ``area`` (its nodes suffixed ``tag``; output node ``o<tag>``)."""
    if block == "mirror":
        size = _size(geometry, "w_lm", "l_lm", area)
        return [f"i{tag} vdd nb{tag} {design.i_b!r}", f"xa{tag} nb{tag} nb{tag} 0 0 {NFET} {size}",
                f"xb{tag} o{tag} nb{tag} 0 0 {NFET} {size}", f"e{tag} o{tag} 0 nb{tag} 0 1"]
    if block == "leak_ota":
        mirror, pair = _size(geometry, "w_lm", "l_lm", area), _size(geometry, "w_lp", "l_lp", area)
        load = _size(geometry, "w_ll", "l_ll", area)
        return [f"i{tag} vdd nb{tag} {design.i_b!r}", f"xb{tag} nb{tag} nb{tag} 0 0 {NFET} {mirror}",
                f"xt{tag} t{tag} nb{tag} 0 0 {NFET} {mirror}", f"x1{tag} x{tag} rest t{tag} 0 {NFET} {pair}",
                f"x2{tag} o{tag} o{tag} t{tag} 0 {NFET} {pair}", f"x3{tag} x{tag} x{tag} vdd vdd {PFET} {load}",
                f"x4{tag} o{tag} x{tag} vdd vdd {PFET} {load}"]
    # comparator: the tail mirror keeps the netlist's fixed size (x_cb/x_ct, W/L 1/2); pair and load scale
    pair, load = _size(geometry, "w_cp", "l_cp", area), _size(geometry, "w_cl", "l_cl", area)
    return [f"i{tag} vdd nb{tag} {design.i_cmp!r}", f"xb{tag} nb{tag} nb{tag} 0 0 {NFET} w=1 l=2",
            f"xt{tag} t{tag} nb{tag} 0 0 {NFET} w=1 l=2", f"x1{tag} x{tag} vth t{tag} 0 {NFET} {pair}",
            f"x2{tag} o{tag} o{tag} t{tag} 0 {NFET} {pair}", f"x3{tag} x{tag} x{tag} vdd vdd {PFET} {load}",
            f"x4{tag} o{tag} x{tag} vdd vdd {PFET} {load}"]


def deck_text(block: str, params: LIFParams, design: OTADesign) -> str:
    """The DC Monte Carlo deck of ``block``: :data:`COPIES` copies at each area of :data:`AREAS`."""
    circuit = nl.get_circuit("ota")
    geometry = {k: float(v) for k, v in nl.declared_params(circuit).items() if k[:2] in ("w_", "l_")}
    lines = [f"* lif_ota block {block}: {COPIES} copies at each area factor {AREAS}",
             f".lib {nl.model_library()} {pdk.library_section(design.corner, mismatch=True)}",
             f".temp {pdk.check_temperature(design.temp)!r}", f"vdd vdd 0 {design.vdd!r}",
             f"v_rest rest 0 {params.v_rest!r}", f"v_th vth 0 {params.v_th!r}"]
    for a, area in enumerate(AREAS):
        for c in range(COPIES):
            lines += _copy(block, f"_{a}_{c}", geometry, area, design)
    # the netlist's GMIN (see lif_ota.cir): 1e-12 S would put pA on nodes that carry 10 pA
    lines += [".options gmin = 1e-15", ".end"]
    return "\n".join(lines) + "\n"


def run_block(session: Session, block: str, redraws: int, seed: int, reference: float) -> list[list[float]]:
    """``redraws`` × (setseed, reset, op) of a block deck: the measured value of every copy, per area.

    ``reference``: V_rest (leak OTA), V_th (comparator) or the bias current I_b (mirror).
    """
    values: list[list[float]] = [[] for _ in AREAS]
    for r in range(redraws):
        draw = int(np.random.default_rng(np.random.SeedSequence([seed, r])).integers(1, 2**31 - 1))
        session.redraw(draw, {pdk.MISMATCH_SWITCH: 1.0})
        session.command("op")
        op = {key: float(vec[0]) for key, vec in session._last_plot("op").items()}
        for a in range(len(AREAS)):
            for c in range(COPIES):
                tag = f"_{a}_{c}"
                if block == "mirror":  # the VCVS sources the output current: its branch current is -I_out
                    values[a].append(-op[f"e{tag}#branch"] / reference - 1)
                elif block == "leak_ota":
                    values[a].append(op[f"o{tag}"] - reference)
                else:
                    values[a].append(reference - op[f"o{tag}"])
    return values


def _summary(values: list[float], area: float, unit: str) -> dict:
    from scipy.stats import chi2

    x = np.asarray(values, dtype=float)
    n = len(x)
    sigma = float(np.std(x, ddof=1))
    lo, hi = sigma * np.sqrt((n - 1) / chi2.ppf([0.975, 0.025], n - 1))
    return {"area": area, "n": n, "mean": float(np.mean(x)), "sigma": sigma, "sigma_95": [float(lo), float(hi)]}


def _fit(rows: list[dict]) -> dict:
    """σ = σ_1 · area^slope, least squares in log-log over the measured areas (Pelgrom: slope −1/2)."""
    slope, intercept = np.polyfit(np.log([r["area"] for r in rows]), np.log([r["sigma"] for r in rows]), 1)
    return {"sigma_1": float(np.exp(intercept)), "slope": float(slope)}


def block_table(params: LIFParams, design: OTADesign, executor: Executor | None = None, workers: int = 2,
                store_root: Path | str = STORE_DIR, run_dir: Path | str = RUN_DIR) -> dict:
    """σ of each block of :data:`BLOCKS` at each area of :data:`AREAS` (and its 95 % interval), for the corner,
    temperature, biases and voltages of ``params``/``design``, with the Pelgrom fit σ_1·area^slope per block.

    Computed once (one task per block on ``executor``, or ``workers`` local processes) and stored content-addressed.
    The area factors of ``design`` do not enter: the table is about the netlist's sizes times :data:`AREAS`.
    """
    base = design.replace(a_mirror=1.0, a_leak=1.0, a_cmp=1.0)
    decks = {block: deck_text(block, params, base) for block in BLOCKS}
    digests = {block: Deck(text, "").digest for block, text in decks.items()}
    store = ResultStore(store_root, {"kind": "spice-blocks", "format": TABLE_FORMAT, "decks": digests,
                                     "redraws": REDRAWS, "seed": SEED})
    stored = store.get("table", BlockTable)
    if stored is not None:
        return plain(stored)
    reference = {"leak_ota": params.v_rest, "mirror": design.i_b, "comparator": params.v_th}
    tasks = [Task(run_block, (block, REDRAWS, SEED, reference[block]), f"block Monte Carlo of the {block}",
                  Deck.write(decks[block], Path(run_dir), f"block-{block}"), redraws=True) for block in BLOCKS]
    if executor is None:
        with LocalExecutor(min(workers, len(tasks))) as local:
            results = local.map(tasks)
    else:
        results = executor.map(tasks)
    geometry = nl.scaled_geometry(nl.get_circuit("ota"), base)
    table: dict[str, Any] = {"corner": design.corner, "temp": design.temp, "i_b": design.i_b, "i_cmp": design.i_cmp,
                             "areas": list(AREAS), "copies": COPIES, "redraws": REDRAWS, "blocks": {}}
    for (block, (factor, quantity, unit)), values in zip(BLOCKS.items(), results, strict=True):
        if isinstance(values, Exception):
            raise values
        rows = [_summary(v, area, unit) for v, area in zip(values, AREAS, strict=True)]
        table["blocks"][block] = {"factor": factor, "quantity": quantity, "unit": unit, "rows": rows,
                                  "fit": _fit(rows), "devices": _devices(block, geometry)}
    store.put("table", table)
    return table


def _devices(block: str, geometry: dict) -> dict:
    """W·L (µm²) of each matched device kind of a block at area factor 1."""
    pairs = {"mirror": {"nfet mirror": ("w_lm", "l_lm")},
             "leak_ota": {"nfet pair": ("w_lp", "l_lp"), "pfet load": ("w_ll", "l_ll")},
             "comparator": {"nfet pair": ("w_cp", "l_cp"), "pfet load": ("w_cl", "l_cl")}}[block]
    return {name: geometry[w] * geometry[length] for name, (w, length) in pairs.items()}


def sigma_at(table: dict, block: str, area: float) -> float:
    """σ of ``block`` at area factor ``area``, from the table's Pelgrom fit (interpolated in log-log)."""
    fit = table["blocks"][block]["fit"]
    return fit["sigma_1"] * area ** fit["slope"]
