"""A side-by-side diff of two sources as an accessible HTML table."""

from __future__ import annotations

import difflib
from html import escape


def side_by_side(left: str, right: str, left_title: str, right_title: str) -> str:
    """Rows of ``left`` and ``right`` aligned; changed, removed and added lines marked in class and words."""
    a, b = left.splitlines(), right.splitlines()
    rows: list[str] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        n = max(i2 - i1, j2 - j1)
        for k in range(n):
            li, rj = i1 + k, j1 + k
            lt = a[li] if li < i2 else None
            rt = b[rj] if rj < j2 else None
            kind = {"equal": "same", "replace": "changed", "delete": "removed", "insert": "added"}[op]
            rows.append(_row(kind, li + 1 if lt is not None else None, lt, rj + 1 if rt is not None else None, rt))
    changed = sum(1 for r in rows if 'class="same"' not in r)
    return (f'<table class="diff"><caption>{escape(left_title)} against {escape(right_title)}: '
            f"{changed} of {len(rows)} lines differ</caption>"
            f'<thead><tr><th scope="col" colspan="2">{escape(left_title)}</th>'
            f'<th scope="col" colspan="2">{escape(right_title)}</th></tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>")


def _row(kind: str, ln: int | None, lt: str | None, rn: int | None, rt: str | None) -> str:
    def cells(n: int | None, text: str | None) -> str:
        if text is None:
            return '<td class="ln"></td><td class="code empty"></td>'
        return f'<td class="ln">{n}</td><td class="code"><code>{escape(text)}</code></td>'

    label = "" if kind == "same" else f' aria-label="{kind} line"'
    return f'<tr class="{kind}"{label}>{cells(ln, lt)}{cells(rn, rt)}</tr>'
