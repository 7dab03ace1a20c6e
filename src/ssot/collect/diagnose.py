"""From a measurement to causes: where the time goes, what the warnings mean, what never runs, what to fix.

Everything here is computed from the :class:`~ssot.collect.profile.Measurement`
and the test files' text (read by :mod:`ssot.collect.static`); renderers only
display the resulting :class:`~ssot.collect.profile.Analysis`.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from ssot.collect import rules
from ssot.collect.context import FIX_COMMAND, Context, RuleInput, is_venv
from ssot.collect.profile import (
    Analysis,
    BreakdownEntry,
    CauseKind,
    CollectedWarning,
    EmptyModule,
    ImportCategory,
    ImportCost,
    Measurement,
    ModuleImport,
    NeverRunTest,
    Profile,
    WarningCause,
)
from ssot.collect.pytestnames import (
    DEFAULT_PYTHON_CLASSES,
    DEFAULT_PYTHON_FILES,
    DEFAULT_PYTHON_FUNCTIONS,
)
from ssot.collect.static import (
    ClassInfo,
    FactsResult,
    FileFacts,
    read_facts,
    unmatched_test_files,
)
from ssot.config import DEFAULT_BACKUP_GLOBS

ImportOrigin = Literal["test"] | ImportCategory  # what classify() says of an import

_CTOR = re.compile(r"cannot collect test class '([^']+)' because it has a (__\w+__) constructor")
_QUOTED = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"")
_FROM = re.compile(r"\(from: [^)]*\)")
_PATH = re.compile(r"(?:[A-Za-z]:)?(?:[\w.~-]*[/\\])+[\w.-]+")
_NUMBER = re.compile(r"(?<![\w<])\d+(?:\.\d+)?(?![\w>])")


def message_template(message: str) -> str:
    """The message with the names taken out: what stays the same across every instance of one cause."""
    first = message.strip().splitlines()[0] if message.strip() else ""
    text = _FROM.sub("(from: <file>)", first)
    text = _QUOTED.sub("<name>", text)
    text = _PATH.sub("<path>", text)
    return _NUMBER.sub("<n>", text)


# -- import classification -------------------------------------------------------------------


def _inside_venv(root: Path, rel: str) -> bool:
    parts = rel.split("/")[:-1]
    if any(p in ("site-packages", "dist-packages", "node_modules") for p in parts):
        return True
    return any(is_venv(os.path.join(root, *parts[: i + 1])) for i in range(len(parts)))


def classify(ctx: Context, imp: ModuleImport) -> ImportOrigin:
    """Where an import comes from: a test module, or an :data:`ImportCategory`."""
    path = imp.path
    if path is None:
        return "stdlib"
    if os.path.isabs(path):
        norm = path.replace("\\", "/")
        if "/site-packages/" in norm or "/dist-packages/" in norm:
            return "third-party"
        base = ctx.m.python.base_prefix.replace("\\", "/").rstrip("/")
        if base and norm.startswith(base + "/"):
            return "stdlib"
        return "third-party"
    if _inside_venv(ctx.root, path):
        return "third-party"
    name = path.rsplit("/", 1)[-1]
    parent = path.rsplit("/", 1)[0] if "/" in path else ""
    if path in ctx.test_paths or name == "conftest.py" or (name == "__init__.py" and parent in ctx.test_dirs):
        return "test"
    return "project"


# -- the pieces of the analysis -------------------------------------------------------------


def _breakdown(ctx: Context, categories: dict[int, ImportOrigin]) -> list[BreakdownEntry]:
    m = ctx.m
    wall = m.wall_seconds
    marks = m.marks
    activated = min(marks.get("activated", 0.0), wall)
    c_start = min(marks.get("collection_start", wall), wall)
    c_finish = min(marks.get("collection_finish", wall), wall)
    windows = [("configure", activated, c_start), ("items", c_start, c_finish), ("report", c_finish, wall)]
    in_window: dict[str, float] = defaultdict(float)
    groups: dict[str, float] = defaultdict(float)
    for i, imp in enumerate(m.imports):
        cat = categories[i]
        if cat == "project":
            key = "imports:" + imp.module.split(".")[0]
        elif cat == "test":
            key = "test-modules"
        else:
            key = "imports:third-party"
        groups[key] += imp.self_seconds
        for name, lo, hi in windows:
            if lo <= imp.start < hi or (name == "report" and imp.start >= hi):
                in_window[name] += imp.self_seconds
                break
    project = sorted((k for k in groups if k not in ("test-modules", "imports:third-party")), key=lambda k: -groups[k])
    if len(project) > 4:  # keep the list short: the costliest three, then the rest together
        rest = project[3:]
        groups["imports:other-project"] = sum(groups.pop(k) for k in rest)
        project = [*project[:3], "imports:other-project"]
    entries = [BreakdownEntry("startup", "interpreter, pytest and plugin start-up", activated, 0.0)]
    for key in project:
        top = key.split(":", 1)[1]
        label = "imports of other project modules" if top == "other-project" else f"imports of {top}.*"
        entries.append(BreakdownEntry(key, label, groups[key], 0.0))
    entries.append(
        BreakdownEntry(
            "test-modules",
            "import and assertion rewriting of the test modules and conftests",
            groups.get("test-modules", 0.0),
            0.0,
        )
    )
    entries.append(
        BreakdownEntry(
            "imports:third-party",
            "imports of third-party and standard-library modules",
            groups.get("imports:third-party", 0.0),
            0.0,
        )
    )
    entries.append(
        BreakdownEntry(
            "configure",
            "configuration, conftest loading and session start (imports apart)",
            max(0.0, c_start - activated - in_window["configure"]),
            0.0,
        )
    )
    entries.append(
        BreakdownEntry(
            "items",
            f"building the {m.tests} items: folder walk, collectors, hooks",
            max(0.0, c_finish - c_start - in_window["items"]),
            0.0,
        )
    )
    after = "listing the tests, warnings summary and exit" if m.clock == "driver" else "after collection"
    entries.append(BreakdownEntry("report", after, max(0.0, wall - c_finish - in_window["report"]), 0.0))
    for e in entries:
        e.share = e.seconds / ctx.wall
    return entries


def _import_costs(ctx: Context, categories: dict[int, ImportOrigin], top: int) -> list[ImportCost]:
    m = ctx.m
    by_name = {imp.module: (i, imp) for i, imp in enumerate(m.imports)}
    out = []
    for i, imp in enumerate(m.imports):
        cat = categories[i]
        if cat == "test":
            continue
        chain = [imp.module]
        first: str | None = None
        parent = imp.parent
        hops = 0
        while parent is not None and hops < 100:
            hops += 1
            found = by_name.get(parent)
            if found is None:
                break
            j, rec = found
            chain.insert(0, rec.module)
            if categories[j] == "test":
                first = rec.path
                break
            parent = rec.parent
        if first is None:
            first = imp.during
        out.append(
            ImportCost(
                module=imp.module,
                path=imp.path,
                category=cat,
                seconds=imp.seconds,
                self_seconds=imp.self_seconds,
                first_imported_by=first,
                via=chain,
                importers=len(ctx.importers.get(imp.module, ())),
                share=imp.seconds / ctx.wall,
                nested=imp.parent is not None
                and imp.parent in by_name
                and categories[by_name[imp.parent][0]] != "test",
            )
        )
    out.sort(key=lambda c: (-c.seconds, c.module))
    return out[:top]


def _class_kind(ctx: Context, w: CollectedWarning, name: str) -> tuple[CauseKind, int]:
    """helper-class | hidden-tests | test-class | unknown-class, and the tests concerned."""
    facts = ctx.facts.get(w.path or "")
    info = facts.cls(name, w.line) if facts is not None else None
    if info is None or not (info.has_init or info.has_new or info.generated_ctor):
        return "unknown-class", 0  # not found, or its constructor comes from another module
    if info.generated_ctor and not info.has_init and not info.has_new and not info.test_methods:
        return "data-class", 0  # @dataclass, NamedTuple, Enum, an exception...: a data type named Test*
    if info.hidden_tests:
        return "hidden-tests", len(info.hidden_tests)
    if info.test_methods:
        return "test-class", len(info.test_methods)
    return "helper-class", 0


def _warning_causes(ctx: Context) -> tuple[list[WarningCause], dict[str, int]]:
    warnings = ctx.m.warnings
    total = len(warnings)
    groups: dict[str, list[tuple[CollectedWarning, str | None]]] = defaultdict(list)
    meta: dict[str, tuple[str, str, CauseKind]] = {}
    tests_hidden: dict[str, int] = defaultdict(int)
    for w in warnings:
        template = message_template(w.message)
        match = _CTOR.search(w.message)
        if match:
            kind, tests = _class_kind(ctx, w, match.group(1))
            key = f"{w.category}:{kind}:{match.group(2)}"
            groups[key].append((w, match.group(1)))
            tests_hidden[key] += tests
        else:
            kind = "other"
            digest = hashlib.sha1(f"{w.category}|{template}".encode()).hexdigest()[:8]
            key = f"{w.category}:{digest}"
            groups[key].append((w, None))
        meta[key] = (w.category, template, kind)
    causes = []
    for key, members in groups.items():
        category, template, kind = meta[key]
        classes: dict[str, list[str]] = defaultdict(list)
        for w, cname in members:
            if cname is not None and w.path and w.path not in classes[cname]:
                classes[cname].append(w.path)
        examples = [f"{w.path}:{w.line}" for w, _ in members[:3] if w.path]
        if classes:
            names = sorted(classes, key=lambda n: -len(classes[n]))
            emitter = ", ".join(
                f"class {n} ({len(classes[n])} file{'s' if len(classes[n]) != 1 else ''})" for n in names[:3]
            )
        else:
            where = Counter(f"{w.path}:{w.line}" for w, _ in members if w.path)
            emitter = where.most_common(1)[0][0] if where else "(unknown)"
        fix, fixable = _warning_fix(ctx, kind, members, tests_hidden[key])
        causes.append(
            WarningCause(
                id=key,
                category=category,
                template=template,
                kind=kind,
                count=len(members),
                share=len(members) / total if total else 0.0,
                emitter=emitter,
                classes={k: sorted(v) for k, v in classes.items()},
                examples=examples,
                fix=fix,
                fixable=fixable,
            )
        )
    causes.sort(key=lambda c: (-c.count, c.id))
    return causes, dict(tests_hidden)


def _class_info(ctx: Context, w: CollectedWarning, name: str | None) -> ClassInfo | None:
    facts = ctx.facts.get(w.path or "")
    return facts.cls(name or "", w.line) if facts is not None else None


def _warning_fix(
    ctx: Context, kind: str, members: list[tuple[CollectedWarning, str | None]], tests: int
) -> tuple[str, bool]:
    if kind == "helper-class":
        return (
            "these classes are test helpers, not tests: add `__test__ = False` to each class body "
            f"(or rename them so they do not start with 'Test'); `{FIX_COMMAND}` does it"
        ), True
    if kind == "data-class":
        made = sorted(
            {
                f"{cname}: {info.generated_ctor}"
                if info.generated_ctor.startswith("@")
                else f"{cname}: subclass of {info.generated_ctor}"
                for w, cname in members
                if (info := _class_info(ctx, w, cname)) is not None and info.generated_ctor
            }
        )
        return (
            f"these are data types, not tests ({'; '.join(made)}, which gives them the constructor pytest sees): "
            f"add `__test__ = False` to each class body (or rename them); `{FIX_COMMAND}` does it"
        ), True
    if kind == "hidden-tests":
        where = []
        for w, cname in members:
            info = ctx.facts[w.path or ""].cls(cname or "", w.line) if (w.path or "") in ctx.facts else None
            if info is not None:
                containers = sorted({c for _, _, c in info.hidden_tests})
                where.append(f"{w.path}:{info.hidden_tests[0][1]} ({', '.join(containers)})")
        return (
            f"{tests} test function{'s are' if tests != 1 else ' is'} indented into the helper's methods "
            f"({'; '.join(where)}): dedent them to module level so pytest runs them. Do not silence this "
            "warning: `__test__ = False` would hide those tests for good (`ssot fix` reports these and "
            "leaves them alone)"
        ), False
    if kind == "test-class":
        revivable = True
        for w, cname in members:
            facts = ctx.facts.get(w.path or "")
            info = facts.cls(cname or "", w.line) if facts else None
            if info is None or info.init_params or info.has_setup_method or info.has_new or info.init_line is None:
                revivable = False
        if revivable:
            return (
                f"turn `__init__` into `setup_method` (pytest makes one instance per test, so the state "
                f"stays per test): the {tests} test{'s' if tests != 1 else ''} then run for the first time; "
                f"`{FIX_COMMAND}` does it"
            ), True
        return (
            "move the set-up out of `__init__` (into `setup_method` or a fixture) so pytest can "
            f"instantiate the class; {tests} test{'s' if tests != 1 else ''} never run until then"
        ), False
    if kind == "unknown-class":
        inherited = sorted(
            {
                f"{cname} from {', '.join(info.bases)}"
                for w, cname in members
                if (info := _class_info(ctx, w, cname)) is not None and info.bases
            }
        )
        origin = (
            f"they inherit their constructor from a class of another module ({'; '.join(inherited)}): "
            if inherited
            else ""
        )
        return (
            f"{origin}give the class a `__test__ = False` if it is a helper, or move its set-up into "
            "`setup_method` if it holds tests"
        ), False
    return (
        "fix the code that emits it, or filter it with `filterwarnings` in the pytest configuration if it is expected"
    ), False


def _never_run(ctx: Context, unmatched: list[tuple[str, FileFacts]]) -> list[NeverRunTest]:
    mixins = {b for f in ctx.facts.values() for b in f.base_names}
    out: list[NeverRunTest] = []
    for path, facts in sorted(ctx.facts.items()):
        for name, line, container in facts.nested:
            out.append(
                NeverRunTest(
                    path,
                    line,
                    name,
                    container,
                    (
                        f"defined inside {container}(), not at module or class level: pytest never sees it "
                        "(broken indentation?)"
                    ),
                    "nested",
                )
            )
        for c in facts.classes:
            if c.is_testcase or c.dunder_test is False:
                continue
            for name, line, container in c.hidden_tests:
                out.append(
                    NeverRunTest(
                        path,
                        line,
                        name,
                        container,
                        (
                            f"defined inside {container}(), not at module or class level: pytest "
                            "never sees it "
                            "(broken indentation?)"
                        ),
                        "nested",
                    )
                )
            collectable = c.name_matches or c.dunder_test is True
            if collectable and (c.has_init or c.has_new or c.generated_ctor):
                ctor = "__init__" if c.has_init else "__new__" if c.has_new else f"__init__ from {c.generated_ctor}"
                for name, line in c.test_methods:
                    out.append(
                        NeverRunTest(
                            path,
                            line,
                            name,
                            c.qualname,
                            (
                                f"{c.qualname} has an {ctor}, so pytest skips the class "
                                "(PytestCollectionWarning) "
                                "and never runs its methods"
                            ),
                            "skipped-class",
                        )
                    )
            elif not collectable and c.test_methods and c.name not in mixins:
                patterns = ", ".join(repr(p) for p in ctx.python_classes)
                for name, line in c.test_methods:
                    out.append(
                        NeverRunTest(
                            path,
                            line,
                            name,
                            c.qualname,
                            (
                                f"class {c.qualname} does not match python_classes ({patterns}): "
                                "pytest never looks "
                                "at its methods"
                            ),
                            "unmatched-class",
                        )
                    )
    patterns = ", ".join(repr(p) for p in ctx.python_files)
    for path, facts in unmatched:
        tests = list(facts.module_tests) + [
            (n, ln) for c in facts.classes if c.name_matches and not c.has_init for n, ln in c.test_methods
        ]
        for name, line in tests:
            out.append(
                NeverRunTest(
                    path,
                    line,
                    name,
                    None,
                    (
                        f"{path.rsplit('/', 1)[-1]} does not match python_files ({patterns}): "
                        "pytest never imports "
                        "the file"
                    ),
                    "unmatched-file",
                )
            )
    out.sort(key=lambda t: (t.path, t.line))
    return out


def _collected_apart(m: Measurement, found: list[NeverRunTest]) -> list[NeverRunTest]:
    """What the static reading says never runs, less what pytest did collect: a plugin's or conftest's
    ``pytest_pycollect_makeitem`` (SQLAlchemy collects ``*Test`` classes), a generated class, ... A class
    any of whose tests pytest collected is collected, all of it."""
    seen: dict[str, set[str]] = defaultdict(set)
    for f in m.files:
        seen[f.path].update(f.names)
    if not any(seen.values()):
        return found  # a profile without names (recorded by an older plugin)
    collected_classes = {
        (t.path, t.container) for t in found if t.container and t.kind != "nested" and t.name in seen[t.path]
    }
    return [
        t
        for t in found
        if t.name not in seen[t.path] and (t.kind == "nested" or (t.path, t.container) not in collected_classes)
    ]


def _asked_for(m: Measurement) -> list[str] | None:
    """The folders and files pytest was asked to collect, relative to the rootdir (None: all of it)."""
    out = []
    for arg in m.args:
        path = arg.split("::", 1)[0]
        full = os.path.normpath(os.path.join(m.invocation_dir or m.rootdir, path))
        rel = os.path.relpath(full, m.rootdir).replace(os.sep, "/")
        if rel in (".", ""):
            return None
        out.append(rel)
    return out or None


def _inside(path: str, asked: list[str] | None) -> bool:
    return asked is None or any(path == a or path.startswith(a + "/") for a in asked)


def _empty_modules(ctx: Context, never_run: list[NeverRunTest]) -> list[EmptyModule]:
    by_file: dict[str, list[NeverRunTest]] = defaultdict(list)
    for t in never_run:
        by_file[t.path].append(t)
    out: list[EmptyModule] = []
    if "collection_finish" not in ctx.m.marks:
        return out  # pytest never said which items each file gave (timeout, early stop): nothing to conclude
    # one path can have several collectors (--doctest-modules adds a DoctestModule beside the Module)
    tests_of: Counter[str] = Counter()
    for f in ctx.m.files:
        tests_of[f.path] += f.tests + len(f.names)  # names: its items, the deselected ones too (SymPy's @slow)
    seen: set[str] = set()
    for f in ctx.m.files:
        facts = ctx.facts.get(f.path)
        if f.path in seen or tests_of[f.path] or f.outcome != "passed" or facts is None or not facts.parsed:
            continue
        seen.add(f.path)
        if facts.partial:
            continue
        defined = facts.defined_tests
        if not defined:
            continue
        hidden = by_file.get(f.path, [])
        if hidden:
            parts = []
            for kind in ("nested", "skipped-class", "unmatched-class"):
                of_kind = [t for t in hidden if t.kind == kind]
                if not of_kind:
                    continue
                containers = sorted({t.container or "" for t in of_kind})
                if kind == "nested":
                    parts.append(f"{len(of_kind)} nested inside {', '.join(c + '()' for c in containers)}")
                elif kind == "skipped-class":
                    parts.append(f"{len(of_kind)} in {', '.join(containers)}, which pytest skips (it has an __init__)")
                else:
                    parts.append(f"{len(of_kind)} in {', '.join(containers)}, whose name python_classes does not match")
            reason = "its tests never run: " + "; ".join(parts)
        else:
            reason = (
                "defines tests but pytest collected none: check python_functions/python_classes and "
                "any collection hooks that filter it"
            )
        out.append(EmptyModule(f.path, defined, reason))
    return out


def _sufficient(facts: FileFacts | None, need_all: bool, classes: set[str]) -> bool:
    """Whether what was read of a file answers what the analysis asks of it."""
    if facts is None:
        return True  # unreadable or unparseable: reading it again will not help
    if need_all:
        return facts.parsed and not facts.partial
    return all(any(c.name == name for c in facts.classes) for name in classes)


def analyse(
    m: Measurement,
    *,
    backup_globs: Iterable[str] | None = None,
    top: int = 50,
    prefetched: dict[str, FactsResult] | None = None,
) -> Analysis:
    """Compute every diagnosis of one measurement.

    ``prefetched``: files already read by a :class:`~ssot.collect.static.Prefetch` while pytest ran.
    """
    root = Path(m.rootdir)
    python_files = m.ini_list("python_files", list(DEFAULT_PYTHON_FILES))
    python_classes = m.ini_list("python_classes", list(DEFAULT_PYTHON_CLASSES))
    python_functions = m.ini_list("python_functions", list(DEFAULT_PYTHON_FUNCTIONS))
    test_paths = {f.path for f in m.files if not os.path.isabs(f.path)}
    test_dirs: set[str] = set()
    for p in test_paths | {
        i.path for i in m.imports if i.path and i.path.endswith("conftest.py") and not os.path.isabs(i.path)
    }:
        parts = p.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            test_dirs.add("/".join(parts[:i]))
    ctx = Context(
        m,
        root,
        python_files,
        python_classes,
        python_functions,
        {},
        defaultdict(set),
        [],
        test_paths,
        test_dirs,
    )

    # the static part: read the collected test files (parse only where something may hide)
    with_tests = {f.path for f in m.files if f.tests or f.names}
    zero = {f.path for f in m.files if f.outcome == "passed"} - with_tests  # need every test defined
    warned: dict[str, set[str]] = defaultdict(set)  # need the classes pytest warned about
    for w in m.warnings:
        match = _CTOR.search(w.message)
        if match and w.path:
            warned[w.path].add(match.group(1))
    conftests = sorted(
        {
            i.path
            for i in m.imports
            if i.path and i.path.rsplit("/", 1)[-1] == "conftest.py" and not os.path.isabs(i.path)
        }
    )
    for rel in sorted(p for p in test_paths if p.endswith(".py")) + conftests:
        got = prefetched.get(rel) if prefetched else None
        if got is None:
            got = read_facts(root, rel, python_classes, python_functions, False)
        if not _sufficient(got[0], rel in zero, warned.get(rel, set())):
            got = read_facts(root, rel, python_classes, python_functions, True)
        facts, imported, error = got
        if error:
            ctx.static_errors.append(error)
        if facts is not None and rel not in conftests:
            ctx.facts[rel] = facts
        for name in imported:
            ctx.importers[name].add(rel)
    walked = {d.path for d in m.dirs if not os.path.isabs(d.path)} | {
        p.rsplit("/", 1)[0] if "/" in p else "" for p in test_paths
    }
    unmatched = unmatched_test_files(root, walked, test_paths, python_files, python_functions, python_classes)

    categories = {i: classify(ctx, imp) for i, imp in enumerate(m.imports)}
    breakdown = _breakdown(ctx, categories)
    imports = _import_costs(ctx, categories, top)
    causes, tests_by_cause = _warning_causes(ctx)
    asked = _asked_for(m)
    never_run = [t for t in _collected_apart(m, _never_run(ctx, unmatched)) if _inside(t.path, asked)]
    empty = _empty_modules(ctx, never_run)

    findings = rules.run(RuleInput(
        ctx, imports, causes, tests_by_cause, never_run, empty, asked,
        list(backup_globs) if backup_globs is not None else DEFAULT_BACKUP_GLOBS,
    ))
    return Analysis(
        breakdown=breakdown,
        imports=imports,
        warning_causes=causes,
        never_run=never_run,
        empty_modules=empty,
        diagnoses=findings,
        static_files=len(ctx.facts),
        static_errors=ctx.static_errors,
    )


def build(
    m: Measurement,
    *,
    backup_globs: Iterable[str] | None = None,
    top: int = 50,
    prefetched: dict[str, FactsResult] | None = None,
) -> Profile:
    return Profile(measurement=m, analysis=analyse(m, backup_globs=backup_globs, top=top, prefetched=prefetched))
