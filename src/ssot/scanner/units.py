"""Walk an AST and list its units: classes, non-test functions and fixtures.

Methods belong to their class and are not units of their own; test functions
(``test*``) are not units, but definitions nested in either are.
"""

from __future__ import annotations

import ast
from typing import NamedTuple

from ssot.model import Fingerprint
from ssot.scanner.fingerprint import fingerprint, kind_of

TEST_PREFIX = "test"


class Unit(NamedTuple):
    """A definition as extracted from one file (lines relative to the parsed text).

    A named tuple rather than a dataclass: the cache holds tens of thousands of them and a tuple
    unpickles several times faster, which is most of a warm rescan.
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
    own_lines: int  # code lines not inside nested units: what min_lines is compared with

    def moved(self, offset: int) -> Unit:
        if not offset:
            return self
        return self._replace(line=self.line + offset, start_line=self.start_line + offset,
                             end_line=self.end_line + offset)


Defn = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


def _start(node: Defn) -> int:
    return min([node.lineno, *(d.lineno for d in node.decorator_list)])


def _code_lines(node: Defn, nested: list[Defn]) -> int:
    """Lines holding the definition's own code: no blank or comment lines, no nested unit."""
    lines: set[int] = set(range(_start(node), node.lineno + 1))
    skip = {id(n) for n in nested}
    todo: list[ast.stmt] = list(node.body)
    while todo:
        stmt = todo.pop()
        if id(stmt) in skip:
            continue
        children = [c for f in ("body", "orelse", "finalbody") for c in getattr(stmt, f, None) or ()]
        children += [c for h in getattr(stmt, "handlers", None) or () for c in h.body]
        children += [c for h in getattr(stmt, "cases", None) or () for c in h.body]
        if children:
            first = min(c.lineno for c in children)
            lines.update(range(stmt.lineno, max(stmt.lineno, first - 1) + 1))
            todo.extend(children)
        else:
            lines.update(range(stmt.lineno, (stmt.end_lineno or stmt.lineno) + 1))
    return len(lines)


def walk_units(body: list[ast.stmt], fingerprints: dict[str, Fingerprint]) -> list[Unit]:
    """Every unit in ``body`` (a module or chunk), fingerprinting new ones into ``fingerprints``."""
    out: list[Unit] = []

    def visit(stmts: list[ast.stmt], prefix: str, in_class: bool, depth: int) -> list[Defn]:
        """Visit statements; return the units found directly at this level."""
        found: list[Defn] = []
        for node in stmts:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                is_func = not isinstance(node, ast.ClassDef)
                is_unit = not (is_func and (in_class or node.name.startswith(TEST_PREFIX)))
                if is_func:
                    inner = f"{prefix}{node.name}.<locals>."
                    inner_units = visit(node.body, inner, False, depth + 1)
                else:
                    inner_units = visit(node.body, f"{prefix}{node.name}.", True, depth + 1)
                if is_unit:
                    fp = fingerprint(node)
                    fingerprints.setdefault(fp.digest, fp)
                    methods = [n for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
                    out.append(Unit(
                        line=node.lineno, start_line=_start(node), end_line=node.end_lineno or node.lineno,
                        qualname=prefix + node.name, name=node.name, kind=kind_of(node), digest=fp.digest,
                        nested=depth > 0, is_async=isinstance(node, ast.AsyncFunctionDef),
                        has_init=not is_func and any(m.name == "__init__" for m in methods),
                        test_methods=0 if is_func else sum(m.name.startswith(TEST_PREFIX) for m in methods),
                        own_lines=_code_lines(node, inner_units),
                    ))
                    found.append(node)
                else:
                    found.extend(inner_units)
            else:
                for field in ("body", "orelse", "finalbody", "handlers", "cases"):
                    sub = getattr(node, field, None)
                    if sub:
                        nested_stmts = [s for h in sub for s in getattr(h, "body", [h])] \
                            if field in ("handlers", "cases") else sub
                        found.extend(visit(nested_stmts, prefix, in_class, depth))
        return found

    visit(body, "", False, 0)
    out.sort(key=lambda u: u.line)
    return out
