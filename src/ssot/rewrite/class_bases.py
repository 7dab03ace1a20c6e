"""The classes a test class inherits from, read statically: in its own file, or in a project module it imports.

``ssot fix collection-warnings`` needs them before it turns an ``__init__`` into ``setup_method``: a base that
has a ``setup_method`` (or ``setUp``) of its own would be overridden and its set-up lost, and a base with an
``__init__`` keeps pytest from collecting the class anyway.  A base is looked up among the classes of the same
file, then through the file's ``from X import Base`` lines in the project's own modules (relative imports from
the file's folder; absolute ones from the folders pytest's default ``prepend`` import mode puts on
``sys.path``: the file's folder and its parents up to the root, and ``ROOT/src``).  Anything else, e.g. a
class of an installed library, is *unresolved*: the caller then does not guess.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

from ssot.collect.static import ClassInfo, FileFacts, analyse_tree
from ssot.files import UnreadableFile, read_source

# bases that bring no set-up and no constructor of their own
NEUTRAL_BASES = frozenset({"object", "ABC", "Generic", "Protocol"})
_MAX_DEPTH = 8


@dataclass
class Ancestry:
    """What a class inherits, nearest first (a breadth-first approximation of the MRO)."""

    ancestors: list[tuple[ClassInfo, str]] = field(default_factory=list)  # (class, file it is defined in)
    unresolved: list[str] = field(default_factory=list)  # base names found nowhere ssot can read

    def first_with(self, method: str) -> tuple[ClassInfo, str] | None:
        return next(((c, where) for c, where in self.ancestors if method in c.methods), None)


@dataclass
class _Module:
    facts: FileFacts
    imports: dict[str, tuple[str, int, str]]  # local name -> (module, level, name) of `from module import name`


class BaseResolver:
    """Resolves base classes for the files of one project (parsed modules are cached)."""

    def __init__(self, root: Path | None, python_classes: list[str], python_functions: list[str]) -> None:
        self.root = root.resolve() if root is not None else None
        self.python_classes, self.python_functions = python_classes, python_functions
        self._modules: dict[str, _Module | None] = {}

    def add(self, rel: str, tree: ast.Module, facts: FileFacts) -> None:
        """Register a file already parsed by the caller."""
        self._modules[rel] = _Module(facts, _from_imports(tree))

    def ancestry(self, cls: ClassInfo, rel: str) -> Ancestry:
        out = Ancestry()
        seen: set[tuple[str, str]] = {(rel, cls.qualname)}
        todo = [(cls, rel, 0)]
        while todo:
            current, where, depth = todo.pop(0)
            for base in current.bases:
                if base in NEUTRAL_BASES:
                    continue
                found = self._find(base, where) if depth < _MAX_DEPTH else None
                if found is None:
                    if base not in out.unresolved:
                        out.unresolved.append(base)
                    continue
                info, base_rel = found
                if (base_rel, info.qualname) in seen:
                    continue
                seen.add((base_rel, info.qualname))
                out.ancestors.append((info, base_rel))
                todo.append((info, base_rel, depth + 1))
        return out

    # -- lookup ---------------------------------------------------------------------------------
    def _find(self, name: str, rel: str) -> tuple[ClassInfo, str] | None:
        module = self._load(rel)
        if module is None:
            return None
        local = [c for c in module.facts.classes if c.name == name and "." not in c.qualname]
        if local:
            return local[0], rel
        imported = module.imports.get(name)
        if imported is None:
            return None
        target = self._module_file(imported[0], imported[1], rel)
        if target is None:
            return None
        other = self._load(target)
        if other is None:
            return None
        original = imported[2]
        top = [c for c in other.facts.classes if c.name == original and "." not in c.qualname]
        return (top[0], target) if top else None

    def _module_file(self, module: str, level: int, rel: str) -> str | None:
        if self.root is None:
            return None
        parts = [p for p in module.split(".") if p]
        here = (self.root / rel).parent
        if level:
            bases = [here.parents[level - 2] if level > 1 else here] if level - 1 <= len(here.parents) else []
        else:
            bases = [here, *[p for p in here.parents if p == self.root or self.root in p.parents]]
            bases.append(self.root / "src")
        for base in bases:
            stem = base.joinpath(*parts) if parts else base
            for candidate in (stem.with_suffix(".py") if parts else None, stem / "__init__.py"):
                if candidate is None or not candidate.is_file():
                    continue
                try:
                    return candidate.resolve().relative_to(self.root).as_posix()
                except ValueError:
                    return None  # outside the project: not ours to read
        return None

    def _load(self, rel: str) -> _Module | None:
        if rel not in self._modules:
            self._modules[rel] = None
            if self.root is not None:
                try:
                    text = read_source(self.root / rel, 5_000_000).text
                    tree = ast.parse(text, filename=rel)
                except (UnreadableFile, SyntaxError, ValueError, OSError):
                    return None
                facts = analyse_tree(tree, rel, self.python_classes, self.python_functions)
                self._modules[rel] = _Module(facts, _from_imports(tree))
        return self._modules[rel]


def _from_imports(tree: ast.Module) -> dict[str, tuple[str, int, str]]:
    out: dict[str, tuple[str, int, str]] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name != "*":
                    out[alias.asname or alias.name] = (node.module or "", node.level, alias.name)
    return out
