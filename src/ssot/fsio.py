"""Every file ssot writes goes through here: atomic replaces, fsync of files and folders.

A write is a temporary file in the same folder (created exclusively, so with the
umask's mode), written and fsynced, then renamed over the target and the folder
fsynced: a crash leaves either the old bytes or the new ones, never a mix, and
never a half-written file.

- :func:`write_bytes_atomic`, :func:`write_text_atomic`, :func:`write_json_atomic`
  and :func:`atomic_open` (for a writer that streams, e.g. ``pickle.dump``) do the
  whole sequence.  The new file keeps the mode of the one it replaces; a new
  file gets 0o666 less the umask, like any file an editor creates.
- :func:`write_new`, :func:`rename_over` and :func:`fsync_dir` are the steps, for
  the journal, which announces its temporary file in its log before making it
  and may fsync one folder for many renames.
- :func:`read_state` reads a regular file (refusing links, folders, devices)
  with its mode and a cheap change stamp.

The module imports only the standard library (and :mod:`ssot.errors`): the
collect recorder uses it inside the measured project's interpreter.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ssot.errors import SsotError

NEW_FILE_MODE = 0o666  # narrowed by the umask, like any file an editor creates


class UnsafeFileError(SsotError):
    """A path ssot must not write through: a symlink, a folder, a special file."""


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fsync_dir(path: Path) -> None:
    """Make a rename or unlink in ``path`` durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:  # Windows cannot open a folder; NTFS journals the rename itself
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_new(path: Path, data: bytes, mode: int | None = None) -> None:
    """Create ``path`` (it must not exist), write ``data`` and fsync it.

    ``mode`` None gives a new file's usual permissions (0o666 less the umask);
    otherwise the mode is set exactly, e.g. to keep the one of the file replaced.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), NEW_FILE_MODE)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        if mode is not None and hasattr(os, "fchmod"):
            os.fchmod(fd, mode)
        os.fsync(fd)
    finally:
        os.close(fd)
    if mode is not None and not hasattr(os, "fchmod"):  # pragma: no cover - Windows
        os.chmod(path, mode)


def rename_over(tmp: Path, target: Path) -> None:
    """Rename ``tmp`` over ``target`` in one step (the folder still needs :func:`fsync_dir`)."""
    os.replace(tmp, target)


def _kept_mode(path: Path) -> int | None:
    """The permission bits of the regular file at ``path`` (None: absent, or not a file)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return stat.S_IMODE(st.st_mode) if stat.S_ISREG(st.st_mode) else None


@contextmanager
def atomic_open(path: Path, *, mode: int | None = None, durable: bool = True) -> Iterator[IO[bytes]]:
    """A binary file that replaces ``path`` atomically when the block ends without an exception.

    ``mode`` None keeps the mode of the file replaced (a new file: 0o666 less the
    umask); ``durable`` False skips both fsyncs (a cache that may be lost, never torn).
    Missing parent folders are created.  An exception leaves ``path`` untouched and no
    temporary file behind.  OS errors propagate as :class:`OSError`.
    """
    path = Path(path)
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    if mode is None:
        mode = _kept_mode(path)
    while True:
        tmp = folder / f".{path.name}.{os.getpid()}-{os.urandom(3).hex()}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), NEW_FILE_MODE)
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            if mode is not None and hasattr(os, "fchmod"):
                os.fchmod(fh.fileno(), mode)
            if durable:
                os.fsync(fh.fileno())
        if mode is not None and not hasattr(os, "fchmod"):  # pragma: no cover - Windows
            os.chmod(tmp, mode)
        rename_over(tmp, path)
    except BaseException:
        remove_quietly(tmp)
        raise
    if durable:
        fsync_dir(folder)


def write_bytes_atomic(path: Path, data: bytes | tuple[bytes, ...], *, mode: int | None = None,
                       durable: bool = True) -> None:
    """Replace (or create) ``path`` with ``data`` (or its parts, one after the other: a large report is
    not joined into one more copy first) atomically; see :func:`atomic_open`."""
    with atomic_open(path, mode=mode, durable=durable) as fh:
        for part in (data,) if isinstance(data, bytes) else data:
            fh.write(part)


def write_text_atomic(path: Path, text: str, *, errors: str = "strict", mode: int | None = None) -> None:
    """``text`` as UTF-8, newlines as given (``errors="surrogateescape"`` writes back a
    file name's undecodable bytes)."""
    write_bytes_atomic(path, text.encode("utf-8", errors), mode=mode)


def write_json_atomic(path: Path, obj: Any, *, indent: int | None = 2, sort_keys: bool = True) -> None:
    """``obj`` as JSON and a final newline (``indent`` None: one compact line)."""
    separators = (",", ":") if indent is None else None
    text = json.dumps(obj, indent=indent, sort_keys=sort_keys, separators=separators) + "\n"
    write_bytes_atomic(path, text.encode())


def remove_quietly(path: Path) -> bool:
    """Remove ``path`` if it exists; True when something was removed."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        return False
    return True


Stamp = tuple[int, int, int, int]  # (inode, size, mtime ns, ctime ns): changes whenever the file does
RACY_NS = 2_000_000_000  # a stamp taken this soon after a change may miss a second change in the same clock tick


@dataclass(frozen=True, slots=True)
class FileState:
    """What is at a path now: its bytes and permission bits, or nothing."""

    data: bytes | None
    mode: int | None
    stamp: Stamp | None = None  # from the lstat taken just before reading ``data``

    @property
    def exists(self) -> bool:
        return self.data is not None

    @property
    def sha256(self) -> str | None:
        return None if self.data is None else sha256_bytes(self.data)


def read_state(path: Path, rel: str) -> FileState:
    """Read a regular file (or its absence); anything else is an :class:`UnsafeFileError`."""
    try:
        st = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return FileState(None, None)
    except OSError as exc:
        raise UnsafeFileError(f"cannot read {rel}: {exc.strerror or exc}") from exc
    if stat.S_ISLNK(st.st_mode):
        raise UnsafeFileError(f"{rel} is a symbolic link; ssot never writes through a link (edit its target)")
    if stat.S_ISDIR(st.st_mode):
        raise UnsafeFileError(f"{rel} is a folder, not a file")
    if not stat.S_ISREG(st.st_mode):
        raise UnsafeFileError(f"{rel} is not a regular file")
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise UnsafeFileError(f"cannot read {rel}: {exc.strerror or exc}") from exc
    return FileState(data, stat.S_IMODE(st.st_mode), stat_stamp(st))


def stat_stamp(st: os.stat_result) -> Stamp:
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def stamp_of(path: Path) -> Stamp | None:
    """The current stamp of ``path`` (None: absent); a cheap "has it changed?" check."""
    try:
        return stat_stamp(os.lstat(path))
    except (FileNotFoundError, NotADirectoryError):
        return None
