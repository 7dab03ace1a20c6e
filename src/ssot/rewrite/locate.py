"""Find a definition in a LibCST module by its qualified name, and edit along the path to it.

A full ``CSTTransformer`` pass visits every node of a file (as slow as the
parse itself); a definition is reached instead by walking down the statement
lists that lead to it, and the tree is rebuilt along that path only with
``with_changes``, so every other node (and byte) is shared untouched.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import libcst as cst

DefNode = cst.FunctionDef | cst.ClassDef
# one step down: (index in the statement list, which body: "body" / "orelse" / ...)
Step = tuple[int, str]

_COMPOUND = (cst.If, cst.With, cst.For, cst.While, cst.Try)


@dataclass(frozen=True, slots=True)
class Located:
    node: DefNode
    path: tuple[Step, ...]  # from the module body down to the node's own position
    enclosing: tuple[DefNode, ...]  # defs/classes around it, outermost first


def qual_parts(qualname: str) -> list[str]:
    return [p for p in qualname.split(".") if p and p != "<locals>"]


def _bodies(node: cst.CSTNode) -> list[tuple[str, Sequence[cst.BaseStatement]]]:
    """The statement lists directly inside a compound statement."""
    out: list[tuple[str, Sequence[cst.BaseStatement]]] = []
    body = getattr(node, "body", None)
    if isinstance(body, cst.IndentedBlock):
        out.append(("body", body.body))
    orelse = getattr(node, "orelse", None)
    if isinstance(orelse, cst.Else) and isinstance(orelse.body, cst.IndentedBlock):
        out.append(("orelse", orelse.body.body))
    elif isinstance(orelse, cst.If):
        out.append(("elif", [orelse]))
    return out


def find_all(statements: Sequence[cst.BaseStatement], qualname: str) -> list[Located]:
    """Every definition matching ``qualname``, in source order."""
    parts = qual_parts(qualname)
    found: list[Located] = []

    def walk(stmts: Sequence[cst.BaseStatement], want: list[str], path: tuple[Step, ...],
             enclosing: tuple[DefNode, ...], attr: str) -> None:
        for i, s in enumerate(stmts):
            here = (*path, (i, attr))
            if isinstance(s, (cst.FunctionDef, cst.ClassDef)):
                if s.name.value == want[0]:
                    if len(want) == 1:
                        found.append(Located(s, here, enclosing))
                    else:
                        for sub_attr, sub in _bodies(s):
                            walk(sub, want[1:], here, (*enclosing, s), sub_attr)
            elif isinstance(s, _COMPOUND):
                for sub_attr, sub in _bodies(s):
                    walk(sub, want, here, enclosing, sub_attr)

    walk(statements, parts, (), (), "body")
    return found


def _with_body(node: cst.BaseStatement, attr: str, new: list[cst.BaseStatement]) -> cst.BaseStatement:
    if attr == "body":
        return node.with_changes(body=node.body.with_changes(body=new))  # type: ignore[attr-defined]
    if attr == "orelse":
        orelse = node.orelse  # type: ignore[attr-defined]
        return node.with_changes(orelse=orelse.with_changes(body=orelse.body.with_changes(body=new)))
    if attr == "elif":
        assert len(new) == 1
        return node.with_changes(orelse=new[0])
    raise ValueError(attr)


def _stmts_of(node: cst.CSTNode, attr: str) -> list[cst.BaseStatement]:
    for a, stmts in _bodies(node):
        if a == attr:
            return list(stmts)
    raise ValueError(attr)


Edit = Callable[[list[cst.BaseStatement], int], list[cst.BaseStatement]]


def edit_at(module_body: Sequence[cst.BaseStatement], path: tuple[Step, ...], edit: Edit) \
        -> list[cst.BaseStatement]:
    """Apply ``edit(statement_list, index)`` to the list holding the node at ``path``; rebuild upwards."""
    stmts = list(module_body)
    (i, _attr), rest = path[0], path[1:]
    if not rest:
        return edit(stmts, i)
    parent = stmts[i]
    sub_attr = rest[0][1]
    new_sub = edit_at(_stmts_of(parent, sub_attr), rest, edit)
    stmts[i] = _with_body(parent, sub_attr, new_sub)
    return stmts


def ast_ordinal(tree: ast.Module, qualname: str, line: int) -> int:
    """Index of the def at ``line`` among those matching ``qualname`` in source order (ast walk)."""
    parts = qual_parts(qualname)
    hits: list[int] = []

    def walk(stmts: list[ast.stmt], want: list[str]) -> None:
        for s in stmts:
            if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                if s.name == want[0]:
                    if len(want) == 1:
                        hits.append(s.lineno)
                    else:
                        walk(s.body, want[1:])
            elif isinstance(s, (ast.If, ast.With, ast.AsyncWith, ast.For, ast.AsyncFor, ast.While, ast.Try)):
                walk(s.body, want)
                walk(getattr(s, "orelse", None) or [], want)

    walk(tree.body, parts)
    return hits.index(line) if line in hits else -1
