"""Fix ``PytestCollectionWarning: cannot collect test class ... because it has a __init__ constructor``.

For each ``Test*`` class pytest cannot instantiate (own ``__init__``/``__new__``,
or one inherited from a class of the same file), in the files pytest collects:

- a helper (no test methods): add ``__test__ = False`` after its docstring, so
  pytest stops looking at it;
- a real test class (``test*`` methods) whose ``__init__`` takes no argument:
  rename ``__init__`` to ``setup_method``.  pytest makes one instance per
  test, so running the set-up before each test keeps its meaning, and the
  tests, which have never run, run;
- a class that hides tests inside its methods (broken indentation), or a test
  class that cannot be revived that way (``__init__`` with parameters, an
  existing ``setup_method``, ``__new__``, an inherited ``__init__``), or a
  helper whose local subclasses hold tests: left alone and reported, because
  silencing it would hide those tests for good.

LibCST keeps every byte it is not asked to change (comments, quotes, blank
lines, encoding, line endings).  Nothing is written unless ``apply``; writes
are atomic (temporary file, fsync, rename) and keep the file's mode.
"""

from __future__ import annotations

import ast
import contextlib
import difflib
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import libcst as cst

from ssot.collect.pytestnames import matches_file
from ssot.collect.static import ClassInfo, FileFacts, analyse_tree
from ssot.files import UnreadableFile, decode, discover
from ssot.pytest_config import PytestConfig, load_pytest_config

Action = Literal["silence", "revive", "report"]


@dataclass
class ClassAction:
    path: str
    line: int
    qualname: str
    action: Action
    message: str
    tests: list[str] = field(default_factory=list)  # tests revived, or hidden and left alone

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "class": self.qualname,
            "action": self.action,
            "message": self.message,
            "tests": self.tests,
        }


@dataclass
class FileFix:
    path: str
    before: bytes
    after: bytes
    actions: list[ClassAction]

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def diff(self) -> str:
        a = self.before.decode("utf-8", "replace").splitlines(keepends=True)
        b = self.after.decode("utf-8", "replace").splitlines(keepends=True)
        return "".join(difflib.unified_diff(a, b, f"a/{self.path}", f"b/{self.path}"))


@dataclass
class FixResult:
    files: list[FileFix]
    skipped: list[tuple[str, str]]  # path, reason (unreadable, unparseable)
    scanned: int = 0
    written: list[str] = field(default_factory=list)

    @property
    def actions(self) -> list[ClassAction]:
        return [a for f in self.files for a in f.actions]

    @property
    def changed(self) -> list[FileFix]:
        return [f for f in self.files if f.changed]

    def of(self, action: Action) -> list[ClassAction]:
        return [a for a in self.actions if a.action == action]


# -- deciding ---------------------------------------------------------------------------------


def _decide(facts: FileFacts, path: str) -> list[ClassAction]:
    out = []
    subclass_tests: dict[str, list[str]] = {}
    for c in facts.classes:
        for b in c.bases:
            if c.test_methods:
                subclass_tests.setdefault(b, []).append(c.qualname)
    for c in facts.classes:
        if not (c.name_matches or c.dunder_test) or c.is_testcase or c.dunder_test is False:
            continue
        if not (c.has_init or c.has_new):
            continue
        out.append(_decide_class(c, path, subclass_tests.get(c.name, [])))
    return out


