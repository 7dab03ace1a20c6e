"""How one equivalence class differs from another, in words a reviewer can act on.

Works on the normalised sources of two fingerprints ("adds method
receive_json", "get_messages is sync here", "attribute messages_sent renamed
to sent"), and decides whether a class is a compatible superset of another:
every method and class attribute of the other is present and identical, so
it could serve the other's users unchanged.
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Callable
from typing import Any

from ssot.model import Fingerprint

_Func = ast.FunctionDef | ast.AsyncFunctionDef


_parsed: dict[tuple[str, str], ast.stmt] = {}


def forget_trees() -> None:
    """Let the memoised trees go (each memo keeps its nodes alive).  Called once a family is described:
    its classes were compared with one another, and a fingerprint is in one family, so nothing later hits
    them; kept, a worker held every tree it had parsed (60 MiB each on the realcode monorepo)."""
    _parsed.clear()
    _per_node.clear()


def _parse(fp: Fingerprint) -> ast.stmt:
    """The definition of a fingerprint's source, docstrings left out (they never make a difference).

    Memoised on the digest and source (a class is compared with every other class of its family);
    callers never modify the tree.
    """
    key = (fp.digest, fp.source)
    node = _parsed.get(key)
    if node is None:
        if len(_parsed) > 4096:
            _parsed.clear()
        node = _parsed[key] = _parse_fresh(fp)
    return node


def _parse_fresh(fp: Fingerprint) -> ast.stmt:
    node = ast.parse(fp.source).body[0]
    lines = fp.source.split("\n")
    todo: list[ast.stmt] = [node]
    while todo:  # definitions are statements: only statement lists can hold one
        sub = todo.pop()
        _remember_text(sub, lines)
        if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for part in (*sub.decorator_list, *getattr(sub, "bases", ())):
                _remember_text(part, lines)
        if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and sub.body \
                and isinstance(sub.body[0], ast.Expr) and isinstance(sub.body[0].value, ast.Constant) \
                and isinstance(sub.body[0].value.value, str):
            sub.body = sub.body[1:] or [ast.Pass()]
        todo.extend(_statements_in(sub))
    return node


def _statements_in(stmt: ast.stmt) -> list[ast.stmt]:
    out: list[ast.stmt] = [*getattr(stmt, "body", ()), *getattr(stmt, "orelse", ()), *getattr(stmt, "finalbody", ())]
    for h in getattr(stmt, "handlers", ()):
        out.extend(h.body)
    for c in getattr(stmt, "cases", ()):
        out.extend(c.body)
    return out


def _walk(node: ast.AST) -> list[ast.AST]:
    """``ast.walk``'s nodes in its order (breadth first), as a list, without its generators."""
    out = [node]
    i = 0
    while i < len(out):
        n = out[i]
        i += 1
        for name in n._fields:
            value = getattr(n, name, None)
            if isinstance(value, ast.AST):
                out.append(value)
            elif isinstance(value, list):
                out.extend(v for v in value if isinstance(v, ast.AST))
    return out


def _members(cls: ast.ClassDef) -> tuple[dict[str, _Func], list[ast.stmt]]:
    methods = {n.name: n for n in cls.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    other = [n for n in cls.body if not isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Pass))]
    return methods, other


# what is known of a parsed node: (what, id of the node) -> (node, value).  The memo keeps the node alive,
# so its id stays unique; "text" is its source text and where on its lines it starts and ends.
_per_node: dict[tuple[str, int], tuple[object, object]] = {}
_PER_NODE_MAX = 400_000


def _keep(what: str, node: object, value: object) -> None:
    if len(_per_node) > _PER_NODE_MAX:
        _per_node.clear()
    _per_node[(what, id(node))] = (node, value)


def _known(what: str, node: object) -> tuple[bool, Any]:
    hit = _per_node.get((what, id(node)))
    return (True, hit[1]) if hit is not None and hit[0] is node else (False, None)


def _of(what: str, node: object, compute: Callable[[Any], Any]) -> Any:
    """``compute(node)`` memoised per node: the representative of a family is compared with each of its
    other classes."""
    found, value = _known(what, node)
    if not found:
        value = compute(node)
        _keep(what, node, value)
    return value


def _attrs(node: ast.AST) -> list[str]:
    """``self.<name>`` attributes the code assigns, in order of first assignment.

    Only assignments: ``self.__eq__(other)`` calls a method and ``self.x`` in an expression reads
    an attribute; neither "adds an attribute" (their changes show as a body that differs).
    """
    out: list[str] = []
    for n in _walk(node):
        if isinstance(n, ast.Attribute) and isinstance(n.ctx, (ast.Store, ast.Del)) \
                and isinstance(n.value, ast.Name) and n.value.id == "self" and n.attr not in out:
            out.append(n.attr)
    return out


