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

A revived class keeps what it inherits: the ``setup_method`` (or ``setUp``) of
a base, read in the same file or in the project module it is imported from
(:mod:`ssot.rewrite.class_bases`), is called first, and ``super().__init__()``
goes; a base that cannot be read, or that has an ``__init__`` of its own, leaves
the class reported instead.

LibCST keeps every byte it is not asked to change (comments, quotes, blank
lines, encoding, line endings).  Nothing is written unless ``apply``; then the
files are written as one batch of a journaled run (``ssot runs`` lists it,
``ssot rollback`` undoes it).
"""

from __future__ import annotations

import ast
import difflib
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import libcst as cst

from ssot.collect.pytestnames import matches_file
from ssot.collect.static import ClassInfo, FileFacts, analyse_tree
from ssot.files import UnreadableFile, decode, discover
from ssot.pytest_config import PytestConfig, load_pytest_config
from ssot.rewrite.class_bases import BaseResolver
from ssot.rewrite.trivia import leading_lines

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
    run_id: str | None = None  # the journaled run that wrote them (``ssot rollback RUN`` undoes it)

    @property
    def actions(self) -> list[ClassAction]:
        return [a for f in self.files for a in f.actions]

    @property
    def changed(self) -> list[FileFix]:
        return [f for f in self.files if f.changed]

    def of(self, action: Action) -> list[ClassAction]:
        return [a for a in self.actions if a.action == action]


# -- deciding ---------------------------------------------------------------------------------


@dataclass
class RevivePlan:
    """How ``__init__`` becomes ``setup_method`` in one class."""

    super_call: str | None = None  # e.g. "super().setup_method(method)": the inherited set-up, called first
    add_method_param: bool = False  # the base's setup_method takes the test method: so does the new one
    bases: list[str] = field(default_factory=list)  # ``Base.__init__(self)`` with one of these goes too


def _decide(
    facts: FileFacts, path: str, resolver: BaseResolver | None = None, tree: ast.Module | None = None
) -> tuple[list[ClassAction], dict[str, RevivePlan]]:
    out = []
    plans: dict[str, RevivePlan] = {}
    subclass_tests: dict[str, list[str]] = {}
    for c in facts.classes:
        for b in c.bases:
            if c.test_methods:
                subclass_tests.setdefault(b, []).append(c.qualname)
    inits = _init_nodes(tree) if tree is not None else {}
    for c in facts.classes:
        if not (c.name_matches or c.dunder_test) or c.is_testcase or c.dunder_test is False:
            continue
        if not (c.has_init or c.has_new or c.generated_ctor):
            continue
        action = _decide_class(c, path, subclass_tests.get(c.name, []))
        if action.action == "revive":
            action, plan = _plan_revive(c, path, action, resolver, inits.get(c.qualname))
            if plan is not None:
                plans[c.qualname] = plan
        out.append(action)
    return out, plans


def _init_nodes(tree: ast.Module) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    """``__init__`` of every class that is not inside a function, by the class's qualname."""
    out: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}

    def walk(stmts: list[ast.stmt], prefix: str) -> None:
        for node in stmts:
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and item.name == "__init__":
                        out[prefix + node.name] = item
                walk(node.body, prefix + node.name + ".")
            elif not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for attr in ("body", "orelse", "finalbody"):
                    walk(getattr(node, attr, None) or [], prefix)
                for handler in getattr(node, "handlers", None) or []:
                    walk(handler.body, prefix)

    walk(tree.body, "")
    return out


def _super_init_call(stmt: ast.stmt, bases: list[str]) -> ast.Call | None:
    """``super().__init__(...)``, ``super(C, self).__init__(...)`` or ``Base.__init__(self, ...)`` (``Base`` one
    of ``bases``) as a statement."""
    if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)):
        return None
    call = stmt.value
    func = call.func
    if not (isinstance(func, ast.Attribute) and func.attr == "__init__"):
        return None
    owner = func.value
    if isinstance(owner, ast.Call) and isinstance(owner.func, ast.Name) and owner.func.id == "super":
        return call
    name = owner.id if isinstance(owner, ast.Name) else owner.attr if isinstance(owner, ast.Attribute) else None
    if name in bases and call.args and isinstance(call.args[0], ast.Name) and call.args[0].id == "self":
        return call
    return None


