"""Time every import with a light ``sys.meta_path`` finder that leaves no frame of its own (standard library only).

How it works: :class:`ImportTimer` sits first on ``sys.meta_path`` and finds
nothing itself.  It asks the finders after it, exactly as the import system
would, and notes when it was asked.  It does not wrap the loader: a wrapper's
frame would sit between the module's code and the importer, so
``warnings.warn(..., stacklevel=2)`` at a module's top level would point at
the wrapper instead of the importing line, and the wrapper would show in every
import-error traceback.  Instead the spec it returns is switched to
:class:`_TimedSpec`, a :class:`~importlib.machinery.ModuleSpec` whose
``_initializing`` flag is a property: the import system sets that flag to
True just before it runs the module's code and to False right after
(``importlib._bootstrap._load_unlocked``, the same on Python 3.8 to 3.13),
so both ends of the import are seen with nothing of ssot on the stack while the
module's code runs.  When the import ends the spec is switched back to a
plain ``ModuleSpec``: nothing the module or pytest inspects afterwards sees it.

A stack of the imports in progress gives each import its parent, and so
cumulative and self time (cumulative minus the imports it triggered), like
``python -X importtime`` but with wall-clock positions that line up with
pytest's collection hooks.  ``-X importtime`` was tried as the other option
and rejected: it writes to stderr, which pytest captures (and drops) from the
moment it loads the conftests, so on the 400-file suite it reported 337 imports, none
of them a test module, ``app.backend`` or ``asyncio``; it must also be set
when the interpreter starts, and its lines carry no time of day to line up
with the hooks.  This finder costs a few microseconds per module.

Not timed: imports from threads other than the one that installed the timer
(the stack would mix them up); built-in and frozen modules (they cost nothing
worth showing); modules executed without the import system's
``_load_unlocked`` (``importlib.reload``, pytest's ``--import-mode=importlib``,
which calls ``exec_module`` itself).  A finder behind this one that raises is
asked again by the import system itself, so the error's traceback holds no
frame of ssot's either.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from importlib.machinery import ModuleSpec
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
        self._stack: list[_Frame] = []
        self._pending: dict[int, tuple[ModuleSpec, _Frame]] = {}  # id(spec) -> found, not yet executing
        self._thread = threading.get_ident()

    # -- installation ---------------------------------------------------------------
    def install(self) -> None:
        if self not in sys.meta_path:
            sys.meta_path.insert(0, self)
        if self not in _TIMERS:
            _TIMERS.append(self)

    def uninstall(self) -> None:
        with contextlib.suppress(ValueError):
            sys.meta_path.remove(self)
        with contextlib.suppress(ValueError):
            _TIMERS.remove(self)
        for spec, _ in list(self._pending.values()):  # found but never loaded (importlib.util.find_spec)
            _restore(spec)
        self._pending.clear()

    # -- the finder protocol --------------------------------------------------------
    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if threading.get_ident() != self._thread:
            return None
        start = self._clock()
        meta = sys.meta_path
        try:
            after = meta[meta.index(self) + 1 :]
        except ValueError:  # removed while an import was in flight
            return None
        try:
            for finder in after:
                find = getattr(finder, "find_spec", None)
                if find is None:
                    continue
                spec = find(fullname, path, target)
                if spec is not None:
                    break
            else:
                return None  # the import system asks the same finders again and raises ModuleNotFoundError
        except Exception:
            return None  # the import system asks the finders itself: their error carries no frame of ours
        if (
            spec.loader is None
            or spec.origin in _UNTIMED_ORIGINS
            or type(spec) is not ModuleSpec  # a finder's own spec class: leave it be
            or id(spec) in self._pending
        ):
            return spec
        spec.__class__ = _TimedSpec
        self._pending[id(spec)] = (spec, _Frame(fullname, spec.origin, start))
        return spec

    def invalidate_caches(self) -> None:  # part of the finder protocol; the real finders do the work
        return None

    def flush_in_progress(self) -> None:
        """Record the imports still running (a dump on timeout), with their time so far."""
        now = self._clock()
        inner = 0.0
        for frame in reversed(self._stack):
            seconds = now - frame.start
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

    # -- bookkeeping (called by _TimedSpec) -----------------------------------------
    def _begin(self, spec: ModuleSpec) -> None:
        entry = self._pending.pop(id(spec), None)
        if entry is None:
            return
        frame = entry[1]
        top = self._stack[-1] if self._stack else None
        frame.parent = top.name if top is not None else None
        frame.during = self.current_file
        # imports that ran after this one was found and before its code starts (an extension module's
        # create_module initialises C code that imports, a finder that imports) are its own, not its parent's
        records = self.records
        i = len(records) - 1
        while i >= 0 and records[i][2] >= frame.start:
            rec = records[i]
            if rec[5] == frame.parent:
                records[i] = (*rec[:5], frame.name, rec[6])
                frame.children += rec[3]
                if top is not None:
                    top.children -= rec[3]
            i -= 1
        self._stack.append(frame)
        frame.spec = spec

    def _end(self, spec: ModuleSpec) -> None:
        end = self._clock()
        stack = self._stack
        for i in range(len(stack) - 1, -1, -1):
            if stack[i].spec is spec:
                frame = stack[i]
                del stack[i:]  # frames left behind by an import that failed half-way are dropped too
                break
        else:
            return
        seconds = end - frame.start
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


class _Frame:
    """One import: found at ``start``; parent and file being collected are set when its code starts."""

    __slots__ = ("children", "during", "name", "origin", "parent", "spec", "start")

    def __init__(self, name: str, origin: str | None, start: float) -> None:
        self.name = name
        self.origin = origin
        self.start = start
        self.children = 0.0
        self.parent: str | None = None
        self.during: str | None = None
        self.spec: ModuleSpec | None = None


_TIMERS: list[ImportTimer] = []  # the timers whose specs are in flight (normally one)


def _restore(spec: ModuleSpec) -> None:
    """Make ``spec`` a plain ModuleSpec again, keeping the value of its flag."""
    value = spec.__dict__.pop(_FLAG, False)
    spec.__class__ = ModuleSpec
    spec._initializing = value  # type: ignore[attr-defined]


def _get_initializing(spec: ModuleSpec) -> bool:
    return bool(spec.__dict__.get(_FLAG, False))


def _set_initializing(spec: ModuleSpec, value: bool) -> None:
    spec.__dict__[_FLAG] = value
    for timer in _TIMERS:
        if value:
            timer._begin(spec)
        else:
            timer._end(spec)
    if not value:
        _restore(spec)


_FLAG = "_ssot_initializing"


class _TimedSpec(ModuleSpec):
    """A ModuleSpec that tells the timer when the import system starts and ends running the module's code."""

    _initializing = property(_get_initializing, _set_initializing)


def is_installed(timer: ImportTimer) -> bool:
    return timer in sys.meta_path
