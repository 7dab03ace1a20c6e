"""A short-lived process's big heap, left for the operating system to take back at exit.

A scan builds millions of small objects (the cache's entries, units, fingerprints).  Freeing
them one by one when the scan returns, and again when the interpreter tears its modules down,
took 1.3 s of a 7.6 s rescan of the realcode monorepo, for nothing: the process ends right
after.  So the ``ssot`` command (and only it: a program calling ssot's API keeps the usual
lifetimes) asks for :func:`leave_to_exit`; a scan then hands its big objects to :func:`keep`, the
garbage collector stops walking them (:func:`settle`), and the command ends with
:func:`hard_exit` once its output is flushed, as mypy's does.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import os
import sys

_kept: list[object] | None = None


def leave_to_exit() -> None:
    """This process ends when its command does: big objects are kept, never freed one by one."""
    global _kept
    if _kept is None:
        _kept = []


def leaving() -> bool:
    return _kept is not None


def keep(*objects: object) -> None:
    """Keep ``objects`` until the process ends (when :func:`leave_to_exit` was asked for; else nothing)."""
    if _kept is not None:
        _kept.extend(objects)


def settle() -> None:
    """What lives now stays: the collector no longer walks it (when :func:`leave_to_exit` was asked for)."""
    if _kept is not None:
        gc.freeze()


def hard_exit(code: int) -> None:
    """End the process with ``code`` once the exit handlers have run and standard output and error are
    flushed, without tearing down the heap (every file ssot writes is closed by then: reports and caches
    are written whole, atomically)."""
    run_handlers = getattr(atexit, "_run_exitfuncs", None)  # (CPython's: what a normal exit runs first)
    if run_handlers is not None:
        run_handlers()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a reader gone away, a stream closed: nothing to say
            stream.flush()
    os._exit(code)
