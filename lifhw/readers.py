"""Reading files lifhw did not just write: validated before use, bounded before anything large is read.

A file a user hands lifhw (an integer model ``.npz``, a learn folder's ``result.json``; NIR graphs in
:mod:`lifhw.learn.nirgraph` on the same helpers) may be truncated, of another shape, hold values of the wrong type,
or declare arrays far larger than the file. What does not read as it must is a
:class:`~lifhw.errors.FieldError` naming the file and the field, one line and exit 2 on the command line
(``build/learn/result.json: seed = 'abc': expected int, got str``). Nothing is allocated for a file before its
size, or the shapes its headers declare, are checked against :mod:`lifhw.limits` (``--max-memory``, and the caller
checks neurons against ``--max-points``).

A result lifhw stored itself (a Monte Carlo sample, the report's cache, a block table: everything under ``build/``)
can be damaged the same ways; :func:`stored` reads one back as its type or, when it does not read back, says so in
one warning line naming the file and returns None, and the caller computes it again.

* :func:`read_json`: strict JSON (no NaN or Infinity literals, no number beyond a float), its size bounded, read as a
  type by :func:`lifhw.jsonio.read`;
* :class:`Npz`: an ``.npz`` member by member, each ``.npy`` header read (and its shape bounded) before its array;
* :func:`fields`: a block whose refusals (ParameterError of a constructor, FieldError of a read) become the file's;
* :func:`regular_file`: a path that is a regular file (not a folder, device or pipe), and its size;
* :func:`stored`: a stored result read back, or None after one :func:`warn` line.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import stat
import sys
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, TypeVar

import numpy as np

from . import jsonio, limits
from .errors import FieldError, ParameterError, field_name

T = TypeVar("T")

#: Bytes of Python objects one byte of JSON can parse into, at most (measured: 28 for ``[{"a":[]},…]``, 24 for
#: ``[{},…]``, 8 for a list of floats): a JSON file is judged against ``--max-memory`` at this many bytes per byte.
JSON_BYTES_PER_BYTE = 32
#: Longest header of an ``.npy`` member numpy reads (its own default).
NPY_HEADER_MAX = 10_000
#: Largest 0-d member of the wrong type that a refusal shows as its value (bytes), rather than as its dtype.
SCALAR_SHOWN_BYTES = 1024


@contextlib.contextmanager
def fields(path: Path | str, prefix: str = "") -> Iterator[None]:
    """Refusals inside the block become the file's: a FieldError (its name a place in the data) gets ``path``; a
    ParameterError of a constructor (``c_m``, ``weights``) becomes the field ``prefix.name`` of ``path``
    (:func:`~lifhw.errors.field_name`); the KeyError, TypeError or ValueError of code that read the data unchecked
    becomes the field ``prefix``."""
    try:
        yield
    except FieldError as exc:
        if exc.path is not None:
            raise
        raise exc.in_file(str(path), prefix) from None
    except ParameterError as exc:
        raise FieldError(field_name(prefix, exc.name), exc.value, exc.rule, str(path)) from None
    except (KeyError, TypeError, ValueError, IndexError, OverflowError) as exc:
        raise FieldError(prefix, ..., f"cannot be read ({type(exc).__name__}: {_one_line(exc)})", str(path)) \
            from None


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200]


def regular_file(path: Path | str) -> int:
    """The size of ``path`` (bytes), a regular file; FieldError for anything else (a folder, a device, a pipe:
    reading one would never end or block)."""
    try:
        info = os.stat(path)
    except OSError as exc:
        raise FieldError("", ..., f"cannot be read ({exc.strerror or exc})", str(path)) from None
    if not stat.S_ISREG(info.st_mode):
        raise FieldError("", ..., "is not a regular file", str(path))
    return info.st_size


def parse_json(data: bytes | str) -> Any:
    """``data`` as strict JSON: no NaN or Infinity (lifhw writes a missing number as null), no number beyond a float;
    FieldError (the data as a whole) for anything else."""

    def number(text: str) -> float:
        value = float(text)
        if not math.isfinite(value):
            raise ValueError(f"the number {text[:30]} is beyond the range of a float")
        return value

    def constant(text: str) -> None:
        raise ValueError(f"{text} is not JSON (a missing number is null)")

    try:
        return json.loads(data, parse_float=number, parse_constant=constant)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise FieldError("", ..., f"is not JSON ({type(exc).__name__}: {_one_line(exc)})") from None


def read_json(path: Path | str, kind: Any = Any, where: str = "") -> Any:
    """The JSON file ``path`` read as ``kind`` (:func:`lifhw.jsonio.read`; errors name ``where``.field), after its
    size is judged against ``--max-memory``; FieldError naming the file and the field."""
    size = regular_file(path)
    with fields(path):
        limits.check_memory("", size, JSON_BYTES_PER_BYTE * size,
                            f"bytes of Python objects its {size} bytes of JSON may parse into")
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise FieldError("", ..., f"cannot be read ({exc.strerror or exc})", str(path)) from None
    with fields(path):
        return jsonio.read(kind, parse_json(data), where)


def warn(message: str) -> None:
    """One warning line on stderr (``lifhw: warning: ...``)."""
    print(f"lifhw: warning: {message}", file=sys.stderr)


def stored(path: Path | str, read: Callable[[Any], T], what: str, warning: Callable[[str], None] = warn
           ) -> T | None:
    """A result lifhw stored at ``path`` (a JSON file), read back by ``read`` from the parsed JSON (``read`` raises
    FieldError, or ValueError, for what is not the result: :func:`lifhw.jsonio.read` does); None if there is none,
    and None with one ``warning`` line naming the file (``what`` says what it is) when it does not read back:
    truncated, garbage, another shape, a field of another type, larger than ``--max-memory`` allows. The caller
    computes it again (and writes it over the damaged file)."""
    path = Path(path)
    try:
        if not os.path.lexists(path):
            return None
        return read(read_json(path))
    except (ParameterError, KeyError, TypeError, ValueError, IndexError) as exc:
        reason = _one_line(exc).removeprefix(f"{path}: ")  # the file is named once
        warning(f"{what} {path} does not read back ({reason}); recomputing it")
        return None


class Npz:
    """An ``.npz`` file read member by member: :meth:`header` reads a member's ``.npy`` header (shape and dtype)
    without its data; :meth:`array` checks those against what the caller expects and the bytes read so far against
    ``--max-memory``, and only then reads the array. Use as a context manager."""

    def __init__(self, path: Path | str):
        self.path = str(path)
        regular_file(path)
        self.loaded = 0  # bytes of the arrays read so far
        try:
            self._zip = zipfile.ZipFile(path)
            self._names = {name.removesuffix(".npy") for name in self._zip.namelist()}
        except (OSError, EOFError, ValueError, zipfile.BadZipFile, zipfile.LargeZipFile) as exc:
            raise FieldError("", ..., f"is not a readable .npz file ({type(exc).__name__}: {_one_line(exc)})",
                             self.path) from None

    def __enter__(self) -> Npz:
        return self

    def __exit__(self, *exc: object) -> None:
        self._zip.close()

    def __contains__(self, name: str) -> bool:
        return name in self._names

    def _member(self, name: str) -> IO[bytes]:
        if name not in self._names:
            raise FieldError(name, ..., "is missing", self.path)
        return self._zip.open(f"{name}.npy")

    def header(self, name: str) -> tuple[tuple[int, ...], np.dtype]:
        """The shape and dtype member ``name`` declares (nothing of its data is read)."""
        try:
            with self._member(name) as member:
                return self._header(member)
        except FieldError:
            raise
        except (OSError, EOFError, ValueError, zipfile.BadZipFile, SyntaxError) as exc:
            raise FieldError(name, ..., f"has no readable .npy header ({type(exc).__name__}: {_one_line(exc)})",
                             self.path) from None

    @staticmethod
    def _header(member: IO[bytes]) -> tuple[tuple[int, ...], np.dtype]:
        version = np.lib.format.read_magic(member)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(member, max_header_size=NPY_HEADER_MAX)
        elif version == (2, 0):
            shape, _, dtype = np.lib.format.read_array_header_2_0(member, max_header_size=NPY_HEADER_MAX)
        else:
            raise ValueError(f".npy format {version[0]}.{version[1]} is not one numpy's savez writes")
        return tuple(shape), dtype

    def array(self, name: str, kinds: str, ndim: int, what: str, held: int = 0) -> np.ndarray:
        """Member ``name``: its dtype of a kind in ``kinds`` (numpy's kind letters: ``iu`` integers, ``U`` text,
        ``f`` floats) and ``ndim`` dimensions, read once its bytes (and ``held`` more per value: the copies the
        caller makes) and those read so far fit ``--max-memory``. ``what`` says what it must be, for the error."""
        shape, dtype = self.header(name)
        if dtype.kind not in kinds or len(shape) != ndim or dtype.hasobject:
            shown: Any = f"{dtype.str} {shape}"
            if shape == () and not dtype.hasobject and dtype.itemsize <= SCALAR_SHOWN_BYTES:
                shown = self._read(name).item()  # one small value: shown as itself (n_layers = 2.5)
            raise FieldError(name, shown, f"must be {what}", self.path)
        n_bytes = math.prod(shape) * (dtype.itemsize + held)
        with fields(self.path):
            limits.check_memory(name, list(shape), self.loaded + n_bytes,
                                f"bytes of the arrays read so far ({dtype.str})")
        array = self._read(name)
        self.loaded += n_bytes
        return array

    def _read(self, name: str) -> np.ndarray:
        try:
            with self._member(name) as member:
                return np.lib.format.read_array(member, allow_pickle=False, max_header_size=NPY_HEADER_MAX)
        except (OSError, EOFError, ValueError, zipfile.BadZipFile, SyntaxError) as exc:
            raise FieldError(name, ..., f"cannot be read ({type(exc).__name__}: {_one_line(exc)})",
                             self.path) from None

    def scalar(self, name: str, kinds: str, what: str) -> Any:
        """The 0-d member ``name`` as a Python value (:meth:`array` with ``ndim`` 0)."""
        return self.array(name, kinds, 0, what).item()

    def json(self, name: str, kind: Any) -> Any:
        """The 0-d text member ``name`` as strict JSON read as ``kind`` (errors name ``name``.field)."""
        text = self.scalar(name, "U", "JSON text")
        with fields(self.path, name):
            value = parse_json(text)
        with fields(self.path):
            return jsonio.read(kind, value, name)
