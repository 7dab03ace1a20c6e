"""The measurement half of the pytest plugin: what happens during collection, as plain data.

Runs inside the target project's interpreter, so it imports only the standard
library and pytest, and uses only pytest's documented hooks.  It is created
(and its import timer installed) only when ``--ssot-profile`` is given; see
:mod:`ssot.collect.plugin`.  The file it writes is a profile of the schema in
``docs/collect.md`` with a ``measurement`` and no ``analysis`` (``ssot collect
--load FILE`` adds the analysis).

Times are seconds since the collection process started: the driver passes
its spawn time in ``SSOT_COLLECT_T0``; without it the process start time is
read from ``/proc`` (Linux) or, failing that, the plugin's import time is used.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import pytest

from ssot.collect.importtimer import ImportTimer
from ssot.collect.protocol import ENV_DUMP_SIGNAL, ENV_T0, SCHEMA, VERSION

_DIR_TYPES = tuple(t for t in (getattr(pytest, "Package", None), getattr(pytest, "Directory", None)) if t is not None)


def _process_start_wall() -> float | None:
    """When this process started (wall clock), from /proc on Linux; None elsewhere."""
    try:
        with open("/proc/self/stat", "rb") as fh:
            fields = fh.read().rsplit(b")", 1)[1].split()
        with open("/proc/uptime", "rb") as fh:
            uptime = float(fh.read().split()[0])
        ticks = os.sysconf("SC_CLK_TCK")
        started_after_boot = int(fields[19]) / ticks  # field 22 of stat; 20th after the command name
        return time.time() - (uptime - started_after_boot)
    except (OSError, ValueError, IndexError, AttributeError):
        return None


def _exc_summary(exc: BaseException | None) -> tuple[str, str]:
    if exc is None:
        return "Error", ""
    if isinstance(exc, SyntaxError):
        msg = exc.msg or str(exc)
        if exc.lineno:
            msg = f"{msg} (line {exc.lineno})"
        return type(exc).__name__, msg
    text = str(exc).strip()
    return type(exc).__name__, text.splitlines()[0] if text else ""


def _root_cause(exc: BaseException) -> BaseException:
    """The user's exception behind pytest's wrappers (CollectError, ConftestImportFailure)."""
    seen = 0
    while seen < 5:
        seen += 1
        name = type(exc).__name__
        if name == "ConftestImportFailure":
            inner = getattr(exc, "cause", None)
            if inner is None:
                excinfo = getattr(exc, "excinfo", None)
                inner = excinfo[1] if isinstance(excinfo, tuple) and len(excinfo) > 1 else None
            if isinstance(inner, BaseException):
                exc = inner
                continue
        if name == "CollectError" and exc.__cause__ is not None:
            exc = exc.__cause__
            continue
        break
    return exc


def _longrepr_summary(longrepr: Any) -> tuple[str, str]:
    """Fallback: ``Type: message`` from the last ``E`` line of pytest's text."""
    text = str(longrepr)
    for line in reversed(text.splitlines()):
        stripped = line[1:].strip() if line.startswith("E ") else ""
        if stripped and ":" in stripped:
            head, _, rest = stripped.partition(":")
            if head.replace(".", "").replace("_", "").isalnum() and " " not in head:
                return head.rsplit(".", 1)[-1], rest.strip()
    lines = [ln for ln in text.splitlines() if ln.strip()]
    return "CollectError", lines[0].strip() if lines else ""


