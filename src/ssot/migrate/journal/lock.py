"""Locks: one run starts at a time in a tree, and a run's lock says whether its process lives."""

from __future__ import annotations

import os
import socket
import sys
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, ClassVar

from ssot.migrate.journal.layout import LOCK, state_dir

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


class Lock:
    """An exclusive ``flock`` on a file; the kernel frees it when the holder dies, even by SIGKILL.

    A forked child (a ``fork`` process pool, say) would share the lock and keep
    it alive after the parent's death, so children close their copy at fork.
    """

    _held: ClassVar[weakref.WeakSet[Lock]] = weakref.WeakSet()

    def __init__(self, fd: int) -> None:
        self._fd: int | None = fd
        Lock._held.add(self)

    @classmethod
    def _drop_in_child(cls) -> None:
        for lock in list(cls._held):
            if lock._fd is not None:
                with suppress(OSError):
                    os.close(lock._fd)  # never LOCK_UN: that would unlock the parent too
                lock._fd = None

    @classmethod
    def try_acquire(cls, path: Path, *, wait: bool = False) -> Lock | None:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        if fcntl is None:  # pragma: no cover - no flock: liveness falls back to the recorded pid
            return cls(fd)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except OSError:
            os.close(fd)
            return None
        return cls(fd)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=Lock._drop_in_child)


@contextmanager
def root_lock(root: Path) -> Iterator[None]:
    """Serialise run creation in one tree (so two migrations cannot start together)."""
    lock = Lock.try_acquire(state_dir(root) / LOCK, wait=True)
    try:
        yield
    finally:
        if lock:
            lock.release()


def _pid_alive(pid: int | None, host: str | None) -> bool:  # pragma: no cover - no-flock platforms
    if not pid or host != socket.gethostname():
        return False
    if sys.platform == "win32":
        return True  # cannot probe safely (os.kill would terminate it); assume alive
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def run_is_live(run_dir: Path, header: dict[str, Any] | None) -> bool:
    """Is the process of this run still alive (holding the run's lock)?"""
    if fcntl is None:  # pragma: no cover
        return _pid_alive((header or {}).get("pid"), (header or {}).get("host"))
    lock_path = run_dir / LOCK
    if not lock_path.exists():
        return False
    try:
        lock = Lock.try_acquire(lock_path)
    except OSError:
        return False
    if lock is None:  # held: by the run's process, unless only a child it forked outlived it
        pid = (header or {}).get("pid")
        return not (pid and (header or {}).get("host") == socket.gethostname() and _pid_gone(pid))
    lock.release()
    return False


def _pid_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False
