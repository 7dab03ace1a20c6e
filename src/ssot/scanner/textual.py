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
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, NamedTuple, Protocol

from ssot.scanner.accel import load

MIN_LINE_BYTES = 6  # shorter lines ("pass", "else:", ")") carry no evidence
_HEADS = (b"def ", b"class ", b"async def ", b"async  def ")
_CLOSERS = b")]}"
_Q3 = (b'"""', b"'''")
_NAME = re.compile(rb"(?:async\s+)?(def|class)\s+(\w+)")
# literals blanked before lines are hashed: copies that differ only in a string or a number (a test
# copied with other values) share their lines.  A string opened and closed on the line (escapes and all)
# becomes two quotes, a number a 1.  A line with triple quotes is blanked with care (a triple-quoted
# string closed on the line too, the quotes of one left open kept as they are): what is left of them
# opens a string that goes on, in which only its closing quotes matter (looked for in the line as it is).
_STRING = re.compile(rb""""[^"\\\n]*(?:\\.[^"\\\n]*)*"|'[^'\\\n]*(?:\\.[^'\\\n]*)*'""")
_TRIPLED = re.compile(rb'"""(?:[^"\\\n]|\\.|"(?!""))*"""' rb"|'''(?:[^'\\\n]|\\.|'(?!''))*'''"
                      rb"""|\"\"\"|'''|"[^"\\\n]*(?:\\.[^"\\\n]*)*"|'[^'\\\n]*(?:\\.[^'\\\n]*)*'""")
_NUMBER = re.compile(rb"[0-9](?<![\w.][0-9])[0-9_]*(?:\.[0-9_]+)?(?![\w.])")


def _blank_tripled(m: re.Match[bytes]) -> bytes:
    text = m.group()
    return text if text in _Q3 else b'""'


_NO_WINDOWS: array[int] = array("Q")  # (shared: never written to)

_accel = load("_textindex")  # (the C accelerator: None when not built, or SSOT_PURE_PYTHON=1)
_native: Callable[[bytes], tuple[Any, ...]] | None = None if _accel is None else _accel.index_columns
_count_native: Callable[[list[tuple[int, array[int], array[int]]]], tuple[bytes, bytes, list[bytes]]] | None = \
    None if _accel is None else _accel.count_windows


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
    windows: array[int]  # its windows of two consecutive own lines (not those of nested units), each
    # packed in one int (the first line's hash << 32 | the second's), each once, in no order
    size: int  # bytes of code, nested units included (stripped lines)
    exact: int  # hash of every significant line, nested ones included


class TextIndex:
    """What the candidate pass keeps of one file.

    Pickled by columns (arrays of the units' fields): the cache holds one unit per definition of
    the tree, and a tuple each would cost a Python call apiece to write and to read again.  Read
    back, it keeps the columns and makes its units only when they are first asked for: a rescan
    needs the units of the files it re-decides, and for the rest at most a column
    (:attr:`starts`, :attr:`ends`, :attr:`sizes`, :attr:`parents`).
    """

    __slots__ = ("_units", "columns", "lines")

    def __init__(self, units: list[TextUnit] | None, lines: int, columns: tuple[Any, ...] | None = None) -> None:
        if units is None and columns is None:
            raise ValueError("a text index needs its units or its columns")
        self._units = units
        self.lines = lines
        # the columns it was read from or last written as (an index is never changed: they stay true)
        self.columns = columns

    @property
    def units(self) -> list[TextUnit]:
        units = self._units
        if units is None:
            units = self._units = _units_from_columns(self.columns)
        return units

    def compact(self) -> None:
        """Let the units go when the columns they were read from are kept (made again when next asked for):
        a tree's text units are a tenth of a scan's memory, and once the candidates are counted most files
        need only a column."""
        if self.columns is not None:
            self._units = None

    def _column(self, at: int, field_name: str) -> Sequence[int]:
        if self._units is None and self.columns is not None:
            column: Sequence[int] = self.columns[at]
            return column
        return [getattr(u, field_name) for u in self.units]

    @property
    def starts(self) -> Sequence[int]:
        """Each unit's header line, in the units' order."""
        return self._column(1, "line")

    @property
    def ends(self) -> Sequence[int]:
        return self._column(2, "end")

    @property
    def parents(self) -> Sequence[int]:
        return self._column(4, "parent")

    @property
    def sizes(self) -> Sequence[int]:
        return self._column(9, "size")

    @property
    def exacts(self) -> Sequence[int]:
        return self._column(10, "exact")

    @property
    def names(self) -> list[str]:
        if self._units is None and self.columns is not None:
            names: str = self.columns[5]
            return names.split("\n") if len(self.columns[1]) else []
        return [u.name for u in self.units]

    @property
    def classes(self) -> Sequence[int]:
        """Whether each unit is a class (true or false as ints)."""
        return self._column(6, "is_class")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TextIndex):
            return NotImplemented
        return self.lines == other.lines and self.units == other.units

    __hash__ = None  # type: ignore[assignment]  # (as the dataclass it was: mutable, compared by value)

    def __repr__(self) -> str:
        return f"TextIndex(units={self.units!r}, lines={self.lines!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        if self.columns is None:
            units = self.units
            counts = array("I", [len(u.windows) for u in units])
            windows = array("Q")
            for u in units:
                windows.extend(u.windows)
            self.columns = (
                self.lines, array("I", [u.line for u in units]), array("I", [u.end for u in units]),
                array("I", [u.indent for u in units]), array("i", [u.parent for u in units]),
                "\n".join(u.name for u in units), bytes(u.is_class for u in units), counts, windows,
                array("Q", [u.size for u in units]), array("q", [u.exact for u in units]))
        return _index_from_columns, self.columns