def _passes_arguments(call: ast.Call) -> bool:
    """More than ``super().__init__()`` / ``Base.__init__(self)``."""
    bound = isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Call)  # super().__init__
    return bool(call.keywords) or len(call.args) > (0 if bound else 1)


def _plan_revive(
    c: ClassInfo,
    path: str,
    action: ClassAction,
    resolver: BaseResolver | None,
    init: ast.FunctionDef | ast.AsyncFunctionDef | None,
) -> tuple[ClassAction, RevivePlan | None]:
    """Keep what the class inherits: the base's set-up runs first, ``super().__init__()`` goes."""

    def report(why: str) -> tuple[ClassAction, None]:
        n = len(action.tests)
        return (
            ClassAction(
                path,
                c.line,
                c.qualname,
                "report",
                f"not revived: {why}; move the set-up into setup_method or a fixture so its {n} tests run",
                action.tests,
            ),
            None,
        )

    plan = RevivePlan(bases=list(c.bases))
    if init is not None:
        for stmt in ast.walk(init):
            call = _super_init_call(stmt, c.bases) if isinstance(stmt, ast.stmt) else None
            if call is not None and _passes_arguments(call):
                return report("its __init__ passes arguments to the base's __init__")
    if not c.bases:
        return action, plan
    if resolver is None:
        return report("its bases are not known here")
    ancestry = resolver.ancestry(c, path)
    if ancestry.unresolved:
        names = ", ".join(ancestry.unresolved)
        return report(f"its base {names} is defined where ssot cannot read it (whether it has a set-up is unknown)")
    for ctor in ("__init__", "__new__"):
        found = ancestry.first_with(ctor)
        if found is not None:
            return report(f"its base {found[0].name} ({found[1]}) has a {ctor} too, so pytest would still skip it")
    setup = ancestry.first_with("setup_method")
    what = ""
    if setup is not None:
        params = setup[0].methods["setup_method"]
        if len([p for p in params if not p.startswith("*")]) > 1:
            return report(f"the base's setup_method ({setup[1]}) takes parameters")
        if params:
            plan.super_call, plan.add_method_param = "super().setup_method(method)", True
        else:
            plan.super_call = "super().setup_method()"
        what = f"{setup[0].name}.setup_method"
    else:
        setup = ancestry.first_with("setUp")
        if setup is not None:
            if [p for p in setup[0].methods["setUp"] if not p.endswith("=") and not p.startswith("*")]:
                return report(f"the base's setUp ({setup[1]}) takes parameters")
            plan.super_call, what = "super().setUp()", f"{setup[0].name}.setUp"
    if what:
        action.message += f"; it calls the inherited {what} first, so the base's set-up still runs"
    return action, plan


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
        elif c.generated_ctor and not c.has_init:
            why = f"its constructor comes from {c.generated_ctor}"
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
    if c.generated_ctor and not (c.has_init or c.has_new):
        return ClassAction(
            path, c.line, c.qualname, "silence", f"data type ({c.generated_ctor}) named Test*: __test__ = False added"
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


def _is_super_init(stmt: cst.BaseStatement, bases: list[str]) -> bool:
    """A statement line that only calls the base's ``__init__`` (as :func:`_super_init_call` sees it)."""
    if not (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and isinstance(stmt.body[0], cst.Expr)):
        return False
    call = stmt.body[0].value
    if not (isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) and call.func.attr.value == "__init__"):
        return False
    owner = call.func.value
    if isinstance(owner, cst.Call):
        return isinstance(owner.func, cst.Name) and owner.func.value == "super"
    name = (
        owner.value if isinstance(owner, cst.Name) else owner.attr.value if isinstance(owner, cst.Attribute) else None
    )
    first = call.args[0].value if call.args else None
    return name in bases and isinstance(first, cst.Name) and first.value == "self"


class _Fixer(cst.CSTTransformer):
    def __init__(self, actions: Mapping[str, Action], plans: dict[str, RevivePlan] | None = None) -> None:
        super().__init__()
        self.actions = actions
        self.plans = plans or {}
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
            return _to_setup_method(updated, self.plans.get(qual, RevivePlan()))
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
        assert isinstance(body, cst.IndentedBlock)  # a suite is one or the other
        stmts = list(body.body)
        at = 1 if stmts and _is_docstring(stmts[0]) else 0
        stmts.insert(at, cst.SimpleStatementLine(body=[_DUNDER_TEST]))
        return updated.with_changes(body=body.with_changes(body=stmts))


