"""Time every import with a light ``sys.meta_path`` finder (standard library only).

How it works: :class:`ImportTimer` sits first on ``sys.meta_path`` and finds
nothing itself.  It asks the finders after it, exactly as the import system
would, and wraps the loader of the spec they return in a :class:`_TimedLoader`
that times ``create_module`` + ``exec_module``.  The wrapper hands the genuine
loader back to the module (``__loader__`` and ``__spec__.loader``) before the
module's code runs, so nothing the module or pytest inspects ever sees it.

A stack of the imports in progress gives each import its parent, and so
cumulative and self time (cumulative minus the imports it triggered), like
``python -X importtime`` but with wall-clock positions that line up with
pytest's collection hooks.  ``-X importtime`` was tried as the other option
and rejected: it writes to stderr, which pytest captures (and drops) from the
moment it loads the conftests, so on the 400-file suite it reported 337 imports, none
of them a test module, ``app.backend`` or ``asyncio``; it must also be set
when the interpreter starts, and its lines carry no time of day to line up
with the hooks.  This finder costs a few microseconds per module.

Imports from threads other than the one that installed the timer are not
timed (the stack would mix them up); built-in and frozen modules neither
(they cost nothing worth showing).
"""

from __future__ import annotations

import contextlib
import sys
import threading
from time import perf_counter
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # runtime stays importable on the older interpreters of target projects
    from collections.abc import Callable

    # (module, origin, start, seconds, self_seconds, parent module, file being collected)
    ImportRecord = tuple[str, str | None, float, float, float, str | None, str | None]

_UNTIMED_ORIGINS = frozenset({"built-in", "frozen"})


class ImportTimer:
    """A meta path finder that records how long each import takes."""

    def __init__(self, clock: Callable[[], float] = perf_counter) -> None:
        self.records: list[ImportRecord] = []
        self.current_file: str | None = None  # set by the recorder while pytest collects a file
        self._clock = clock
        self._stack: list[_TimedLoader] = []
        self._thread = threading.get_ident()

    # -- installation ---------------------------------------------------------------
    def install(self) -> None:
        if self not in sys.meta_path:
            sys.meta_path.insert(0, self)

    def uninstall(self) -> None:
        with contextlib.suppress(ValueError):
            sys.meta_path.remove(self)

    # -- the finder protocol --------------------------------------------------------
    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if threading.get_ident() != self._thread:
            return None
        start = perf_counter()
        meta = sys.meta_path
        try:
            after = meta[meta.index(self) + 1 :]
        except ValueError:  # removed while an import was in flight
            return None
        for finder in after:
            find = getattr(finder, "find_spec", None)
            if find is None:
                continue
            spec = find(fullname, path, target)
            if spec is not None:
                break
        else:
            return None  # the import system asks the same finders again and raises ModuleNotFoundError
        loader = spec.loader
        if loader is None or spec.origin in _UNTIMED_ORIGINS or not hasattr(loader, "exec_module"):
            return spec
        spec.loader = _TimedLoader(self, loader, fullname, spec.origin, perf_counter() - start)
        return spec

    def invalidate_caches(self) -> None:  # part of the finder protocol; the real finders do the work
        return None

    def flush_in_progress(self) -> None:
        """Record the imports still running (a dump on timeout), with their time so far."""
        now = self._clock()
        inner = 0.0
        for frame in reversed(self._stack):
            seconds = frame.find_seconds + (now - frame.start)
            self.records.append(
                (
                    frame.name,
                    frame.origin,
                    frame.start,
                    seconds,
                    max(0.0, seconds - frame.children - inner),
                    frame.parent,
                    frame.during,
                )
            )
            inner = seconds
        self._stack.clear()

    # -- bookkeeping ----------------------------------------------------------------
    def _push(self, frame: _TimedLoader) -> None:
        frame.parent = self._stack[-1].name if self._stack else None
        frame.during = self.current_file
        self._stack.append(frame)

    def _pop(self, frame: _TimedLoader) -> None:
        end = self._clock()
        stack = self._stack
        while stack:  # frames left behind by an import that failed half-way are dropped too
            if stack.pop() is frame:
                break
        else:
            return
        seconds = frame.find_seconds + (end - frame.start)
        if stack:
            stack[-1].children += seconds
        self.records.append(
            (
                frame.name,
                frame.origin,
                frame.start,
                seconds,
                max(0.0, seconds - frame.children),
                frame.parent,
                frame.during,
            )
        )


class _TimedLoader:
    """Stands in for a loader during one import; gives the module its genuine loader back."""

    __slots__ = (
        "_loader",
        "_timer",
        "children",
        "during",
        "find_seconds",
        "name",
        "origin",
        "parent",
        "start",
    )

    def __init__(self, timer: ImportTimer, loader: Any, name: str, origin: str | None, find_seconds: float) -> None:
        self._timer = timer
        self._loader = loader
        self.name = name
        self.origin = origin
        self.find_seconds = find_seconds
        self.start = -1.0
        self.children = 0.0
        self.parent: str | None = None
        self.during: str | None = None

    def _begin(self) -> None:
        if self.start < 0:
            self.start = self._timer._clock()
            self._timer._push(self)

    def create_module(self, spec: Any) -> Any:
        self._begin()
        create = getattr(self._loader, "create_module", None)
        try:
            return create(spec) if create is not None else None
        except BaseException:
            self._timer._pop(self)
            raise

    def exec_module(self, module: Any) -> None:
        self._begin()  # importlib.reload() calls exec_module without create_module
        spec = getattr(module, "__spec__", None)
        if spec is not None and spec.loader is self:
            spec.loader = self._loader
        if getattr(module, "__loader__", None) is self:
            module.__loader__ = self._loader
        try:
            self._loader.exec_module(module)
        finally:
            self._timer._pop(self)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)

    def __repr__(self) -> str:
        return repr(self._loader)


def is_installed(timer: ImportTimer) -> bool:
    return timer in sys.meta_path