def _index_from_columns(lines: int, line: array[int], end: array[int], indent: array[int], parent: array[int],
                        names: str, is_class: bytes, counts: array[int], windows: array[int], size: array[int],
                        exact: array[int]) -> TextIndex:
    """A :class:`TextIndex` from the columns its ``__reduce__`` wrote (the cache's unpickler allows it);
    its units are made when first asked for."""
    n = len(line)
    if not (len(end) == len(indent) == len(parent) == len(is_class) == len(counts) == len(size) == len(exact) == n
            and sum(counts) == len(windows) and (names.count("\n") + 1 if n else 0) == n):
        raise ValueError("a text index whose columns disagree")
    return TextIndex(None, lines, (lines, line, end, indent, parent, names, is_class, counts, windows, size, exact))


def _units_from_columns(columns: tuple[Any, ...] | None) -> list[TextUnit]:
    assert columns is not None
    _, line, end, indent, parent, names, is_class, counts, windows, size, exact = columns
    spans: list[array[int]] = []
    at = 0
    for c in counts:
        spans.append(windows[at:at + c] if c else _NO_WINDOWS)
        at += c
    return list(map(TextUnit, line, end, indent, parent, names.split("\n") if len(line) else [],
                    map(bool, is_class), spans, size, exact))


def index_text(data: bytes) -> TextIndex:
    """Units and line hashes of one file's bytes (no decoding, no parsing).

    Read by the C accelerator when it is built (the same index, several times faster), else by
    :func:`index_text_python`.
    """
    if _native is None:
        return index_text_python(data)
    lines, line, end, indent, parent, names, is_class, counts, windows, size, exact = _native(data)
    return TextIndex(None, lines, (lines, _array("I", line), _array("I", end), _array("I", indent),
                                   _array("i", parent), names, is_class, _array("I", counts), _array("Q", windows),
                                   _array("Q", size), _array("q", exact)))


def _array(code: str, data: bytes) -> array[int]:
    a = array(code)
    a.frombytes(data)
    return a


