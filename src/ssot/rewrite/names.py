"""Name analysis on the standard ``ast``: what a definition needs, what a file binds.

LibCST's ScopeProvider answers the same questions but costs ~30 ms per file;
``ast`` answers them in well under 1 ms, and the questions here are simple
(free names of one definition, module-level bindings of one file), so the
rewriters parse with LibCST only to edit and use ``ast`` to analyse.
"""

from __future__ import annotations

import ast
import builtins
import re
from dataclasses import dataclass

BUILTINS = frozenset(dir(builtins)) | {"__file__", "__name__", "__doc__", "__spec__", "__package__"}
Defn = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
DEF_TYPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _target_names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def bound_names(node: ast.AST) -> set[str]:
    """Names bound anywhere inside ``node`` (params, assignments, nested defs, imports, handlers)."""
    out: set[str] = set()
    for n in ast.walk(node):
        if n is not node and isinstance(n, DEF_TYPES):
            out.add(n.name)
        if isinstance(n, ast.arg):
            out.add(n.arg)
        elif isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del)):
            out.add(n.id)
        elif isinstance(n, (ast.Import, ast.ImportFrom)):
            out.update((a.asname or a.name).split(".")[0] for a in n.names)
        elif isinstance(n, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)) and n.name:
            out.add(n.name)
        elif isinstance(n, ast.MatchMapping) and n.rest:
            out.add(n.rest)
    return out


def free_names(node: Defn) -> set[str]:
    """Names ``node`` reads but does not bind itself, builtins and its own name excluded.

    Over-approximates what is bound (any binding anywhere inside counts), so it
    never reports a name the definition binds; it may miss a name that is both
    bound in one inner scope and read from the module in another (rare in
    test helpers).
    """
    used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return used - bound_names(node) - BUILTINS - {node.name}


@dataclass(frozen=True, slots=True)
class ImportBinding:
    """A module-level import statement binding one name."""

    name: str  # the bound name
    statement: str  # a standalone import statement binding exactly this name
    line: int


def module_name_of(rel_path: str) -> str:
    """Dotted module name of a root-relative file: ``tests/unit/test_x.py`` -> ``tests.unit.test_x``."""
    parts = rel_path[:-3].split("/") if rel_path.endswith(".py") else rel_path.split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def absolute_module(rel_path: str, module: str | None, level: int) -> str:
    """Resolve ``from <level dots><module> import`` as written in ``rel_path``."""
    if level == 0:
        return module or ""
    package = module_name_of(rel_path).split(".")
    if not rel_path.endswith("__init__.py"):
        package = package[:-1]
    base = package[: len(package) - (level - 1)] if level > 1 else package
    return ".".join([*base, module] if module else base)


def _top_level_statements(body: list[ast.stmt]) -> list[ast.stmt]:
    """Module-level statements, looking into ``if``/``try``/``with`` blocks (not into defs)."""
    out: list[ast.stmt] = []
    for s in body:
        out.append(s)
        if isinstance(s, (ast.If, ast.Try, ast.With, ast.For, ast.While)) or type(s).__name__ == "TryStar":
            for attr in ("body", "orelse", "finalbody"):
                out.extend(_top_level_statements(getattr(s, attr, []) or []))
            for h in getattr(s, "handlers", []) or []:
                out.extend(_top_level_statements(h.body))
    return out


@dataclass(slots=True)
class ModuleBindings:
    """What one file binds at module level."""

    imports: dict[str, ImportBinding]  # name -> the import binding it (last one wins)
    others: dict[str, list[int]]  # name -> lines of non-import bindings (defs, classes, assignments)
    star_import: bool
    future_annotations: bool

    def binds(self, name: str) -> bool:
        return name in self.imports or name in self.others


def module_bindings(tree: ast.Module, rel_path: str) -> ModuleBindings:
    imports: dict[str, ImportBinding] = {}
    others: dict[str, list[int]] = {}
    star = False
    future = False
    for s in _top_level_statements(tree.body):
        if isinstance(s, ast.Import):
            for a in s.names:
                bound = a.asname or a.name.split(".")[0]
                stmt = f"import {a.name} as {a.asname}" if a.asname else f"import {a.name}"
                imports[bound] = ImportBinding(bound, stmt, s.lineno)
        elif isinstance(s, ast.ImportFrom):
            mod = absolute_module(rel_path, s.module, s.level)
            if mod == "__future__":
                future = future or any(a.name == "annotations" for a in s.names)
                continue
            for a in s.names:
                if a.name == "*":
                    star = True
                    continue
                bound = a.asname or a.name
                stmt = f"from {mod} import {a.name}" + (f" as {a.asname}" if a.asname else "")
                imports[bound] = ImportBinding(bound, stmt, s.lineno)
        elif isinstance(s, DEF_TYPES):
            others.setdefault(s.name, []).append(s.lineno)
        elif isinstance(s, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = s.targets if isinstance(s, ast.Assign) else [s.target]
            for t in targets:
                for n in _target_names(t):
                    others.setdefault(n, []).append(s.lineno)
        elif isinstance(s, (ast.For, ast.With)):
            tgt = s.target if isinstance(s, ast.For) else None
            if tgt is not None:
                for n in _target_names(tgt):
                    others.setdefault(n, []).append(s.lineno)
            if isinstance(s, ast.With):
                for item in s.items:
                    if item.optional_vars is not None:
                        for n in _target_names(item.optional_vars):
                            others.setdefault(n, []).append(s.lineno)
    return ModuleBindings(imports, others, star, future)


def find_def(tree: ast.Module, line: int, name: str) -> tuple[Defn, list[Defn]] | None:
    """The definition whose keyword is at ``line`` and its enclosing definitions (outermost first)."""

    def walk(node: ast.AST, chain: list[Defn]) -> tuple[Defn, list[Defn]] | None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, DEF_TYPES):
                if child.lineno == line and child.name == name:
                    return child, chain
                end = child.end_lineno or child.lineno
                if child.lineno <= line <= end:
                    found = walk(child, [*chain, child])
                    if found:
                        return found
            elif isinstance(child, ast.stmt):
                end = getattr(child, "end_lineno", None) or child.lineno
                if child.lineno <= line <= end:
                    found = walk(child, chain)
                    if found:
                        return found
        return None

    return walk(tree, [])


