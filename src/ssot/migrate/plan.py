"""The remediation plan: pure functions from a scan and a configuration to a :class:`Plan`.

For each family it decides where the canonical definitions go, which one each
equivalence class becomes and under which name, which copies migrate and
which cannot (and why), and splits the work into phases and batches.  Nothing
here writes a file: ``ssot plan`` renders a Plan, ``ssot migrate`` executes
one (:mod:`ssot.migrate.execute`).

Reasons a copy cannot migrate (``Blocked.reason``):

``backup``              under a backup folder (left alone unless ``--include-backups``)
``holds-tests``         a real test class: removing copies would drop its tests
``swallowed-tests``     a helper whose methods hide test functions (left to ``ssot fix``)
``inside-test-trap``    nested inside such a helper
``local-dependency``    uses a name its own file defines (or its enclosing function binds),
                        which the canonical module cannot import
``unresolved-name``     uses a name bound by nothing visible (star import, injected global)
``name-clash``          its file (or the target ``conftest.py``) binds the name to something else
``incompatible-variant`` mapped (``--map``) onto a class that cannot serve it, without ``--force-map``
``needs-its-class``     a method using ``super()`` without arguments (or ``__class__``): outside its
                        class body it raises ``RuntimeError: super(): __class__ cell not found``
``nested-fixture``      a fixture defined inside a function cannot move to a conftest
``renamed-fixture``     a fixture copy under another name is another fixture for pytest
``not-found``           the file no longer holds the copy where the scan saw it
``library-code``        the copy is in library code (``ssot.scope``): only test code migrates
``test-local``          defined inside a test function: it is made when the test runs, under the test's
                        marks (``skipif`` on a Python version, a missing extra) and fixtures; in a module it
                        would be made at import, for every test, and it is often the subject under test
``distinct-identity``   another name would become this object, and the code can see it (an
                        exception class, a name in ``__all__`` or imported elsewhere, a class
                        used with isinstance/except/raise, subclassed or passed as a value)
``canonical-unreachable`` pytest cannot import the canonical module from the copy's file
``canonical-broken``    the canonical module would not compile or import (checked in a subprocess)
``symlink``             its file (or a folder above it) is a symlink: never written through
``single-copy``         the only copy of its family that can migrate: nothing to consolidate
"""

from __future__ import annotations

import ast
import gc
import hashlib
import multiprocessing
import os
import posixpath
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ssot.collect.pytestnames import matches_name
from ssot.config import Config
from ssot.errors import SsotError
from ssot.files import gitignore_spec
from ssot.migrate.analysis_cache import AnalysisCache, Key
from ssot.migrate.home import LEAF, Home, reachable, resolve_home
from ssot.migrate.importgraph import ImportGraph
from ssot.migrate.naming import class_names, module_name
from ssot.model import CommentedCopy, Definition, EquivalenceClass, Family, Kind, ScanResult
from ssot.pytest_config import PytestConfig, load_pytest_config
from ssot.rewrite.member_file import Action
from ssot.rewrite.names import (
    ModuleBindings,
    bound_names,
    find_def,
    free_names,
    identity_uses,
    is_exception_class,
    module_bindings,
    swallowed_tests,
)
from ssot.scope import TestScope, load_scope

PLAN_SCHEMA_VERSION = 1
DEFAULT_BATCH_SIZE = 50
DEFAULT_PHASE = "all"
OTHER_PHASE = "other"

Reader = Callable[[str], bytes]


class PlanError(SsotError):
    """The plan cannot be made as asked (unknown family, phase or class id)."""


@dataclass(slots=True)
class PlanOptions:
    families: list[str] | None = None  # ids or names; None = every family that can migrate
    phase: str | None = None
    batch_size: int = DEFAULT_BATCH_SIZE
    include_backups: bool = False
    remove_commented: bool = False
    merge_supersets: bool = False
    maps: dict[str, str] = field(default_factory=dict)  # class id -> class id that serves it
    force_map: bool = False
    exclude: list[str] = field(default_factory=list)  # family ids or names left out
    check_import: bool = True  # compile and import each new canonical module in a subprocess


@dataclass(slots=True)
class Target:
    """One canonical definition: where it lives and which copies it replaces."""

    class_id: str
    family_id: str
    name: str
    kind: Kind
    path: str  # the canonical module, or the conftest.py a fixture moves to
    module: str  # dotted import path ("" for a conftest)
    source: Definition  # the copy whose real source becomes the canonical one
    serves: list[str]  # class ids it replaces (its own first)
    imports: list[str] = field(default_factory=list)
    future_annotations: bool = False
    not_a_test: bool = False
    present: bool = False  # already in the canonical module (an earlier migration)
    forced: list[str] = field(default_factory=list)  # class ids mapped onto it against its differences


