"""The process's libngspice through its shared API, run in the caller's thread (ngspice 39 and later).

Why not PySpice or cocotbext-ams: the co-simulation pauses the transient at ngspice's own ``stop when`` breakpoints
(checked in C at every accepted timepoint) and continues it with ``resume``, all in the foreground, so ngspice
never calls back into Python while it integrates (the only callback is its printed text). cocotbext-ams 0.1.0 runs
ngspice in its background thread through ``ngSpice_Init_Sync`` with a Python callback per time step and
segfaults on ngspice 39's ``V… dc 0 external`` sources; this binding needs neither.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import re

import numpy as np

from ..errors import SpiceError

_SEND_CHAR = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_void_p)
_EXIT = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int, ctypes.c_bool, ctypes.c_bool, ctypes.c_int, ctypes.c_void_p)
#: ngspice's lines that mean a command or an analysis failed (its return code says nothing of an aborted transient).
FAILURE = re.compile(r"timestep too small|aborted|error|singular matrix|cannot|fatal", re.IGNORECASE)


class _VectorInfo(ctypes.Structure):
    _fields_ = [("v_name", ctypes.c_char_p), ("v_type", ctypes.c_int), ("v_flags", ctypes.c_short),
                ("v_realdata", ctypes.POINTER(ctypes.c_double)), ("v_compdata", ctypes.c_void_p),
                ("v_length", ctypes.c_int)]


class NgSpice:
    """The process's one ngspice (the shared library holds one circuit per process)."""

    _instance: NgSpice | None = None

    def __new__(cls) -> NgSpice:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
            cls._instance._start()
        return cls._instance

    def _start(self) -> None:
        name = ctypes.util.find_library("ngspice") or "libngspice.so.0"
        try:
            self.lib = ctypes.CDLL(name)
        except OSError as exc:
            raise SpiceError(f"libngspice cannot be loaded ({exc}); make setup installs libngspice0") from None
        self.log: list[str] = []
        # the callbacks must outlive every call into the library
        self._send_char = _SEND_CHAR(self._on_char)
        self._exit = _EXIT(self._on_exit)
        self.lib.ngSpice_Init.argtypes = [_SEND_CHAR, ctypes.c_void_p, _EXIT, ctypes.c_void_p, ctypes.c_void_p,
                                          ctypes.c_void_p, ctypes.c_void_p]
        self.lib.ngSpice_Command.argtypes = [ctypes.c_char_p]
        self.lib.ngSpice_Command.restype = ctypes.c_int
        self.lib.ngGet_Vec_Info.argtypes = [ctypes.c_char_p]
        self.lib.ngGet_Vec_Info.restype = ctypes.POINTER(_VectorInfo)
        self.lib.ngSpice_Circ.argtypes = [ctypes.POINTER(ctypes.c_char_p)]
        self.lib.ngSpice_Circ.restype = ctypes.c_int
        self.lib.ngSpice_SetBkpt.argtypes = [ctypes.c_double]
        self.lib.ngSpice_SetBkpt.restype = ctypes.c_bool
        self.lib.ngSpice_Init(self._send_char, None, self._exit, None, None, None, None)
        for command in ("set ngbehavior=hsa", "set ng_nomodcheck", "set num_threads=1"):
            self.command(command)

    def _on_char(self, text: bytes, ident: int, user: object) -> int:
        self.log.append(text.decode(errors="replace"))
        return 0

    def _on_exit(self, status: int, immediate: bool, quit_: bool, ident: int, user: object) -> int:
        self.log.append(f"ngspice exited with status {status}")
        return 0

    def command(self, command: str, check: bool = True) -> list[str]:
        """Run one ngspice command; return the lines it printed. ``check``: a printed failure raises SpiceError
        naming ngspice's own message (ngspice's return code stays 0 when a transient aborts)."""
        start = len(self.log)
        rc = self.lib.ngSpice_Command(command.encode())
        lines = self.log[start:]
        bad = [line for line in lines if FAILURE.search(line) and "gmin" not in line.lower()]
        if rc != 0 or (check and bad):
            what = bad[0].strip() if bad else f"return code {rc}"
            raise SpiceError(f"ngspice {command.split()[0]!r} failed: {what}")
        return lines

    def load(self, path: str) -> None:
        """Load the deck at ``path``: its lines are handed to ngspice as an array (``ngSpice_Circ``), so the file's
        name never becomes a command line."""
        with open(path) as handle:
            lines = [line.rstrip("\n").encode() for line in handle]
        array = (ctypes.c_char_p * (len(lines) + 1))(*lines, None)
        start = len(self.log)
        rc = self.lib.ngSpice_Circ(array)
        bad = [line for line in self.log[start:] if FAILURE.search(line)]
        if rc != 0 or bad:
            raise SpiceError(f"ngspice cannot load {path}: {bad[0].strip() if bad else f'return code {rc}'}")

    def redraw(self, seed: int) -> None:
        """Draw every per-instance mismatch of a deck with an ``_mm`` model section again from ``seed`` (in deck
        order: the same sample on any machine and in any process that loads the same deck)."""
        for command in ("alterparam mc_mm_switch = 1", f"setseed {int(seed)}", "reset"):
            self.command(command)

    def _info(self, name: str) -> _VectorInfo | None:
        info = self.lib.ngGet_Vec_Info(name.encode())
        return info.contents if info else None

    def length(self, name: str) -> int:
        info = self._info(name)
        return info.v_length if info else 0

    def vector(self, name: str, start: int = 0) -> np.ndarray:
        """A copy of the current plot's vector ``name`` from index ``start`` on."""
        info = self._info(name)
        if info is None:
            raise SpiceError(f"ngspice has no vector {name!r} in its current plot")
        count = max(info.v_length - start, 0)
        if not count:
            return np.empty(0)
        base = ctypes.cast(ctypes.addressof(info.v_realdata.contents) + 8 * start, ctypes.POINTER(ctypes.c_double))
        return np.ctypeslib.as_array(base, shape=(count,)).copy()

    def breakpoint(self, t: float) -> None:
        """Make the transient land exactly on time ``t`` (s)."""
        self.lib.ngSpice_SetBkpt(float(t))


def quoted(path: str) -> str:
    """``path`` as one token of an ngspice command or ``.include`` line."""
    if '"' in path:
        raise SpiceError(f"a deck path with a double quote cannot be given to ngspice: {path!r}")
    return f'"{path}"'
