"""Where the canonical modules live, and whether the tests can import them from there.

The default home is a new package ``ssot_canonical`` in the project's test tree
(the first ``testpaths`` folder, else ``tests``, ``test`` or ``testing``), imported
the way pytest imports the tests themselves:

* the test folder is a package (``tests/__init__.py``): ``tests.ssot_canonical.<module>``,
  from the folder above the package, exactly like ``tests.test_x``;
* it is not: ``ssot_canonical.<module>``, from the test folder itself, which pytest
  puts on ``sys.path`` for the test files and the ``conftest.py`` it holds.

``[tool.ssot] canonical_package`` overrides it; it must be a relative path inside
the root made of Python identifiers, and no existing ``__init__.py`` on the way may
be library code that runs imports (every test importing the canonical module would
run them, and a ``conftest.py`` importing it at module level could break collection).
``__init__.py`` files are only ever created in folders the migration creates, never
in an existing folder (that would change how pytest imports the files there).

:func:`pytest_sys_path` answers which folders pytest puts on ``sys.path`` when it
collects one test file (its import base, the import base of every ``conftest.py``
above it, ``pythonpath``): a copy in a file from which the home cannot be imported
is left alone (``canonical-unreachable``).
"""

from __future__ import annotations

import ast
import keyword
import os
import posixpath
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ssot.errors import ConfigError
from ssot.pytest_config import PytestConfig
from ssot.scope import TEST_FOLDERS, TestScope

LEAF = "ssot_canonical"


@dataclass(frozen=True, slots=True)
class Home:
    path: str  # the package folder, relative to the root ("tests/ssot_canonical")
    dotted: str  # its import name ("tests.ssot_canonical" or "ssot_canonical")
    base: str  # the sys.path folder it is imported from, relative to the root ("" = the root)
    new_inits: tuple[str, ...]  # the __init__.py files the migration creates
    explicit: bool = False

    def module_path(self, module: str) -> str:
        return f"{self.path}/{module}.py"

    def module_dotted(self, module: str) -> str:
        return f"{self.dotted}.{module}"

    def holds(self, rel: str) -> bool:
        return rel.startswith(self.path + "/")


def _is_pkg(root: Path, folder: str) -> bool:
    return (root / folder / "__init__.py").is_file() if folder else False


def import_base(root: Path, folder: str) -> str:
    """The folder pytest (prepend/append import mode) puts on sys.path for a file in ``folder``."""
    while folder and _is_pkg(root, folder):
        folder = posixpath.dirname(folder)
    return folder


def pytest_sys_path(root: Path, rel: str, pytest: PytestConfig) -> frozenset[str]:
    """Folders (relative to the root) on sys.path while pytest imports the test file ``rel``."""
    return _sys_path(str(root), posixpath.dirname(rel), tuple(pytest.pythonpath), pytest.import_mode)


@lru_cache(maxsize=4096)
def _sys_path(root_s: str, folder: str, pythonpath: tuple[str, ...], mode: str) -> frozenset[str]:
    root = Path(root_s)
    out = {posixpath.normpath(p).lstrip("./") if posixpath.normpath(p) != "." else "" for p in pythonpath}
    if mode == "importlib":
        return frozenset(out)
    out.add(import_base(root, folder))
    parts = folder.split("/") if folder else []
    for k in range(len(parts) + 1):
        above = "/".join(parts[:k])
        if (root / above / "conftest.py").is_file():
            out.add(import_base(root, above))
    return frozenset(out)


def _runs_imports(path: Path) -> int:
    try:
        tree = ast.parse(path.read_bytes())
    except (OSError, SyntaxError, ValueError):
        return 0
    return sum(1 for s in tree.body if isinstance(s, (ast.Import, ast.ImportFrom))
               and not (isinstance(s, ast.ImportFrom) and s.module == "__future__"))


def _test_root(root: Path, pytest: PytestConfig) -> str:
    for tp in pytest.testpaths:
        tp = posixpath.normpath(tp.strip("/"))
        if tp not in ("", ".") and not tp.startswith("..") and (root / tp).is_dir():
            return tp
    for name in sorted(TEST_FOLDERS, key=["tests", "test", "testing"].index):
        if (root / name).is_dir():
            return name
    return ""


def _build(root: Path, path: str, explicit: bool) -> Home:
    parts = path.split("/")
    new: list[str] = []
    existing_top = 0  # how many leading parts exist already
    for k in range(1, len(parts) + 1):
        if (root / "/".join(parts[:k])).is_dir():
            existing_top = k
    for k in range(existing_top + 1, len(parts) + 1):
        new.append("/".join(parts[:k]) + "/__init__.py")
    if existing_top == len(parts) and not _is_pkg(root, path):
        new.append(path + "/__init__.py")  # an empty folder of our own name: make it the package
    # the package chain: folders with (or getting) an __init__.py, upward from the home
    chain_top = len(parts)
    while chain_top > 0 and (_is_pkg(root, "/".join(parts[:chain_top]))
                             or "/".join(parts[:chain_top]) + "/__init__.py" in new):
        chain_top -= 1
    base = "/".join(parts[:chain_top])
    dotted = ".".join(parts[chain_top:])
    return Home(path, dotted, base, tuple(new), explicit)


def default_home(root: Path, pytest: PytestConfig) -> Home:
    test_root = _test_root(root, pytest)
    return _build(root, f"{test_root}/{LEAF}" if test_root else LEAF, False)


def resolve_home(root: Path, configured: str, pytest: PytestConfig, scope: TestScope,
                 source: str = "[tool.ssot] canonical_package") -> Home:
    """The home the configuration asks for (validated), or the default one."""
    if not configured:
        return default_home(root, pytest)
    raw = configured.replace("\\", "/")
    fix = "set it to a relative folder of Python identifiers inside the project, e.g. 'tests/ssot_canonical'"
    if raw.startswith("/") or os.path.isabs(configured):
        raise ConfigError(f"{source} = {configured!r}: an absolute path; {fix}")
    path = posixpath.normpath(raw.strip("/"))
    if path in ("", ".") or path.startswith(".."):
        raise ConfigError(f"{source} = {configured!r}: outside the project root; {fix}")
    for part in path.split("/"):
        if not part.isidentifier() or keyword.iskeyword(part):
            raise ConfigError(f"{source} = {configured!r}: {part!r} cannot be part of an import name; {fix}")
    real_root = root.resolve()
    try:
        (root / path).resolve().relative_to(real_root)
    except ValueError:
        raise ConfigError(f"{source} = {configured!r}: leads outside the project root (a symlink); {fix}") \
            from None
    home = _build(root, path, True)
    parts = path.split("/")
    for k in range(1, len(parts) + 1):
        folder = "/".join(parts[:k])
        init = root / folder / "__init__.py"
        if init.is_file() and not scope.is_test_code(f"{folder}/__init__.py"):
            n = _runs_imports(init)
            if n:
                raise ConfigError(
                    f"{source} = {configured!r}: {folder}/__init__.py is library code that runs {n} import(s); "
                    "every test importing the canonical module would run them too (and a conftest.py "
                    f"importing it at module level can break collection); {fix}")
    return home


def reachable(home: Home, root: Path, rel: str, pytest: PytestConfig) -> bool:
    """Whether the test file ``rel`` can import the home's modules when pytest runs it."""
    return home.base in pytest_sys_path(root, rel, pytest)
