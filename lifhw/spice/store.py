"""Finished results of a long SPICE batch, each stored as it finishes, content-addressed, so a rerun resumes.

A :class:`ResultStore` is a folder named by the hash of everything that defines the results in it (netlist text,
model package version, corner, temperature, seeds, the analysis plan: :func:`content_key`), holding one JSON file
per finished item (``<name>.json``, written atomically). Two runs that would compute the same item share it (the
same bytes, written whole); a run that computes something else has another folder. A killed run leaves every item
it finished; the same command again finds them and computes only the others.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from .. import jsonio, readers


def content_key(parts: dict) -> str:
    """SHA-256 (hex, 24 digits) of ``parts`` as canonical JSON: equal parts, equal key."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, allow_nan=False).encode()).hexdigest()[:24]


class ResultStore:
    """The items of one content key under ``root``; ``parts`` (what the key hashes) is kept beside them."""

    def __init__(self, root: Path | str, parts: dict):
        self.key = content_key(parts)
        self.dir = Path(root) / self.key
        self.dir.mkdir(parents=True, exist_ok=True)
        meta = self.dir / "key.json"
        if not meta.exists():
            jsonio.write(meta, parts, indent=1, sort_keys=True)

    def path(self, name: str | int) -> Path:
        return self.dir / f"{name}.json"

    def get(self, name: str | int, kind: Any = dict) -> Any:
        """The stored item read back as ``kind`` (:func:`lifhw.jsonio.read`: a dict, a typed result), or None if it
        is missing, and None with one warning line if it does not read back as a ``kind``
        (:func:`lifhw.readers.stored`): then it is computed again."""
        return readers.stored(self.path(name), lambda data: jsonio.read(kind, data, getattr(kind, "__name__", "item")),
                              "stored result")

    def put(self, name: str | int, value: Any) -> None:
        """Store ``value`` (JSON-ready or a typed result) under ``name``, written whole (:mod:`lifhw.jsonio`)."""
        jsonio.write(self.path(name), value, indent=None, sort_keys=True)