def _to_setup_method(node: cst.FunctionDef, plan: RevivePlan) -> cst.FunctionDef:
    """``def __init__(self):`` -> ``def setup_method(self):``, the base's set-up called where
    ``super().__init__()`` stood (or first), and that call gone."""
    node = node.with_changes(name=cst.Name("setup_method"))
    if plan.add_method_param:
        params = list(node.params.params)
        params.insert(1, cst.Param(cst.Name("method")))
        node = node.with_changes(params=node.params.with_changes(params=params))
    body = node.body
    call = cst.parse_statement(plan.super_call + "\n") if plan.super_call is not None else None
    if isinstance(body, cst.SimpleStatementSuite):  # def __init__(self): pass
        if isinstance(call, cst.SimpleStatementLine):
            return node.with_changes(body=body.with_changes(body=[*call.body, *body.body]))
        return node
    assert isinstance(body, cst.IndentedBlock)
    out: list[cst.BaseStatement] = []
    for stmt in body.body:
        if _is_super_init(stmt, plan.bases):
            if call is not None:
                out.append(call.with_changes(leading_lines=leading_lines(stmt)))
                call = None
            continue
        out.append(stmt)
    if call is not None:
        out.insert(1 if out and _is_docstring(out[0]) else 0, call)
    if not out or all(_is_docstring(x) for x in out):
        out.append(cst.parse_statement("pass\n"))
    return node.with_changes(body=body.with_changes(body=out))


# a constructor, a decorator or a base class: only then can pytest skip a class of the file
_MAY_NEED_FIX = re.compile(r"__init__|__new__|^[ \t]*@|^[ \t]*class[ \t]+\w+[ \t]*\(", re.M)


def fix_source(source: bytes, path: str, pcfg: PytestConfig, root: Path | None = None) -> FileFix:
    """Plan and apply (in memory) the fixes of one file.  Raises SyntaxError/UnicodeError when unparseable.

    ``root``: the project, where the bases a class imports are looked up (without it, a class with a base
    from another file is reported, not revived)."""
    text = decode(source)
    if not _MAY_NEED_FIX.search(text):
        return FileFix(path, source, source, [])
    tree = ast.parse(text, filename=path)
    facts = analyse_tree(tree, path, pcfg.python_classes, pcfg.python_functions, text)
    resolver = BaseResolver(root, pcfg.python_classes, pcfg.python_functions)
    resolver.add(path, tree, facts)
    actions, plans = _decide(facts, path, resolver, tree)
    todo = {a.qualname: a.action for a in actions if a.action != "report"}
    if not todo:
        return FileFix(path, source, source, actions)
    module = cst.parse_module(source)
    fixer = _Fixer(todo, plans)
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
            fix = fix_source(data, rel, pcfg, Path(root))
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
    if apply and result.changed:
        result.run_id = write_through_journal(root, result.changed)
        result.written = [f.path for f in result.changed]
    return result


def write_through_journal(root: Path, fixes: list[FileFix]) -> str:
    """Write the fixes as one batch of a journaled run (``ssot runs`` lists it, ``ssot rollback`` undoes it).

    Each file is written only if it still holds the bytes the fix was planned on.  Whatever stops the
    batch half-way (a file changed meanwhile, an error, Ctrl-C) restores the files already written
    before the error goes on.  Returns the run's id."""
    from ssot.errors import SsotError
    from ssot.migrate.journal import FileWrite, Journal, sha256_bytes

    files = [f.path for f in fixes]
    journal = Journal.begin(root, "fix", meta={"fix": "collection-warnings", "files": files})
    try:
        journal.begin_batch(1, "collection-warnings", files)
        try:
            journal.write_many([FileWrite(f.path, f.after, sha256_bytes(f.before)) for f in fixes])
        except BaseException as exc:
            restored = journal.rollback_batch(1)
            journal.end_batch(1, "rolled_back")
            journal.finish("rolled_back")
            note = (
                f"nothing was changed: the {len(restored)} file(s) written before it stopped were restored "
                f"(run {journal.run_id})"
            )
            if isinstance(exc, SsotError):
                raise SsotError(f"{exc}; {note}") from exc
            import sys

            sys.stderr.write(f"ssot fix: stopped ({type(exc).__name__}); {note}\n")
            raise
        journal.end_batch(1, "ok")
    except BaseException:
        journal.finish("failed")  # a no-op when the run already finished as rolled back
        raise
    journal.finish("complete")
    return journal.run_id
