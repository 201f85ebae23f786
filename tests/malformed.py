"""A seeded generator of malformed files: what a careless or hostile user (or a full disk, or a killed run) hands
lifhw's readers.

Each generator starts from a valid file and damages it: cut short, emptied, replaced by garbage, a field of another
type or shape, a shape far larger than the file, metadata lifhw cannot take. A :class:`Case` says what it did and
which field a refusal must name (``""``: the file as a whole). The fixed cases are the ones reported against
lifhw; the seeded ones (``rng``) add random cuts and random fields of random wrong types, different for each seed
and the same for one seed.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Case:
    """One malformed file: ``write(path)`` makes it; a refusal names ``field`` (and the file)."""

    name: str
    write: Callable[[Path], None]
    field: str = ""


def _bytes(data: bytes) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(data)


def _damaged_bytes(valid: bytes, rng: np.random.Generator) -> Iterator[Case]:
    """The file cut short at a random point, emptied, and random bytes of its length."""
    cut = int(rng.integers(1, len(valid)))
    yield Case(f"truncated at {cut} of {len(valid)} bytes", _bytes(valid[:cut]))
    yield Case("empty", _bytes(b""))
    yield Case("random bytes", _bytes(rng.integers(0, 256, len(valid), dtype=np.uint8).tobytes()))


# --- JSON: the stores (Monte Carlo samples, nominal, report cache) and a learn folder's result.json --------------

#: Values of a type JSON has, one per type: a mutation puts one whose type differs from the field's.
WRONG_VALUES: tuple[Any, ...] = ("x", [], {}, True, 1.5)


def _kind(value: Any) -> str:
    """The JSON type of ``value`` as lifhw reads it: an int is a number too, but 1.5 is not an int."""
    if isinstance(value, float) or value is None:  # null stands for a NaN float
        return "number"
    return type(value).__name__


def _leaves(value: Any, where: tuple = (), skip: frozenset[str] = frozenset()) -> Iterator[tuple]:
    """Paths (keys and indices) to every value under ``value``, not descending into keys in ``skip``."""
    yield where
    if isinstance(value, dict):
        for key, inner in value.items():
            if key not in skip:
                yield from _leaves(inner, (*where, key), skip)
    elif isinstance(value, list):
        for k, inner in enumerate(value):
            yield from _leaves(inner, (*where, k), skip)


def _replaced(value: Any, where: tuple, new: Any) -> Any:
    if not where:
        return new
    copy = json.loads(json.dumps(value))
    holder = copy
    for key in where[:-1]:
        holder = holder[key]
    holder[where[-1]] = new
    return copy


def field_of(where: tuple) -> str:
    """A path of keys and indices as lifhw names the field: ``points[0].rate``."""
    text = ""
    for key in where:
        text += f"[{key}]" if isinstance(key, int) else (f".{key}" if text else key)
    return text


def json_cases(valid: Any, rng: np.random.Generator, n: int = 8, required: tuple[str, ...] = (),
               skip: frozenset[str] = frozenset()) -> list[Case]:
    """Malformed versions of the JSON value ``valid``: damaged bytes, JSON of the wrong shape, literals lifhw never
    writes, a nesting deeper than the parser goes, a ``required`` key removed, and ``n`` random fields (not under a
    key in ``skip``: values nobody reads by type) each given a value of another JSON type."""
    text = json.dumps(valid).encode()
    cases = list(_damaged_bytes(text, rng))
    if required:  # else {} is a valid value: every field has its default
        cases.append(Case("an empty object", _bytes(b"{}")))
    cases += [Case("a list", _bytes(b"[]")), Case("null", _bytes(b"null")),
              Case("a NaN literal", _bytes(b'{"x": NaN}')), Case("a number beyond a float", _bytes(b"[1e999]")),
              Case("nested deeper than the parser goes", _bytes(b"[" * 200_000 + b"]" * 200_000)),
              Case("not UTF-8", _bytes(b'{"\xff": 1}'))]
    for key in required:
        cases.append(Case(f"without {key}", _bytes(json.dumps({k: v for k, v in valid.items() if k != key}).encode()),
                          key))
    paths = [p for p in _leaves(valid, skip=skip) if p]
    for k in rng.choice(len(paths), size=min(n, len(paths)), replace=False):
        where = paths[int(k)]
        old = valid
        for key in where:
            old = old[key]
        choices = [v for v in WRONG_VALUES if _kind(v) != _kind(old)]
        new = choices[int(rng.integers(len(choices)))]
        data = json.dumps(_replaced(valid, where, new)).encode()
        cases.append(Case(f"{field_of(where)} = {new!r}", _bytes(data), field_of(where)))
    return cases


# --- integer models (fixed.npz) ------------------------------------------------------------------------------

def _npz(members: dict[str, Any]) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **members)
    return buffer.getvalue()


def _huge_member(valid: dict[str, np.ndarray], name: str, shape: tuple[int, ...]) -> bytes:
    """The model with member ``name`` declaring ``shape`` in its .npy header, followed by a few bytes only: read
    whole, it would be ~3 GB; a reader that trusts the header before judging it would allocate that."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for key, array in valid.items():
            member = io.BytesIO()
            if key == name:
                np.lib.format.write_array_header_1_0(member, {"descr": "<i8", "fortran_order": False,
                                                              "shape": shape})
                member.write(b"\0" * 64)
            else:
                np.lib.format.write_array(member, array)
            archive.writestr(f"{key}.npy", member.getvalue())
    return buffer.getvalue()


