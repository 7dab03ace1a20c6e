"""Walk an AST and list its units: every class, function, method, fixture and test, nested or not."""

from __future__ import annotations

import ast
from bisect import bisect_left, bisect_right
from typing import NamedTuple

from ssot.model import Fingerprint
from ssot.scanner.fingerprint import DEFS, TEST_PREFIX, DefInfo, walk_definition


class Unit(NamedTuple):
    """A definition as extracted from one file (lines relative to the parsed text).

    A named tuple rather than a dataclass: the cache holds hundreds of thousands of them and a
    tuple unpickles several times faster, which is most of a warm rescan.
    """

    line: int
    start_line: int
    end_line: int
    qualname: str
    name: str
    kind: str
    digest: str
    nested: bool
    is_async: bool
    has_init: bool
    test_methods: int
    own_lines: int  # code lines (blank, comment and docstring-only lines out): what min_lines is compared with
    tokens: int  # code tokens (AST nodes; docstrings, comments and annotations left out)
    trivial: bool  # the body is only a docstring, pass or ...: never a copy
    free: tuple[str, ...]  # names read and not bound inside: what must resolve alike
    parent: str  # qualname of the enclosing definition ("" at module level)
    cosmetic: str  # digest of the behaviour-neutral parts (annotations, marks); "" when none

    def moved(self, offset: int) -> Unit:
        if not offset:
            return self
        return self._replace(line=self.line + offset, start_line=self.start_line + offset,
                             end_line=self.end_line + offset)

    def counts(self, min_lines: int, min_tokens: int) -> bool:
        """Whether the unit is large enough to be a copy (``min_lines``, ``min_tokens``) and is not trivial:
        the one rule the scan and ``ssot check FILE...`` apply."""
        return not self.trivial and self.own_lines >= min_lines and self.tokens >= min_tokens


Defn = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


def _start(node: Defn) -> int:
    return min([node.lineno, *(d.lineno for d in node.decorator_list)])


# per statement type: its fields holding statements, and whether it has handlers or cases holding some
_HOLDS: dict[type, tuple[tuple[str, ...], bool]] = {}
_NONE: list[ast.stmt] = []  # (shared: never written to)


def _children(stmt: ast.stmt) -> list[ast.stmt]:
    """The statements directly in ``stmt``: its bodies, then those of its handlers or cases."""
    plan = _HOLDS.get(type(stmt))
    if plan is None:
        fields = type(stmt)._fields
        plan = _HOLDS[type(stmt)] = (tuple(f for f in ("body", "orelse", "finalbody") if f in fields),
                                     "handlers" in fields or "cases" in fields)
    names, nested = plan
    if not names and not nested:  # a simple statement (most of them)
        return _NONE
    out: list[ast.stmt] = []
    for f in names:
        out.extend(getattr(stmt, f, None) or ())
    if nested:
        for h in getattr(stmt, "handlers", None) or ():
            out.extend(h.body)
        for h in getattr(stmt, "cases", None) or ():
            out.extend(h.body)
    return out


def code_lines(node: Defn) -> list[int]:
    """The lines holding the definition's code, nested definitions included (no blank or comment lines),
    sorted.  A definition inside it holds exactly those of its own span (:func:`lines_within`): statements
    never share a line across a definition's edge, so one walk of the outermost serves all of them."""
    lines: set[int] = set(range(_start(node), node.lineno + 1))
    todo: list[ast.stmt] = list(node.body)
    while todo:
        stmt = todo.pop()
        if isinstance(stmt, DEFS):
            lines.update(range(_start(stmt), stmt.lineno + 1))
            todo.extend(stmt.body)
            continue
        children = _children(stmt)
        if children:
            first = min(c.lineno for c in children)
            lines.update(range(stmt.lineno, max(stmt.lineno, first - 1) + 1))
            todo.extend(children)
        else:
            lines.update(range(stmt.lineno, (stmt.end_lineno or stmt.lineno) + 1))
    return sorted(lines)


def lines_within(lines: list[int], node: Defn) -> int:
    """How many of ``lines`` (sorted) lie in the span of ``node``, decorators included."""
    return bisect_right(lines, node.end_lineno or node.lineno) - bisect_left(lines, _start(node))


def _defs_in(stmts: list[ast.stmt]) -> list[Defn]:
    """The definitions directly in ``stmts`` (inside if/try/with/for blocks too, not inside other definitions)."""
    out: list[Defn] = []
    todo = list(reversed(stmts))
    while todo:
        s = todo.pop()
        if isinstance(s, DEFS):
            out.append(s)
        else:
            todo.extend(reversed(_children(s)))
    return out


def walk_units(body: list[ast.stmt], fingerprints: dict[str, Fingerprint], prefix: str = "", parent: str = "",
               in_class: bool = False, enclosing: frozenset[str] = frozenset()) -> list[Unit]:
    """Every definition in ``body`` (a module or chunk), at every level, fingerprinting new ones.

    ``prefix``, ``parent``, ``in_class`` and ``enclosing`` place a body cut out of its file (a method
    parsed alone): the qualname prefix (``A.``), the enclosing definition's qualname, whether that is a
    class, and the names of every enclosing definition.
    """
    out: list[Unit] = []
    for top in _defs_in(body):
        found: list[DefInfo] = []
        walk_definition(top, in_class, enclosing, found)
        info = {id(i.node): i for i in found}
        lines = code_lines(top)
        todo: list[tuple[Defn, str, str, int]] = [(top, prefix, parent, int(bool(parent)))]
        while todo:
            node, pre, par, depth = todo.pop()
            i = info[id(node)]
            if i.digest not in fingerprints:
                fingerprints[i.digest] = i.fingerprint()
            qualname = pre + node.name
            is_class = isinstance(node, ast.ClassDef)
            methods = [n for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))] \
                if is_class else []
            out.append(Unit(
                line=node.lineno, start_line=_start(node), end_line=node.end_lineno or node.lineno,
                qualname=qualname, name=node.name, kind=i.kind, digest=i.digest, nested=depth > 0,
                is_async=isinstance(node, ast.AsyncFunctionDef),
                has_init=any(m.name == "__init__" for m in methods),
                test_methods=sum(m.name.startswith(TEST_PREFIX) for m in methods),
                own_lines=lines_within(lines, node), tokens=i.size, trivial=i.trivial, parent=par,
                free=tuple(n for n in i.free if n not in qualname.replace(".<locals>", "").split(".")),
                cosmetic=i.cosmetic,
            ))
            inner = f"{qualname}." if is_class else f"{qualname}.<locals>."
            todo.extend((d, inner, qualname, depth + 1) for d in _defs_in(node.body))
    out.sort(key=lambda u: (u.line, u.nested))
    return out
