"""Fingerprints of one definition: what makes two copies the same, or alike.

* the **digest** is equal for copies that are interchangeable: the AST with
  docstrings dropped and the defined name replaced (comments, formatting and
  quote style never reach the AST);
* the **shape** is the multiset of statement shapes with names and literals
  abstracted away: near-miss variants share most of it;
* the **tokens** are the identifiers and literals used: look-alikes that only
  share a structure (a trap) share few of them.
"""

from __future__ import annotations

import ast
import hashlib

from ssot.model import Fingerprint, Kind

FIXTURE_DECORATORS = frozenset({"fixture", "pytest.fixture", "pytest_asyncio.fixture", "yield_fixture"})
DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def stable_hash(text: str) -> int:
    """A hash that is the same in every process (``hash()`` is salted per process)."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")


def decorator_name(node: ast.expr) -> str:
    if isinstance(node, ast.Call):
        node = node.func
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


def is_fixture(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(decorator_name(d) in FIXTURE_DECORATORS for d in node.decorator_list)


def kind_of(node: ast.AST) -> Kind:
    if isinstance(node, ast.ClassDef):
        return "class"
    assert isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    return "fixture" if is_fixture(node) else "function"


def _has_docstring(body: list[ast.stmt]) -> bool:
    return bool(body) and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
        and isinstance(body[0].value.value, str)


def _clone(node: ast.AST) -> ast.AST:
    """A deep copy of an AST (``copy.deepcopy`` is several times slower)."""
    new = type(node).__new__(type(node))
    for name in node._attributes:
        if hasattr(node, name):
            setattr(new, name, getattr(node, name))
    for name in node._fields:
        value = getattr(node, name, None)
        if isinstance(value, list):
            value = [_clone(v) if isinstance(v, ast.AST) else v for v in value]
        elif isinstance(value, ast.AST):
            value = _clone(value)
        setattr(new, name, value)
    return new


def strip(node: ast.AST, own_name: str) -> ast.AST:
    """A copy without docstrings, with the defined name (and references to it) replaced by ``_``."""
    node = _clone(node)
    for sub in ast.walk(node):
        if isinstance(sub, DEFS) and _has_docstring(sub.body):
            sub.body = sub.body[1:] or [ast.Pass()]
        if isinstance(sub, ast.Name) and sub.id == own_name:
            sub.id = "_"
    assert isinstance(node, DEFS)
    node.name = "_"
    return node


_BODY_FIELDS = frozenset({"body", "orelse", "finalbody", "handlers", "cases"})


def _shape_of(stmt: ast.stmt) -> str:
    """The statement's own structure (nested statements excluded), names and literals abstracted."""
    out: list[str] = []
    todo: list[ast.AST] = [stmt]
    while todo:
        n = todo.pop()
        out.append(type(n).__name__)
        if isinstance(n, ast.Constant):
            out.append(type(n.value).__name__)
        elif isinstance(n, ast.arguments):
            out.append(str(len(n.args) + len(n.posonlyargs) + len(n.kwonlyargs)))
        for name, value in ast.iter_fields(n):
            if n is stmt and name in _BODY_FIELDS:
                continue
            if isinstance(value, ast.AST):
                todo.append(value)
            elif isinstance(value, list):
                todo.extend(v for v in value if isinstance(v, ast.AST))
    return " ".join(out)


def _tokens(node: ast.AST) -> set[str]:
    toks: set[str] = set()
    for n in ast.walk(node):
        if isinstance(n, ast.Name):
            toks.add(n.id)
        elif isinstance(n, ast.Attribute):
            toks.add("." + n.attr)
        elif isinstance(n, ast.arg):
            toks.add(n.arg)
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            toks.add("def " + n.name)
        elif isinstance(n, ast.Constant) and isinstance(n.value, (str, bytes, int, float)):
            toks.add(repr(n.value)[:40])
        elif isinstance(n, ast.keyword) and n.arg:
            toks.add(n.arg + "=")
    toks.discard("_")
    toks.discard("def _")
    return toks


def fingerprint(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> Fingerprint:
    """Fingerprint one definition (its own name does not count)."""
    stripped = strip(node, node.name)
    kind = kind_of(node)
    dump = ast.dump(stripped, annotate_fields=False, include_attributes=False)
    digest = hashlib.blake2b(f"{kind}:{dump}".encode(), digest_size=12).hexdigest()
    shapes: list[int] = []
    for n in ast.walk(stripped):
        if isinstance(n, ast.stmt) and not isinstance(n, ast.Pass):
            shapes.append(stable_hash(_shape_of(n)))
    return Fingerprint(
        digest=digest,
        kind=kind,
        source=ast.unparse(stripped),
        statements=len(shapes),
        shape=tuple(sorted(shapes)),
        tokens=frozenset(_tokens(stripped)),
    )
