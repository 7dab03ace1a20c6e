"""What the test files define, read without importing them: the static half of "tests that never run".

pytest only sees module-level ``test*`` functions and the ``test*`` methods of
``Test*`` classes it can instantiate.  This module finds the test functions it
will not see: nested inside another function (typically a test indented into
a helper's ``__init__``), methods of a ``Test*`` class that pytest skips
because of ``__init__``/``__new__``, methods of a class whose name
``python_classes`` does not match, and test files that ``python_files`` does
not match.  Combined with what pytest actually collected (the measurement),
it also names the test modules that collect nothing although they define tests.

Speed: a regular expression over the ``def``/``class`` lines of each file
decides whether anything could be hidden in it; only those files (and the
ones pytest warned about or that collected nothing) are parsed with ``ast``.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ssot.collect.pytestnames import matches_file, matches_name
from ssot.files import UnreadableFile, read_source

_OPENER = re.compile(r"^([ \t]*)(?:async[ \t]+)?(def|class)[ \t]+(\w+)", re.M)
_IMPORT = re.compile(r"^(?:from[ \t]+([\w.]+)[ \t]+import[ \t]+\(?([^\n#]*)|import[ \t]+([^\n#]*))", re.M)
_SCOPES = (ast.If, ast.Try, ast.With, ast.AsyncWith, ast.For, ast.AsyncFor, ast.While)
_FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)


@dataclass
class ClassInfo:
    name: str
    qualname: str
    line: int
    name_matches: bool  # python_classes selects it
    has_init: bool = False  # own __init__, or one of a base class defined in the same file
    has_new: bool = False
    init_line: int | None = None
    init_params: list[str] = field(default_factory=list)  # parameters of __init__ after self
    has_setup_method: bool = False
    dunder_test: bool | None = None  # value of a literal ``__test__ = ...`` in the body
    is_testcase: bool = False  # a unittest.TestCase subclass (the unittest plugin collects it)
    bases: list[str] = field(default_factory=list)
    # a constructor pytest sees that the class does not define: "@dataclass" (generated), "NamedTuple", ...
    generated_ctor: str | None = None
    methods: dict[str, list[str]] = field(default_factory=dict)  # method -> its parameters after self
    test_methods: list[tuple[str, int]] = field(default_factory=list)
    hidden_tests: list[tuple[str, int, str]] = field(default_factory=list)  # name, line, container


@dataclass
class FileFacts:
    path: str
    classes: list[ClassInfo] = field(default_factory=list)
    module_tests: list[tuple[str, int]] = field(default_factory=list)
    nested: list[tuple[str, int, str]] = field(default_factory=list)  # in module-level functions
    parsed: bool = False
    partial: bool = False  # only the top-level blocks where tests may hide were parsed
    base_names: set[str] = field(default_factory=set)  # every base class named in the file (all of it)

    def cls(self, name: str, line: int | None = None) -> ClassInfo | None:
        named = [c for c in self.classes if c.name == name]
        if line is not None:
            exact = [c for c in named if c.line == line]
            if exact:
                return exact[0]
        return named[0] if named else None

    @property
    def defined_tests(self) -> int:
        return (
            len(self.module_tests)
            + len(self.nested)
            + sum(len(c.test_methods) + len(c.hidden_tests) for c in self.classes)
        )


# -- the cheap pass -------------------------------------------------------------------------


def nested_test_lines(text: str, python_functions: list[str]) -> list[int]:
    """Lines of ``def test*`` that sit inside another ``def`` (by indentation): where tests may hide."""
    stack: list[tuple[int, str]] = []  # indent, kind
    out = []
    for m in _OPENER.finditer(text):
        indent = len(m.group(1).expandtabs(8))
        kind = m.group(2)
        while stack and stack[-1][0] >= indent:
            stack.pop()
        if kind == "def" and stack and stack[-1][1] == "def" and matches_name(m.group(3), python_functions):
            out.append(text.count("\n", 0, m.start()) + 1)
        stack.append((indent, kind))
    return out


def suspicious_openers(text: str, python_classes: list[str], python_functions: list[str]) -> list[int]:
    """Offsets of the outermost ``class``/``def`` of each block where a test may hide (sane code: no misses)."""
    stack: list[tuple[int, str, str, int]] = []  # indent, kind, name, offset
    found: list[int] = []
    for m in _OPENER.finditer(text):
        indent = len(m.group(1).expandtabs(8))
        kind, name = m.group(2), m.group(3)
        while stack and stack[-1][0] >= indent:
            stack.pop()
        parent = stack[-1] if stack else None
        hit = False
        if kind == "def" and parent is not None:
            if parent[1] == "def" and matches_name(name, python_functions):
                hit = True  # a test function nested in a function
            elif parent[1] == "class":
                if name in ("__init__", "__new__") and matches_name(parent[2], python_classes):
                    hit = True  # a Test* class pytest cannot instantiate
                elif matches_name(name, python_functions) and not matches_name(parent[2], python_classes):
                    hit = True  # test methods in a class pytest does not look at
        if hit and (not found or found[-1] != stack[0][3]):
            found.append(stack[0][3])
        stack.append((indent, kind, name, m.start()))
    return found


def may_hide_tests(text: str, python_classes: list[str], python_functions: list[str]) -> bool:
    """Whether ``text`` could define a test pytest will not see (no false negatives on sane code)."""
    return bool(suspicious_openers(text, python_classes, python_functions))


_COLUMN0 = re.compile(r"^[^\s#]", re.M)
_BASES = re.compile(r"^[ \t]*class[ \t]+\w+[ \t]*\(([^)]*)\)", re.M)


def base_names(text: str) -> set[str]:
    """Names used as base classes anywhere in ``text`` (``a.B`` counts as ``B``)."""
    out = set()
    for m in _BASES.finditer(text):
        for part in m.group(1).split(","):
            name = part.split("=")[0].strip().split("[")[0].rsplit(".", 1)[-1]
            if name.isidentifier():
                out.add(name)
    return out


def suspicious_source(text: str, openers: list[int]) -> str | None:
    """``text`` with every line blanked but the top-level blocks starting at ``openers`` (line numbers kept).

    None when a block does not start at column 0 (inside an ``if``, say): then the whole file is parsed.
    """
    lines = text.splitlines(keepends=True)
    keep = [False] * len(lines)
    starts = [m.start() for m in _COLUMN0.finditer(text)]
    for off in openers:
        if off and text[off - 1] != "\n":  # indented (inside an if, a try...): not a top-level block
            return None
        first = text.count("\n", 0, off)
        while first > 0 and lines[first - 1].startswith("@"):
            first -= 1  # its decorators
        nxt = next((s for s in starts if s > off), len(text))
        last = text.count("\n", 0, nxt) if nxt < len(text) else len(lines)
        for i in range(first, last):
            keep[i] = True
    return "".join(line if k else "\n" for line, k in zip(lines, keep, strict=True))


def module_imports(text: str) -> set[str]:
    """Absolute modules imported at module level (column 0), e.g. ``{'app', 'app.analytics'}``."""
    out: set[str] = set()
    for m in _IMPORT.finditer(text):
        if m.group(1):
            base = m.group(1)
            if base.startswith("."):
                continue  # relative: a module of the test tree itself
            out.add(base)
            for part in m.group(2).replace(")", "").split(","):
                name = part.strip().split(" as ")[0].strip()
                if name and name != "*" and name.isidentifier():
                    out.add(f"{base}.{name}")
        else:
            for part in m.group(3).split(","):
                name = part.strip().split(" as ")[0].strip()
                if name:
                    out.add(name)
    return out


# -- the full pass --------------------------------------------------------------------------


def _base_name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript):
        return _base_name(node.value)
    return ""


def _params(node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    """Parameters after ``self``; ``*args``/``**kw`` with their stars, ``=`` after those with a default."""
    a = node.args
    positional = [*a.posonlyargs, *a.args]
    with_default = {id(x) for x in positional[len(positional) - len(a.defaults) :]}
    params = [p.arg + ("=" if id(p) in with_default else "") for p in positional][1:]
    params += [p.arg + ("=" if d is not None else "") for p, d in zip(a.kwonlyargs, a.kw_defaults, strict=True)]
    if a.vararg:
        params.append("*" + a.vararg.arg)
    if a.kwarg:
        params.append("**" + a.kwarg.arg)
    return params


def _dotted(node: ast.expr) -> str:
    """``pytest.mark.x`` for an Attribute chain, the name for a Name, the callee for a Call; else ""."""
    if isinstance(node, ast.Call):
        return _dotted(node.func)
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = _dotted(node.value)
        return f"{head}.{node.attr}" if head else ""
    return ""


def is_fixture(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Decorated with ``@pytest.fixture``, ``@fixture``, ``@pytest_asyncio.fixture``...: never a test."""
    return any(_dotted(d).rsplit(".", 1)[-1] in ("fixture", "yield_fixture") for d in node.decorator_list)


