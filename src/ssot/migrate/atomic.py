"""Durable file primitives: hashing, reading a file's state, fsync of files and folders.

Every write ssot makes to a user's tree goes through these: a temporary file in
the same folder, written and fsynced, then ``os.replace`` over the target and an
fsync of the folder, so a crash leaves either the old bytes or the new ones,
never a mix.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

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


def remove_quietly(path: Path) -> bool:
    """Remove ``path`` if it exists; True when something was removed."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        return False
    return True


Stamp = tuple[int, int, int, int]  # (inode, size, mtime ns, ctime ns): changes whenever the file does


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
    return FileState(data, stat.S_IMODE(st.st_mode), _stamp(st))


def _stamp(st: os.stat_result) -> Stamp:
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def stamp_of(path: Path) -> Stamp | None:
    """The current stamp of ``path`` (None: absent); a cheap "has it changed?" check."""
    try:
        return _stamp(os.lstat(path))
    except (FileNotFoundError, NotADirectoryError):
        return None
