"""Blank lines and comments above a statement: which belong to it, which to the code before."""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst


def leading_lines(stmt: cst.BaseStatement) -> Sequence[cst.EmptyLine]:
    """The blank lines and comments above a statement (every statement line has them)."""
    assert isinstance(stmt, cst.SimpleStatementLine | cst.BaseCompoundStatement), type(stmt).__name__
    return stmt.leading_lines


def split_leading(lines: Sequence[cst.EmptyLine]) -> tuple[list[cst.EmptyLine], list[cst.EmptyLine]]:
    """Split ``leading_lines`` into (detached, attached).

    The attached part is the run of comment lines directly above the statement
    (no blank line between): it describes the statement and goes with it.
    Everything before it stays (it belongs to the code above, or stands alone).
    """
    k = len(lines)
    while k > 0 and lines[k - 1].comment is not None:
        k -= 1
    return list(lines[:k]), list(lines[k:])


def remove_statement(stmts: list[cst.BaseStatement], i: int) -> list[cst.BaseStatement]:
    """Remove ``stmts[i]``; its detached comments move to the statement that follows."""
    gone = stmts[i]
    detached, _ = split_leading(leading_lines(gone))
    rest = stmts[:i] + stmts[i + 1:]
    if any(ln.comment is not None for ln in detached) and i < len(rest):
        nxt = rest[i]
        rest[i] = nxt.with_changes(leading_lines=[*detached, *leading_lines(nxt)])
    return rest