def index_text_python(data: bytes) -> TextIndex:
    """:func:`index_text` in Python: the reference the C accelerator is held to."""
    units: list[list[Any]] = []  # TextUnit fields, filled in as the unit closes
    opened: list[tuple[int, int, int, list[int]]] = []  # (unit index, seq start, bytes start, own hashes)
    indents: list[int] = []  # the indent of each opened unit (the innermost last)
    top = -1  # the innermost opened unit's indent (-1: none opened)
    seq: list[int] = []  # every significant line's hash, in order
    total = 0
    in_string: bytes | None = None
    last = 0
    crc = zlib.crc32
    lineno = 0
    deco_at, deco_indent = 0, -1  # where the current run of decorators starts in seq, at which indent
    has_q3 = b'"""' in data or b"'''" in data
    originals = data.split(b"\n") if has_q3 else []
    data = _NUMBER.sub(b"1", _STRING.sub(b'""', data))
    for raw in data.split(b"\n"):
        lineno += 1
        s = raw.strip()
        if not s:
            continue
        if in_string is not None:
            if originals[lineno - 1].count(in_string) % 2:
                in_string = None
            continue
        c = s[0]
        if c == 35:  # a comment
            continue
        indent = raw.find(c)
        tripled = has_q3 and (b'"""' in (o := originals[lineno - 1]) or b"'''" in o)
        if 35 in s and not tripled:
            s = s[:s.index(b"#")].rstrip()  # a trailing comment (strings are blanked by now): not code
        if tripled:
            s = _NUMBER.sub(b"1", _TRIPLED.sub(_blank_tripled, o)).strip()
            i1, i2 = s.find(b'"""'), s.find(b"'''")
            q = b'"""' if i1 != -1 and (i2 == -1 or i1 < i2) else b"'''"
            if s.count(q) % 2:
                in_string = q
            if s.startswith(q) or s[1:4] == q:  # a docstring or a bare string (r"""...): not code
                if indent <= top and c not in _CLOSERS:
                    while indent <= top:
                        _close(units, opened.pop(), seq, total, last)
                        indents.pop()
                        top = indents[-1] if indents else -1
                last = lineno
                continue
        if indent <= top and c not in _CLOSERS:
            while indent <= top:
                _close(units, opened.pop(), seq, total, last)
                indents.pop()
                top = indents[-1] if indents else -1
        if indent <= deco_indent and c != 64 and c not in _CLOSERS and not s.startswith(_HEADS):
            deco_indent = -1  # a statement ends the run of decorators (a multi-line one's lines are deeper)
        n = len(s)
        if c == 64 and deco_indent != indent:  # the first of a run of decorators: where the exact key of the
            deco_at, deco_indent = len(seq), indent  # definition they decorate starts
        if (c == 100 or c == 99 or c == 97) and s.startswith(_HEADS):  # d, c, a
            m = _NAME.match(s)
            name = m.group(2).decode("ascii", "replace") if m else "?"
            decorated = deco_at if deco_indent == indent else len(seq)
            deco_indent = -1
            units.append([lineno, lineno, indent, opened[-1][0] if opened else -1, name,
                          m is not None and m.group(1) == b"class", _NO_WINDOWS, 0, (None, decorated)])
            own: list[int] = []
            opened.append((len(units) - 1, len(seq), total, own))
            indents.append(indent)
            top = indent
            if n >= MIN_LINE_BYTES:
                h = crc(s)
                # the unit's exact key holds its decorators and leaves its own name out, as the digest does
                # (not the names of the definitions inside it, which the digest keeps); windows keep the
                # name (a header shared by name alone is no copy)
                units[-1][8] = (crc(s[:m.start(2)] + b"_" + s[m.end(2):]) if m is not None else h, decorated)
                seq.append(h)
                total += n
                own.append(h)
        elif n >= MIN_LINE_BYTES:
            h = crc(s)
            seq.append(h)
            total += n
            if opened:
                opened[-1][3].append(h)
        last = lineno
    while opened:
        _close(units, opened.pop(), seq, total, last)
    return TextIndex([TextUnit(*u) for u in units], lineno)


