"""The report's result cache: a JSON file per result, keyed by everything the result was computed from.

The key hashes the inputs, the source of every lifhw module the computing code imports (its *import
closure*, found by reading the ``import`` statements, including those inside functions) and every data
file those modules declare in a module-level ``DATA_FILES`` (netlists, Verilog), and the versions of the tools
and models they run, which a module reports with a module-level ``tool_versions()``. So editing any ``.py``,
``.v`` or ``.cir`` file a result depends on, or installing another ngspice, Icarus, Verilator, Yosys or sky130,
invalidates exactly the results that depend on it, and nothing has to list its dependencies by hand. An entry
stores a result's ``as_dict()`` (written by :mod:`lifhw.jsonio`) and is read back through the result's
``from_dict()``; one that cannot be read back as its type (truncated, garbage, another shape) is recomputed and
replaced.
"""

from __future__ import annotations

import ast
import hashlib
import importlib
import importlib.util
import json
import typing
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

from .. import jsonio, readers
from ..errors import FieldError
from ..files import write_atomic

#: A typed result: a class with ``as_dict()`` and the classmethod ``from_dict()`` (:class:`lifhw.jsonio.Record`).
R = TypeVar("R")

_ROOT = __name__.split(".")[0]


def _module_file(name: str) -> Path | None:
    """The source file of lifhw module ``name`` (its ``__init__.py`` for a package), or None if no such module."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
        return None
    return Path(spec.origin)


def _resolve(module: str, level: int, package: str) -> str:
    if level == 0:
        return module
    base = package.rsplit(".", level - 1)[0] if level > 1 else package
    return f"{base}.{module}" if module else base


@cache
def _direct_imports(name: str) -> tuple[str, ...]:
    """lifhw modules that module ``name`` imports anywhere in its source (and their parent packages)."""
    path = _module_file(name)
    if path is None:
        return ()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(node.module or "", node.level, package)
            # ``from pkg import name``: name is a submodule or an attribute of pkg
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names if alias.name != "*"]
        else:
            continue
        for target in targets:
            if target.split(".")[0] != _ROOT or _module_file(target) is None:
                continue
            parts = target.split(".")
            found.update(".".join(parts[:k]) for k in range(1, len(parts) + 1))
    found.discard(name)
    return tuple(sorted(found))


def import_closure(names: Iterable[str]) -> list[str]:
    """Every lifhw module reachable from ``names`` through imports, sorted, ``names`` included."""
    seen: set[str] = set()
    stack = list(names)
    while stack:
        name = stack.pop()
        if name in seen or _module_file(name) is None:
            continue
        seen.add(name)
        stack.extend(_direct_imports(name))
    return sorted(seen)


def data_files(modules: Iterable[str]) -> list[Path]:
    """The ``DATA_FILES`` that ``modules`` declare, sorted and de-duplicated."""
    files: set[Path] = set()
    for name in modules:
        files.update(Path(p) for p in getattr(importlib.import_module(name), "DATA_FILES", ()))
    return sorted(files)


def tools_of(modules: Iterable[str]) -> dict[str, str]:
    """The external tools and models ``modules`` run, with their versions: the union of what each module's
    ``tool_versions()`` (a module-level function, as ``DATA_FILES`` is a module-level list) reports."""
    versions: dict[str, str] = {}
    for name in modules:
        probe = getattr(importlib.import_module(name), "tool_versions", None)
        if callable(probe):
            versions.update(probe())
    return dict(sorted(versions.items()))


def code_digest(roots: Iterable[ModuleType]) -> str:
    """SHA-256 over the import closure of ``roots``: each module's name and source, each data file's name and bytes,
    and the versions of the tools and models those modules run (ngspice, sky130, Icarus, Verilator, Yosys, cocotb)."""
    digest = hashlib.sha256()
    modules = import_closure(m.__name__ for m in roots)
    for name in modules:
        digest.update(name.encode() + b"\0" + _read(_module_file(name)) + b"\0")
    for path in data_files(modules):
        digest.update(path.name.encode() + b"\0" + _read(path) + b"\0")
    digest.update(json.dumps(tools_of(modules), sort_keys=True).encode())
    return digest.hexdigest()


def _read(path: Path) -> bytes:
    return path.read_bytes()


def key(inputs: dict, roots: Iterable[ModuleType]) -> str:
    """The cache key of a result computed by ``roots``' code from ``inputs``."""
    digest = hashlib.sha256(json.dumps(inputs, sort_keys=True, default=str).encode())
    digest.update(code_digest(roots).encode())
    return digest.hexdigest()[:16]


def load(path: Path, kind: type[R], warn: Callable[[str], None]) -> R | None:
    """The entry stored at ``path`` read back as ``kind`` (``kind.from_dict``), or None, with one ``warn`` line, if
    it is unreadable or does not read back as ``kind`` (a wrong shape, a field of the wrong type:
    :func:`lifhw.readers.stored`); None if there is none."""

    def entry(data: Any) -> R:
        entry = jsonio.read(dict, data, "")
        if entry.get("key") != path.stem:
            raise FieldError("key", entry.get("key", ...), f"must be the file's key {path.stem!r}")
        if "result" not in entry:
            raise FieldError("result", ..., "is missing")
        return typing.cast(R, jsonio.read(kind, entry["result"], "result"))

    return readers.stored(path, entry, "report cache entry", warn)


def store(path: Path, result: R, kind: type[R]) -> R:
    """Write ``result.as_dict()`` under ``path`` (atomically) and return it as read back: what a later run will
    get."""
    text = jsonio.dumps({"key": path.stem, "result": result.as_dict()}, sort_keys=True)
    write_atomic(path, text.encode())
    return kind.from_dict(json.loads(text)["result"])
