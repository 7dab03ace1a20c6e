"""Which files are test code, and which are the library the tests protect.

One place decides it, for every command: the scan's default scope, the plan's
refusal to rewrite library modules, and ``check``.  A file is test code when

- it is a ``conftest.py``;
- its name matches pytest's ``python_files`` (``test_*.py``, ``*_test.py`` by default);
- it lies under one of pytest's ``testpaths``, or, when the project sets none, under a
  folder named ``test``, ``tests`` or ``testing``;
- it is a helper module that only test code imports (see :func:`test_helpers`).

Everything else is library code: it may be scanned (``--all``) and reported, but it is
never a migration target unless the user opts in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ssot.pytest_config import PytestConfig, load_pytest_config

TEST_FOLDERS = frozenset({"test", "tests", "testing"})

# ``from a.b import c, d as e`` (group 1, 2) and ``import a.b as c, d`` (group 3), to the end of the line.
# Searched for in "\n" + the text: a pattern starting with a newline, rather than ``^`` under re.M, lets
# the regex engine skip ahead to the next line fast (twice as fast over a tree), and finds the same.
_IMPORT = re.compile(r"\n[ \t]*(?:from[ \t]+(\.*[\w.]*)[ \t]+import\b[ \t]*(\([^)]*\)|[^\n#]*)"
                     r"|import[ \t]+([^\n#]+))")
_NAME = re.compile(r"[A-Za-z_]\w*")


@dataclass(frozen=True)
class TestScope:
    """The test/library split of one project (paths are POSIX, relative to the root)."""

    __test__ = False  # not a pytest test class

    pytest: PytestConfig = field(default_factory=PytestConfig)
    helpers: frozenset[str] = frozenset()  # library-looking modules that only tests import

    def reason(self, rel: str) -> str | None:
        """Why ``rel`` is test code, in words; ``None`` when it is library code."""
        folder, _, name = rel.rpartition("/")
        if name == "conftest.py":
            return "a conftest.py"
        if self.pytest._file_pattern.match(name):
            return "matches python_files"
        roots = [tp.strip("/") for tp in self.pytest.testpaths if tp.strip("/") not in ("", ".")]
        if roots:
            for r in roots:
                if rel == r or rel.startswith(r + "/"):
                    return f"under testpaths '{r}'"
        else:
            for part in folder.split("/"):
                if part in TEST_FOLDERS:
                    return f"under a '{part}' folder"
        if rel in self.helpers:
            return "imported only by tests"
        return None

    def is_test_code(self, rel: str) -> bool:
        return self.reason(rel) is not None


def module_names(rel: str) -> list[str]:
    """The dotted names ``rel`` may be imported under (every suffix of its path: rootdir and src layouts)."""
    parts = rel[:-3].split("/") if rel.endswith(".py") else rel.split("/")
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return [".".join(parts[i:]) for i in range(len(parts)) if parts[i:]]


def imported_modules(source: str) -> set[str]:
    """Absolute dotted module names a source imports; ``from X import Y`` gives ``X`` and ``X.Y``."""
    found: set[str] = set()
    for m in _IMPORT.finditer("\n" + source):
        base, names, plain = m.groups()
        if plain is not None:
            for item in plain.split(","):
                words = item.split()
                if words:
                    found.add(words[0])
        elif not base.startswith("."):
            found.add(base)
            for item in names.strip("()").split(","):
                first = _NAME.match(item.strip())
                if first:
                    found.add(f"{base}.{first.group()}")
    return found


def test_helpers(base: TestScope, sources: Mapping[str, str]) -> frozenset[str]:
    """Non-test modules imported by test code and by no library module (``sources``: rel path -> text)."""
    return helpers_from_imports(base, {rel: imported_modules(text) for rel, text in sources.items()})


def helpers_from_imports(base: TestScope, imports: Mapping[str, Iterable[str]]) -> frozenset[str]:
    """:func:`test_helpers` from what each module imports (``imports``: rel path -> module names)."""
    by_name: dict[str, list[str]] = {}
    for rel in sorted(imports):
        if rel.endswith(".py") and not base.is_test_code(rel):
            for name in module_names(rel):
                by_name.setdefault(name, []).append(rel)
    if not by_name:
        return frozenset()
    from_tests: set[str] = set()
    from_library: set[str] = set()
    for rel, names in imports.items():
        target = from_tests if base.is_test_code(rel) else from_library
        for name in names:
            paths = by_name.get(name)
            if paths is None:
                continue
            hit = paths[0] if len(paths) == 1 else _nearest(rel, paths)
            if hit != rel:
                target.add(hit)
    return frozenset(from_tests - from_library)


def _nearest(rel: str, paths: list[str]) -> str:
    """Of the modules a name could be (``systemd`` for ``modules/systemd.py`` and ``facts/system/systemd.py``;
    one module in each of two copies of a tree), the one sharing the most folders with the importer ``rel``;
    of those, the first in path order (``paths`` are sorted)."""
    folders = rel.split("/")[:-1]

    def shared(path: str) -> int:
        n = 0
        for a, b in zip(folders, path.split("/")[:-1], strict=False):
            if a != b:
                break
            n += 1
        return n

    return max(paths, key=shared)  # (the first of those sharing most: max keeps the first it meets)


def load_scope(root: Path, sources: Mapping[str, str] | None = None,
               pytest_config: PytestConfig | None = None) -> TestScope:
    """The scope of the project at ``root``; with ``sources``, test-only helper modules count as test code."""
    scope = TestScope(pytest=pytest_config or load_pytest_config(root))
    if sources:
        scope = TestScope(pytest=scope.pytest, helpers=test_helpers(scope, sources))
    return scope


def split(scope: TestScope, rels: Iterable[str]) -> tuple[list[str], list[str]]:
    """``(test code, library code)`` of ``rels``, order kept."""
    tests: list[str] = []
    library: list[str] = []
    for rel in rels:
        (tests if scope.is_test_code(rel) else library).append(rel)
    return tests, library