def _close(units: list[list[Any]], top: tuple[int, int, int, list[int]], seq: list[int], total: int,
           last: int) -> None:
    k, a, b, own = top
    u = units[k]
    u[1] = last  # end
    if len(own) > 1:
        u[6] = array("Q", sorted({x << 32 | y for x, y in pairwise(own)}))
    u[7] = total - b  # size
    header, d = u[8]  # the header's hash without the name (None: too short to count); where its decorators start
    u[8] = hash(tuple(seq[d:]) if header is None else (*seq[d:a], header, *seq[a + 1:]))  # exact


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
    One counting pass, no pairs: the precise rules come after.  (:class:`CandidateState` computes
    the same and keeps what it counted, so that a rescan re-decides only what a change can reach.)
    """
    state = CandidateState(min_bytes, share)
    names = [str(f) for f in range(len(files))]
    marks = state.update({n: ix for n, ix in zip(names, files, strict=True)}, {})
    return [marks[n] for n in names]


_LOW = 0xFFFF_FFFF  # a window's count, in the low half of its packed value (the xor of its holders above)


def _held_elsewhere(held: int | list[int], f: int) -> bool:
    """Whether a file other than ``f`` holds the exact key (without copying the list of its holders)."""
    return held != f if isinstance(held, int) else any(g != f for g in held)


def _holders(held: int | list[int] | None) -> list[int]:
    """The files holding an exact key, one per unit, as :attr:`CandidateState.exact` keeps them."""
    return [] if held is None else [held] if isinstance(held, int) else list(held)


def _named(units: Sequence[TextUnit], u: TextUnit, min_bytes: int) -> bool:
    """Whether the unit is followed by its name: a class or function (not a method) of a size to count."""
    return u.size >= min_bytes and (u.parent == -1 or not units[u.parent].is_class)


class CandidateState:
    """What :func:`candidates` counts over a tree, kept so that a change re-decides only what it reaches.

    Per two-line window, how many units hold it and the xor of their files' numbers (so that when
    one holder is left, it is known); per exact key and per followed name, the units holding it;
    per file, the lines marked (by key or windows, by name, as uncollectable).  :meth:`update`
    takes the files removed (or changed: their old index) and added, and re-decides the files whose
    units can change status: those changed, those sharing a window whose count crossed 1, those
    holding an exact key whose other holders appeared or vanished, and the members of every name
    group touched.  The result is exactly the one of a count from scratch.
    """

    def __init__(self, min_bytes: int, share: float = SHARE) -> None:
        self.min_bytes = min_bytes
        self.share = share
        self.ids: dict[str, int] = {}  # file -> its number (never reused)
        self.next_id = 1
        self.digests: dict[str, str] = {}  # file -> digest of the content counted (the caller's business)
        # window -> xor of holders' numbers << 32 | holders: two sorted arrays (they load in no time,
        # a dict of a million ints does not) and the values changed since they were sorted (0: none left)
        self.window_keys: array[int] = array("Q")
        self.window_values: array[int] = array("Q")
        self.windows: dict[int, int] = {}
        # exact key -> number of the file holding it, or a list of them (one per unit): most keys are held
        # once, and a dict of ints loads many times faster than one of small lists
        self.exact: dict[int, int | list[int]] = {}
        self.names: dict[tuple[str, bool], list[int]] = {}  # followed name -> file number << 32 | header line
        self.base: dict[int, set[int]] = {}  # marked by exact key or windows
        self.by_name: dict[int, set[int]] = {}  # marked for their name
        self.uncollectable: dict[int, set[int]] = {}

    def __getstate__(self) -> dict[str, Any]:
        if len(self.windows) > len(self.window_keys) // 4:  # sorted again once the changes are many
            self.window_keys, self.window_values = self.sorted_windows()
            self.windows = {}
        return dict(self.__dict__)

    def sorted_windows(self) -> tuple[array[int], array[int]]:
        """Every window some unit holds, sorted, and its packed count: the arrays with the changes merged in."""
        merged = dict(zip(self.window_keys, self.window_values, strict=True))
        merged.update(self.windows)
        keys = array("Q", sorted(k for k, v in merged.items() if v))  # (0: a window no unit holds any more)
        return keys, array("Q", map(merged.__getitem__, keys))

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def _window(self, w: int) -> int:
        """The packed count and holders of a window (0: held by none)."""
        v = self.windows.get(w)
        return v if v is not None else find_sorted(self.window_keys, self.window_values, w)

    def marks(self, rel: str) -> set[int]:
        """The header lines of the file's candidates."""
        f = self.ids[rel]
        return self.base[f] | self.by_name[f] | self.uncollectable[f]

    def update(self, current: Mapping[str, TextIndex | None], old: Mapping[str, TextIndex | None]) \
            -> dict[str, set[int]]:
        """Count the change and return every current file's candidate lines.

        ``current``: every file of the tree now, with its index; ``old``: the files changed or
        removed since the last update, with the index counted then (None: the file was not
        counted).  A file in ``current`` and not counted yet is added; a counted file neither in
        ``current`` nor in ``old`` is taken as unchanged.
        """
        changed: set[int] = set()
        scratch = not self.ids  # counting from nothing: every file is decided, no need to track what moved
        w_before: dict[int, int] | None = None if scratch else {}
        k_before: dict[int, list[int]] | None = None if scratch else {}
        groups: set[tuple[str, bool]] = set()
        for rel, ix in old.items():  # take out what was counted of changed and removed files
            f = self.ids.get(rel)
            if f is None:
                continue
            changed.add(f)
            if ix is not None:
                self._count(f, ix, -1, w_before, k_before, groups)
            if rel not in current:
                del self.ids[rel]
                self.digests.pop(rel, None)
                for marks in (self.base, self.by_name, self.uncollectable):
                    marks.pop(f, None)
        for rel, ix in current.items():
            f = self.ids.get(rel)
            if f is None:
                f = self.ids[rel] = self.next_id
                self.next_id += 1
            elif rel not in old:
                continue
            changed.add(f)
            if ix is not None:
                self._count(f, ix, 1, w_before, k_before, groups, windows_too=not scratch)
        affected = changed if w_before is None or k_before is None else self._reached(changed, w_before, k_before)
        index_of = {f: current.get(rel) for rel, f in self.ids.items() if f in affected}
        packable = all(ix is None or len(ix.units) <= 0xFFFFF for ix in index_of.values())
        shared = self._count_windows(index_of) if scratch and packable else None
        if scratch and not packable:  # (a file of a million definitions: counted one window at a time)
            for f, ix in index_of.items():
                if ix is not None:
                    self._count(f, ix, 1, None, None, set(), keys_too=False)
        for f, ix in index_of.items():
            self._decide(f, ix, groups, None if shared is None else shared.get(f))
        for key in groups:
            self._decide_name(key)
        return {rel: self.marks(rel) for rel in current}

    def _count_windows(self, files: Mapping[int, TextIndex | None]) -> dict[int, list[int]]:
        """Count every window of the files at once (the state holding none) and return, per file and unit,
        how many of its windows another unit holds too.

        One sort of every window occurrence packed with its holder, then one pass over the runs: the
        counts go straight into the sorted arrays, with no dict of every window (a million windows:
        a hundred MB as a dict, which the old count kept until the cache was saved).
        """
        if _count_native is not None:
            present = [(f, ix.columns or ix.__reduce__()[1])  # (an index made here: its columns written once)
                       for f, ix in files.items() if ix is not None]
            keys_b, values_b, counted = _count_native([(f, c[7], c[8]) for f, c in present])
            self.window_keys, self.window_values, self.windows = _array("Q", keys_b), _array("Q", values_b), {}
            return {f: _array("I", c) for (f, _), c in zip(present, counted, strict=True)}  # type: ignore[misc]
        occurrences = [w << 52 | f << 20 | k for f, ix in files.items() if ix is not None
                       for k, u in enumerate(ix.units) for w in u.windows]
        occurrences.sort()
        occurrences.append(-1)  # (closes the last run)
        shared = {f: [0] * len(ix.units) for f, ix in files.items() if ix is not None}
        keys, values = array("Q"), array("Q")
        key, value = keys.append, values.append
        prev, xor, start = -1, 0, 0
        for i, x in enumerate(occurrences):
            w = x >> 52
            if w == prev:
                xor ^= x >> 20 & 0xFFFF_FFFF
                continue
            if i:
                key(prev)
                value(xor << 32 | (i - start))
                if i - start > 1:
                    for y in occurrences[start:i]:
                        shared[y >> 20 & 0xFFFF_FFFF][y & 0xFFFFF] += 1
            prev, xor, start = w, x >> 20 & 0xFFFF_FFFF, i
        self.window_keys, self.window_values, self.windows = keys, values, {}
        return shared

    def _count(self, f: int, ix: TextIndex, sign: int, w_before: dict[int, int] | None,
               k_before: dict[int, list[int]] | None,
               groups: set[tuple[str, bool]], windows_too: bool = True, keys_too: bool = True) -> None:
        """Add (``sign`` 1) or take out (-1) one file's windows (unless not ``windows_too``), exact keys and
        names (unless not ``keys_too``)."""
        windows, exact, names, min_bytes = self.windows, self.exact, self.names, self.min_bytes
        window = self._window if self.window_keys else windows.get  # (counting from nothing: a dict alone)
        low = _LOW
        for u in ix.units if windows_too else ():
            for w in u.windows:
                v = window(w) or 0
                if w_before is not None and w not in w_before:
                    w_before[w] = v
                v = ((v >> 32) ^ f) << 32 | ((v & low) + sign)
                windows[w] = v if v & low else 0
        if not keys_too:
            return
        units = ix.units
        for u in units:
            if u.size >= min_bytes:
                k = u.exact
                held = exact.get(k)
                if k_before is not None and k not in k_before:
                    k_before[k] = _holders(held)
                if sign > 0:  # in place: 11k copies of one helper made a new list per copy (quadratic)
                    if held is None:
                        exact[k] = f
                    elif isinstance(held, int):
                        exact[k] = [held, f]
                    else:
                        held.append(f)
                elif isinstance(held, int):
                    del exact[k]
                elif held is not None:
                    held.remove(f)
                    if len(held) == 1:
                        exact[k] = held[0]
            if _named(units, u, min_bytes):
                key = (u.name, u.is_class)
                groups.add(key)
                ref = f << 32 | u.line
                members = names.get(key)
                if sign > 0:
                    if members is None:
                        names[key] = [ref]
                    else:
                        members.append(ref)
                elif members is not None:
                    members.remove(ref)
                    if not members:
                        del names[key]

    def _reached(self, changed: set[int], w_before: dict[int, int], k_before: dict[int, list[int]]) -> set[int]:
        """The files whose marks by key or windows can differ after the change: the changed ones, the
        holders of a window whose count crossed 1, those of a key whose other holders came or went."""
        out = set(changed)
        window, low = self._window, _LOW
        for w, v0 in w_before.items():
            v1 = window(w)
            c0, c1 = v0 & low, v1 & low
            if (c0 > 1) != (c1 > 1):
                if c0 == 1:
                    out.add(v0 >> 32)
                if c1 == 1:
                    out.add(v1 >> 32)
        exact = self.exact
        for k, before in k_before.items():
            s0, s1 = set(before), set(_holders(exact.get(k)))
            if s0 == s1 or (len(s0) > 2 and len(s1) > 2):
                continue
            for g in s0 | s1:
                if g not in out and bool(s0 - {g}) != bool(s1 - {g}):
                    out.add(g)
        live = set(self.ids.values())
        return out & live

    def _decide(self, f: int, ix: TextIndex | None, groups: set[tuple[str, bool]],
                counted: list[int] | None = None) -> None:
        """The file's marks by exact key, windows and uncollectable classes (its name groups to re-decide).

        ``counted``: per unit, how many of its windows another unit holds too (else looked up)."""
        self.by_name[f] = set()  # its groups are re-decided (those it left too: they were counted out)
        if ix is None:
            self.base[f], self.uncollectable[f] = set(), set()
            return
        units, min_bytes, exact = ix.units, self.min_bytes, self.exact
        if counted is None:
            window, low = (self._window if self.window_keys else self.windows.__getitem__), _LOW
            counted = [sum(1 for x in u.windows if window(x) & low > 1) for u in units]
        self.base[f], self.uncollectable[f] = decide_base(
            units, min_bytes, self.share, lambda key: _held_elsewhere(exact[key], f), counted)
        for u in units:
            if _named(units, u, min_bytes):
                groups.add((u.name, u.is_class))

    def _decide_name(self, key: tuple[str, bool]) -> None:
        """Classes and functions (not methods) named like a candidate are candidates too.

        A variant that was edited throughout (attributes renamed, say) shares few lines with the
        helper it copies, but usually keeps its name; and a same-named definition that is *not* a
        variant is a look-alike worth listing.  Names shared by too many definitions (``Meta``,
        ``A``) are not followed: a name that common says nothing.
        """
        members = self.names.get(key, ())
        others = [ref for ref in members if (ref & _LOW) not in self.base[ref >> 32]]
        follow = _follows(len(members) - len(others), len(others))
        for ref in members:
            named = self.by_name[ref >> 32]
            if follow and (ref & _LOW) not in self.base[ref >> 32]:
                named.add(ref & _LOW)
            else:
                named.discard(ref & _LOW)