@dataclass(slots=True)
class Step:
    """One copy that migrates."""

    definition: Definition
    class_id: str
    target: Target
    action: Action
    local_name: str
    phase: str = DEFAULT_PHASE
    batch: int = 0

    @property
    def statement(self) -> str:
        if self.action == "remove":
            return f"moved to {self.target.path}"
        alias = f" as {self.local_name}" if self.local_name != self.target.name else ""
        return f"from {self.target.module} import {self.target.name}{alias}"


@dataclass(slots=True)
class Blocked:
    definition: Definition
    class_id: str
    reason: str
    detail: str


@dataclass(slots=True)
class FamilyPlan:
    id: str
    name: str
    kind: Kind
    module_path: str  # canonical module file ("" for fixtures)
    module: str
    targets: list[Target]
    steps: list[Step]
    blocked: list[Blocked]
    commented: list[CommentedCopy]  # commented-out copies to delete
    look_alikes: list[Definition]
    note: str = ""

    @property
    def can_migrate(self) -> bool:
        return bool(self.steps)

    @property
    def consolidated(self) -> bool:
        """Nothing left to do: every live copy already comes from the canonical module."""
        return not self.steps and any(t.present for t in self.targets) and not any(
            b.reason not in ("backup",) for b in self.blocked
        )


@dataclass(slots=True)
class Batch:
    number: int
    phase: str
    files: list[str]  # the copies' files, in order
    steps: list[Step]
    commented: list[CommentedCopy]
    name: str = ""  # a retried part of a batch says so ("all #2 without Family")
    writes: list[str] = field(default_factory=list)  # every file it writes: new canonical modules and
    # package __init__.py files first, then the copies' files (what the dry run and the run report)

    @property
    def label(self) -> str:
        return self.name or f"{self.phase} #{self.number}"


@dataclass(slots=True)
class Effect:
    lines_removed: int = 0  # definition and commented-out lines deleted from copies' files
    lines_added: int = 0  # imports added + canonical definitions written
    warnings_removed: int = 0  # PytestCollectionWarnings of Test* helpers that go away
    files_touched: int = 0

    @property
    def net_lines_removed(self) -> int:
        return self.lines_removed - self.lines_added


@dataclass(slots=True)
class Plan:
    root: str
    canonical_package: str
    families: list[FamilyPlan]
    phases: list[str]
    batches: list[Batch]
    effect: Effect
    hashes: dict[str, str]  # sha256 of every file the plan read, as it read it
    options: PlanOptions
    new_inits: list[str] = field(default_factory=list)  # package __init__.py files the home needs created
    canonical_dotted: str = ""  # the home package's import name
    schema_version: int = PLAN_SCHEMA_VERSION

    @property
    def steps(self) -> list[Step]:
        return [s for b in self.batches for s in b.steps]

    def targets(self) -> list[Target]:
        return [t for f in self.families for t in f.targets]


# ------------------------------------------------------------------ analysis

PARALLEL_MIN_FILES = 200  # below this, forking analysis workers costs more than it saves


@dataclass(slots=True)
class _Analysis:
    reason: str | None = None
    detail: str = ""
    imports: list[str] = field(default_factory=list)
    future: bool = False
    clash: str | None = None  # another module-level binding of the copy's name in its file
    identity: str | None = None  # why another object under this name would be seen (None: only called)


# what the analysis needs of a definition: (line, name, kind, test methods, nested, location)
_DefKey = tuple[int, str, str, int, bool, str]


@dataclass(slots=True)
class _FileInfo:
    """What the plan needs from one file: nothing of its syntax tree is kept."""

    sha256: str | None
    bindings: ModuleBindings | None
    error: str | None = None
    analyses: dict[tuple[int, str], _Analysis] = field(default_factory=dict)


def _def_key(d: Definition) -> _DefKey:
    return (d.line, d.name, d.kind, d.test_methods, d.nested, d.location)


# (free names, swallowed tests, test methods, needs its class) of a definition, by its exact source
# lines: copies are mostly byte-identical, so most definitions are analysed once
_NodeFacts = tuple[frozenset[str], int, int, bool]
_NODE_FACTS: dict[bytes, _NodeFacts] = {}
_NODE_FACTS_MAX = 4096


def _node_facts(node: ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef, lines: list[bytes]) -> _NodeFacts:
    start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    key = b"\n".join(lines[start - 1:node.end_lineno or node.lineno])
    facts = _NODE_FACTS.get(key)
    if facts is None:
        direct_tests = sum(
            1 for n in getattr(node, "body", []) if isinstance(node, ast.ClassDef)
            and isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name.startswith("test")
        )
        facts = (frozenset(free_names(node)), swallowed_tests(node), direct_tests, _needs_class_cell(node))
        if len(_NODE_FACTS) >= _NODE_FACTS_MAX:
            _NODE_FACTS.clear()
        _NODE_FACTS[key] = facts
    return facts