def _decide_class(c: ClassInfo, path: str, test_subclasses: list[str]) -> ClassAction:
    if c.hidden_tests:
        names = [n for n, _, _ in c.hidden_tests]
        lines = ", ".join(str(ln) for _, ln, _ in c.hidden_tests)
        containers = ", ".join(sorted({ct for _, _, ct in c.hidden_tests}))
        return ClassAction(
            path,
            c.line,
            c.qualname,
            "report",
            (
                f"not silenced: it hides {len(names)} test{'s' if len(names) != 1 else ''} inside "
                f"{containers} "
                f"(lines {lines}); dedent them to module level by hand so they run"
            ),
            names,
        )
    if c.test_methods:
        names = [n for n, _ in c.test_methods]
        why = None
        if c.has_new:
            why = "it defines __new__"
        elif c.init_line is None:
            why = "its __init__ is inherited"
        elif c.init_params:
            why = f"its __init__ takes parameters ({', '.join(c.init_params)})"
        elif c.has_setup_method:
            why = "it already has a setup_method"
        if why:
            return ClassAction(
                path,
                c.line,
                c.qualname,
                "report",
                (f"not revived: {why}; move the set-up into setup_method or a fixture so its {len(names)} tests run"),
                names,
            )
        return ClassAction(
            path,
            c.line,
            c.qualname,
            "revive",
            (
                f"__init__ -> setup_method: its {len(names)} test{'s' if len(names) != 1 else ''} "
                f"({', '.join(names)}) have never run before and run now"
            ),
            names,
        )
    if test_subclasses:
        return ClassAction(
            path,
            c.line,
            c.qualname,
            "report",
            (
                f"not silenced: {', '.join(test_subclasses)} inherit from it and hold tests; "
                "`__test__ = False` "
                "would hide them too"
            ),
            [],
        )
    return ClassAction(path, c.line, c.qualname, "silence", "helper class: __test__ = False added")


# -- rewriting ----------------------------------------------------------------------------------


def _is_docstring(stmt: cst.BaseStatement) -> bool:
    return (
        isinstance(stmt, cst.SimpleStatementLine)
        and len(stmt.body) == 1
        and isinstance(stmt.body[0], cst.Expr)
        and isinstance(stmt.body[0].value, cst.SimpleString | cst.ConcatenatedString)
    )


_DUNDER_TEST = cst.Assign(targets=[cst.AssignTarget(cst.Name("__test__"))], value=cst.Name("False"))


class _Fixer(cst.CSTTransformer):
    def __init__(self, actions: dict[str, Action]) -> None:
        super().__init__()
        self.actions = actions
        self.scope: list[str] = []  # class names; "<def>" for function scopes (never matched)
        self.done: set[str] = set()

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self.scope.append(node.name.value)
        return True

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self.scope.append("<def>")
        return True

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.FunctionDef:
        self.scope.pop()
        qual = ".".join(self.scope)
        if (
            updated.name.value == "__init__"
            and self.scope
            and "<def>" not in self.scope
            and self.actions.get(qual) == "revive"
        ):
            self.done.add(qual)
            return updated.with_changes(name=cst.Name("setup_method"))
        return updated

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.ClassDef:
        qual = ".".join(self.scope)
        self.scope.pop()
        if "<def>" in qual.split(".") or self.actions.get(qual) != "silence":
            return updated
        self.done.add(qual)
        body = updated.body
        if isinstance(body, cst.SimpleStatementSuite):  # class TestX: pass
            return updated.with_changes(body=body.with_changes(body=[_DUNDER_TEST, *body.body]))
        stmts = list(body.body)
        at = 1 if stmts and _is_docstring(stmts[0]) else 0
        stmts.insert(at, cst.SimpleStatementLine(body=[_DUNDER_TEST]))
        return updated.with_changes(body=body.with_changes(body=stmts))


def fix_source(source: bytes, path: str, pcfg: PytestConfig) -> FileFix:
    """Plan and apply (in memory) the fixes of one file.  Raises SyntaxError/UnicodeError when unparseable."""
    text = decode(source)
    if "__init__" not in text and "__new__" not in text:
        return FileFix(path, source, source, [])
    facts = analyse_tree(ast.parse(text, filename=path), path, pcfg.python_classes, pcfg.python_functions, text)
    actions = _decide(facts, path)
    todo = {a.qualname: a.action for a in actions if a.action != "report"}
    if not todo:
        return FileFix(path, source, source, actions)
    module = cst.parse_module(source)
    fixer = _Fixer(todo)
    after = module.visit(fixer).bytes
    for a in actions:
        if a.action != "report" and a.qualname not in fixer.done:  # pragma: no cover - ast and cst disagree
            a.action, a.message = "report", "left alone: could not locate it in the syntax tree"
    return FileFix(path, source, after, actions)