def decide_base(units: Sequence[TextUnit], min_bytes: int, share: float, elsewhere: Callable[[int], bool],
                shared: Sequence[int]) -> tuple[set[int], set[int]]:
    """One file's lines marked by exact key or windows, and those of its uncollectable ``Test*`` classes.

    ``elsewhere(key)``: whether a unit of another file has this exact key; ``shared[k]``: how many
    of unit ``k``'s own windows another unit holds too.  (The rule of :class:`CandidateState`, which
    counts the tree, and of a file check, which asks the counts an index kept: :func:`marks_against`.)
    """
    base: set[int] = set()
    uncollectable: set[int] = set()
    own_keys: dict[int, list[int]] = defaultdict(list)
    for k, u in enumerate(units):
        if u.size >= min_bytes:
            if elsewhere(u.exact):
                base.add(u.line)
            else:
                own_keys[u.exact].append(k)
    for ks in own_keys.values():
        for n, k in enumerate(ks):
            a = units[k]
            if any(a.end < units[o].line or units[o].end < a.line for i, o in enumerate(ks) if i != n):
                base.add(a.line)
    total = [len(u.windows) for u in units]
    folded = list(shared)
    for k in range(len(units) - 1, -1, -1):  # children come after their parent: fold them up
        p = units[k].parent
        if p != -1:
            total[p] += total[k]
            folded[p] += folded[k]
    for k, u in enumerate(units):
        if u.size >= min_bytes and folded[k] and folded[k] >= share * total[k]:
            base.add(u.line)
        if u.parent != -1 and u.name == "__init__" and not u.is_class:
            top = units[u.parent]
            if top.is_class and top.parent == -1 and top.name.startswith("Test"):
                uncollectable.add(top.line)
    return base, uncollectable


