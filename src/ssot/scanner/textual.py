"""The candidate pass: definitions and their lines, read from the bytes alone.

Parsing and fingerprinting is what a scan spends its time on (``ast.parse``
reads a few MB per second), yet most definitions of a real tree have no copy
anywhere.  So every file is first read as lines, cheaply: each significant
line (stripped; blank lines, comments, docstrings and lines shorter than a
few bytes left out) gets a stable 32-bit hash, and each definition (``def``/
``class`` headers and the lines indented under them) gets

* its **own lines**: those not inside a nested definition;
* an **exact key**: the hash of all its lines, nested ones included.

Across the tree, a definition is a **candidate** when another one (not
enclosing it, not inside it) has the same exact key, or when most of the
windows of two consecutive own lines it holds occur in some other definition
too (one counting pass: no pairs are formed, so it stays linear).
Only the top-level statements holding candidates are parsed and fingerprinted;
the scan's precise rules (digests, bindings, families) then decide.

The pass is a filter, so it may over-approximate (a hash collision, a string
that looks like a header) but it should not miss a near-copy: its thresholds
are looser than the families' own.
"""

from __future__ import annotations

import re
import zlib
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

MIN_LINE_BYTES = 6  # shorter lines ("pass", "else:", ")") carry no evidence
_HEADS = (b"def ", b"class ", b"async def ", b"async  def ")
_CLOSERS = b")]}"
_Q3 = (b'"""', b"'''")
_NAME = re.compile(rb"(?:async\s+)?(def|class)\s+(\w+)")
# literals blanked before lines are hashed: copies that differ only in a string or a number (a test
# copied with other values) share their lines.  Each match becomes two quotes or a 1, so the count
# of quotes on a line keeps its parity (triple quotes are still seen as such).
_STRING = re.compile(rb""""[^"\\\n]*"|'[^'\\\n]*'""")
_NUMBER = re.compile(rb"[0-9](?<![\w.][0-9])[0-9_]*(?:\.[0-9_]+)?(?![\w.])")
_EMPTY: array[int] = array("I")


class TextUnit(NamedTuple):
    """One definition as the text shows it (lines are 1-based, ``end`` inclusive).

    A named tuple: the cache holds one per definition of the tree, and tuples pickle fast.
    """

    line: int
    end: int
    indent: int
    parent: int  # index of the enclosing unit in the file's list, -1 at module level
    name: str
    is_class: bool
    own: array[int]  # hashes of its own significant lines (not those of nested units)
    size: int  # bytes of code, nested units included (stripped lines)
    exact: int  # hash of every significant line, nested ones included


@dataclass(slots=True)
class TextIndex:
    """What the candidate pass keeps of one file."""

    units: list[TextUnit]
    lines: int