class _Rename(ast.NodeTransformer):
    def __init__(self, mapping: dict[str, str]) -> None:
        self.mapping = mapping

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.value, ast.Name) and node.value.id == "self" and node.attr in self.mapping:
            node.attr = self.mapping[node.attr]
        return node


def _remember_text(node: ast.AST, lines: list[str]) -> None:
    if getattr(node, "end_lineno", None) is None:  # made here (the pass left of a docstring alone): no text
        return
    # a decorated definition's own position is its ``def``/``class`` line: its text starts at its decorators
    start = min((d.lineno for d in getattr(node, "decorator_list", ())), default=node.lineno)  # type: ignore[attr-defined]
    _keep("text", node, "\n".join(lines[start - 1:node.end_lineno])  # type: ignore[attr-defined]
          + f"\0{node.col_offset}\0{node.end_col_offset}")  # type: ignore[attr-defined]


def _same_text(a: ast.AST, b: ast.AST) -> bool:
    """Whether two nodes have the same source text at the same place (so they parsed the same)."""
    known_a, ta = _known("text", a)
    known_b, tb = _known("text", b)
    return known_a and known_b and ta == tb


def _same(a: ast.AST, b: ast.AST) -> bool:
    """Whether two nodes are the same code (their dumps would be equal): the same source text where it is
    known; a statement holding statements field by field, so that only its parts whose text differs are
    compared node by node (:func:`_equal`)."""
    if _same_text(a, b):
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, _HOLDERS):
        return all(_same_value(getattr(a, f, None), getattr(b, f, None)) for f in a._fields)
    return _equal(a, b, False)


def _equal(x: object, y: object, any_literal: bool) -> bool:
    """Whether two nodes dump alike (``ast.dump``, positions aside: the same node types, fields and values, a
    constant by its ``repr`` and kind); with ``any_literal``, any two constants are alike (their dumps with
    every ``Constant(...)`` blanked).  Compared in place, stopping at the first difference: dumping both
    was most of describing a family."""
    t = type(x)
    if t is not type(y):
        return False
    if t is _NAME:
        return x.id == y.id and type(x.ctx) is type(y.ctx)  # type: ignore[attr-defined]
    if t is _CONSTANT:
        return any_literal or (repr(x.value) == repr(y.value) and x.kind == y.kind)  # type: ignore[attr-defined]
    if isinstance(x, ast.AST):
        for f in x._fields:
            u, v = getattr(x, f, None), getattr(y, f, None)
            if u is v:  # (both None, or the one Load() a parse shares)
                continue
            if type(u) is list:
                if type(v) is not list or len(u) != len(v):
                    return False
                for p, q in zip(u, v, strict=True):
                    if not _equal(p, q, any_literal):
                        return False
            elif not _equal(u, v, any_literal):
                return False
        return True
    return x == y


_NAME, _CONSTANT = ast.Name, ast.Constant


# nodes that hold statements (their bodies are compared statement by statement)
_HOLDERS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.If, ast.For, ast.AsyncFor, ast.While, ast.With,
            ast.AsyncWith, ast.Try, ast.ExceptHandler, ast.match_case, ast.Match, *(
                (ast.TryStar,) if hasattr(ast, "TryStar") else ()))


def _same_value(x: object, y: object) -> bool:
    if isinstance(x, ast.AST) and isinstance(y, ast.AST):
        return _same(x, y)
    if isinstance(x, list) and isinstance(y, list):
        return len(x) == len(y) and all(_same_value(u, v) for u, v in zip(x, y, strict=True))
    return type(x) is type(y) and x == y


def _same_lists(a: list[ast.expr] | list[ast.stmt], b: list[ast.expr] | list[ast.stmt]) -> bool:
    return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))


def _signature(f: _Func) -> str:
    return ast.unparse(f.args)


def _literals(stmts: list[ast.stmt]) -> list[str]:
    return [repr(n.value) for s in stmts for n in _walk(s) if isinstance(n, ast.Constant)]


def _function_differences(name: str, a: _Func, b: _Func) -> list[str]:
    out: list[str] = []
    label = f"{name} " if name else ""
    if isinstance(a, ast.AsyncFunctionDef) != isinstance(b, ast.AsyncFunctionDef):
        out.append(f"{label}is {'async' if isinstance(b, ast.AsyncFunctionDef) else 'sync'} here".strip())
    sig_a, sig_b = _of("signature", a, _signature), _of("signature", b, _signature)
    if sig_a != sig_b:
        out.append(f"{name or 'it'} takes ({sig_b}) here instead of ({sig_a})")
    if not _same_lists(a.decorator_list, b.decorator_list):
        out.append(f"decorators of {name or 'it'} differ")
    if not _same_lists(a.body, b.body):
        out.extend(_body_difference(name or "it", a.body, b.body))
    return out


