"""The collection profile: what was measured, and what the analysis made of it.

Plain dataclasses with a versioned JSON form (schema ``ssot-collect-profile``,
documented in ``docs/collect.md``; :mod:`ssot.collect.schema` is its JSON
Schema).  ``measurement`` is exactly what the pytest plugin writes;
``analysis`` is computed from it (and from the test files) by
:mod:`ssot.collect.diagnose` and read, never recomputed, by every renderer.

Times are seconds since the collection process started; paths are relative
to pytest's rootdir with ``/`` when inside it, absolute otherwise.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

from ssot.collect.protocol import SCHEMA, VERSION
from ssot.errors import SsotError
from ssot.fsio import write_text_atomic
from ssot.model import Cost, Finding, Severity

T = TypeVar("T")

# -- measurement (written by the plugin) ----------------------------------------------------


Status = Literal["ok", "collection-errors", "stopped", "no-tests", "conftest-error", "timeout", "interrupted",
                 "usage-error"]
Clock = Literal["driver", "process", "plugin"]
ErrorStage = Literal["conftest", "collect"]
ImportCategory = Literal["project", "third-party", "stdlib"]
CauseKind = Literal["helper-class", "data-class", "hidden-tests", "test-class", "unknown-class", "other"]
NeverRunKind = Literal["nested", "skipped-class", "unmatched-class", "unmatched-file"]

@dataclass
class PythonInfo:
    executable: str = ""
    version: str = ""
    implementation: str = ""
    prefix: str = ""
    base_prefix: str = ""
    pytest: str = ""


@dataclass
class FileTiming:
    """One collected file: from ``pytest_collectstart`` to its ``pytest_collectreport``."""

    path: str
    nodeid: str
    start: float
    seconds: float
    import_seconds: float  # importing the module (assertion rewriting and its own imports included)
    tests: int  # items it contributed (after deselection)
    outcome: str  # passed | failed | skipped
    # the test functions its items run (names without parameters, deselected ones too): what pytest and its
    # plugins (a pytest_pycollect_makeitem hook, say) really collected, whatever the naming rules say
    names: list[str] = field(default_factory=list)

    @property
    def other_seconds(self) -> float:
        return max(0.0, self.seconds - self.import_seconds)


@dataclass
class DirVisit:
    path: str
    kind: str  # dir | package | directory


@dataclass
class ModuleImport:
    module: str
    path: str | None
    start: float
    seconds: float  # cumulative: its own code and every import it triggered
    self_seconds: float
    parent: str | None  # the module whose import triggered it
    during: str | None  # the file pytest was collecting at the time


@dataclass
class CollectedWarning:
    category: str
    message: str
    path: str | None
    line: int | None
    nodeid: str | None
    when: str


@dataclass
class CollectionError:
    path: str | None
    nodeid: str | None
    stage: ErrorStage  # conftest (initial conftest, before collection) | collect
    exc_type: str
    message: str
    line: int | None


@dataclass
class SkippedModule:
    path: str
    reason: str


@dataclass
class StackFrame:
    path: str
    line: int | None
    function: str
    code: str


@dataclass
class Hang:
    at: float
    collecting: str | None
    stack: list[StackFrame] = field(default_factory=list)


@dataclass
class Measurement:
    """Figures from one collection run, as the plugin recorded them (and the driver completed)."""

    status: Status
    complete: bool
    pytest_exit_code: int | None
    rootdir: str
    inifile: str | None
    invocation_dir: str
    args: list[str]
    args_source: str | None
    python: PythonInfo
    ini: dict[str, list[str]]
    clock: Clock  # where time zero comes from
    wall_seconds: float
    cpu_seconds: float | None
    peak_rss_bytes: int | None
    marks: dict[str, float]
    tests: int
    deselected: int
    files: list[FileTiming]
    dirs: list[DirVisit]
    imports: list[ModuleImport]
    preloaded_modules: int
    warnings: list[CollectedWarning]
    errors: list[CollectionError]
    skipped: list[SkippedModule]
    hang: Hang | None = None
    output_tail: str | None = None
    stop_reason: str | None = None  # collection stopped early (-x, --maxfail): pytest's words

    def ini_list(self, key: str, default: list[str]) -> list[str]:
        value = self.ini.get(key)
        return list(value) if value else list(default)


# -- analysis (computed by ssot.collect.diagnose) ---------------------------------------------


@dataclass
class BreakdownEntry:
    key: str  # startup | imports:<group> | test-modules | configure | items | report
    label: str
    seconds: float
    share: float  # of the wall time


@dataclass
class ImportCost:
    module: str
    path: str | None
    category: ImportCategory
    seconds: float
    self_seconds: float
    first_imported_by: str | None  # the test file or conftest that pulled it in first
    via: list[str]  # import chain from that file down to the module
    importers: int  # test files and conftests that import it at module level (static count)
    share: float
    nested: bool = False  # imported by another non-test module: its time is inside that one's


@dataclass
class WarningCause:
    id: str
    category: str
    template: str  # the message with names taken out
    kind: CauseKind
    count: int
    share: float  # of all collection warnings
    emitter: str  # the class or file that emits them
    classes: dict[str, list[str]]  # class name -> files (collection warnings about classes)
    examples: list[str]  # path:line
    fix: str
    fixable: bool  # `ssot fix collection-warnings` fixes it


@dataclass
class NeverRunTest:
    path: str
    line: int
    name: str
    container: str | None  # e.g. TestWebSocketConnection.__init__
    reason: str
    kind: NeverRunKind


@dataclass
class EmptyModule:
    path: str
    defined_tests: int
    reason: str


@dataclass
class DiagnosisRecord:
    """How a collect finding (a :class:`ssot.model.Finding`) is written in the profile (version 2 added
    ``key`` and ``fingerprint``; a version 1 profile reads with the message standing in for the key)."""

    rule: str
    title: str
    detail: str
    fix: str
    paths: list[str]
    seconds: float = 0.0
    share_of_time: float = 0.0
    warnings: int = 0
    share_of_warnings: float = 0.0
    tests: int = 0  # tests it hides or loses
    severity: Severity = "warning"
    key: str = ""
    fingerprint: str = ""  # Finding.fingerprint: stable across moved lines (written, never read)

    @classmethod
    def of(cls, f: Finding) -> DiagnosisRecord:
        c = f.cost
        return cls(f.rule, f.message, f.detail, f.fix or "", f.paths, c.seconds, c.share_of_time, c.warnings,
                   c.share_of_warnings, c.tests, f.severity, f.key, f.fingerprint)

    def finding(self) -> Finding:
        from ssot.collect.rules.base import finding  # the one place a collect finding is made

        return finding(self.rule, self.severity, self.title, detail=self.detail, fix=self.fix, paths=self.paths,
                       key=self.key, cost=Cost(self.seconds, self.share_of_time, self.warnings,
                                               self.share_of_warnings, self.tests))


@dataclass
class Analysis:
    breakdown: list[BreakdownEntry]
    imports: list[ImportCost]
    warning_causes: list[WarningCause]
    never_run: list[NeverRunTest]
    empty_modules: list[EmptyModule]
    diagnoses: list[Finding]  # the rules of ssot.collect.rules, most important first
    static_files: int = 0  # test files read for the static part
    static_errors: list[str] = field(default_factory=list)  # files it could not read or parse


@dataclass
class Profile:
    measurement: Measurement
    analysis: Analysis | None = None
    schema: str = SCHEMA
    version: int = VERSION
    tool: str = "ssot"

    # -- figures used by every view --------------------------------------------------
    @property
    def m(self) -> Measurement:
        return self.measurement

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": self.schema,
            "version": self.version,
            "tool": self.tool,
            "measurement": _to_plain(self.measurement),
            "analysis": _to_plain(self.analysis) if self.analysis is not None else None,
        }

    def to_json(self, indent: int | None = None) -> str:
        """Compact by default (the C encoder: a 5000-file profile in tens of milliseconds)."""
        if indent is None:
            return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: Any, source: str = "profile") -> Profile:
        if not isinstance(data, dict) or data.get("schema") != SCHEMA:
            raise SsotError(f'{source}: not an ssot collection profile (no "schema": "{SCHEMA}")')
        version = data.get("version")
        if not isinstance(version, int) or version > VERSION or version < 1:
            raise SsotError(
                f"{source}: profile version {version!r} is not supported by this ssot (reads 1..{VERSION}); "
                "record it again with this version"
            )
        try:
            measurement = _from_plain(Measurement, data["measurement"])
            analysis = data.get("analysis")
            return cls(
                measurement=measurement,
                analysis=_from_plain(Analysis, analysis) if analysis is not None else None,
                version=version,
                tool=str(data.get("tool", "ssot")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise SsotError(f"{source}: malformed profile ({type(exc).__name__}: {exc}); record it again") from None

    @classmethod
    def load(cls, path: Path) -> Profile:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise SsotError(f"{path}: cannot read the profile: {exc.strerror or exc}") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SsotError(
                f"{path}: not JSON ({exc.msg} at line {exc.lineno}); pass a file written by "
                "`ssot collect --format json -o FILE` or `pytest --ssot-profile`"
            ) from None
        return cls.from_dict(data, str(path))

    def save(self, path: Path) -> None:
        """Write atomically (:mod:`ssot.fsio`): the old profile or the new one, never half of one."""
        try:
            write_text_atomic(Path(path), self.to_json() + "\n")
        except OSError as exc:
            raise SsotError(f"{path}: cannot write there: {exc.strerror or exc}") from None


# -- generic dataclass <-> plain data -------------------------------------------------------


def _to_plain(obj: Any) -> Any:
    if isinstance(obj, Finding):
        obj = DiagnosisRecord.of(obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _to_plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, list | tuple):
        return [_to_plain(x) for x in obj]
    if isinstance(obj, dict):
        return {str(k): _to_plain(v) for k, v in obj.items()}
    if isinstance(obj, float):
        return round(obj, 6)
    return obj


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


def _from_plain(tp: Any, value: Any) -> Any:
    if tp is Finding:
        return _from_plain(DiagnosisRecord, value).finding()
    origin = typing.get_origin(tp)
    if origin is Literal:
        if value not in typing.get_args(tp):
            raise ValueError(f"{value!r} is not one of {', '.join(map(repr, typing.get_args(tp)))}")
        return value
    if origin is typing.Union or origin is types.UnionType:
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None:
            return None
        return _from_plain(args[0], value)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise TypeError(f"{tp.__name__} must be an object, not {type(value).__name__}")
        hints = _hints(tp)
        kwargs = {}
        for f in dataclasses.fields(tp):
            if f.name in value:
                kwargs[f.name] = _from_plain(hints[f.name], value[f.name])
            elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise KeyError(f"{tp.__name__}.{f.name}")
        return tp(**kwargs)
    if origin is list:
        (item,) = typing.get_args(tp)
        if not isinstance(value, list):
            raise TypeError(f"expected a list, not {type(value).__name__}")
        return [_from_plain(item, v) for v in value]
    if origin is dict:
        _, item = typing.get_args(tp)
        if not isinstance(value, dict):
            raise TypeError(f"expected an object, not {type(value).__name__}")
        return {str(k): _from_plain(item, v) for k, v in value.items()}
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(f"expected a number, not {value!r}")
        return float(value)
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"expected an integer, not {value!r}")
        return value
    if tp is str:
        if not isinstance(value, str):
            raise TypeError(f"expected a string, not {value!r}")
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise TypeError(f"expected true/false, not {value!r}")
        return value
    return value
