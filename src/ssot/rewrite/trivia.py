"""Blank lines and comments above a statement: which belong to it, which to the code before."""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst


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
    detached, _ = split_leading(gone.leading_lines)
    rest = stmts[:i] + stmts[i + 1:]
    if any(ln.comment is not None for ln in detached) and i < len(rest):
        nxt = rest[i]
        rest[i] = nxt.with_changes(leading_lines=[*detached, *nxt.leading_lines])
    return rest