def swallowed_tests(node: Defn, prefix: str = "test") -> int:
    """Test functions hidden inside a class's methods (not methods themselves): pytest never runs them."""
    if not isinstance(node, ast.ClassDef):
        return 0
    count = 0
    for member in node.body:
        if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)):
            count += sum(
                1 for n in ast.walk(member)
                if n is not member and isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                and n.name.startswith(prefix)
            )
    return count


def names_used_outside(tree: ast.Module, spans: list[tuple[int, int]]) -> set[str]:
    """Names read anywhere in the module outside the given inclusive line spans.

    Also counts the strings of a module-level ``__all__`` and names in string
    annotations, so that a re-exported or forward-referenced import is kept.
    """
    out: set[str] = set()

    def outside(n: ast.AST) -> bool:
        ln = getattr(n, "lineno", None)
        return ln is None or not any(a <= ln <= b for a, b in spans)

    for n in ast.walk(tree):
        if isinstance(n, ast.Name) and outside(n):
            out.add(n.id)
        elif isinstance(n, ast.Constant) and isinstance(n.value, str) and outside(n):
            out.update(_IDENT.findall(n.value)) if len(n.value) < 200 else None
    return out


_IDENT = re.compile(r"[A-Za-z_]\w*")


def snake_case(name: str) -> str:
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s)
    return re.sub(r"\W+", "_", s).strip("_").lower()


def camel_case(name: str) -> str:
    return "".join(p[:1].upper() + p[1:] for p in re.split(r"[^A-Za-z0-9]+", name) if p)


_EXCEPTION_BASES = frozenset(n for n in dir(builtins) if isinstance(getattr(builtins, n), type)
                             and issubclass(getattr(builtins, n), BaseException))


def is_exception_class(node: Defn) -> bool:
    """A class whose bases say it is an exception (a builtin exception, or a name ending in Error/Exception)."""
    if not isinstance(node, ast.ClassDef):
        return False
    for b in node.bases:
        name = b.id if isinstance(b, ast.Name) else b.attr if isinstance(b, ast.Attribute) else ""
        if name in _EXCEPTION_BASES or name.endswith(("Error", "Exception", "Warning")):
            return True
    return False


def _annotation_nodes(tree: ast.AST) -> set[int]:
    out: set[int] = set()
    for n in ast.walk(tree):
        anns: list[ast.AST | None] = []
        if isinstance(n, (ast.arg, ast.AnnAssign)):
            anns.append(n.annotation)
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
            anns.append(n.returns)
        for a in anns:
            if a is not None:
                out.update(id(x) for x in ast.walk(a))
    return out


def identity_uses(tree: ast.Module, names: set[str]) -> dict[str, str]:
    """For each of ``names``, the first use in the module that can see the object's identity.

    Calling it (``Name(...)``) and annotating with it do not; ``isinstance``/``issubclass``,
    ``except``, ``raise``, subclassing, ``is`` comparisons, ``__all__`` and any other use as a
    value (passed, stored, its attributes read) do.  Uses inside a definition of the same name
    are its own business and not counted.
    """
    if not names:
        return {}
    out: dict[str, str] = {}
    parent: dict[int, ast.AST] = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parent[id(child)] = node
    annotations = _annotation_nodes(tree)
    own: list[tuple[str, int, int]] = [(n.name, n.lineno, n.end_lineno or n.lineno) for n in ast.walk(tree)
                                       if isinstance(n, DEF_TYPES) and n.name in names]
    for s in tree.body:  # __all__ = [...] names it: exported
        if isinstance(s, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = s.targets if isinstance(s, ast.Assign) else [s.target]
            if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets) and s.value is not None:
                for c in ast.walk(s.value):
                    if isinstance(c, ast.Constant) and c.value in names:
                        out.setdefault(c.value, f"listed in __all__ (line {s.lineno})")
    for n in ast.walk(tree):
        if not (isinstance(n, ast.Name) and n.id in names and isinstance(n.ctx, ast.Load)) or n.id in out:
            continue
        if id(n) in annotations:
            continue
        if any(name == n.id and a <= n.lineno <= b for name, a, b in own):
            continue
        p = parent.get(id(n))
        how = "used as a value"
        if isinstance(p, ast.Call) and p.func is n:
            continue
        if isinstance(p, ast.Call) and isinstance(p.func, ast.Name) and p.func.id in ("isinstance", "issubclass"):
            how = f"checked with {p.func.id}()"
        elif (isinstance(p, ast.Tuple) and isinstance(parent.get(id(p)), ast.ExceptHandler)) \
                or isinstance(p, ast.ExceptHandler):
            how = "caught by an except clause"
        elif isinstance(p, ast.Tuple) and isinstance(parent.get(id(p)), ast.Call):
            how = "passed in a tuple (isinstance or except)"
        elif isinstance(p, ast.Raise):
            how = "raised"
        elif isinstance(p, ast.ClassDef):
            how = "subclassed"
        elif isinstance(p, ast.Compare) and any(isinstance(o, (ast.Is, ast.IsNot)) for o in p.ops):
            how = "compared with `is`"
        elif isinstance(p, ast.Attribute):
            how = f"its attribute {p.attr!r} read"
        out[n.id] = f"{how} at line {n.lineno}"
    return out