class Recorder:
    """Registered as a pytest plugin when ``--ssot-profile`` is given; records the collection."""

    def __init__(self, config: Any, out: str, imported_wall: float, imported_perf: float) -> None:
        self.config = config
        self.out = os.path.abspath(out)
        self._wall0 = imported_wall
        self._perf0 = imported_perf
        clock = "plugin"
        t0 = None
        env_t0 = os.environ.get(ENV_T0)
        if env_t0:
            try:
                t0, clock = float(env_t0), "driver"
            except ValueError:
                t0 = None
        if t0 is None:
            t0 = _process_start_wall()
            clock = "process" if t0 is not None else "plugin"
        self.t0 = t0 if t0 is not None else imported_wall
        self.clock_source = clock
        self.root = str(getattr(config, "rootpath", os.getcwd()))
        self._root_prefix = self.root.rstrip(os.sep) + os.sep
        self.marks: dict[str, float] = {"plugin_imported": round(imported_wall - self.t0, 6)}
        self.timer = ImportTimer(self.now)
        self.files: list[dict[str, Any]] = []
        self.dirs: list[dict[str, Any]] = []
        self.errors: list[dict[str, Any]] = []
        self.skipped: list[dict[str, Any]] = []
        self.warnings: list[dict[str, Any]] = []
        self.tests = 0
        self.deselected = 0
        self.exit_code: int | None = None
        self.stop_reason: str | None = None  # --maxfail / -x, or a plugin that asked pytest to stop
        self.hang: dict[str, Any] | None = None
        self.preloaded = len(sys.modules)
        self._open: dict[str, tuple[float, int, str]] = {}  # nodeid -> (start, first import index, path)
        self._file_stack: list[str] = []
        self._exceptions: dict[str, dict[str, Any]] = {}
        self._written = False
        self._items_per_file: dict[str, int] = {}
        self._deselected_items: list[Any] = []

    # -- clock ---------------------------------------------------------------------
    def now(self) -> float:
        return self._wall0 - self.t0 + (time.perf_counter() - self._perf0)

    def mark(self, name: str) -> None:
        self.marks.setdefault(name, round(self.now(), 6))

    def rel(self, path: str) -> str:
        if path.startswith(self._root_prefix):
            path = path[len(self._root_prefix) :]
        return path.replace(os.sep, "/") if os.sep != "/" else path

    # -- life cycle ----------------------------------------------------------------
    def start(self) -> None:
        self.mark("activated")
        self.timer.install()
        atexit.register(self._write_at_exit)
        if os.environ.get(ENV_DUMP_SIGNAL) == "1":
            import signal

            if hasattr(signal, "SIGUSR1"):
                with contextlib.suppress(ValueError):  # not the main thread
                    signal.signal(signal.SIGUSR1, self._on_dump_signal)

    def initial_conftests_failed(self, exc: BaseException) -> None:
        cause = _root_cause(exc)
        path = getattr(exc, "path", None)
        exc_type, message = _exc_summary(cause)
        line, raised_at = self._error_line(cause, path)
        self.errors.append(
            {
                "path": self.rel(str(path)) if path else None,
                "nodeid": None,
                "stage": "conftest",
                "exc_type": exc_type,
                "message": f"{message} (raised at {raised_at})" if raised_at else message,
                "line": line,
            }
        )
        self.mark("failed")
        self.write(complete=False)

    def _error_line(self, exc: BaseException, path: Any = None) -> tuple[int | None, str | None]:
        """The line of ``path`` the error came through, and where it was raised when that is another
        file of the project: a conftest or test module inside a package whose ``__init__`` raises never
        runs a line of its own (sympy/conftest.py, while sympy/__init__.py:24 raises)."""
        if isinstance(exc, SyntaxError) and exc.lineno:
            return int(exc.lineno), None
        want = str(path) if path else None
        in_file: int | None = None
        in_root: tuple[str, int] | None = None
        for frame, lineno in traceback.walk_tb(exc.__traceback__):
            fname = frame.f_code.co_filename
            if want and fname == want:
                in_file = lineno
            if fname.startswith(self._root_prefix):
                in_root = (fname, lineno)
        if in_file is not None or in_root is None:
            return in_file, None
        if want is None:
            return in_root[1], None
        return None, f"{self.rel(in_root[0])}:{in_root[1]}"

    # -- hooks ---------------------------------------------------------------------
    def pytest_configure(self, config: Any) -> None:
        self.mark("configured")

    def pytest_sessionstart(self, session: Any) -> None:
        self.mark("session_start")

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection(self, session: Any) -> None:
        self.mark("collection_start")

    def pytest_collectstart(self, collector: Any) -> None:
        if isinstance(collector, _DIR_TYPES):  # before File: pytest 7's Package is a Module
            self.dirs.append({"path": self.rel(str(collector.path)), "kind": type(collector).__name__.lower()})
        elif isinstance(collector, pytest.File):
            path = str(collector.path)
            self._open[collector.nodeid] = (self.now(), len(self.timer.records), path)
            self._file_stack.append(collector.nodeid)
            self.timer.current_file = self.rel(path)

    def pytest_exception_interact(self, node: Any, call: Any, report: Any) -> None:
        if getattr(call, "when", None) != "collect" or call.excinfo is None:
            return
        value = call.excinfo.value
        cause = _root_cause(value)
        exc_type, message = _exc_summary(cause)
        path = getattr(node, "path", None)
        info: dict[str, Any] = {"exc_type": exc_type, "message": message}
        if type(value).__name__ == "ConftestImportFailure" and getattr(value, "path", None):
            path = value.path  # a folder's conftest: name the file, not the folder
            info["path"] = self.rel(str(path))
        info["line"], raised_at = self._error_line(cause, path)
        if raised_at:
            info["message"] = f"{message} (raised at {raised_at})"
        self._exceptions[node.nodeid] = info

    def pytest_collectreport(self, report: Any) -> None:
        nodeid = report.nodeid
        opened = self._open.pop(nodeid, None)
        if opened is not None:
            start, first_import, path = opened
            end = self.now()
            import_seconds = 0.0
            for rec in self.timer.records[first_import:]:
                if rec[1] == path:
                    import_seconds = rec[3]
                    break
            self.files.append(
                {
                    "path": self.rel(path),
                    "nodeid": nodeid,
                    "start": round(start, 6),
                    "seconds": round(end - start, 6),
                    "import_seconds": round(import_seconds, 6),
                    "tests": 0,
                    "outcome": report.outcome,
                }
            )
            if self._file_stack and self._file_stack[-1] == nodeid:
                self._file_stack.pop()
            self.timer.current_file = self.rel(self._open[self._file_stack[-1]][2]) if self._file_stack else None
        if report.failed:
            info = self._exceptions.pop(nodeid, None)
            if info is None:
                exc_type, message = _longrepr_summary(report.longrepr)
                info = {"exc_type": exc_type, "message": message, "line": None}
            fspath = info.pop("path", None) or getattr(report, "fspath", None) or nodeid.split("::", 1)[0]
            self.errors.append({"path": self.rel(str(fspath)), "nodeid": nodeid, "stage": "collect", **info})
        elif report.skipped and opened is not None:
            longrepr = report.longrepr
            reason = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)
            reason = str(reason)
            if reason.startswith("Skipped: "):
                reason = reason[len("Skipped: ") :]
            self.skipped.append({"path": self.rel(opened[2]), "reason": reason})

    def pytest_deselected(self, items: Any) -> None:
        self.deselected += len(items)
        self._deselected_items.extend(items)

    def pytest_collection_finish(self, session: Any) -> None:
        self.mark("collection_finish")
        self._note_stop(session)
        self.timer.uninstall()  # collection is over: the tests' own imports are not timed
        counts: dict[str, int] = {}
        for item in session.items:
            key = item.nodeid.split("::", 1)[0]
            counts[key] = counts.get(key, 0) + 1
        self.tests = len(session.items)
        names: dict[str, set[str]] = {}
        for item in list(session.items) + self._deselected_items:
            name = getattr(item, "originalname", None) or str(getattr(item, "name", "")).split("[", 1)[0]
            names.setdefault(item.nodeid.split("::", 1)[0], set()).add(name)
        for entry in self.files:
            entry["tests"] = counts.pop(entry["nodeid"], 0)
            entry["names"] = sorted(names.get(entry["nodeid"], ()))
        self._items_per_file = counts  # items whose file was not seen as a File collector (rare)

    def pytest_warning_recorded(self, warning_message: Any, when: str, nodeid: str, location: Any) -> None:
        if when not in ("collect", "config"):
            return
        self.warnings.append(
            {
                "category": getattr(warning_message.category, "__name__", str(warning_message.category)),
                "message": str(warning_message.message)[:1000],
                "path": self.rel(str(warning_message.filename)) if warning_message.filename else None,
                "line": warning_message.lineno,
                "nodeid": nodeid or None,
                "when": when,
            }
        )

    def _note_stop(self, session: Any) -> None:
        for attr in ("shouldfail", "shouldstop"):
            reason = getattr(session, attr, False)
            if reason and self.stop_reason is None:
                self.stop_reason = reason if isinstance(reason, str) else f"session.{attr} was set"

    def pytest_sessionfinish(self, session: Any, exitstatus: Any) -> None:
        self.mark("session_finish")
        if "collection_finish" not in self.marks:
            self._note_stop(session)  # an early stop of collection (-x, --maxfail) may skip collection_finish;
            # a stop after it (a failing test with -x) is the test run's, not collection's
        try:
            self.exit_code = int(exitstatus)
        except (TypeError, ValueError):
            self.exit_code = None

    def pytest_unconfigure(self, config: Any) -> None:
        self.mark("end")
        self.write(complete=True)
        self.timer.uninstall()
        atexit.unregister(self._write_at_exit)

    # -- output --------------------------------------------------------------------
    def _write_at_exit(self) -> None:
        self.timer.uninstall()
        if not self._written:
            self.mark("end")
            self.write(complete=False)

    def _on_dump_signal(self, signum: int, frame: Any) -> None:
        """The driver's timeout: say where collection is stuck, with what was measured so far."""
        stack = []
        for fs in traceback.extract_stack(frame)[-40:]:
            stack.append(
                {
                    "path": self.rel(fs.filename),
                    "line": fs.lineno,
                    "function": fs.name,
                    "code": (fs.line or "").strip(),
                }
            )
        current = self._file_stack[-1] if self._file_stack else None
        self.hang = {"at": round(self.now(), 6), "collecting": current, "stack": stack}
        self.timer.flush_in_progress()
        self.mark("end")
        self.write(complete=False)

    def _status(self, complete: bool) -> str:
        if self.hang is not None:
            return "timeout"
        if any(e.get("stage") == "conftest" for e in self.errors):
            return "conftest-error"
        if not complete:
            return "interrupted"
        if self.stop_reason is not None:
            return "stopped"
        if self.errors:
            return "collection-errors"
        if self.exit_code == 4:
            return "usage-error"
        if self.tests == 0 and "collection_finish" in self.marks:
            return "no-tests"
        if "collection_finish" not in self.marks:
            return "interrupted"
        return "ok"

    def data(self, complete: bool) -> dict[str, Any]:
        import platform

        cfg = self.config
        ini: dict[str, list[str]] = {}
        for key in ("python_files", "python_classes", "python_functions", "testpaths", "norecursedirs"):
            try:
                ini[key] = [str(v) for v in cfg.getini(key)]
            except (ValueError, KeyError):
                ini[key] = []
        inipath = getattr(cfg, "inipath", None)
        args_source = getattr(cfg, "args_source", None)
        cpu = rss = None
        try:
            import resource

            ru = resource.getrusage(resource.RUSAGE_SELF)
            cpu = round(ru.ru_utime + ru.ru_stime, 6)
            rss = int(ru.ru_maxrss) * (1 if sys.platform == "darwin" else 1024)
        except (ImportError, OSError):
            pass
        imports = [
            {
                "module": name,
                "path": self.rel(origin) if origin else None,
                "start": round(start, 6),
                "seconds": round(seconds, 6),
                "self_seconds": round(self_s, 6),
                "parent": parent,
                "during": during,
            }
            for name, origin, start, seconds, self_s, parent, during in self.timer.records
        ]
        end = self.marks.get("end", round(self.now(), 6))
        return {
            "schema": SCHEMA,
            "version": VERSION,
            "tool": "ssot.collect.plugin",
            "measurement": {
                "status": self._status(complete),
                "complete": complete,
                "pytest_exit_code": self.exit_code,
                "rootdir": self.root,
                "inifile": str(inipath) if inipath else None,
                "invocation_dir": str(getattr(getattr(cfg, "invocation_params", None), "dir", os.getcwd())),
                "args": [str(a) for a in (getattr(cfg, "args", None) or [])],
                "args_source": getattr(args_source, "name", None),
                "python": {
                    "executable": sys.executable,
                    "version": platform.python_version(),
                    "implementation": platform.python_implementation(),
                    "prefix": sys.prefix,
                    "base_prefix": getattr(sys, "base_prefix", sys.prefix),
                    "pytest": pytest.__version__,
                },
                "ini": ini,
                "clock": self.clock_source,
                "wall_seconds": end,
                "cpu_seconds": cpu,
                "peak_rss_bytes": rss,
                "marks": dict(self.marks),
                "tests": self.tests,
                "deselected": self.deselected,
                "files": self.files,
                "dirs": self.dirs,
                "imports": imports,
                "preloaded_modules": self.preloaded,
                "warnings": self.warnings,
                "errors": self.errors,
                "skipped": self.skipped,
                "hang": self.hang,
                "output_tail": None,
                "stop_reason": self.stop_reason,
            },
        }

    def write(self, complete: bool) -> None:
        self.timer.uninstall()  # what the write itself imports is not the project's
        from ssot.fsio import write_text_atomic  # stdlib only, like the rest of the recorder

        data = self.data(complete)
        try:
            # dumps: the C encoder; dump is pure Python
            write_text_atomic(Path(self.out), json.dumps(data, separators=(",", ":")))
            self._written = True
        except OSError as exc:
            sys.stderr.write(f"ssot: cannot write the collection profile to {self.out}: {exc}\n")