Named = tuple[str, bool, bool]  # a followed unit of a file: name, is_class, marked by key or windows


@dataclass(frozen=True, slots=True)
class CandidateCounts:
    """What a file check needs of :class:`CandidateState` to judge a file's candidates without the tree.

    Per window and per exact key, how many units hold it and, when one does, its file's number
    (sorted arrays: a look-up is a bisection); per file, its number and its followed units as
    counted; per name group, how many of its members are candidates by key or windows and how many not.
    """

    min_bytes: int
    share: float
    window_keys: array[int]
    window_values: array[int]  # holders' xor << 32 | holders
    exact_keys: array[int]  # signed: exact keys are hashes
    exact_values: array[int]
    files: dict[str, tuple[int, list[Named]]]  # rel -> its number, its followed units
    groups: dict[tuple[str, bool], tuple[int, int]]  # (name, is_class) -> members marked, members not

    def window(self, w: int) -> int:
        return find_sorted(self.window_keys, self.window_values, w)

    def exact(self, key: int) -> int:
        return find_sorted(self.exact_keys, self.exact_values, key)

    def group(self, name: str, is_class: bool) -> tuple[int, int]:
        return self.groups.get((name, is_class), (0, 0))

    def file(self, rel: str) -> tuple[int, list[Named]] | None:
        return self.files.get(rel)