def _body_difference(name: str, a: list[ast.stmt], b: list[ast.stmt]) -> list[str]:
    """How body ``b`` differs from body ``a`` (they differ).  Statements of the same text are the same: only
    the others are compared node by node (the part of describing that cost most)."""
    if len(a) == len(b) and all(_same_text(x, y) or _equal(x, y, True)
                                for x, y in zip(a, b, strict=True)):  # the same but for literals, maybe
        la, lb = _of("literals", a, _literals), _of("literals", b, _literals)
        changed = [(x, y) for x, y in zip(la, lb, strict=False) if x != y] if len(la) == len(lb) else []
        if changed:
            return [f"literal {x} is {y} here" for x, y in changed[:3]]
    if len(b) > len(a) and all(_contains(b, s) for s in a):
        return [f"{name} has {len(b) - len(a)} more statement(s) here"]
    if len(b) < len(a) and all(_contains(a, s) for s in b):
        return [f"{name} has {len(a) - len(b)} fewer statement(s) here"]
    changed_n = sum(1 for x, y in zip(a, b, strict=False) if not _same(x, y)) + abs(len(a) - len(b))
    return [f"body of {name} differs ({changed_n} statement(s))"]


def _contains(stmts: list[ast.stmt], s: ast.stmt) -> bool:
    """Whether ``s`` is one of ``stmts`` (by text first, then node by node)."""
    return any(_same_text(s, t) for t in stmts) or any(_equal(s, t, False) for t in stmts)


def differences(base: Fingerprint, other: Fingerprint) -> list[str]:
    """What ``other`` does differently from ``base``; empty when they are interchangeable."""
    if base.digest == other.digest:
        return []
    try:
        a, b = _parse(base), _parse(other)
    except (SyntaxError, ValueError, RecursionError, IndexError):  # a source that does not stand alone
        return ["differs"]
    if isinstance(a, ast.ClassDef) and isinstance(b, ast.ClassDef):
        return _class_differences(a, b)
    functions = (ast.FunctionDef, ast.AsyncFunctionDef)
    if isinstance(a, functions) and isinstance(b, functions):
        return _function_differences("", a, b) or ["differs"]
    return ["a different kind of definition"]


def _class_differences(a: ast.ClassDef, b: ast.ClassDef) -> list[str]:
    out: list[str] = []
    if not _same_lists(a.bases, b.bases):
        out.append(f"bases are ({', '.join(ast.unparse(x) for x in b.bases)}) here")
    attrs_a, attrs_b = _of("attrs", a, _attrs), _of("attrs", b, _attrs)
    gone = [x for x in attrs_a if x not in attrs_b]
    new = [x for x in attrs_b if x not in attrs_a]
    mapping: dict[str, str] = {}
    if gone and len(gone) == len(new):
        mapping = dict(zip(new, gone, strict=True))
        out.extend(f"attribute {x} renamed to {y}" for x, y in zip(gone, new, strict=True))
    else:
        out.extend(f"has no attribute {x}" for x in gone)
        out.extend(f"adds attribute {x}" for x in new)
    if mapping:
        b = _Rename(mapping).visit(ast.parse(ast.unparse(b)).body[0])
        assert isinstance(b, ast.ClassDef)
    ma, oa = _members(a)
    mb, ob = _members(b)
    out.extend(f"adds method {n}" for n in mb if n not in ma)
    out.extend(f"has no method {n}" for n in ma if n not in mb)
    for n in ma:
        if n in mb and not _same(ma[n], mb[n]):
            out.extend(_function_differences(n, ma[n], mb[n]))
    if not _same_lists(oa, ob):
        out.append("class attributes differ")
    return _collapsed(out) or ["differs in details"]


def _collapsed(words: list[str]) -> list[str]:
    """Each difference once, in order, with how many times it was found when more than once (the same
    literal changed in twenty methods is one difference, not twenty)."""
    counts = Counter(words)
    return [w if counts[w] == 1 else f"{w} ({counts[w]} times)" for w in dict.fromkeys(words)]


def is_superset(big: Fingerprint, small: Fingerprint) -> bool:
    """Whether ``big`` could serve every user of ``small`` unchanged (classes only)."""
    if big.digest == small.digest or big.kind != "class" or small.kind != "class":
        return False
    try:
        a, b = _parse(big), _parse(small)
    except (SyntaxError, ValueError, RecursionError, IndexError):
        return False
    if not (isinstance(a, ast.ClassDef) and isinstance(b, ast.ClassDef)):
        return False
    if not (_same_lists(a.bases, b.bases) and _same_lists(a.decorator_list, b.decorator_list)):
        return False
    ma, oa = _members(a)
    mb, ob = _members(b)
    if not _same_lists(oa, ob):
        return False
    return len(ma) > len(mb) and all(n in ma and _same(ma[n], mb[n]) for n in mb)