def _only_marks(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """No decorator but ``@pytest.mark.*`` ones (which only annotate a test and register nothing)."""
    return all(
        (name := _dotted(d)).startswith(("pytest.mark.", "mark.")) or name == "pytest.mark" for d in node.decorator_list
    )


# a decorator that writes __init__, and a base class that brings its own constructor (pytest then skips the class)
_CTOR_DECORATORS = frozenset(
    {
        "dataclass",
        "dataclasses.dataclass",
        "pydantic.dataclasses.dataclass",
        "attr.s",
        "attr.attrs",
        "attr.define",
        "attr.frozen",
        "attr.mutable",
        "attrs.define",
        "attrs.frozen",
        "attrs.mutable",
        "define",
        "frozen",
        "mutable",
        "attrs",
    }
)
_CTOR_BASES = frozenset(
    {
        "NamedTuple",
        "Enum",
        "IntEnum",
        "StrEnum",
        "Flag",
        "IntFlag",
        "TypedDict",
        "BaseModel",
        "BaseException",
        "Exception",
        "Warning",
        "dict",
        "list",
        "tuple",
        "set",
        "frozenset",
        "str",
        "bytes",
        "int",
        "float",
    }
)


def _generated_ctor(node: ast.ClassDef, is_local: Callable[[str], bool]) -> str | None:
    """What gives the class a constructor it does not write: ``@dataclass``, ``NamedTuple``, ``Exception``..."""
    for d in node.decorator_list:
        name = _dotted(d)
        if name in _CTOR_DECORATORS:
            if isinstance(d, ast.Call) and any(
                k.arg == "init" and isinstance(k.value, ast.Constant) and k.value.value is False for k in d.keywords
            ):
                continue  # @dataclass(init=False): no __init__ written
            return "@" + name
    for b in node.bases:
        name = _base_name(b)
        if (name in _CTOR_BASES or name.endswith(("Error", "Exception"))) and not is_local(name):
            return name  # (a class of this file: what it brings is propagated from its own facts)
    return None


def _stmt_blocks(node: ast.stmt) -> Iterator[list[ast.stmt]]:
    """The statement lists directly inside a compound statement (if/for/while/with/try/match)."""
    for attr in ("body", "orelse", "finalbody"):
        value = getattr(node, attr, None)
        if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
            yield value
    for handler in getattr(node, "handlers", None) or []:
        yield handler.body
    for case in getattr(node, "cases", None) or []:
        yield case.body


def _nested_tests(
    func: ast.FunctionDef | ast.AsyncFunctionDef,
    container: str,
    python_functions: list[str],
    python_classes: list[str] | None = None,
) -> list[tuple[str, int, str]]:
    """Test functions defined inside ``func`` that nothing can reach: not handed out (returned, passed,
    stored: any use of the name), not registered by a decorator (``@app.route``, ``@pytest.fixture``...), not
    made global, in a function that does not hand out its ``locals()``.  A ``Test*`` class defined inside and
    never used counts its test methods too."""
    loaded: set[str] = set()
    for n in ast.walk(func):
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load):
            loaded.add(n.id)
        elif isinstance(n, ast.Global | ast.Nonlocal):
            loaded.update(n.names)
    if {"locals", "vars"} & loaded:
        return []  # the function hands out its namespace
    found: list[tuple[str, int, str]] = []

    def lost(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
        return node.name not in loaded and lost_method(node)

    def lost_method(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
        return matches_name(node.name, python_functions) and _only_marks(node) and not is_fixture(node)

    def walk(stmts: list[ast.stmt]) -> None:
        for node in stmts:
            if isinstance(node, _FUNCS):
                if lost(node):
                    found.append((node.name, node.lineno, container))
                walk(node.body)
            elif isinstance(node, ast.ClassDef):
                if node.name in loaded or node.decorator_list:
                    continue  # handed out or registered: whoever gets it may run it
                if python_classes is not None and matches_name(node.name, python_classes):
                    for item in node.body:
                        if isinstance(item, _FUNCS) and lost_method(item):
                            found.append((item.name, item.lineno, container))
                for item in node.body:
                    if isinstance(item, _FUNCS):
                        walk(item.body)
            else:
                for block in _stmt_blocks(node):
                    walk(block)

    walk(func.body)
    return sorted(found, key=lambda t: t[1])


def analyse_tree(
    tree: ast.Module,
    path: str,
    python_classes: list[str],
    python_functions: list[str],
    text: str | None = None,
) -> FileFacts:
    """What one parsed file defines.  With its ``text``, only functions around a nested ``def test*`` are
    walked for hidden tests (the walk is most of the cost); without it, every function is."""
    facts = FileFacts(path=path, parsed=True)
    candidates = nested_test_lines(text, python_functions) if text is not None else None

    def hidden(node: ast.FunctionDef | ast.AsyncFunctionDef, qual: str) -> list[tuple[str, int, str]]:
        if candidates is not None:
            end = getattr(node, "end_lineno", None) or node.lineno
            if not any(node.lineno < ln <= end for ln in candidates):
                return []
        return _nested_tests(node, qual, python_functions, python_classes)

    def block(stmts: Iterable[ast.stmt], cls: ClassInfo | None, prefix: str) -> None:
        for node in stmts:
            if isinstance(node, _SCOPES) or type(node).__name__ == "TryStar":
                for attr in ("body", "orelse", "finalbody"):
                    block(getattr(node, attr, []) or [], cls, prefix)
                for handler in getattr(node, "handlers", []) or []:
                    block(handler.body, cls, prefix)
            elif isinstance(node, _FUNCS):
                qual = prefix + node.name
                test = matches_name(node.name, python_functions) and not is_fixture(node)
                if cls is not None:
                    if test:
                        cls.test_methods.append((node.name, node.lineno))
                    cls.methods[node.name] = _params(node)
                    if node.name == "__init__":
                        cls.has_init, cls.init_line = True, node.lineno
                        cls.init_params = [x.rstrip("=") for x in cls.methods[node.name]]
                    elif node.name == "__new__":
                        cls.has_new = True
                    elif node.name == "setup_method":
                        cls.has_setup_method = True
                    cls.hidden_tests += hidden(node, qual)
                else:
                    if test:
                        facts.module_tests.append((node.name, node.lineno))
                    facts.nested += hidden(node, qual)
            elif isinstance(node, ast.ClassDef):
                info = ClassInfo(
                    name=node.name,
                    qualname=prefix + node.name,
                    line=node.lineno,
                    name_matches=matches_name(node.name, python_classes),
                    bases=[b for b in (_base_name(x) for x in node.bases) if b],
                    generated_ctor=_generated_ctor(node, is_local) if node.bases or node.decorator_list else None,
                )
                info.is_testcase = any(b.endswith("TestCase") for b in info.bases)
                facts.classes.append(info)
                block(node.body, info, prefix + node.name + ".")
            elif cls is not None and isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(isinstance(t, ast.Name) and t.id == "__test__" for t in targets):
                    value = node.value
                    cls.dunder_test = bool(value.value) if isinstance(value, ast.Constant) else True

    local: list[set[str]] = []

    def is_local(name: str) -> bool:  # the file's class names, gathered only if a base needs them
        if not local:
            local.append({n.name for n in ast.walk(tree) if isinstance(n, ast.ClassDef)})
        return name in local[0]

    block(tree.body, None, "")
    # an __init__ inherited from a class of the same file also stops pytest
    same_file = {c.name: c for c in facts.classes}
    changed = True
    while changed:
        changed = False
        for c in facts.classes:
            for b in c.bases:
                base = same_file.get(b)
                if base is not None and base is not c:
                    if base.has_init and not c.has_init:
                        c.has_init, changed = True, True
                    if base.has_new and not c.has_new:
                        c.has_new, changed = True, True
                    if base.generated_ctor and not (c.generated_ctor or c.has_init or c.has_new):
                        c.generated_ctor, changed = base.generated_ctor, True
    return facts


def read_facts(
    root: Path,
    rel: str,
    python_classes: list[str],
    python_functions: list[str],
    force: bool,
    max_bytes: int = 20_000_000,
) -> tuple[FileFacts | None, set[str], str | None]:
    """Facts of one file (parsed only when ``force`` or the cheap pass says so), its imports, or an error."""
    try:
        text = read_source(root / rel, max_bytes).text
    except UnreadableFile as exc:
        return None, set(), f"{rel}: {exc}"
    imports = module_imports(text)
    bases = base_names(text)
    if not force:
        openers = suspicious_openers(text, python_classes, python_functions)
        if not openers:
            return FileFacts(path=rel, base_names=bases), imports, None
        # parse only the blocks where tests may hide; anything odd falls back to the whole file
        partial = suspicious_source(text, openers)
        if partial is not None:
            try:
                tree = ast.parse(partial, filename=rel)
            except (SyntaxError, ValueError):
                pass
            else:
                facts = analyse_tree(tree, rel, python_classes, python_functions, partial)
                facts.partial, facts.base_names = True, bases
                return facts, imports, None
    try:
        tree = ast.parse(text, filename=rel)
    except (SyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", None)
        return (
            None,
            imports,
            f"{rel}{':' + str(line) if line else ''}: cannot parse: {getattr(exc, 'msg', exc)}",
        )
    facts = analyse_tree(tree, rel, python_classes, python_functions, text)
    facts.base_names = bases
    return facts, imports, None


def _looks_like_tests(rel: str, text: str, tree: ast.Module, python_functions: list[str]) -> bool:
    """A file ``python_files`` does not select holds lost tests only if it looks like a test module: its name
    says test, it imports pytest or unittest, or a test function asserts (a typing example's ``def test(cls)``
    that only exercises types is no test)."""
    if "test" in rel.rsplit("/", 1)[-1].lower():
        return True
    if {"pytest", "unittest"} & {name.split(".", 1)[0] for name in module_imports(text)}:
        return True
    return any(
        isinstance(node, _FUNCS)
        and matches_name(node.name, python_functions)
        and any(isinstance(n, ast.Assert) for n in ast.walk(node))
        for node in ast.walk(tree)
    )


def _api_functions(tree: ast.Module) -> set[str]:
    """Module-level functions that are an API, not tests: named in ``__all__``, or taking ``*args``/``**kwargs``
    (pytest passes fixtures by name; ``def test(*paths, **kwargs)`` is SymPy's test runner)."""
    out = set()
    for node in tree.body:
        if isinstance(node, _FUNCS) and (node.args.vararg or node.args.kwarg):
            out.add(node.name)
        elif (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)
            and isinstance(node.value, ast.List | ast.Tuple)
        ):
            out.update(e.value for e in node.value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str))
    return out


def unmatched_test_files(
    root: Path,
    dirs: Iterable[str],
    collected: set[str],
    python_files: list[str],
    python_functions: list[str],
    python_classes: list[str],
) -> list[tuple[str, FileFacts]]:
    """Files in the folders pytest walked that define tests but that ``python_files`` does not select."""
    out = []
    for d in sorted(set(dirs)):
        base = root / d if d not in ("", ".") else root
        try:
            entries = sorted(os.scandir(base), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            name = entry.name
            if not name.endswith(".py") or name in ("conftest.py", "__init__.py"):
                continue
            rel = f"{d}/{name}" if d not in ("", ".") else name
            if rel in collected or matches_file(rel, python_files):
                continue
            try:
                if not entry.is_file():
                    continue
                text = read_source(Path(entry.path), 20_000_000).text
            except (OSError, UnreadableFile):
                continue
            if "def " not in text:
                continue
            try:
                tree = ast.parse(text, filename=rel)
            except (SyntaxError, ValueError):
                continue
            if not _looks_like_tests(rel, text, tree, python_functions):
                continue
            facts = analyse_tree(tree, rel, python_classes, python_functions, text)
            api = _api_functions(tree)
            facts.module_tests = [t for t in facts.module_tests if t[0] not in api]
            tests = facts.module_tests or [
                m for c in facts.classes if c.name_matches and not c.has_init for m in c.test_methods
            ]
            if tests:
                out.append((rel, facts))
    return out


# -- reading ahead, while pytest runs ---------------------------------------------------------

FactsResult = tuple["FileFacts | None", set[str], "str | None"]


def predict_test_files(
    root: Path, paths: Iterable[str], python_files: list[str], norecursedirs: list[str], limit: int = 100_000
) -> list[str]:
    """The files pytest will probably import as test modules (its walk, approximately, without pytest)."""
    import fnmatch

    out: list[str] = []
    for p in paths:
        base = (root / p).resolve()
        if base.is_file():
            rel = _rel(root, base)
            if rel is not None:
                out.append(rel)
            continue
        for dirpath, dirnames, filenames in os.walk(base):
            here = Path(dirpath)
            dirnames[:] = sorted(
                d
                for d in dirnames
                if not any(fnmatch.fnmatch(d, pat) for pat in norecursedirs)
                and d != "__pycache__"
                and not (here / d / "pyvenv.cfg").exists()
            )
            for name in sorted(filenames):
                if name.endswith(".py"):
                    rel = _rel(root, here / name)
                    if rel is not None and (name == "conftest.py" or matches_file(rel, python_files)):
                        out.append(rel)
                        if len(out) >= limit:
                            return out
    return out


def _rel(root: Path, path: Path) -> str | None:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return None


class Prefetch:
    """Reads (and where needed parses) files in a background thread; ``analyse`` picks the results up."""

    def __init__(self, root: Path, files: list[str], python_classes: list[str], python_functions: list[str]):
        import threading

        self.root, self.files = root, files
        self.python_classes, self.python_functions = python_classes, python_functions
        self.results: dict[str, FactsResult] = {}
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="ssot-collect-static", daemon=True)

    def start(self) -> Prefetch:
        self._thread.start()
        return self

    def _run(self) -> None:
        for rel in self.files:
            if self._stop:
                return
            try:
                self.results[rel] = read_facts(self.root, rel, self.python_classes, self.python_functions, False)
            except Exception:
                continue

    def finish(self) -> dict[str, FactsResult]:
        self._thread.join()
        return self.results

    def cancel(self) -> None:
        self._stop = True