def find_sorted(keys: Sequence[int], values: Sequence[int], key: int) -> int:
    """The value of ``key`` in sorted ``keys`` (0: absent)."""
    i = bisect_left(keys, key)
    return values[i] if i < len(keys) and keys[i] == key else 0


def _follows(marked: int, others: int) -> bool:
    """Whether a name group is followed: some members are candidates, and the others are a few."""
    return 0 < others <= SAME_NAME_MAX and marked > 0


def counts_of(state: CandidateState) -> CandidateCounts:
    """The counts of ``state`` as :class:`CandidateCounts`."""
    wkeys, wvalues = state.sorted_windows()
    exact = sorted(state.exact.items())
    values = array("Q")
    for _, held in exact:
        holders = _holders(held)
        x = 0
        for g in holders:
            x ^= g
        values.append(x << 32 | len(holders))
    named: dict[int, list[Named]] = defaultdict(list)
    groups: dict[tuple[str, bool], tuple[int, int]] = {}
    for (name, is_class), members in state.names.items():
        marked = 0
        for ref in members:
            f = ref >> 32
            based = (ref & _LOW) in state.base.get(f, ())
            marked += based
            named[f].append((name, is_class, based))
        groups[(name, is_class)] = (marked, len(members) - marked)
    files = {rel: (f, named.get(f, [])) for rel, f in state.ids.items()}
    return CandidateCounts(state.min_bytes, state.share, wkeys, wvalues, array("q", [k for k, _ in exact]), values,
                           files, groups)


