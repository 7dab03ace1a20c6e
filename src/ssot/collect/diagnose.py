"""From a measurement to causes: where the time goes, what the warnings mean, what never runs, what to fix.

Everything here is computed from the :class:`~ssot.collect.profile.Measurement`
and the test files' text (read by :mod:`ssot.collect.static`); renderers only
display the resulting :class:`~ssot.collect.profile.Analysis`.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pathspec

from ssot.collect.profile import (
    Analysis,
    BreakdownEntry,
    CollectedWarning,
    Diagnosis,
    EmptyModule,
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
    matching_patterns,
)
from ssot.collect.static import (
    ClassInfo,
    FactsResult,
    FileFacts,
    predict_test_files,
    read_facts,
    unmatched_test_files,
)
from ssot.config import DEFAULT_BACKUP_GLOBS
from ssot.pytest_config import DEFAULT_NORECURSE

FIX_COMMAND = "ssot fix collection-warnings --apply"
_CTOR = re.compile(r"cannot collect test class '([^']+)' because it has a (__\w+__) constructor")
_QUOTED = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"")
_FROM = re.compile(r"\(from: [^)]*\)")
_PATH = re.compile(r"(?:[A-Za-z]:)?(?:[\w.~-]*[/\\])+[\w.-]+")
_NUMBER = re.compile(r"(?<![\w<])\d+(?:\.\d+)?(?![\w>])")
_HEAVY_SECONDS = 0.020  # an import worth a finding costs at least this much
_HEAVY_SHARE = 0.01  # and at least this share of the wall time


def message_template(message: str) -> str:
    """The message with the names taken out: what stays the same across every instance of one cause."""
    first = message.strip().splitlines()[0] if message.strip() else ""
    text = _FROM.sub("(from: <file>)", first)
    text = _QUOTED.sub("<name>", text)
    text = _PATH.sub("<path>", text)
    return _NUMBER.sub("<n>", text)


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


@dataclass
class _Context:
    m: Measurement
    root: Path
    python_files: list[str]
    python_classes: list[str]
    python_functions: list[str]
    facts: dict[str, FileFacts]
    importers: dict[str, set[str]]  # module -> test files and conftests importing it at module level
    static_errors: list[str]
    test_paths: set[str]
    test_dirs: set[str]

    @property
    def wall(self) -> float:
        return max(self.m.wall_seconds, 1e-9)


# -- import classification -------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _is_venv(folder: str) -> bool:
    return os.path.exists(os.path.join(folder, "pyvenv.cfg"))


def _inside_venv(root: Path, rel: str) -> bool:
    parts = rel.split("/")[:-1]
    if any(p in ("site-packages", "dist-packages", "node_modules") for p in parts):
        return True
    return any(_is_venv(os.path.join(root, *parts[: i + 1])) for i in range(len(parts)))


def classify(ctx: _Context, imp: ModuleImport) -> str:
    """test | project | third-party | stdlib."""
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


def _breakdown(ctx: _Context, categories: dict[int, str]) -> list[BreakdownEntry]:
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


def _import_costs(ctx: _Context, categories: dict[int, str], top: int) -> list[ImportCost]:
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


def _class_kind(ctx: _Context, w: CollectedWarning, name: str) -> tuple[str, int]:
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


def _warning_causes(ctx: _Context) -> tuple[list[WarningCause], dict[str, int]]:
    warnings = ctx.m.warnings
    total = len(warnings)
    groups: dict[str, list[tuple[CollectedWarning, str | None]]] = defaultdict(list)
    meta: dict[str, tuple[str, str, str]] = {}
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


def _class_info(ctx: _Context, w: CollectedWarning, name: str | None) -> ClassInfo | None:
    facts = ctx.facts.get(w.path or "")
    return facts.cls(name or "", w.line) if facts is not None else None


def _warning_fix(
    ctx: _Context, kind: str, members: list[tuple[CollectedWarning, str | None]], tests: int
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
        where = (
            f"they inherit their constructor from a class of another module ({'; '.join(inherited)}): "
            if inherited
            else ""
        )
        return (
            f"{where}give the class a `__test__ = False` if it is a helper, or move its set-up into "
            "`setup_method` if it holds tests"
        ), False
    return (
        "fix the code that emits it, or filter it with `filterwarnings` in the pytest configuration if it is expected"
    ), False


def _never_run(ctx: _Context, unmatched: list[tuple[str, FileFacts]]) -> list[NeverRunTest]:
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


_DRIVERS = ("/_pytest/", "/pluggy/")


def _hang(m: Measurement) -> Diagnosis:
    """Where a collection that timed out was stuck: the innermost frame of the project, else the innermost one
    outside the standard library, and in which phase."""
    assert m.hang is not None
    stack = m.hang.stack
    stdlib = os.path.join(m.python.base_prefix, "lib") + os.sep if m.python.base_prefix else None
    own = [f for f in stack if not os.path.isabs(f.path) and not f.path.startswith("<")]
    outside = [f for f in stack if not (stdlib and f.path.startswith(stdlib)) and not f.path.startswith("<")]
    frames = own or outside or stack
    where = f"{frames[-1].path}:{frames[-1].line}" if frames else "?"
    if m.hang.collecting:
        phase, fix = f"while collecting {m.hang.collecting}", f"make {where} return (it blocks at import time)"
    elif "collection_start" in m.marks:
        last = max((i for i, f in enumerate(stack) if any(d in f.path for d in _DRIVERS)), default=None)
        called = stack[last + 1] if last is not None and last + 1 < len(stack) else None
        inside = f", in {called.path}:{called.line} {called.function}()" if called is not None else ""
        phase = f"after pytest had collected {_n(len(m.files), 'file')}{inside}"
        fix = f"make {where} finish sooner (a hook or plugin that runs after the files are collected)"
    else:
        phase, fix = "before collection started", f"make {where} return (it blocks at start-up)"
    return Diagnosis(
        rule="collection-timeout",
        title=f"collection did not finish; it was stuck at {where}",
        detail=phase + (f": `{frames[-1].code}`" if frames and frames[-1].code else ""),
        fix=f"{fix}, or raise --timeout / collect_timeout",
        paths=[where],
        severity="error",
    )


def _stopped(ctx: _Context, asked: list[str] | None) -> Diagnosis:
    """Collection stopped early (-x, --maxfail): which test files pytest never reached."""
    m = ctx.m
    norecurse = m.ini_list("norecursedirs", list(DEFAULT_NORECURSE))
    predicted = predict_test_files(ctx.root, asked or ["."], ctx.python_files, norecurse)
    seen = {f.path for f in m.files}
    missing = [p for p in predicted if p not in seen and p.rsplit("/", 1)[-1] != "conftest.py"]
    total = len(missing) + len(seen)
    shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
    return Diagnosis(
        rule="collection-stopped",
        title=(
            f"collection stopped early ({m.stop_reason}): {len(seen)} of about {total} test files collected, "
            f"{_n(len(missing), 'file')} not collected"
        ),
        detail=(
            f"the counts above cover only what pytest reached before it stopped; not collected: {shown}"
            if missing
            else "the counts above cover only what pytest reached before it stopped"
        ),
        fix=(
            "fix the collection errors above, or run without -x/--maxfail (e.g. `ssot collect -- --maxfail=0`) "
            "to see the whole collection"
        ),
        paths=missing,
        severity="error",
    )


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


def _empty_modules(ctx: _Context, never_run: list[NeverRunTest]) -> list[EmptyModule]:
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


def _import_line(root: Path, conftest: str, module: str) -> int | None:
    try:
        text = (root / conftest).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    parts = module.split(".")
    for lineno, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if not s.startswith(("import ", "from ")):
            continue
        if (
            f"import {module}" in s
            or s.startswith(f"from {module} ")
            or (
                len(parts) > 1
                and s.startswith(f"from {'.'.join(parts[:-1])} import")
                and re.search(rf"\b{re.escape(parts[-1])}\b", s.split(" import ", 1)[1])
            )
        ):
            return lineno
    return None


def _import_diagnoses(ctx: _Context, costs: list[ImportCost]) -> list[Diagnosis]:
    out = []
    threshold = max(_HEAVY_SECONDS, _HEAVY_SHARE * ctx.wall)
    seen_direct: set[tuple[str, str]] = set()
    for c in costs:
        if c.seconds < threshold or c.category == "stdlib" or not c.first_imported_by:
            continue
        importer = c.first_imported_by
        direct = c.via[1] if len(c.via) > 1 else c.module  # what the test file itself imports
        what = direct if direct == c.module else f"{direct} (which imports {c.module})"
        if (importer, direct) in seen_direct:
            continue  # a slow child of an import already reported
        seen_direct.add((importer, direct))
        if importer.rsplit("/", 1)[-1] == "conftest.py":
            line = _import_line(ctx.root, importer, direct)
            loc = f"{importer}:{line}" if line else importer
            out.append(
                Diagnosis(
                    rule="heavy-conftest-import",
                    title=f"{importer} imports {c.module} ({_ms(c.seconds)}) at module level",
                    detail=(
                        f"{c.module} costs {_ms(c.seconds)}, {_pct(c.share)} of collection time, "
                        "and every run "
                        f"pays it because {loc} imports "
                        f"{what} when "
                        "the conftest loads"
                    ),
                    fix=(
                        f"import {direct} inside the fixtures that need it (or behind a cached accessor), so "
                        "collection does not pay for it; or make the module cheaper to import"
                    ),
                    paths=[loc],
                    seconds=c.seconds,
                    share_of_time=c.share,
                )
            )
        else:
            n = c.importers
            out.append(
                Diagnosis(
                    rule="heavy-import",
                    title=f"{c.module} costs {_ms(c.seconds)} to import",
                    detail=(
                        f"first imported by {importer}"
                        + (f" via {' -> '.join(c.via[:-1])}" if len(c.via) > 2 else "")
                        + (f"; {n} test files import it at module level" if n else "")
                    ),
                    fix=(
                        f"import {c.module} inside the tests or fixtures that use it, or make it "
                        "cheaper to import "
                        "(defer its slow set-up to first use)"
                    ),
                    paths=[importer],
                    seconds=c.seconds,
                    share_of_time=c.share,
                )
            )
    return out


def _config_diagnoses(ctx: _Context, backup_globs: list[str]) -> list[Diagnosis]:
    m = ctx.m
    out: list[Diagnosis] = []
    files = [f for f in m.files if not os.path.isabs(f.path)]
    inifile = m.inifile or "pytest.ini"
    ini_name = os.path.basename(inifile)
    # folders collected that should not be
    spec = pathspec.PathSpec.from_lines("gitwildmatch", backup_globs)
    offenders: dict[str, str] = {}
    for f in files:
        parts = f.path.split("/")[:-1]
        for i, part in enumerate(parts):
            folder = "/".join(parts[: i + 1])
            reason = None
            if part == "node_modules":
                reason = "JavaScript packages (node_modules)"
            elif part in ("site-packages", "dist-packages"):
                reason = f"installed Python packages ({part})"
            elif _is_venv(os.path.join(ctx.root, folder)):
                reason = "a virtual environment"
            elif spec.match_file(folder + "/"):
                reason = "a backup folder"
            if reason:
                offenders.setdefault(folder, reason)
                break
    warnings_by_path = Counter(w.path for w in m.warnings)
    for folder, reason in sorted(offenders.items()):
        inside = [f for f in files if f.path.startswith(folder + "/")]
        seconds = sum(f.seconds for f in inside)
        tests = sum(f.tests for f in inside)
        warns = sum(n for p, n in warnings_by_path.items() if p and p.startswith(folder + "/"))
        name = folder.rsplit("/", 1)[-1]
        current = list(m.ini.get("norecursedirs") or DEFAULT_NORECURSE)
        wanted = current + ([name] if name not in current else [])
        snippet = "norecursedirs = [" + ", ".join(f'"{d}"' for d in wanted) + "]"
        out.append(
            Diagnosis(
                rule="unwanted-folder",
                title=f"{folder}/ is collected: {reason}",
                detail=(
                    f"pytest imports {_n(len(inside), 'file')} from it ({_n(tests, 'test')}, "
                    f"{_n(warns, 'warning')}, {_ms(seconds)})"
                ),
                fix=(
                    f"set {snippet} in {ini_name} (the current list plus '{name}'), or set testpaths to the "
                    "folders that hold the real tests"
                ),
                paths=[folder + "/"],
                seconds=seconds,
                share_of_time=seconds / ctx.wall,
                warnings=warns,
                share_of_warnings=warns / len(m.warnings) if m.warnings else 0.0,
            )
        )
    # no testpaths
    if not m.ini.get("testpaths"):
        tops = Counter(
            f.path.split("/", 1)[0]
            for f in files
            if f.tests and "/" in f.path and f.path.split("/", 1)[0] not in offenders
        )
        suggestion = sorted(tops)
        stray = [f for f in files if "/" not in f.path or f.path.split("/", 1)[0] not in tops]
        seconds = sum(f.seconds for f in stray)
        if suggestion:
            snippet = "testpaths = [" + ", ".join(f'"{t}"' for t in suggestion) + "]"
            fix = (
                f"set {snippet} under [tool.pytest.ini_options] (pyproject.toml) or [pytest] (pytest.ini), "
                "so a bare `pytest` walks only the test folders"
            )
        else:
            fix = "set testpaths to the folders that hold the tests, so a bare `pytest` walks only those"
        out.append(
            Diagnosis(
                rule="no-testpaths",
                title="no testpaths: a bare `pytest` walks the whole rootdir",
                detail=(
                    f"without testpaths pytest searches every folder under {m.rootdir}; "
                    f"{len(stray)} collected "
                    f"files lie outside the suggested folders ({_ms(seconds)})"
                ),
                fix=fix,
                paths=[m.inifile] if m.inifile else [],
                seconds=seconds,
                share_of_time=seconds / ctx.wall,
                severity="note" if not stray else "warning",
            )
        )
    # python_files broader than needed
    patterns = ctx.python_files
    useless: dict[str, list[str]] = defaultdict(list)
    useless_seconds: dict[str, float] = defaultdict(float)
    for f in files:
        facts = ctx.facts.get(f.path)
        if f.tests or facts is None or not facts.parsed or facts.partial or facts.defined_tests:
            continue
        for p in matching_patterns(f.path, patterns):
            if p in DEFAULT_PYTHON_FILES:
                continue  # pytest's own default: a stray file, not a pattern to narrow
            useless[p].append(f.path)
            useless_seconds[p] += f.seconds
    for p, paths in sorted(useless.items()):
        narrower = [x for x in patterns if x != p] or list(DEFAULT_PYTHON_FILES)
        out.append(
            Diagnosis(
                rule="broad-python-files",
                title=f"python_files pattern {p!r} selects {_n(len(paths), 'module')} without tests",
                detail=(
                    f"pytest imports them as test modules for nothing ({_ms(useless_seconds[p])}), e.g. "
                    + ", ".join(paths[:3])
                ),
                fix=(
                    f"narrow python_files in {ini_name} (e.g. python_files = "
                    f"[{', '.join(repr(x) for x in narrower)}]), or rename the helper modules so the pattern "
                    "does not match them"
                ),
                paths=paths,
                seconds=useless_seconds[p],
                share_of_time=useless_seconds[p] / ctx.wall,
            )
        )
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
    ctx = _Context(
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
        facts, imports, error = got
        if error:
            ctx.static_errors.append(error)
        if facts is not None and rel not in conftests:
            ctx.facts[rel] = facts
        for name in imports:
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

    diagnoses: list[Diagnosis] = []
    for e in m.errors:
        where = f"{e.path}:{e.line}" if e.path and e.line else (e.path or "?")
        if e.stage == "conftest":
            fix = f"fix the conftest at {where}: pytest cannot start collecting while it raises"
        elif e.exc_type in ("ModuleNotFoundError", "ImportError"):
            fix = f"fix the import at {where} (install the missing package or correct the module path)"
        elif e.exc_type in ("SyntaxError", "IndentationError", "TabError"):
            fix = f"fix the syntax at {where}"
        else:
            fix = f"fix the module-level code at {where} that raises"
        diagnoses.append(
            Diagnosis(
                rule="collection-error",
                title=f"{e.path or e.nodeid}: {e.exc_type}: {e.message}",
                detail=(
                    "the file's tests are not collected"
                    if e.stage == "collect"
                    else "pytest stops before collecting anything"
                ),
                fix=fix,
                paths=[where],
                severity="error",
            )
        )
    if m.status == "no-tests":
        testpaths = m.ini.get("testpaths") or []
        diagnoses.append(
            Diagnosis(
                rule="no-tests",
                title="pytest collected no tests",
                detail=(
                    f"from {' '.join(m.args) or m.rootdir} "
                    f"({m.args_source.lower() if m.args_source else 'args'}): "
                    f"{len(m.files)} files imported; python_files = {python_files}, "
                    f"python_functions = {python_functions}, testpaths = {testpaths or '(not set)'}"
                ),
                fix=(
                    "point pytest at the folder with the tests (PATH or testpaths) and check that "
                    "python_files, "
                    "python_classes and python_functions match their names; the tests that never "
                    "run below say "
                    "which rule leaves each one out"
                ),
                paths=[m.inifile] if m.inifile else [],
                severity="error",
            )
        )
    if m.status == "stopped":
        diagnoses.append(_stopped(ctx, asked))
    if m.hang is not None:
        diagnoses.append(_hang(m))
    total_warnings = len(m.warnings)
    for c in causes:
        tests = tests_by_cause.get(c.id, 0)
        title = {
            "helper-class": f"{c.count} {c.category}s: Test*-named helper classes with __init__",
            "hidden-tests": f"{c.count} {c.category}s from helpers whose __init__ swallowed a file's tests",
            "test-class": (f"{c.count} {c.category}s from real test classes with __init__: their tests never run"),
            "data-class": f"{c.count} {c.category}s: data types named Test* (@dataclass, NamedTuple, Enum...)",
        }.get(c.kind, f"{c.count} {c.category}s: {c.template}")
        diagnoses.append(
            Diagnosis(
                rule=f"warning:{c.kind}",
                title=title,
                detail=f"emitted by {c.emitter}; e.g. {', '.join(c.examples)}",
                fix=c.fix,
                paths=sorted({p for files in c.classes.values() for p in files})
                or [e.split(":")[0] for e in c.examples],
                warnings=c.count,
                share_of_warnings=c.count / total_warnings if total_warnings else 0.0,
                tests=tests,
            )
        )
    fixes_by_kind = {
        "nested": "dedent the test functions to module level",
        "skipped-class": f"turn the class's __init__ into setup_method (`{FIX_COMMAND}`)",
        "unmatched-class": "rename the class so python_classes matches it",
    }
    for e in empty:
        kinds = sorted({t.kind for t in never_run if t.path == e.path})
        fix = "; ".join(fixes_by_kind[k] for k in kinds if k in fixes_by_kind) or (
            "check python_functions/python_classes and any hook that deselects its items"
        )
        diagnoses.append(
            Diagnosis(
                rule="empty-test-module",
                title=f"{e.path} defines {_n(e.defined_tests, 'test')} but collects none",
                detail=e.reason,
                fix=fix,
                paths=[e.path],
                tests=e.defined_tests,
            )
        )
    silent = [
        t
        for t in never_run
        if t.kind in ("unmatched-class", "unmatched-file")
        or (
            t.kind == "nested"
            and t.container
            and t.container.split(".")[0] not in {n for c in causes for n in c.classes}
        )
    ]
    by_reason: dict[tuple[str, str], list[NeverRunTest]] = defaultdict(list)
    for t in silent:
        by_reason[(t.kind, t.path)].append(t)
    for (kind, path), tests_ in sorted(by_reason.items()):
        fix = {
            "unmatched-class": ("rename the class to match python_classes (e.g. 'Test...'), or extend python_classes"),
            "unmatched-file": ("rename the file to match python_files (e.g. test_*.py), or extend python_files"),
            "nested": "dedent the functions to module level (they sit inside another function)",
        }[kind]
        diagnoses.append(
            Diagnosis(
                rule=f"never-run:{kind}",
                title=f"{path}: {len(tests_)} test{'s' if len(tests_) != 1 else ''} never run",
                detail=tests_[0].reason,
                fix=fix,
                paths=[f"{t.path}:{t.line}" for t in tests_],
                tests=len(tests_),
            )
        )
    diagnoses += _import_diagnoses(ctx, imports)
    diagnoses += _config_diagnoses(ctx, list(backup_globs) if backup_globs is not None else DEFAULT_BACKUP_GLOBS)
    order = {"error": 0, "warning": 1, "note": 2}
    diagnoses.sort(
        key=lambda d: (
            order.get(d.severity, 1),
            -max(d.share_of_time, d.share_of_warnings, 0.5 if d.tests else 0.0),
        )
    )
    return Analysis(
        breakdown=breakdown,
        imports=imports,
        warning_causes=causes,
        never_run=never_run,
        empty_modules=empty,
        diagnoses=diagnoses,
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