def index_text(data: bytes) -> TextIndex:
    """Units and line hashes of one file's bytes (no decoding, no parsing)."""
    units: list[list[Any]] = []  # TextUnit fields, filled in as the unit closes
    opened: list[tuple[int, int, int, list[int]]] = []  # (unit index, seq start, bytes start, own hashes)
    seq: list[int] = []  # every significant line's hash, in order
    total = 0
    in_string: bytes | None = None
    last = 0
    crc = zlib.crc32
    lineno = 0
    has_q3 = b'"""' in data or b"'''" in data
    data = _NUMBER.sub(b"1", _STRING.sub(b'""', data))
    for raw in data.split(b"\n"):
        lineno += 1
        lead = raw.lstrip()
        if not lead:
            continue
        if in_string is not None:
            if lead.count(in_string) % 2:
                in_string = None
            continue
        c = lead[0]
        if c == 35:  # a comment
            continue
        s = lead.rstrip()
        indent = len(raw) - len(lead)
        if has_q3 and (b'"""' in s or b"'''" in s):
            i1, i2 = s.find(b'"""'), s.find(b"'''")
            q = b'"""' if i1 != -1 and (i2 == -1 or i1 < i2) else b"'''"
            if s.count(q) % 2:
                in_string = q
            if s.startswith(q) or s[1:4] == q:  # a docstring or a bare string (r"""...): not code
                if c not in b")]}":
                    while opened and indent <= units[opened[-1][0]][2]:
                        _close(units, opened.pop(), seq, total, last)
                last = lineno
                continue
        if opened and indent <= units[opened[-1][0]][2] and c not in b")]}":
            while opened and indent <= units[opened[-1][0]][2]:
                _close(units, opened.pop(), seq, total, last)
        anonymous = None
        if (c == 100 or c == 99 or c == 97) and s.startswith(_HEADS):  # d, c, a
            m = _NAME.match(s)
            name = m.group(2).decode("ascii", "replace") if m else "?"
            units.append([lineno, lineno, indent, opened[-1][0] if opened else -1, name,
                          m is not None and m.group(1) == b"class", _EMPTY, 0, 0])
            opened.append((len(units) - 1, len(seq), total, []))
            if m is not None:  # the exact key leaves the defined name out, as the digest does
                anonymous = crc(s[:m.start(2)] + b"_" + s[m.end(2):])
        if len(s) >= MIN_LINE_BYTES:
            h = crc(s)
            seq.append(h if anonymous is None else anonymous)
            total += len(s)
            if opened:
                opened[-1][3].append(h)  # windows keep the name: a header shared by name alone is no copy
        last = lineno
    while opened:
        _close(units, opened.pop(), seq, total, last)
    return TextIndex([TextUnit(*u) for u in units], lineno)


def _close(units: list[list[Any]], top: tuple[int, int, int, list[int]], seq: list[int], total: int,
           last: int) -> None:
    k, a, b, own = top
    u = units[k]
    u[1] = last  # end
    u[6] = array("I", own)
    u[7] = total - b  # size
    u[8] = hash(tuple(seq[a:]))  # exact


def min_code_bytes(min_tokens: int) -> int:
    """The size in bytes of code under which a text unit cannot hold ``min_tokens`` tokens (a loose
    bound: short names and operators run about two bytes a token), so it is never a candidate."""
    return 2 * min_tokens


def text_key(exact: int) -> str:
    """A unit's exact key as text (hex, so that it shards like a digest; the ``t`` tells them apart)."""
    return f"{exact & 0xFFFF_FFFF_FFFF_FFFF:016x}t"


def qualname_of(units: Sequence[TextUnit], k: int) -> str:
    """The unit's qualified name as Python spells it (``A.m``, ``f.<locals>.g``), read from the text."""
    names = [units[k].name]
    p = units[k].parent
    while p != -1:
        names.append(units[p].name if units[p].is_class else units[p].name + ".<locals>")
        p = units[p].parent
    return ".".join(reversed(names))


def kind_of(units: Sequence[TextUnit], k: int) -> str:
    """``class``, ``test``, ``method`` or ``function``, as far as the text tells (fixtures read as functions)."""
    u = units[k]
    if u.is_class:
        return "class"
    if u.name.startswith("test"):
        return "test"
    return "method" if u.parent != -1 and units[u.parent].is_class else "function"


UnitRef = tuple[int, int]  # (file number, unit number in that file)
SHARE = 0.6  # share of a definition's two-line windows found in another definition
SAME_NAME_MAX = 30  # a name given to more classes or functions (not candidates) than this is not followed