def npz_cases(valid_path: Path, rng: np.random.Generator) -> list[Case]:
    """Malformed versions of the model file at ``valid_path`` (one layer at least)."""
    with np.load(valid_path) as data:
        valid = {key: data[key] for key in data.files}
    neuron = json.loads(valid["l0_neuron"].item())

    def neuron_with(where: tuple, value: Any) -> str:
        return json.dumps(_replaced(neuron, where, value))

    cases = list(_damaged_bytes(valid_path.read_bytes(), rng))
    cases.append(Case("a zip without the model", _bytes(_npz({"other": np.zeros(1)})), "format"))
    for what, members in [
        ("format", {"format": np.array("other-format")}),
        ("n_layers = 'abc'", {"n_layers": np.array("abc")}),
        ("n_layers = 2.5", {"n_layers": np.array(2.5)}),
        ("n_layers = [1, 2]", {"n_layers": np.array([1, 2])}),
        ("n_layers = 0", {"n_layers": np.array(0)}),
        ("n_layers = 10**9", {"n_layers": np.array(10**9)}),
        ("l0_neuron = not JSON", {"l0_neuron": np.array("{not json")}),
        ("l0_neuron = a list", {"l0_neuron": np.array("[1, 2]")}),
        ("l0_neuron = a number", {"l0_neuron": np.array(3.0)}),
        ("l0_neuron.params = a list", {"l0_neuron": np.array(neuron_with(("params",), [1, 2]))}),
        ("l0_neuron.params.c_m = 'abc'", {"l0_neuron": np.array(neuron_with(("params", "c_m"), "abc"))}),
        ("l0_neuron.params.c_m = -1", {"l0_neuron": np.array(neuron_with(("params", "c_m"), -1.0))}),
        ("l0_neuron.dt = [1]", {"l0_neuron": np.array(neuron_with(("dt",), [1]))}),
        ("l0_neuron.format.width = 'wide'", {"l0_neuron": np.array(neuron_with(("format", "width"), "wide"))}),
        ("l0_neuron.format.width = 2.5", {"l0_neuron": np.array(neuron_with(("format", "width"), 2.5))}),
        ("l0_rtl", {"l0_rtl": np.array(json.dumps({"THRESH": 1}))}),
        ("l0_weights = floats", {"l0_weights": valid["l0_weights"] + 0.5}),
        ("l0_weights = complex", {"l0_weights": valid["l0_weights"] * 1j}),
        ("l0_weights = text", {"l0_weights": np.array([["a"]])}),
        ("l0_weights = 3-D", {"l0_weights": valid["l0_weights"][None]}),
        ("l0_weights = objects", {"l0_weights": np.array([[None]], dtype=object)}),
        ("l0_weights = beyond the weight bits", {"l0_weights": valid["l0_weights"] * 2**40}),
        ("l0_weight_bits = 'abc'", {"l0_weight_bits": np.array("abc")}),
        ("l0_weight_bits = 2.5", {"l0_weight_bits": np.array(2.5)}),
        ("l0_weight_bits = 99", {"l0_weight_bits": np.array(99)}),
        ("l0_acc_width = -3", {"l0_acc_width": np.array(-3)}),
        ("l0_bias = floats", {"l0_bias": np.full(len(valid["l0_weights"]), 0.5)}),
        ("l0_bias = 2-D", {"l0_bias": valid["l0_weights"]}),
        ("l0_bias = one short", {"l0_bias": np.zeros(len(valid["l0_weights"]) - 1, dtype=np.int64)}),
        ("l0_bias = beyond the weight bits", {"l0_bias": np.full(len(valid["l0_weights"]), 2**40)}),
        ("l0_neuron.format.reset_mode = 'sideways'",
         {"l0_neuron": np.array(neuron_with(("format", "reset_mode"), "sideways"))}),
    ]:
        field = what.split(" ")[0]
        cases.append(Case(what, _bytes(_npz({**valid, **members})), field))
    for key in sorted(valid):
        cases.append(Case(f"without {key}", _bytes(_npz({k: v for k, v in valid.items() if k != key})), key))
    cases.append(Case("l0_weights = 20000 x 20000 (its header)", _bytes(_huge_member(valid, "l0_weights",
                                                                                     (20000, 20000))), "l0_weights"))
    cases.append(Case("l0_weights = 10**6 neurons (its header)", _bytes(_huge_member(valid, "l0_weights",
                                                                                     (10**6, 1))), "l0_weights"))
    # seeded: a random member of a random wrong kind
    for k in rng.choice(len(valid), size=4, replace=False):
        key = sorted(valid)[int(k)]
        new = [np.array("x"), np.array([[1.5]]), np.zeros((2, 2, 2)), np.array(1j)][int(rng.integers(4))]
        if new.dtype == valid[key].dtype and new.ndim == valid[key].ndim:
            new = np.array(1j)
        cases.append(Case(f"{key} = {new.dtype} {new.shape}", _bytes(_npz({**valid, key: new})), key))
    return cases


