"""lifhw's own data files (netlists, RTL, testbenches) and how its outputs are written.

A low module: it imports nothing of lifhw, so every level can use it. The netlists, Verilog and
testbenches live at the top of the source tree (``circuits/``, ``rtl/``, ``dv/``) where designers look for
them; ``lifhw/_data/`` links to them so that a built wheel carries them as package data and an installed
lifhw finds them in the same place as a source checkout does.

What lifhw writes is written whole (:func:`write_atomic`, :func:`atomic_path`) and never over what is not a regular
file (:func:`replace`); a folder one run fills is held by it (:func:`claimed`); and no path a user chose is pasted
into another tool's script: :func:`tool_safe` says whether a path is made only of characters every tool takes,
:func:`tool_alias` and :func:`tool_folder` give a tool such a path for one that is not.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import os
import re
import shutil
import stat
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

_DATA = Path(__file__).parent / "_data"
#: SPICE netlists (``circuits/*.cir``).
CIRCUITS_DIR = (_DATA / "circuits").resolve()
#: Synthesizable Verilog (``rtl/*.v``).
RTL_DIR = (_DATA / "rtl").resolve()
#: Verification-only Verilog: testbenches with delays (``dv/*.v``).
DV_DIR = (_DATA / "dv").resolve()
#: Where everything lifhw generates goes unless the user names a folder: relative, so under the folder it runs in.
BUILD = Path("build")


#: The file of a folder whose advisory lock a run holds while it fills the folder (:func:`claimed`).
LOCK_FILE = ".lifhw.lock"
#: Characters of a path that every tool lifhw runs takes as they are in its scripts, command files and makefiles
#: (Yosys splits commands at ``;`` and white space, ngspice's ``.lib`` ends at white space and quotes, Verilator
#: expands ``$(...)``, make refuses spaces, Icarus writes quotes into its output): ASCII letters, digits, ``_.+-/``.
TOOL_SAFE = re.compile(r"[A-Za-z0-9_.+/-]+")
#: Longest name of a temporary file's prefix: a name the file system takes must stay one with the decoration.
_TMP_NAME = 64


def _kind(mode: int) -> str:
    """What a file of ``mode`` (``os.lstat``) is, in words."""
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISLNK, "a symbolic link"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def not_regular(path: Path) -> str | None:
    """What ``path`` is, in words, when it exists and is not a regular file (a folder, a device, a FIFO, a socket, a
    symbolic link); None when it is a regular file or nothing."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return None
    return None if stat.S_ISREG(mode) else _kind(mode)


class NotRegularFile(OSError):
    """A writer was asked to replace something that is not a regular file; ``filename`` says which."""

    def __init__(self, path: Path, what: str):
        super().__init__(errno.EEXIST, f"exists and is {what}, not a regular file lifhw may replace", str(path))


