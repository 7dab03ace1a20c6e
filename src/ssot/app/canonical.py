"""What the canonical package defines, and whether every use of those names imports them from there.

A *consolidated name* is a module-level class or function defined in a module
under ``[tool.ssot] canonical_package`` (what ``ssot migrate`` writes).  The
import check reads test code statically (``ast``, never importing it) and
reports, for each consolidated name:

- ``from M import NAME`` where ``M`` is a project module other than the canonical
  one and does not define a different ``NAME`` of its own (a copy's old home
  that now re-exports it, or a copy itself);
- ``from M import *`` from a non-canonical module in a file that uses ``NAME``
  without binding it otherwise (the star import hides where it comes from).

Re-definitions (a copy pasted back) are the scan's business: they are members
of the consolidated family, reported by ``ssot check`` as ``copy-of-consolidated``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ssot.config import Config
from ssot.files import UnreadableFile, read_source
from ssot.model import Finding, Location

NON_CANONICAL_RULE = "non-canonical-import"
STAR_RULE = "star-import-hides-canonical"


@dataclass(frozen=True, slots=True)
class CanonicalName:
    name: str
    module: str  # dotted module name
    path: str  # POSIX, relative to the root
    line: int


def canonical_dir(cfg: Config) -> str:
    """The canonical package's folder, relative to the root: the one ``ssot migrate`` writes to
    (``[tool.ssot] canonical_package``, else the default home in the test tree)."""
    return _home_path(cfg.root, cfg.canonical_package)


@lru_cache(maxsize=8)
def _home_path(root: Path, configured: str) -> str:
    from ssot.migrate.home import resolve_home
    from ssot.pytest_config import load_pytest_config
    from ssot.scope import load_scope

    pytest = load_pytest_config(root)
    return resolve_home(root, configured, pytest, load_scope(root, pytest_config=pytest)).path


def in_canonical_package(cfg: Config, rel: str) -> bool:
    top = canonical_dir(cfg)
    return rel == top or rel.startswith(top + "/")


def module_name(rel: str) -> str:
    parts = rel[:-3].split("/") if rel.endswith(".py") else rel.split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def canonical_names(cfg: Config) -> dict[str, CanonicalName]:
    """Module-level classes and functions of the canonical package (first definition of a name wins)."""
    top = cfg.root / canonical_dir(cfg)
    out: dict[str, CanonicalName] = {}
    if not top.is_dir():
        return out
    for path in sorted(top.rglob("*.py")):
        rel = path.relative_to(cfg.root).as_posix()
        tree = _parse(path, cfg.max_file_bytes)
        if tree is None:
            continue
        for node in tree.body:
            if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                out.setdefault(node.name, CanonicalName(node.name, module_name(rel), rel, node.lineno))
    return out


def _parse(path: Path, max_bytes: int) -> ast.Module | None:
    try:
        return ast.parse(read_source(path, max_bytes).text)
    except (UnreadableFile, SyntaxError, ValueError):
        return None  # the scan reports unreadable files; nothing to check here


def _resolve_from(rel: str, node: ast.ImportFrom) -> str:
    """The absolute dotted module of ``from ... import`` in the file ``rel``."""
    if not node.level:
        return node.module or ""
    package = rel.split("/")[:-1]
    if node.level > 1:
        package = package[: len(package) - (node.level - 1)]
    return ".".join([*package, *([node.module] if node.module else [])])


def _module_file(root: Path, module: str) -> str | None:
    """The project file of a dotted module (root or ``src/`` layout), or None (not ours)."""
    base = module.replace(".", "/")
    for prefix in ("", "src/"):
        for candidate in (f"{prefix}{base}.py", f"{prefix}{base}/__init__.py"):
            if (root / candidate).is_file():
                return candidate
    return None


def _defines(root: Path, rel: str, name: str, max_bytes: int, memo: dict[str, set[str]]) -> bool:
    """Whether the module file ``rel`` defines ``name`` itself (a class or function, not an import)."""
    if rel not in memo:
        tree = _parse(root / rel, max_bytes)
        memo[rel] = set() if tree is None else {
            n.name for n in tree.body if isinstance(n, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))}
    return name in memo[rel]


class ImportChecker:
    """Checks files against the consolidated names of one project (built once, used per file)."""

    def __init__(self, cfg: Config, names: dict[str, CanonicalName], copies: Iterable[tuple[str, str]] = ()) -> None:
        self.cfg = cfg
        self.names = names
        self.copies = set(copies)  # (path, name) of copies of consolidated families: importing them is wrong too
        alternatives = "|".join(map(re.escape, sorted(names)))
        self._mention = re.compile(rf"\b(?:{alternatives})\b") if names else None
        self._defined: dict[str, set[str]] = {}

    def check(self, rel: str, text: str | None = None) -> list[Finding]:
        """The wrong imports of consolidated names in ``rel``."""
        return self.inspect(rel, text)[0]

    def inspect(self, rel: str, text: str | None = None) -> tuple[list[Finding], set[str]]:
        """The wrong imports of ``rel``, and the canonical modules it imports consolidated names from."""
        if self._mention is None or in_canonical_package(self.cfg, rel):
            return [], set()
        if text is None:
            try:
                text = read_source(self.cfg.root / rel, self.cfg.max_file_bytes).text
            except UnreadableFile:
                return [], set()
        if not self._mention.search(text):
            return [], set()
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError):
            return [], set()
        return self._check_tree(rel, tree)

    def _check_tree(self, rel: str, tree: ast.Module) -> tuple[list[Finding], set[str]]:
        out: list[Finding] = []
        canonical: set[str] = set()
        bound: set[str] = set()
        stars: list[tuple[ast.ImportFrom, str]] = []
        modules: dict[str, str] = {}  # a name ``import`` binds -> its module ("": the dotted path as written)
        uses: list[ast.Attribute] = []
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in self.names and isinstance(node.ctx, ast.Load):
                uses.append(node)
            if isinstance(node, ast.ImportFrom):
                module = _resolve_from(rel, node)
                for alias in node.names:
                    if alias.name == "*":
                        stars.append((node, module))
                        continue
                    bound.add(alias.asname or alias.name)
                    canon = self.names.get(alias.name)
                    if canon is not None and canon.module == module:
                        canonical.add(module)
                    found = self._wrong_import(rel, node, module, alias.name)
                    if found is not None:
                        out.append(found)
            elif isinstance(node, ast.Import):
                bound.update((a.asname or a.name).split(".")[0] for a in node.names)
                for a in node.names:
                    modules[a.asname or a.name.split(".")[0]] = a.name if a.asname else ""
            elif isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                bound.add(node.name)
        for use in uses:  # `import pkg.mod as m` then `m.NAME`: the same question as `from pkg.mod import NAME`
            source = _module_of(use.value, modules)
            if source is None:
                continue
            canon = self.names[use.attr]
            if source == canon.module:
                canonical.add(source)
                continue
            found = self._wrong_source(rel, use.lineno, source, use.attr, key=f"{use.attr}:{source}",
                                       used=f"used as `{ast.unparse(use)}`",
                                       fix=f"import it as `from {canon.module} import {use.attr}` and use "
                                           f"{use.attr}")
            if found is not None:
                out.append(found)
        if stars:
            used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
            for name in sorted((used & set(self.names)) - bound):
                canon = self.names[name]
                if all(module != canon.module for _, module in stars):
                    node, module = stars[0]
                    out.append(Finding(
                        STAR_RULE, rel, node.lineno,
                        f"{name} reaches this file through `from {module} import *`, not from its canonical "
                        f"module {canon.module}", severity="error", key=f"{name}:*",
                        fix=f"add `from {canon.module} import {name}`",
                        related=(Location(canon.path, canon.line, note=f"canonical {name}"),)))
        return out, canonical

    def _wrong_import(self, rel: str, node: ast.ImportFrom, module: str, name: str) -> Finding | None:
        canon = self.names.get(name)
        if canon is None or module == canon.module:
            return None
        alias = next(a for a in node.names if a.name == name)
        as_part = f" as {alias.asname}" if alias.asname else ""
        return self._wrong_source(rel, node.lineno, module, name, key=f"{name}:{module}", used="imported",
                                  fix=f"import it as `from {canon.module} import {name}{as_part}`")

    def _wrong_source(self, rel: str, line: int, module: str, name: str, *, key: str, used: str,
                      fix: str) -> Finding | None:
        """``name`` taken from ``module`` at ``line``, when that module is this project's and its ``name`` is
        the consolidated one (a copy of it, or re-exported), not a look-alike of its own."""
        canon = self.names[name]
        target = _module_file(self.cfg.root, module)
        if target is None:
            return None  # not a module of this project: a name that only looks the same
        if _defines(self.cfg.root, target, name, self.cfg.max_file_bytes, self._defined) \
                and (target, name) not in self.copies:
            return None  # the module has a different NAME of its own (a look-alike), not the consolidated one
        return Finding(
            NON_CANONICAL_RULE, rel, line,
            f"{name} is {used} from {module}, not from its canonical module {canon.module}",
            severity="error", key=key, fix=fix,
            related=(Location(canon.path, canon.line, note=f"canonical {name}"),))


def _module_of(value: ast.expr, modules: dict[str, str]) -> str | None:
    """The module an attribute is read from, when ``value`` is a name ``import`` bound (``m`` for
    ``import pkg.mod as m``) or a dotted path through one (``pkg.mod`` for ``import pkg.mod``)."""
    parts: list[str] = []
    while isinstance(value, ast.Attribute):
        parts.append(value.attr)
        value = value.value
    if not isinstance(value, ast.Name) or value.id not in modules:
        return None
    parts.append(value.id)
    parts.reverse()
    aliased = modules[value.id]
    return ".".join([aliased, *parts[1:]]) if aliased else ".".join(parts)


def consolidated_fixtures(cfg: Config) -> dict[str, CanonicalName]:
    """Fixtures a migration consolidated into a ``conftest.py`` (there is no import to check for them).

    Read from the run journal (``.ssot/runs``, read only): for every run whose changes
    stand, the fixtures it consolidated (its families) that a ``conftest.py`` it wrote
    now defines.  Without run state (a fresh clone), none are known.
    """
    try:
        from ssot.migrate.runlog import list_runs

        runs = list_runs(cfg.root)
    except Exception:  # no run state, or a journal this reader does not understand: nothing to add
        return {}
    out: dict[str, CanonicalName] = {}
    for run in runs:
        families = set(run.meta.get("families") or ())
        for rel in run.changed:
            if rel.rsplit("/", 1)[-1] != "conftest.py" or not families:
                continue
            tree = _parse(cfg.root / rel, cfg.max_file_bytes)
            if tree is None:
                continue
            for node in tree.body:
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in families \
                        and any("fixture" in ast.unparse(d) for d in node.decorator_list):
                    out[node.name] = CanonicalName(node.name, module_name(rel), rel, node.lineno)
    return out


def fixture_requests(tree: ast.Module, names: Iterable[str]) -> set[str]:
    """Which of ``names`` the module requests as fixtures: parameters of its functions, ``usefixtures``."""
    wanted = set(names)
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            args = node.args
            found.update(a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs) if a.arg in wanted)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in wanted:
            found.add(node.value)  # @pytest.mark.usefixtures("name")
    return found


def serves(conftest: str, rel: str) -> bool:
    """Whether the fixtures of ``conftest`` (a path) reach the test file ``rel``."""
    folder = conftest.rpartition("/")[0]
    return not folder or rel.startswith(folder + "/")
