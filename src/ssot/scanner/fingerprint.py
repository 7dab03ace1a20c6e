"""Fingerprints of definitions, every level of a tree in one bottom-up pass.

One walk over a definition's AST gives, for it and for every definition
nested in it (a nested definition is walked once, its results folded into its
parent's):

* the **digest**, equal for copies that are interchangeable: the tree with
  docstrings, annotations and the defined names (the definition's own and
  its enclosing ones, wherever they are referred to) left out; comments,
  formatting and quote style never reach the AST.  An exception class keeps
  its name: two distinct exception types are never interchangeable;
* the **cosmetic** digest of what was left out that does not change behaviour
  (annotations, a ``pytest.mark`` on a class pytest does not collect): copies
  with equal digests and different cosmetic digests are one equivalence
  class, their difference listed as cosmetic;
* the **shape**, the multiset of statement shapes with names and literals
  abstracted away: near-miss variants share most of it;
* the **tokens**, the identifiers and literals used: look-alikes that only
  share a structure (a trap) share few of them;
* the **size** in code tokens (AST nodes: no docstring, comment or
  annotation counts) and whether the body is only a docstring, ``pass`` or
  ``...`` (never a copy);
* the **free names**: names read and not bound inside, which must resolve to
  the same things for two copies to be interchangeable.

No deep copy, no ``ast.dump``, no ``ast.unparse``.
"""

from __future__ import annotations

import ast
import builtins
import hashlib
from dataclasses import dataclass, field

from ssot.model import Fingerprint, Kind
from ssot.scanner.accel import load

FIXTURE_DECORATORS = frozenset({"fixture", "pytest.fixture", "pytest_asyncio.fixture", "yield_fixture"})
DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
TEST_PREFIX = "test"
BUILTINS = frozenset(dir(builtins)) | {"__file__", "__name__", "__class__", "__doc__", "__spec__"}
_EXCEPTION_SUFFIXES = ("Error", "Exception", "Warning", "Exit", "Interrupt")
_SKIP_FIELDS = frozenset({"ctx", "type_comment", "annotation", "returns", "type_params"})
_BODY_FIELDS = frozenset({"body", "orelse", "finalbody", "handlers", "cases"})
# lexical tokens a node stands for beyond its children (keywords, brackets, operators, ``:``); commas
# between list items are added as they come: the size comes close to what jscpd or PMD CPD count
_TOKENS = {
    "Attribute": 2, "Call": 2, "Subscript": 2, "List": 2, "Tuple": 2, "Dict": 2, "Set": 2, "keyword": 2,
    "FunctionDef": 5, "AsyncFunctionDef": 6, "ClassDef": 3, "Assign": 2, "AugAssign": 2, "AnnAssign": 2,
    "If": 2, "For": 4, "AsyncFor": 5, "While": 2, "With": 2, "AsyncWith": 3, "Try": 2, "TryStar": 2,
    "ExceptHandler": 3, "Lambda": 2, "comprehension": 2, "ListComp": 2, "SetComp": 2, "DictComp": 3,
    "GeneratorExp": 2, "IfExp": 2, "Starred": 1, "Slice": 1, "withitem": 1, "Await": 1, "Yield": 1,
    "YieldFrom": 2, "NamedExpr": 1, "JoinedStr": 1, "FormattedValue": 0, "Load": 0, "Store": 0, "Del": 0,
    "arguments": 0, "alias": 1, "ImportFrom": 2, "Import": 1, "match_case": 2, "Match": 2,
}


def hex_digest(text: str, size: int) -> str:
    """A short hex digest of any text (file names may hold lone surrogates: they hash too)."""
    return hashlib.blake2b(text.encode("utf-8", "surrogateescape"), digest_size=size).hexdigest()