def candidate_files(root: Path, paths: Sequence[str], pcfg: PytestConfig, explicit: bool) -> list[str]:
    """Files pytest would import as test modules under ``paths`` (relative to ``root``)."""
    files, missing = discover(root, paths)
    if missing:
        from ssot.errors import SsotError

        raise SsotError("; ".join(f"{p}: {why}" for p, why in missing))
    import fnmatch

    out = []
    roots = [tp.strip("/") for tp in pcfg.testpaths] if not explicit else []
    for rel in files:
        if not matches_file(rel, pcfg.python_files):
            continue
        parts = rel.split("/")
        if any(fnmatch.fnmatch(d, pat) for d in parts[:-1] for pat in pcfg.norecursedirs):
            continue
        if roots and not any(r in ("", ".") or rel.startswith(r + "/") for r in roots):
            continue
        out.append(rel)
    return out


_PARALLEL_MIN_FILES = 64


def _fix_files(root: str, rels: list[str], pcfg: PytestConfig) -> tuple[list[FileFix], list[tuple[str, str]]]:
    """Plan the fixes of some files (in a worker process when there are many)."""
    fixes, skipped = [], []
    for rel in rels:
        try:
            data = (Path(root) / rel).read_bytes()
        except OSError as exc:
            skipped.append((rel, f"cannot read it: {exc.strerror or exc}"))
            continue
        try:
            fix = fix_source(data, rel, pcfg)
        except UnreadableFile as exc:
            skipped.append((rel, str(exc)))
            continue
        except SyntaxError as exc:
            skipped.append((rel, f"syntax error at line {exc.lineno}: {exc.msg}; fix it first"))
            continue
        except cst.ParserSyntaxError as exc:
            skipped.append((rel, f"LibCST cannot parse it (line {exc.raw_line}): {exc.message}"))
            continue
        if fix.actions:
            fixes.append(fix)
    return fixes, skipped


def fix_collection_warnings(root: Path, paths: Sequence[str] = (), *, apply: bool = False, jobs: int = 0) -> FixResult:
    """Plan (and with ``apply`` write) the fixes under ``paths``.

    ``paths`` default to pytest's testpaths, else the project root.  ``jobs``: worker processes for
    planning (0: one per core); LibCST parsing is the cost, and it spreads over cores.
    """
    root = root.resolve()
    pcfg = load_pytest_config(root)
    explicit = bool(paths)
    targets = list(paths) if paths else (list(pcfg.testpaths) or ["."])
    targets = [t for t in targets if explicit or (root / t).exists()] or ["."]
    files = candidate_files(root, targets, pcfg, explicit)
    result = FixResult(files=[], skipped=[], scanned=len(files))
    workers = jobs or os.cpu_count() or 1
    if workers <= 1 or len(files) < _PARALLEL_MIN_FILES:
        parts = [_fix_files(str(root), files, pcfg)]
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        step = max(16, len(files) // (workers * 4))
        chunks = [files[i : i + step] for i in range(0, len(files), step)]
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method)) as pool:
            parts = list(pool.map(_fix_files, [str(root)] * len(chunks), chunks, [pcfg] * len(chunks)))
    for fixes, skipped in parts:
        result.files += fixes
        result.skipped += skipped
    if apply:
        for fix in result.changed:
            write_bytes_atomic(root / fix.path, fix.after)
            result.written.append(fix.path)
    return result


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data``: temporary file beside it, same mode, fsync, rename."""
    mode = os.stat(path).st_mode & 0o7777
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".ssot-tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