def candidates(files: Sequence[TextIndex | None], min_bytes: int, share: float = SHARE) -> list[set[int]]:
    """Per file, the header lines of its candidate units.

    A unit of at least ``min_bytes`` of code is a candidate when another unit has the same exact key
    (and neither encloses the other), or when at least ``share`` of the windows of two consecutive
    own lines in it and in the units nested in it occur in some other unit too: a class is a
    candidate when most of it is, not when one of its methods is (that method is a candidate).
    One counting pass, no pairs: the precise rules come after.
    """
    out: list[set[int]] = [set() for _ in files]
    exact: dict[int, list[UnitRef]] = defaultdict(list)
    wins: list[list[set[tuple[int, int]]]] = []
    df: Counter[tuple[int, int]] = Counter()
    for f, ix in enumerate(files):
        per_file: list[set[tuple[int, int]]] = []
        wins.append(per_file)
        if ix is None:
            continue
        for k, u in enumerate(ix.units):
            w = set(zip(u.own, u.own[1:], strict=False))
            per_file.append(w)
            df.update(w)
            if u.size >= min_bytes:
                exact[u.exact].append((f, k))
    for refs in exact.values():
        if len(refs) > 1:
            _mark_apart(files, refs, out)
    for f, ix in enumerate(files):
        if ix is None:
            continue
        units = ix.units
        total = [len(w) for w in wins[f]]
        shared = [sum(1 for x in w if df[x] > 1) for w in wins[f]]
        for k in range(len(units) - 1, -1, -1):  # children come after their parent: fold them up
            p = units[k].parent
            if p != -1:
                total[p] += total[k]
                shared[p] += shared[k]
        for k, u in enumerate(units):
            if u.size >= min_bytes and shared[k] and shared[k] >= share * total[k]:
                out[f].add(u.line)
    _same_names(files, min_bytes, out)
    _uncollectable(files, out)
    return out


def _uncollectable(files: Sequence[TextIndex | None], out: list[set[int]]) -> None:
    """Module-level ``Test*`` classes with an ``__init__``: pytest cannot collect them and warns, copied
    or not (the scan reports each), so they are parsed whatever their size."""
    for f, ix in enumerate(files):
        if ix is None:
            continue
        units = ix.units
        for u in units:
            if u.parent != -1 and u.name == "__init__" and not u.is_class:
                top = units[u.parent]
                if top.is_class and top.parent == -1 and top.name.startswith("Test"):
                    out[f].add(top.line)


def _same_names(files: Sequence[TextIndex | None], min_bytes: int, out: list[set[int]]) -> None:
    """Classes and functions (not methods) named like a candidate are candidates too.

    A variant that was edited throughout (attributes renamed, say) shares few lines with the
    helper it copies, but usually keeps its name; and a same-named definition that is *not* a
    variant is a look-alike worth listing.  Names shared by too many definitions (``Meta``,
    ``A``) are not followed: a name that common says nothing.
    """
    named: dict[tuple[str, bool], list[UnitRef]] = defaultdict(list)
    for f, ix in enumerate(files):
        if ix is None:
            continue
        units = ix.units
        for k, u in enumerate(units):
            if u.size >= min_bytes and (u.parent == -1 or not units[u.parent].is_class):
                named[(u.name, u.is_class)].append((f, k))
    for refs in named.values():
        if len(refs) < 2:
            continue
        lines = [(f, files[f].units[k].line) for f, k in refs]  # type: ignore[union-attr]
        others = [(f, line) for f, line in lines if line not in out[f]]
        if others and len(others) < len(lines) and len(others) <= SAME_NAME_MAX:
            for f, line in others:
                out[f].add(line)


def _apart(files: Sequence[TextIndex | None], a: UnitRef, b: UnitRef) -> bool:
    """Whether neither unit encloses the other."""
    if a[0] != b[0]:
        return True
    units = files[a[0]].units  # type: ignore[union-attr]
    ua, ub = units[a[1]], units[b[1]]
    return ua.end < ub.line or ub.end < ua.line


def _mark_apart(files: Sequence[TextIndex | None], refs: Iterable[UnitRef], out: list[set[int]]) -> None:
    """Mark the units of one exact key that have a copy apart from them (linear: a key copied in two files
    or more marks all of its units; within one file, units that do not enclose one another)."""
    refs = list(refs)
    if len({f for f, _ in refs}) > 1:
        for f, k in refs:
            out[f].add(files[f].units[k].line)  # type: ignore[union-attr]
        return
    for n, r in enumerate(refs):
        if any(_apart(files, r, o) for i, o in enumerate(refs) if i != n):
            out[r[0]].add(files[r[0]].units[r[1]].line)  # type: ignore[union-attr]