def stable_hash(text: str) -> int:
    """A hash that is the same in every process (``hash()`` is salted per process)."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8", "surrogateescape"), digest_size=8).digest(), "little")


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


def kind_of(node: ast.AST, in_class: bool = False) -> Kind:
    """``class``, ``fixture``, ``test`` (a ``test*`` function or method), ``method`` or ``function``."""
    if isinstance(node, ast.ClassDef):
        return "class"
    assert isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    if is_fixture(node):
        return "fixture"
    if node.name.startswith(TEST_PREFIX):
        return "test"
    return "method" if in_class else "function"


def _has_docstring(body: list[ast.stmt]) -> bool:
    return bool(body) and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
        and isinstance(body[0].value.value, str)


def is_trivial(body: list[ast.stmt]) -> bool:
    """A body that is only a docstring, ``pass`` or ``...``: nothing to copy."""
    for stmt in body:
        if isinstance(stmt, ast.Pass):
            continue
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) \
                and (isinstance(stmt.value.value, str) or stmt.value.value is Ellipsis):
            continue
        return False
    return True


def is_exception_class(node: ast.ClassDef) -> bool:
    return any(decorator_name(b).rsplit(".", 1)[-1].endswith(_EXCEPTION_SUFFIXES)
               or decorator_name(b) in ("BaseException", "Exception") for b in node.bases) \
        or node.name.endswith(_EXCEPTION_SUFFIXES)


def _is_mark(d: ast.expr) -> bool:
    name = decorator_name(d)
    return name.startswith(("pytest.mark.", "mark."))


@dataclass(slots=True)
class DefInfo:
    """What the walk learnt about one definition (its nested ones folded in)."""

    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
    kind: Kind
    digest: str
    cosmetic: str
    shapes: list[int] = field(default_factory=list)
    tokens: set[str] = field(default_factory=set)
    size: int = 0
    loads: set[str] = field(default_factory=set)
    stores: set[str] = field(default_factory=set)
    trivial: bool = False

    @property
    def free(self) -> tuple[str, ...]:
        return tuple(sorted(self.loads - self.stores - BUILTINS))

    def fingerprint(self) -> Fingerprint:
        return Fingerprint(digest=self.digest, kind=self.kind, source="", statements=len(self.shapes),
                           shape=tuple(sorted(self.shapes)), tokens=frozenset(self.tokens - {"_", "def _"}))


class _Acc:
    """Accumulates one definition's facts during the walk."""

    __slots__ = ("cosmetic", "loads", "own", "shapes", "size", "stores", "tokens")

    def __init__(self, own: frozenset[str]) -> None:
        self.shapes: list[int] = []
        self.tokens: set[str] = set()
        self.size = 0
        self.loads: set[str] = set()
        self.stores: set[str] = set()
        self.cosmetic: list[str] = []
        self.own = own


def walk_definition(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, in_class: bool,
                    enclosing: frozenset[str], found: list[DefInfo]) -> DefInfo:
    """Fingerprint ``node`` and every definition inside it; each is appended to ``found`` (inner first)."""
    own = enclosing | {node.name}
    acc = _Acc(own)
    kind = kind_of(node, in_class)
    is_class = isinstance(node, ast.ClassDef)
    parts: list[str] = [type(node).__name__]
    if isinstance(node, ast.ClassDef) and is_exception_class(node):
        parts.append(node.name)  # distinct exception types are never interchangeable
    # decorators: a mark on a class pytest does not collect changes nothing
    for d in node.decorator_list:
        if is_class and not node.name.startswith("Test") and _is_mark(d):
            acc.cosmetic.append(_cosmetic(d, acc))
        else:
            parts.append("@" + _expr(d, acc)[0])
    if isinstance(node, ast.ClassDef):
        acc.shapes.append(stable_hash(f"ClassDef {len(node.decorator_list)} {len(node.bases)}"))
        parts.append("(" + ",".join(_expr(b, acc)[0] for b in node.bases) + ";"
                     + ",".join(f"{k.arg}={_expr(k.value, acc)[0]}" for k in node.keywords) + ")")
    else:
        args = node.args
        canon, shape = _expr(args, acc)
        parts.append(canon)
        acc.shapes.append(stable_hash(f"{type(node).__name__} {len(node.decorator_list)} {shape}"))
        if node.returns is not None:
            acc.cosmetic.append("->" + _cosmetic(node.returns, acc))
    body = node.body[1:] if _has_docstring(node.body) else node.body
    parts.append(_stmts(body, acc, is_class, own, found))
    with_bases = isinstance(node, ast.ClassDef) and bool(node.bases or node.keywords)
    acc.size += _TOKENS[type(node).__name__] + 2 * with_bases
    digest = hex_digest(f"{kind}:{'|'.join(parts)}", 12)
    cosmetic = hex_digest("|".join(acc.cosmetic), 6) if acc.cosmetic else ""
    info = DefInfo(node=node, kind=kind, digest=digest, cosmetic=cosmetic, shapes=acc.shapes, tokens=acc.tokens,
                   size=acc.size, loads=acc.loads, stores=acc.stores, trivial=is_trivial(node.body))
    found.append(info)
    return info