def replace(source: Path, target: Path) -> None:
    """``os.replace(source, target)`` unless ``target`` exists and is not a regular file (NotRegularFile): as root,
    a rename would put a regular file where a device node, a FIFO or a link was."""
    what = not_regular(Path(target))
    if what is not None:
        raise NotRegularFile(Path(target), what)
    os.replace(source, target)


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary file beside ``path`` to write, renamed onto ``path`` (:func:`replace`) when the block ends, removed
    if it fails; so readers never see half a file. An OSError says which file it is about."""
    path = Path(path)
    what = not_regular(path)
    if what is not None:
        raise NotRegularFile(path, what)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name[:_TMP_NAME]}.")
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    os.close(fd)
    tmp = Path(name)
    try:
        try:
            yield tmp
            os.chmod(tmp, 0o644)  # mkstemp creates 0600; generated files are for everyone to read
            replace(tmp, path)
        except OSError as exc:
            # A failed write() names no file, a failed rename the temporary one: name the file being written.
            if exc.filename is None or exc.filename == name:
                raise OSError(exc.errno, exc.strerror, str(path)) from exc
            raise
    finally:
        tmp.unlink(missing_ok=True)


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename (:func:`atomic_path`)."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


class FolderBusy(BlockingIOError):
    """Another run holds the folder (:func:`claimed`); ``filename`` is the folder."""

    def __init__(self, folder: Path, holder: str):
        who = f" (pid {holder})" if holder.isdigit() else ""
        super().__init__(errno.EWOULDBLOCK, f"another lifhw run{who} is writing into this folder; wait for it to end "
                                            "or choose another folder", str(folder))


#: Folders this process holds (:func:`claimed`): real path -> [lock file descriptor, depth].
_CLAIMED: dict[str, list[int]] = {}
_CLAIMED_LOCK = threading.Lock()


@contextlib.contextmanager
def claimed(folder: Path) -> Iterator[Path]:
    """Hold ``folder`` (created if need be) for one run that fills it: an advisory lock (``flock``) on its
    :data:`LOCK_FILE`, so that a second run into the same folder stops at once with :class:`FolderBusy` instead of
    replacing the first one's files. The kernel drops the lock when the process ends, however it ends, so a killed
    run never blocks the next. Re-entrant within a process (a command holding its ``--out`` calls the library
    function that holds the same folder). A folder the claim created and the run left empty is removed, so a command
    that refuses its input leaves nothing behind."""
    folder = Path(folder)
    created = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    key = os.path.realpath(folder)
    with _CLAIMED_LOCK:
        held = _CLAIMED.get(key)
        if held is None:
            # O_NOFOLLOW: a link planted in the folder's place of the lock file is not followed.
            fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 32, 0).decode(errors="replace").strip()
                os.close(fd)
                raise FolderBusy(folder, holder) from None
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
            held = _CLAIMED[key] = [fd, 0]
        held[1] += 1
    try:
        yield folder
    finally:
        with _CLAIMED_LOCK:
            held[1] -= 1
            if held[1] == 0:
                del _CLAIMED[key]
                # Unlinked only with the folder it alone is in: a run that opened it meanwhile finds no folder to fill.
                with contextlib.suppress(OSError):
                    if created and os.listdir(folder) == [LOCK_FILE]:
                        (folder / LOCK_FILE).unlink()
                        folder.rmdir()
                os.close(held[0])


def tool_safe(path: Path | str) -> bool:
    """Whether ``path`` is made only of :data:`TOOL_SAFE` characters, so that any tool takes it pasted as it is."""
    return TOOL_SAFE.fullmatch(str(path)) is not None


def _private_base() -> Path:
    """A folder of this user's own with a :func:`tool_safe` name: ``lifhw-<uid>`` in the first temporary folder
    whose name is safe, created 0700 and refused if someone else owns it or may write into it."""
    for root in (tempfile.gettempdir(), "/tmp", "/var/tmp"):
        base = Path(root) / f"lifhw-{os.getuid()}"
        if not tool_safe(base) or not Path(root).is_dir():
            continue
        with contextlib.suppress(FileExistsError):
            base.mkdir(mode=0o700)
        info = os.lstat(base)
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o022:
            raise OSError(errno.EPERM, "exists and is not a private folder of this user", str(base))
        return base
    raise OSError(errno.ENOENT, "no temporary folder has a name every tool takes (set TMPDIR to one of letters, "
                                "digits and _.+-/)", tempfile.gettempdir())


def tool_alias(path: Path) -> Path:
    """``path`` (a file or folder) by a name every tool takes: itself when :func:`tool_safe`, else a symbolic link to
    it in a private folder of this user, named by the path's digest (the same in every process)."""
    path = Path(os.path.abspath(path))
    if tool_safe(path):
        return path
    link = _private_base() / f"alias-{hashlib.sha256(os.fsencode(path)).hexdigest()[:16]}"
    if not (link.is_symlink() and os.readlink(link) == str(path)):
        tmp = link.with_name(f"{link.name}.{os.getpid()}.tmp")
        tmp.unlink(missing_ok=True)
        os.symlink(path, tmp)
        os.replace(tmp, link)
    return link


def tool_file(path: Path) -> Path:
    """``path`` to a file by a name every tool takes, its folder aliased (:func:`tool_alias`) so that the files it
    includes by relative names (a model library's sections) are found beside it."""
    path = Path(os.path.abspath(path))
    if tool_safe(path) or not tool_safe(path.name):
        return tool_alias(path)
    return tool_alias(path.parent) / path.name


@contextlib.contextmanager
def tool_folder(work: Path) -> Iterator[Path]:
    """A folder every tool takes by name, for a run whose files belong in ``work``: ``work`` itself (resolved,
    created) when :func:`tool_safe`, else a new private folder whose files are copied into ``work`` when the block
    ends. Tools that resolve links (cocotb) or build with make (Verilator) need a real folder of such a name; the
    private one is removed after a success and kept after a failure, so the logs an error names are still there."""
    work = Path(work).resolve()
    work.mkdir(parents=True, exist_ok=True)
    if tool_safe(work):
        yield work
        return
    stage = Path(tempfile.mkdtemp(prefix="run-", dir=_private_base()))
    try:
        yield stage
    except BaseException:
        shutil.copytree(stage, work, symlinks=True, dirs_exist_ok=True)
        raise
    shutil.copytree(stage, work, symlinks=True, dirs_exist_ok=True)
    shutil.rmtree(stage, ignore_errors=True)


@contextlib.contextmanager
def run_folder(parent: Path, prefix: str) -> Iterator[Path]:
    """A folder of one run's own under ``parent`` for its intermediate files (compiled designs, stimuli, logs).

    Two runs given the same ``parent`` never share a file. The folder is removed when the run succeeds and kept
    when it fails, so the logs an error names are still there. Its name is one every tool takes (:func:`tool_folder`).
    """
    parent = Path(parent)
    parent.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=f"{prefix}-", dir=parent))
    with tool_folder(path) as run:  # the tools run there take its name as it is
        yield run
    shutil.rmtree(path, ignore_errors=True)