def _needs_class_cell(node: ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A function using ``super()`` without arguments or ``__class__``: it works only where it is defined in
    its class body (the compiler gives it the class's cell), not as a function imported there."""
    if isinstance(node, ast.ClassDef):
        return False  # a class moves whole, its methods' cell with it
    todo: list[ast.AST] = list(ast.iter_child_nodes(node))
    while todo:
        n = todo.pop()
        if isinstance(n, ast.ClassDef):
            continue  # a class inside has a cell of its own
        if isinstance(n, ast.Name) and n.id == "__class__":
            return True
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "super" \
                and not n.args and not n.keywords:
            return True
        todo.extend(ast.iter_child_nodes(n))
    return False


def _analyse_file(rel: str, data: bytes | None, error: str | None, defs: list[_DefKey]) -> _FileInfo:
    """Parse one file once and answer, for each of its definitions, whether it can move."""
    if data is None:
        return _FileInfo(None, None, error)
    sha = hashlib.sha256(data).hexdigest()
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError) as exc:
        return _FileInfo(sha, None, f"does not parse: {exc}")
    bindings = module_bindings(tree, rel)
    info = _FileInfo(sha, bindings)
    lines = data.splitlines() if defs else []
    uses = identity_uses(tree, {key[1] for key in defs}) if defs else {}
    for key in defs:
        a = _analyse(tree, lines, bindings, key)
        if a.reason is None:
            found = find_def(tree, key[0], key[1])
            if found is not None and is_exception_class(found[0]):
                a.identity = "an exception class (except clauses tell exceptions apart by identity)"
            elif found is not None and found[0].decorator_list:
                a.identity = "decorated (the decorator sees its name: reprs, registries)"
            else:
                a.identity = uses.get(key[1])
        info.analyses[(key[0], key[1])] = a
    return info


def _analyse(tree: ast.Module, lines: list[bytes], b: ModuleBindings, key: _DefKey) -> _Analysis:
    """Can this copy's code stand in a module of its own, and what does it import?"""
    line, name, kind, test_methods, nested, location = key
    found = find_def(tree, line, name)
    if found is None:
        return _Analysis("not-found", f"no {name} at {location} any more: rescan")
    node, chain = found
    free, hidden, direct_tests, needs_class = _node_facts(node, lines)
    if test_methods or direct_tests:
        n = test_methods or direct_tests
        return _Analysis("holds-tests", f"a test class with {n} test(s): removing this copy would drop them")
    if hidden:
        return _Analysis("swallowed-tests",
                         f"{hidden} test function(s) sit inside its methods and never run; `ssot fix` first")
    for outer in chain:
        if swallowed_tests(outer):
            return _Analysis("inside-test-trap",
                             f"nested in {outer.name}, which swallowed tests; `ssot fix` first")
    if needs_class:
        return _Analysis("needs-its-class", "uses super() without arguments (or __class__), which works only in "
                                            "a function defined in its class body, not in one imported there")
    if kind == "fixture" and chain:
        return _Analysis("nested-fixture", "a fixture defined inside a function cannot move to a conftest.py")
    enclosing: set[str] = set()
    for outer in chain:
        if isinstance(outer, (ast.FunctionDef, ast.AsyncFunctionDef)):
            enclosing |= bound_names(outer)
    imports: list[str] = []
    for used in sorted(free):
        if used in enclosing:
            return _Analysis("local-dependency", f"uses {used!r}, a local name of the function around it")
        if used in b.imports:
            imports.append(b.imports[used].statement)
        elif used in b.others:
            return _Analysis("local-dependency",
                             f"uses {used!r}, defined at line {b.others[used][0]} of its own file")
        elif b.star_import:
            return _Analysis("unresolved-name", f"uses {used!r}, which only a star import can provide")
        else:
            return _Analysis("unresolved-name", f"uses {used!r}, which nothing in its file binds")
    return _Analysis(None, "", imports, b.future_annotations, _clash(b, line, name, nested, location))


def _clash(b: ModuleBindings, line: int, name: str, nested: bool, location: str) -> str | None:
    """Another module-level binding of the copy's name in its own file."""
    if nested:
        return None
    path = location.rpartition(":")[0]
    lines = [ln for ln in b.others.get(name, []) if ln != line]
    if lines:
        return f"{path} also binds {name!r} at line {lines[0]}"
    if name in b.imports:
        return f"{path} also imports {name!r} (line {b.imports[name].line})"
    return None


_READER: Reader | None = None  # the plan's reader, inherited by forked analysis workers


def _read(read: Reader, rel: str) -> tuple[bytes | None, str | None]:
    try:
        return read(rel), None
    except FileNotFoundError:
        return None, "missing"
    except OSError as exc:
        return None, f"unreadable: {exc.strerror or exc}"


def _analyse_chunk(chunk: list[tuple[str, list[_DefKey]]]) -> list[_FileInfo]:
    assert _READER is not None
    return [_analyse_file(rel, *_read(_READER, rel), defs) for rel, defs in chunk]


def _analysis_init() -> None:
    gc.freeze()  # the parent's scan and plan are never collected here: do not walk them


class _Files:
    """Reads and analyses each file once (``ast`` only, no tree kept), on every core for many files."""

    def __init__(self, read: Reader, cache: AnalysisCache | None = None) -> None:
        self.read = read
        self.cache = cache  # the analyses of the last plan, by the file's bytes and the definitions asked about
        self.hashes: dict[str, str] = {}
        self._info: dict[str, _FileInfo] = {}

    def prepare(self, defs: list[Definition]) -> None:
        """Analyse every file holding one of ``defs`` (and those definitions) in one go."""
        wanted: dict[str, list[_DefKey]] = {}
        for d in defs:
            if d.path not in self._info:
                wanted.setdefault(d.path, []).append(_def_key(d))
        items = list(wanted.items())
        keys: dict[str, Key] = {}
        if self.cache is not None:  # a file whose bytes and questions are those of the last plan: its answer
            todo = []
            for rel, defs_of in items:
                data, _error = _read(self.read, rel)
                if data is None:
                    todo.append((rel, defs_of))
                    continue
                keys[rel] = key = (hashlib.sha256(data).hexdigest(), tuple(defs_of))
                cached = self.cache.get(rel, key)
                if cached is None:
                    todo.append((rel, defs_of))
                else:
                    self._store(rel, cached)
            items = todo
        workers = min(os.cpu_count() or 1, 8)
        if len(items) < PARALLEL_MIN_FILES or workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
            infos = [_analyse_file(rel, *_read(self.read, rel), defs_of) for rel, defs_of in items]
        else:
            infos = self._parallel(items, workers)
        for (rel, defs_of), info in zip(items, infos, strict=True):
            self._store(rel, info)
            if self.cache is not None and info.sha256 is not None:
                # keyed by the bytes analysed (the file may have changed since it was hashed above)
                self.cache.put(rel, (info.sha256, tuple(defs_of)), info)
        if self.cache is not None:
            self.cache.save()

    def _parallel(self, items: list[tuple[str, list[_DefKey]]], workers: int) -> list[_FileInfo]:
        global _READER
        size = max(1, len(items) // (workers * 4))
        chunks = [items[k:k + size] for k in range(0, len(items), size)]
        _READER = self.read
        try:
            ctx = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_analysis_init) as pool:
                return [info for part in pool.map(_analyse_chunk, chunks) for info in part]
        finally:
            _READER = None

    def _store(self, rel: str, info: _FileInfo) -> None:
        if info.sha256 is not None:
            self.hashes[rel] = info.sha256
        self._info[rel] = info

    def get(self, rel: str) -> _FileInfo:
        info = self._info.get(rel)
        if info is None:
            info = _analyse_file(rel, *_read(self.read, rel), [])
            self._store(rel, info)
        return info

    def analysis(self, d: Definition) -> _Analysis:
        info = self.get(d.path)
        if info.bindings is None:
            return _Analysis("not-found", f"{d.path}: {info.error}")
        found = info.analyses.get((d.line, d.name))
        if found is None:  # not prepared: analyse it now (parses the file again)
            data, error = _read(self.read, d.path)
            found = _analyse_file(d.path, data, error, [_def_key(d)]).analyses.get((d.line, d.name))
            if found is None:
                return _Analysis("not-found", f"{d.path}: changed while planning; rescan")
            info.analyses[(d.line, d.name)] = found
        return found


# ------------------------------------------------------------------ planning


def _select(scan: ScanResult, keys: list[str] | None) -> list[Family]:
    if not keys:
        return list(scan.families)
    out: list[Family] = []
    for key in keys:
        fam = scan.family(key)
        if fam is None:
            named = [f.id for f in scan.families if f.name == key]
            hint = f"; it names several families: {', '.join(named)}" if len(named) > 1 else ""
            known = ", ".join(f.id for f in scan.families[:15])
            more = " ..." if len(scan.families) > 15 else ""
            raise PlanError(f"no family {key!r}{hint}; families: {known}{more}")
        if fam not in out:
            out.append(fam)
    return out


def _common_dir(paths: list[str]) -> str:
    dirs = [posixpath.dirname(p) for p in paths]
    common = posixpath.commonpath(dirs) if dirs else ""
    return "" if common == "." else common


def _serving(fam: Family, options: PlanOptions) -> dict[str, str]:
    """Class id -> the class id whose canonical definition serves it."""
    ids = {c.id for c in fam.classes}
    out = {c.id: c.id for c in fam.classes}
    if options.merge_supersets:
        for small in fam.classes:
            bigs = [c for c in fam.classes if small.id in c.superset_of]
            if bigs:
                # the largest superset that is not itself served by another
                best = max(bigs, key=lambda c: (len(c.superset_of), len(c.members)))
                out[small.id] = best.id
    for src, dst in options.maps.items():
        if src in ids or dst in ids:
            if src not in ids or dst not in ids:
                raise PlanError(f"--map {src}={dst}: both must be classes of family {fam.id} "
                                f"({', '.join(sorted(ids))})")
            out[src] = dst
    # follow chains (A->B->C) to their end
    for k in list(out):
        seen = {k}
        while out[out[k]] != out[k] and out[k] not in seen:
            seen.add(out[k])
            out[k] = out[out[k]]
    return out


def _compatible(fam: Family, src: str, dst: str) -> bool:
    if src == dst:
        return True
    by_id = {c.id: c for c in fam.classes}
    return src in by_id[dst].superset_of or by_id[src].fingerprint == by_id[dst].fingerprint


@dataclass(slots=True)
class _Context:
    """What every family's plan looks at besides the family: the project's layout."""

    root: Path
    home: Home
    scope: TestScope
    pytest: PytestConfig
    _graph: ImportGraph | None = None

    def symlink(self, rel: str) -> str | None:
        """The first part of ``rel`` that is a symlink, if any."""
        parts = rel.split("/")
        for k in range(1, len(parts) + 1):
            sub = "/".join(parts[:k])
            if os.path.islink(self.root / sub):
                return sub
        return None

    @property
    def graph(self) -> ImportGraph:
        if self._graph is None:
            self._graph = ImportGraph(self.root)
        return self._graph


def _context(config: Config) -> _Context:
    root = Path(config.root)
    pytest = load_pytest_config(root)
    scope = load_scope(root, pytest_config=pytest)
    return _Context(root, resolve_home(root, config.canonical_package, pytest, scope), scope, pytest)


def _enclosing_test(qualname: str, pytest: PytestConfig) -> str | None:
    """The test a definition is local to: ``test_x.<locals>.A`` -> ``test_x``, ``T.test_m.<locals>.A`` ->
    ``T.test_m``; a definition local to a fixture or a helper -> None.  Any class counts as a test class here
    (pytest collects ``unittest.TestCase`` subclasses whatever their name): a false match keeps a copy where it
    is, never the reverse."""
    parts = qualname.split(".")
    if "<locals>" not in parts:
        return None
    at = parts.index("<locals>") - 1  # the outermost function: pytest collects only those
    if at < 0 or not matches_name(parts[at], pytest.python_functions):
        return None
    return ".".join(parts[:at + 1])


def _is_home(ctx: _Context, rel: str) -> bool:
    """A canonical module: in the home, or one ssot wrote elsewhere (its marker line)."""
    return ctx.home.holds(rel) or f"/{LEAF}/" in f"/{rel}"


def plan_family(fam: Family, config: Config, options: PlanOptions, files: _Files,
                ctx: _Context | None = None) -> FamilyPlan:
    ctx = ctx or _context(config)
    home = ctx.home
    mod_name = module_name(fam)
    is_fixture = fam.kind == "fixture"
    module_path = "" if is_fixture else home.module_path(mod_name)
    dotted = "" if is_fixture else home.module_dotted(mod_name)
    # a family migrated before keeps its module, whatever id the scan gives it now
    already = sorted({d.path for d in fam.members if home.holds(d.path)})
    if already and not is_fixture:
        module_path = already[0]
        dotted = home.dotted + module_path[len(home.path):-3].replace("/", ".")
    serving = _serving(fam, options)
    by_id = {c.id: c for c in fam.classes}

    blocked: list[Blocked] = []
    ok: dict[str, list[tuple[Definition, _Analysis]]] = {c.id: [] for c in fam.classes}
    present: dict[str, Definition] = {}
    sources: dict[str, tuple[Definition, _Analysis]] = {}
    for cls in fam.classes:
        for d in sorted(cls.members, key=lambda m: (m.in_backup, m.nested, m.path, m.line)):
            if module_path and d.path == module_path:
                present.setdefault(cls.id, d)
                continue
            if _is_home(ctx, d.path):
                continue  # another canonical module: never a copy to remove
            link = ctx.symlink(d.path)
            if link is not None:
                blocked.append(Blocked(d, cls.id, "symlink",
                                       f"{link} is a symlink: ssot never writes through one (edit the file it "
                                       "points to)"))
                continue
            why_library = ctx.scope.reason(d.path)
            if why_library is None:
                blocked.append(Blocked(d, cls.id, "library-code",
                                       f"{d.path} is library code, not test code (no test folder, conftest.py or "
                                       "test file name): only test code migrates"))
                continue
            test = _enclosing_test(d.qualname, ctx.pytest)
            if test is not None:
                blocked.append(Blocked(d, cls.id, "test-local",
                                       f"defined inside the test {test}: made when it runs, under its marks "
                                       "and fixtures"))
                continue
            a = files.analysis(d)
            if a.reason is None and cls.id not in sources:
                sources[cls.id] = (d, a)
            if d.in_backup and not options.include_backups:
                blocked.append(Blocked(d, cls.id, "backup",
                                       "under a backup folder; --include-backups to migrate"))
                continue
            if a.reason is not None:
                blocked.append(Blocked(d, cls.id, a.reason, a.detail))
                continue
            dst = serving[cls.id]
            if not _compatible(fam, cls.id, dst) and not options.force_map:
                differs = "; ".join(cls.differences) or "its code differs"
                blocked.append(Blocked(d, cls.id, "incompatible-variant",
                                       f"{dst} cannot serve {cls.id} ({differs}); --force-map to map it anyway"))
                continue
            if a.clash:
                blocked.append(Blocked(d, cls.id, "name-clash", a.clash))
                continue
            if is_fixture and d.name != fam.name:
                blocked.append(Blocked(d, cls.id, "renamed-fixture",
                                       f"named {d.name!r}: pytest knows fixtures by name, so it stays"))
                continue
            if not is_fixture and not reachable(home, ctx.root, d.path, ctx.pytest):
                where = home.base or "the project root"
                blocked.append(Blocked(d, cls.id, "canonical-unreachable",
                                       f"pytest does not put {where} on sys.path for {d.path}, so "
                                       f"`import {dotted}` would fail there; set [tool.ssot] canonical_package "
                                       "to a folder its tests import from"))
                continue
            ok[cls.id].append((d, a))

    # a fixture class whose members cannot all share one conftest keeps the unmovable ones
    names = class_names(fam, config.names, {cid: d.name for cid, d in present.items()})
    if not is_fixture:  # identity is behaviour: another name may only become this object unseen
        for cid, members in ok.items():
            keep: list[tuple[Definition, _Analysis]] = []
            target_name = names[serving[cid]]
            for d, a in members:
                why = None
                if d.name != target_name:
                    why = a.identity
                    if why is None and not d.nested:
                        other = ctx.graph.name_imported_elsewhere(d.path, d.name)
                        if other is not None:
                            why = f"imported from its module by {other}"
                if why is not None:
                    blocked.append(Blocked(d, cid, "distinct-identity",
                                           f"{d.name} would become {target_name} (one object for two names), "
                                           f"and it is {why}"))
                else:
                    keep.append((d, a))
            ok[cid] = keep
    targets: dict[str, Target] = {}
    steps: list[Step] = []
    needed = {serving[cid] for cid, members in ok.items() if members}
    for cid in [c.id for c in fam.classes if c.id in needed]:
        cls = by_id[cid]
        src = present.get(cid)
        if src is None and cid not in sources:
            for d, _a in ok.get(cid, []):
                blocked.append(Blocked(d, cid, "local-dependency", "no copy of its class can stand alone"))
            continue
        if is_fixture:
            moved = [d for c, ms in ok.items() if serving[c] == cid for d, _ in ms]
            base = _common_dir([d.path for d in moved])
            path = f"{base}/conftest.py" if base else "conftest.py"
        else:
            path = module_path
        source, analysis = (src, _Analysis()) if src is not None else sources[cid]
        local_names = {d.name for c, ms in ok.items() if serving[c] == cid for d, _ in ms}
        targets[cid] = Target(
            class_id=cid, family_id=fam.id, name=fam.name if is_fixture else names[cid], kind=fam.kind,
            path=path, module=dotted, source=source,
            serves=[cid, *sorted(c for c in ok if serving[c] == cid and c != cid)],
            imports=analysis.imports, future_annotations=analysis.future,
            not_a_test=fam.kind == "class" and any(n.startswith("Test") for n in {names[cid], *local_names}),
            present=src is not None,
            forced=[c for c in ok if serving[c] == cid and c != cid and not _compatible(fam, c, cid)],
        )
        del cls
    # fixtures: two classes must not land in one conftest under one name; and a conftest
    # that already binds the name to something else is a clash
    if is_fixture:
        seen_paths: dict[str, str] = {}
        for cid, t in list(targets.items()):
            reason = None
            if t.path in seen_paths:
                reason = f"{t.path} already receives {seen_paths[t.path]} under the name {t.name!r}"
            else:
                info = files.get(t.path)
                if info.bindings is not None and info.bindings.binds(t.name):
                    existing = [m for m in fam.members if m.path == t.path and m.name == t.name]
                    if existing and existing[0].fingerprint == by_id[cid].fingerprint:
                        t.present = True
                    else:
                        reason = f"{t.path} already binds {t.name!r} to something else"
            if reason:
                for c in t.serves:
                    for d, _ in ok.get(c, []):
                        blocked.append(Blocked(d, c, "name-clash", reason))
                    ok[c] = []
                del targets[cid]
            else:
                seen_paths[t.path] = cid
    for cid, members in ok.items():
        serving_target = targets.get(serving[cid])
        if serving_target is None:
            continue
        for d, _ in members:
            action: Action
            if is_fixture:
                if d.path == serving_target.path:
                    continue  # it is the conftest copy itself
                action = "remove"
            else:
                action = "local-import" if d.nested else "import"
            steps.append(Step(d, cid, serving_target, action, d.name))

    if len(steps) == 1 and not any(t.present for t in targets.values()):
        only = steps.pop()
        blocked.append(Blocked(only.definition, only.class_id, "single-copy",
                               "the only copy of its family that can migrate: moving it consolidates nothing"))
        targets = {}
    commented: list[CommentedCopy] = []
    if options.remove_commented and steps:
        commented = [c for c in fam.commented if options.include_backups or not c.in_backup]
    note = ""
    if not steps:
        if present and not [b for b in blocked if b.reason != "backup"]:
            note = "already consolidated: nothing to migrate"
        elif blocked:
            reasons = sorted({b.reason for b in blocked})
            note = f"nothing can migrate ({', '.join(reasons)})"
        else:
            note = "nothing to migrate"
    return FamilyPlan(
        id=fam.id, name=fam.name, kind=fam.kind, module_path=module_path, module=dotted,
        targets=list(targets.values()), steps=steps, blocked=blocked, commented=commented,
        look_alikes=list(fam.look_alikes), note=note,
    )


def _phase_of(config: Config) -> tuple[list[str], Callable[[str], str]]:
    if not config.phases:
        return [DEFAULT_PHASE], lambda _p: DEFAULT_PHASE
    specs = [(name, gitignore_spec(globs))
             for name, globs in config.phases.items()]
    order = [name for name, _ in specs] + [OTHER_PHASE]

    def phase(path: str) -> str:
        for name, spec in specs:
            if spec.match_file(path):
                return name
        return OTHER_PHASE

    return order, phase


def build_plan(scan: ScanResult, config: Config, options: PlanOptions, read: Reader,
               cache_dir: Path | None = None) -> Plan:
    """Plan the migration of the selected families (all by default, largest first); ``cache_dir`` keeps
    each file's analysis for the next plan (:mod:`ssot.migrate.analysis_cache`)."""
    if options.batch_size < 1:
        raise PlanError("--batch-size must be at least 1")
    families = _select(scan, options.families)
    tests = [f.id for f in families if f.category == "test"]
    if tests and options.families:
        raise PlanError(f"{', '.join(tests)}: duplicated tests, not test infrastructure; `ssot scan` reports them, "
                        "but moving a test into a canonical module would make every importer collect it: keep one "
                        "copy by hand")
    excluded = {f.id for f in _select(scan, options.exclude)} if options.exclude else set()
    # duplicated tests are a finding of the scan, never a migration target
    families = [f for f in families if f.id not in excluded and f.category != "test"]
    ctx = _context(config)
    files = _Files(read, AnalysisCache(cache_dir) if cache_dir is not None else None)
    files.prepare([d for f in families for c in f.classes for d in c.members
                   if not _is_home(ctx, d.path) and ctx.scope.is_test_code(d.path)])
    plans = [plan_family(f, config, options, files, ctx) for f in families]
    if options.check_import:
        _preflight(plans, ctx, read)
    order, phase_of = _phase_of(config)
    if options.phase is not None and options.phase not in order:
        raise PlanError(f"no phase {options.phase!r}; phases: {', '.join(order)} (see [tool.ssot.phases])")

    by_file: dict[str, list[Step]] = {}
    for fp in plans:
        for s in fp.steps:
            s.phase = phase_of(s.definition.path)
            by_file.setdefault(s.definition.path, []).append(s)
    comments_by_file: dict[str, list[CommentedCopy]] = {}
    for fp in plans:
        for c in fp.commented:
            comments_by_file.setdefault(c.path, []).append(c)
    all_files = sorted(set(by_file) | set(comments_by_file))
    batches: list[Batch] = []
    phases_used: list[str] = []
    for phase in order:
        if options.phase is not None and phase != options.phase:
            continue
        in_phase = [f for f in all_files if phase_of(f) == phase]
        if not in_phase:
            continue
        phases_used.append(phase)
        for k in range(0, len(in_phase), options.batch_size):
            chunk = in_phase[k:k + options.batch_size]
            number = len(batches) + 1
            steps = [s for f in chunk for s in by_file.get(f, [])]
            for s in steps:
                s.batch = number
            batches.append(Batch(number, phase, chunk, steps,
                                 [c for f in chunk for c in comments_by_file.get(f, [])]))
    if options.phase is not None:  # steps outside the phase are not part of this run
        for fp in plans:
            fp.steps = [s for s in fp.steps if s.batch]
    seen: set[str] = set()
    for batch in batches:
        front: list[str] = []
        for s in batch.steps:
            t = s.target
            if t.present or t.path in seen:
                continue
            seen.add(t.path)
            front.append(t.path)
            if t.module:
                for init in ctx.home.new_inits:
                    if t.path.startswith(init[: -len("__init__.py")]) and init not in seen:
                        seen.add(init)
                        front.append(init)
        batch.writes = front + [f for f in batch.files if f not in front]
    effect = _effect(plans, batches)
    return Plan(
        root=str(config.root), canonical_package=ctx.home.path, families=plans,
        phases=phases_used or order, batches=batches, effect=effect, hashes=files.hashes, options=options,
        new_inits=list(ctx.home.new_inits), canonical_dotted=ctx.home.dotted,
    )


def _preflight(plans: list[FamilyPlan], ctx: _Context, read: Reader) -> None:
    """Build, compile and import every new canonical module as the run would; a family whose module
    fails is left out (``canonical-broken``), so plan, dry run and run agree."""
    from concurrent.futures import ThreadPoolExecutor

    from ssot.migrate.preflight import check_module, module_source

    def reader(rel: str) -> bytes | None:
        try:
            return read(rel)
        except OSError:
            return None

    home = ctx.home
    new_packages: dict[str, str] = {}
    for init in home.new_inits:
        folder = init[: -len("/__init__.py")]
        inside = folder[len(home.base) + 1:] if home.base else folder
        new_packages[inside.replace("/", ".")] = init
    sys_path = [home.base, *ctx.pytest.pythonpath]
    jobs: list[tuple[FamilyPlan, str, str, bytes | str]] = []
    for fp in plans:
        targets = [t for t in fp.targets if t.module and not t.present]
        if not fp.steps or not targets:
            continue
        try:
            jobs.append((fp, targets[0].path, targets[0].module, module_source(targets, reader)))
        except (LookupError, cst_errors()) as exc:
            jobs.append((fp, targets[0].path, targets[0].module, f"cannot build {targets[0].path}: {exc}"))

    def run(job: tuple[FamilyPlan, str, str, bytes | str]) -> str | None:
        _fp, rel, dotted, source = job
        if isinstance(source, str):
            return source
        return check_module(ctx.root, rel, dotted, source, new_packages, sys_path)

    with ThreadPoolExecutor(max_workers=max(1, min(os.cpu_count() or 1, 4))) as pool:
        errors = list(pool.map(run, jobs))
    for (fp, _rel, _dotted, _src), error in zip(jobs, errors, strict=True):
        if error is None:
            continue
        fp.blocked.extend(Blocked(s.definition, s.class_id, "canonical-broken", error) for s in fp.steps)
        fp.steps = []
        fp.targets = []
        fp.commented = []
        fp.note = f"nothing can migrate (canonical-broken: {error})"


def cst_errors() -> type[Exception]:
    import libcst

    return libcst.ParserSyntaxError


def _effect(plans: list[FamilyPlan], batches: list[Batch]) -> Effect:
    e = Effect()
    steps = [s for b in batches for s in b.steps]
    e.lines_removed = sum(s.definition.size for s in steps) + sum(
        c.end_line - c.line + 1 for b in batches for c in b.commented
    )
    imports = {(s.definition.path, s.statement) for s in steps if s.action != "remove"}
    used_targets = {id(s.target): s.target for s in steps}
    e.lines_added = len(imports) + sum(t.source.size + 2 for t in used_targets.values() if not t.present)
    e.warnings_removed = sum(
        1 for s in steps
        if s.definition.kind == "class" and s.definition.collected and not s.definition.nested
        and s.definition.name.startswith("Test") and s.definition.has_init
    )
    e.files_touched = len({f for b in batches for f in b.writes})
    return e


def equivalence_class(fam: Family, class_id: str) -> EquivalenceClass | None:
    return next((c for c in fam.classes if c.id == class_id), None)