def _stmts(stmts: list[ast.stmt], acc: _Acc, in_class: bool, own: frozenset[str], found: list[DefInfo]) -> str:
    out: list[str] = []
    for s in stmts:
        if isinstance(s, DEFS):
            inner = walk_definition(s, in_class, own, found)
            acc.shapes.extend(inner.shapes)
            acc.tokens |= inner.tokens
            acc.tokens.add("def " + s.name)
            acc.size += inner.size
            acc.loads |= inner.loads
            acc.stores |= inner.stores
            acc.stores.add(s.name)
            out.append(f"{s.name}={inner.digest}")
            continue
        canon, shape = _node(s, acc, in_class, found)
        if not isinstance(s, ast.Pass):
            acc.shapes.append(stable_hash(shape))
        out.append(canon)
    return "[" + ";".join(out) + "]"


def _cosmetic(node: ast.AST, acc: _Acc) -> str:
    """A behaviour-neutral part: its text, without its names, size or shape counting."""
    return _expr(node, _Acc(acc.own))[0]


def _expr(node: ast.AST, acc: _Acc) -> tuple[str, str]:
    return _node(node, acc, False, None)


_Plan = tuple[str, int, tuple[tuple[str, bool], ...], tuple[str, ...]]


def _plan(cls: type) -> _Plan:
    """What :func:`_node` needs of a node type: its name, its size, the fields it walks (each with
    whether it is a statement body) and the skipped fields it reads for cosmetic parts (computed once per
    type)."""
    t = cls.__name__
    names: tuple[str, ...] = getattr(cls, "_fields", ())
    fields = tuple((f, f in _BODY_FIELDS) for f in names if f not in _SKIP_FIELDS)
    cosmetic = tuple(f for f in names if f in ("annotation", "returns"))
    return t, _TOKENS.get(t, 1), fields, cosmetic


_PLANS: dict[type, _Plan] = {}
_LEAVES: dict[type, tuple[tuple[str, str], int]] = {}  # node types without fields (operators): texts, size
_NAME, _CONSTANT, _LOAD, _ATTRIBUTE, _AST = ast.Name, ast.Constant, ast.Load, ast.Attribute, ast.AST
_ATTRIBUTE_TOKENS = _TOKENS["Attribute"]
_SPECIAL = frozenset({ast.Attribute, ast.arg, ast.ExceptHandler, ast.keyword, ast.Import, ast.ImportFrom,
                      ast.arguments, ast.AnnAssign})


