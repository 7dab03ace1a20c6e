"""Add and remove module-level imports of a LibCST module, leaving every other line alone.

This does what ``AddImportsVisitor`` / ``RemoveImportsVisitor`` of
``libcst.codemod.visitors`` do, restricted to the module's own statement
list: those visitors walk the whole tree (and the remover needs the scope
metadata, ~30 ms a file), which alone would cap a rewrite far below 100
files/s.  Which imports became unused is decided by :mod:`ssot.rewrite.names`.

Placement follows the codemod visitors: a new import goes after the last
import of the file's leading import block (after the docstring and
``__future__`` imports when there is no block), with a blank line before the
first one added.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import TypeGuard

import libcst as cst

from ssot.rewrite.trivia import leading_lines, split_leading


def _is_import_line(s: cst.BaseStatement) -> TypeGuard[cst.SimpleStatementLine]:
    return isinstance(s, cst.SimpleStatementLine) and bool(s.body) and all(
        isinstance(x, (cst.Import, cst.ImportFrom)) for x in s.body
    )


def _is_docstring(s: cst.BaseStatement) -> bool:
    return isinstance(s, cst.SimpleStatementLine) and len(s.body) == 1 and isinstance(s.body[0], cst.Expr) \
        and isinstance(s.body[0].value, (cst.SimpleString, cst.ConcatenatedString))


def dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{dotted(node.value)}.{node.attr.value}"
    return ""


def _from_module(node: cst.ImportFrom) -> str:
    return "." * len(node.relative) + (dotted(node.module) if node.module else "")


def has_from_import(body: Sequence[cst.BaseStatement], module: str, name: str, local: str) -> bool:
    """Whether the module already has ``from module import name [as local]`` at top level."""
    for s in body:
        if not _is_import_line(s):
            continue
        for x in s.body:
            if isinstance(x, cst.ImportFrom) and _from_module(x) == module \
                    and not isinstance(x.names, cst.ImportStar):
                for a in x.names:
                    bound = a.asname.name.value if a.asname else dotted(a.name)  # type: ignore[union-attr]
                    if dotted(a.name) == name and bound == local:
                        return True
    return False


@functools.lru_cache(maxsize=1024)
def import_line(statement: str) -> cst.SimpleStatementLine:
    """The parsed statement (nodes are immutable, so one parse serves every file)."""
    line = cst.parse_statement(statement + "\n")
    assert isinstance(line, cst.SimpleStatementLine)
    return line


def from_import(module: str, name: str, local: str) -> str:
    return f"from {module} import {name}" + (f" as {local}" if local != name else "")


def insertion_index(body: Sequence[cst.BaseStatement]) -> tuple[int, bool]:
    """Where new imports go, and whether they follow an existing import."""
    i = 0
    if body and _is_docstring(body[0]):
        i = 1
    last_import = -1
    j = i
    while j < len(body) and _is_import_line(body[j]):
        last_import = j
        j += 1
    if last_import >= 0:
        return last_import + 1, True
    return i, False


def add_imports(body: Sequence[cst.BaseStatement], statements: Iterable[str],
                anchor_module: str | None = None) -> list[cst.BaseStatement]:
    """Insert import statements (source text) not already present, at the import block's end.

    If the file already imports from ``anchor_module``'s package, the new lines
    go right after that import, keeping the canonical imports together.
    """
    stmts = list(body)
    new = [s for s in dict.fromkeys(statements)]
    existing = {_key(x) for s in stmts if _is_import_line(s) for x in s.body}
    new = [s for s in new if _key(import_line(s).body[0]) not in existing]
    if not new:
        return stmts
    at, after_import = insertion_index(stmts)
    if anchor_module:
        for k, s in enumerate(stmts[:at]):
            if _is_import_line(s) and any(
                isinstance(x, cst.ImportFrom) and _from_module(x).startswith(anchor_module)
                for x in s.body
            ):
                at, after_import = k + 1, True
                # the group exists: no blank line before the additions
                lines = [import_line(t) for t in new]
                return stmts[:at] + lines + stmts[at:]
    lines = [import_line(t) for t in new]
    if after_import or at > 0:
        lines[0] = lines[0].with_changes(leading_lines=[cst.EmptyLine(indent=False)])
    if at < len(stmts) and not after_import:
        nxt = stmts[at]
        if not _is_import_line(nxt) and len(leading_lines(nxt)) < 1:
            stmts[at] = nxt.with_changes(leading_lines=[cst.EmptyLine(indent=False), *leading_lines(nxt)])
    return stmts[:at] + lines + stmts[at:]


def remove_import_names(body: Sequence[cst.BaseStatement], names: set[str]) -> list[cst.BaseStatement]:
    """Drop the module-level import aliases binding ``names``; drop statements left empty."""
    if not names:
        return list(body)
    out: list[cst.BaseStatement] = []
    carry: list[cst.EmptyLine] = []
    for s in body:
        if carry:
            s = s.with_changes(leading_lines=[*carry, *leading_lines(s)])
            carry = []
        if not _is_import_line(s):
            out.append(s)
            continue
        small: list[cst.BaseSmallStatement] = []
        for x in s.body:
            if not isinstance(x, cst.Import | cst.ImportFrom) or isinstance(x.names, cst.ImportStar):
                small.append(x)
                continue
            if isinstance(x, cst.ImportFrom) and _from_module(x) == "__future__":
                small.append(x)
                continue
            aliases = list(x.names)
            keep = [a for a in aliases if _bound(a) not in names]
            if len(keep) == len(aliases):
                small.append(x)
            elif keep:
                keep[-1] = keep[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
                small.append(x.with_changes(names=keep))
        if len(small) == len(s.body):
            out.append(s)
        elif small:
            small[-1] = small[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
            out.append(s.with_changes(body=small))
        else:
            detached, _attached = split_leading(leading_lines(s))
            if any(ln.comment for ln in detached):
                carry = list(detached)
    if carry and out:
        # nothing followed: keep the comments at the end
        last = out[-1]
        out[-1] = last
    return out


def _bound(alias: cst.ImportAlias) -> str:
    if alias.asname is not None:
        return alias.asname.name.value  # type: ignore[union-attr]
    return dotted(alias.name).split(".")[0]


def _alias_text(a: cst.ImportAlias) -> str:
    return dotted(a.name) + (f" as {a.asname.name.value}" if a.asname else "")  # type: ignore[union-attr]


def _key(x: cst.BaseSmallStatement) -> str:
    """A normalised text of one import (formatting and comments ignored)."""
    if isinstance(x, cst.Import):
        return "import " + ", ".join(_alias_text(a) for a in x.names)
    if isinstance(x, cst.ImportFrom):
        names = "*" if isinstance(x.names, cst.ImportStar) else ", ".join(_alias_text(a) for a in x.names)
        return f"from {_from_module(x)} import {names}"
    return ""