class Counted(Protocol):
    """Counts of the rest of the tree, as a file check reads them (:class:`ssot.app.check_index.StoredCandidates`)."""

    min_bytes: int
    share: float

    def window(self, w: int) -> int: ...  # packed as in CandidateCounts.window_values (0: held by none)

    def exact(self, key: int) -> int: ...  # the same, for an exact key

    def group(self, name: str, is_class: bool) -> tuple[int, int]: ...

    def file(self, rel: str) -> tuple[int, list[Named]] | None: ...


def marks_against(files: Mapping[str, TextIndex], counted: Counted) -> dict[str, set[int]]:
    """The candidate lines of a few files (rel -> text index), judged against the counts of the tree an
    earlier scan kept, with these files' counted part replaced by what they hold now.

    The rest of the tree is taken as counted.  A window or key is shared when another unit holds it:
    in the files given, or in the counts but for the file's own old copy when that alone held it
    (when several held it and one was the file's, the count cannot tell: taken as shared, so a
    few more may be parsed than a scan would, none fewer).  A name group's members are recounted with
    the files' old members out and their new ones in.  For a file unchanged since the count, the
    marks are the scan's.
    """
    min_bytes = counted.min_bytes
    local_windows: Counter[int] = Counter()
    local_keys: dict[int, set[str]] = defaultdict(set)
    for rel, ix in files.items():
        for u in ix.units:
            local_windows.update(u.windows)
            if u.size >= min_bytes:
                local_keys[u.exact].add(rel)
    decided: dict[str, tuple[set[int], set[int]]] = {}
    delta: dict[tuple[str, bool], list[int]] = defaultdict(lambda: [0, 0])  # group -> change of (marked, others)
    for rel, ix in files.items():
        known = counted.file(rel)
        me = known[0] if known is not None else -1

        def held(value: int, me: int = me) -> bool:
            n = value & _LOW
            return n > 1 or (n == 1 and value >> 32 != me)

        def elsewhere(key: int, rel: str = rel, held: Callable[[int], bool] = held) -> bool:
            return held(counted.exact(key)) or bool(local_keys[key] - {rel})

        units = ix.units
        shared = [sum(1 for w in u.windows if local_windows[w] > 1 or held(counted.window(w))) for u in units]
        base, uncollectable = decide_base(units, min_bytes, counted.share, elsewhere, shared)
        decided[rel] = base, uncollectable
        for name, is_class, based in known[1] if known is not None else ():
            delta[(name, is_class)][0 if based else 1] -= 1
        for u in units:
            if _named(units, u, min_bytes):
                delta[(u.name, u.is_class)][0 if u.line in base else 1] += 1
    follow = {}
    for key, (d_marked, d_others) in delta.items():
        marked, others = counted.group(*key)
        follow[key] = _follows(marked + d_marked, others + d_others)
    out: dict[str, set[int]] = {}
    for rel, ix in files.items():
        base, uncollectable = decided[rel]
        units = ix.units
        out[rel] = base | uncollectable | {u.line for u in units if _named(units, u, min_bytes)
                                           and u.line not in base and follow[(u.name, u.is_class)]}
    return out