def _node(node: ast.AST, acc: _Acc, in_class: bool, found: list[DefInfo] | None) -> tuple[str, str]:
    """``(canonical text, shape text)`` of a node; statement bodies go through :func:`_stmts`."""
    cls = type(node)
    # the commonest nodes first, each worth one token (see _TOKENS): a fifth of the scan's time is here
    if cls is _NAME:
        acc.size += 1
        name = node.id  # type: ignore[attr-defined]
        if type(node.ctx) is _LOAD:  # type: ignore[attr-defined]
            acc.loads.add(name)
        else:
            acc.stores.add(name)
        if name in acc.own:
            name = "_"
        acc.tokens.add(name)
        return "N" + name, "N"
    if cls is _CONSTANT:
        acc.size += 1
        v = node.value  # type: ignore[attr-defined]
        r = repr(v)
        if isinstance(v, (str, bytes, int, float)):
            acc.tokens.add(r[:40])
        return "C" + r, "C" + type(v).__name__
    if cls is _ATTRIBUTE:  # (what the general path below gives it, without the plan)
        acc.size += _ATTRIBUTE_TOKENS
        attr = node.attr  # type: ignore[attr-defined]
        acc.tokens.add("." + attr)
        c, sh = _node(node.value, acc, in_class, found)  # type: ignore[attr-defined]
        return f"(Attribute {c} {attr!r})", "Attribute " + sh
    leaf = _LEAVES.get(cls)
    if leaf is not None:
        acc.size += leaf[1]
        return leaf[0]
    plan = _PLANS.get(cls)
    if plan is None:
        plan = _PLANS[cls] = _plan(cls)
        if not getattr(cls, "_fields", ()):
            _LEAVES[cls] = ((f"({plan[0]})", plan[0]), plan[1])
            return _node(node, acc, in_class, found)
    t, size, fields, cosmetic_fields = plan
    acc.size += size
    canon: list[str] = [t]
    shape: list[str] = [t]
    if cls in _SPECIAL:
        if cls is ast.Attribute:
            acc.tokens.add("." + node.attr)  # type: ignore[attr-defined]
        elif cls is ast.arg:
            acc.stores.add(node.arg)  # type: ignore[attr-defined]
            acc.tokens.add(node.arg)  # type: ignore[attr-defined]
        elif cls is ast.ExceptHandler:
            if node.name:  # type: ignore[attr-defined]
                acc.stores.add(node.name)  # type: ignore[attr-defined]
        elif cls is ast.keyword:
            if node.arg:  # type: ignore[attr-defined]
                acc.tokens.add(node.arg + "=")  # type: ignore[attr-defined]
        elif cls is ast.Import or cls is ast.ImportFrom:
            for a in node.names:  # type: ignore[attr-defined]
                acc.stores.add((a.asname or a.name).split(".")[0])
        elif cls is ast.arguments:
            shape.append(str(len(node.args) + len(node.posonlyargs) + len(node.kwonlyargs)))  # type: ignore[attr-defined]
        elif cls is ast.AnnAssign:
            if node.value is None and not in_class:  # type: ignore[attr-defined]
                # a bare annotation in a function body does nothing; in a class body it declares a field
                if node.annotation is not None:  # type: ignore[attr-defined]
                    acc.cosmetic.append(_cosmetic(node.annotation, acc))  # type: ignore[attr-defined]
                return "AnnAssign-", "AnnAssign-"
            if in_class:
                canon.append("ann")  # a declared field (dataclass, pydantic): the annotation is not behaviour-neutral
                canon.append(_expr(node.annotation, acc)[0])  # type: ignore[attr-defined]
    if cosmetic_fields and not (cls is ast.AnnAssign and in_class):
        for name in cosmetic_fields:
            value = getattr(node, name, None)
            if isinstance(value, ast.AST):
                acc.cosmetic.append(_cosmetic(value, acc))
    for name, body in fields:
        value = getattr(node, name, None)
        if value is None:
            continue
        if type(value) is list:
            if body:
                if found is not None and value and isinstance(value[0], ast.stmt):
                    canon.append(_stmts(value, acc, in_class, acc.own, found))
                    continue
                items = [_node(v, acc, in_class, found)[0] if isinstance(v, _AST) else repr(v) for v in value]
            else:
                if len(value) > 1:
                    acc.size += len(value) - 1 if cls is not ast.Dict else 2 * len(value) - 1
                items = []
                for v in value:
                    if isinstance(v, _AST):
                        c, sh = _node(v, acc, in_class, found)
                        items.append(c)
                        shape.append(sh)
                    else:
                        items.append(repr(v))
            canon.append("[" + ",".join(items) + "]")
        elif isinstance(value, _AST):
            c, sh = _node(value, acc, in_class, found)
            canon.append(c)
            shape.append(sh)
        else:
            canon.append(repr(value))
    return "(" + " ".join(canon) + ")", " ".join(shape)


node_python = _node  # (the reference the C accelerator is held to)
_accel = load("_fingerprint")
if _accel is not None:
    _accel.configure({name: getattr(ast, name) for name in (
        "AST", "stmt", "Name", "Constant", "Attribute", "Load", "arg", "ExceptHandler", "keyword", "Import",
        "ImportFrom", "arguments", "AnnAssign", "Dict")}, _plan, _stmts, _ATTRIBUTE_TOKENS)
    _node = _accel.node  # (every walk below a statement in C; statement bodies come back to _stmts)


def fingerprint(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> Fingerprint:
    """Fingerprint one definition (its own name does not count)."""
    return walk_definition(node, False, frozenset(), []).fingerprint()