# --- NIR graphs (HDF5) ------------------------------------------------------------------------------------------

def _edited(valid: bytes, edit: Callable[[Any], None]) -> Callable[[Path], None]:
    """The NIR file ``valid`` with ``edit(h5py_file)`` applied."""

    def write(path: Path) -> None:
        import h5py

        path.write_bytes(valid)
        with h5py.File(path, "r+") as handle:
            edit(handle)

    return write


def _set(where: str, value: Any) -> Callable[[Any], None]:
    def edit(handle) -> None:
        if where in handle:
            del handle[where]
        handle[where] = value

    return edit


def _huge(where: str, shape: tuple[int, ...], chunks: tuple[int, ...]) -> Callable[[Any], None]:
    """A gzip-chunked float dataset of ``shape`` whose chunks are never written: a file of kilobytes that reads as
    gigabytes."""

    def edit(handle) -> None:
        del handle[where]
        handle.create_dataset(where, shape=shape, dtype="f8", chunks=chunks, compression="gzip")

    return edit


def nir_cases(valid_path: Path, rng: np.random.Generator, linear: str, lif: str) -> list[Case]:
    """Malformed versions of the NIR file at ``valid_path``: a chain whose nodes ``linear`` (a Linear) and ``lif``
    (a LIF) feed each other."""
    import h5py

    valid = valid_path.read_bytes()
    meta, nodes = "node/metadata", "node/nodes"
    w, neuron = f"{nodes}/{linear}/weight", f"{nodes}/{lif}"
    with h5py.File(valid_path) as handle:
        n_out, n_in = handle[w].shape
    cases = list(_damaged_bytes(valid, rng))
    for what, edit, field in [
        ("dt = 'abc'", _set(f"{meta}/dt", "abc"), "dt"),
        ("dt = [1, 2]", _set(f"{meta}/dt", [1.0, 2.0]), "dt"),
        ("dt = -1", _set(f"{meta}/dt", -1.0), "dt"),
        ("dt = 1e300", _set(f"{meta}/dt", 1e300), "dt"),
        ("discretization = [1, 2]", _set(f"{meta}/discretization", [1, 2]), "discretization"),
        ("discretization = 'rk4'", _set(f"{meta}/discretization", "rk4"), "discretization"),
        ("lifhw_width = 'wide'", _set(f"{meta}/lifhw_width", "wide"), "lifhw_width"),
        ("lifhw_width = 2.5", _set(f"{meta}/lifhw_width", 2.5), "lifhw_width"),
        ("lifhw_weight_bits = 99", _set(f"{meta}/lifhw_weight_bits", 99), "lifhw_weight_bits"),
        ("lifhw_frac = ['a']", _set(f"{meta}/lifhw_frac", ["a"]), "lifhw_frac"),
        ("lifhw_ref_steps = 'abc'", _set(f"{neuron}/metadata/lifhw_ref_steps", "abc"), "lifhw_ref_steps"),
        ("lifhw_ref_steps = 2.5", _set(f"{neuron}/metadata/lifhw_ref_steps", 2.5), "lifhw_ref_steps"),
        ("lifhw_ref_steps = -1", _set(f"{neuron}/metadata/lifhw_ref_steps", -1), "lifhw_ref_steps"),
        ("lifhw_reset_mode = 3", _set(f"{neuron}/metadata/lifhw_reset_mode", 3), "lifhw_reset_mode"),
        ("lifhw_reset_mode = 'sideways'", _set(f"{neuron}/metadata/lifhw_reset_mode", "sideways"), "lifhw_reset_mode"),
        ("lifhw_v_threshold = 'abc'", _set(f"{neuron}/metadata/lifhw_v_threshold", "abc"), "lifhw_v_threshold"),
        ("lifhw_v_threshold = -1", _set(f"{neuron}/metadata/lifhw_v_threshold", -1.0), "lifhw_v_threshold"),
        ("lifhw_v_threshold = 1e300", _set(f"{neuron}/metadata/lifhw_v_threshold", 1e300), "lifhw_v_threshold"),
        ("weight = 1e300", _set(w, np.full((n_out, n_in), 1e300)), "weight"),
        ("weight = complex", _set(w, np.full((n_out, n_in), 1 + 1j)), "weight"),
        ("weight = NaN", _set(w, np.full((n_out, n_in), np.nan)), "weight"),
        ("weight = text", _set(w, "abc"), "weight"),
        ("weight = 1-D", _set(w, np.ones(n_in)), "weight"),
        ("weight = 3-D", _set(w, np.ones((1, n_out, n_in))), "weight"),
        ("v_threshold = 1e-300", _set(f"{neuron}/v_threshold", np.full(n_out, 1e-300)), "v_threshold"),
        ("tau = -1", _set(f"{neuron}/tau", np.full(n_out, -1.0)), "tau"),
        ("tau = 'abc'", _set(f"{neuron}/tau", "abc"), "tau"),
        ("r = complex", _set(f"{neuron}/r", np.full(n_out, 1j)), "r"),
        ("v_leak = 2-D", _set(f"{neuron}/v_leak", np.zeros((n_out, 2))), "v_leak"),
        ("weight = 20000 x 20000, gzip chunks", _huge(w, (20000, 20000), (1000, 1000)), "weight"),
        ("weight = 10**6 neurons", _huge(w, (10**6, n_in), (10**4, n_in)), "weight"),
        ("a soft link", lambda h: h.__setitem__(f"{nodes}/loop", h5py.SoftLink(f"/{nodes}")), "loop"),
        ("an external link", lambda h: h.__setitem__(f"{nodes}/far", h5py.ExternalLink("/etc/passwd", "/")), "far"),
    ]:
        cases.append(Case(what, _edited(valid, edit), field))
    # seeded: a random numeric field of the LIF node as text, complex or of another shape
    with h5py.File(valid_path) as handle:
        fields = sorted(k for k in handle[neuron] if k not in ("type", "metadata"))
    for k in rng.choice(len(fields), size=2, replace=False):
        field = fields[int(k)]
        new = [np.array(b"x"), np.full(n_out, 2j), np.ones((2, 2, 2))][int(rng.integers(3))]
        cases.append(Case(f"{field} = {new.dtype} {new.shape}", _edited(valid, _set(f"{neuron}/{field}", new)), field))
    return cases
