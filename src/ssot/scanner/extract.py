"""Extract the units and commented-out copies of one file, fast.

Parsing every file whole is what makes a naive scanner slow (``ast.parse``
reads about 6 MB/s), and most of a test tree is test functions, which are not
units.  So a file is cut into top-level chunks at column-0 lines, and:

* chunks that define a class or a non-test function (or hold a nested
  definition) are parsed, memoised on their exact text: copy-pasted helpers
  are parsed once per process, however many files hold them;
* every other chunk (test functions, imports, statements) is only checked for
  syntax errors, memoised on a normalised text (string and number literals,
  comments and the test's name blanked), which repeats across a generated or
  copy-pasted tree far more than the raw text does.  The normalisation keeps
  validity both ways: a chunk holding anything whose content can itself be a
  syntax error (a prefixed string such as an f-string or bytes, a backslash,
  an unterminated quote) is checked as it is.

A chunk that does not compile alone (a string or bracket spanning a column-0
line) sends the file down the slow path, a whole-file parse, which is also
where syntax errors get their exact message and line.
"""

from __future__ import annotations

import ast
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from hashlib import blake2b

from ssot.fieldpickle import pickled_by_fields
from ssot.model import Fingerprint
from ssot.scanner.bindings import is_generated, module_bindings
from ssot.scanner.commented import find_commented
from ssot.scanner.fingerprint import TEST_PREFIX
from ssot.scanner.newer import downgrade
from ssot.scanner.textual import TextIndex, TextUnit, index_text
from ssot.scanner.units import Unit, walk_units
from ssot.scope import imported_modules

# the newline before a column-0 line that starts a new top-level statement (a pattern that
# starts with a literal lets the regex engine skip ahead fast)
_TOP = re.compile(r"\n(?=[^\s#)\]}])(?!(?:else|elif|except|finally)\b)")
_HEAD = re.compile(r"(?:async[ \t]+)?(def|class)[ \t]+(\w+)")
_NESTED = re.compile(r"\n[ \t]+(?:async[ \t]+)?(?:def|class)[ \t]")
# normalisation for the syntax-check memo: a left-to-right tokenizer of the tokens that vary
# between copies (unprefixed strings without backslashes, comments, plain decimal integers);
# anything else holding a quote or a backslash is a hazard: the chunk is then checked as it is.
_NORM = re.compile(
    r'"""(?:[^"\\]|"(?!""))*"""'
    r"|'''(?:[^'\\]|'(?!''))*'''"
    r'''|"(?!"")[^"\\\n]*"|'(?!'')[^'\\\n]*'|#[^\n]*|(?<![\w.])[1-9][0-9]{0,15}(?![\w.])'''
    r"""|(?P<hazard>\\|\b[A-Za-z]{1,2}["']|["'])"""
)


# the fast normalisation, of a whole file at once: single-line strings become "", short plain
# decimal integers 1, every function name _, and comments # when no multi-line string could hold a
# "#".  Constant replacements run in C (the careful path above calls Python per token); they keep
# the line structure, so the normalised text cuts into the same chunks.  A chunk holding a hazard
# (a backslash, a prefixed string such as an f-string) is normalised carefully instead.  A
# replacement that breaks validity (adjacent strings "a""b" becoming """") only sends the file down
# the slow path; none makes an invalid chunk valid.
_FAST_STR = re.compile(r""""[^"\\\n]*"|'[^'\\\n]*'""")
# (patterns start with a character class, not a look-behind, so the engine can skip ahead fast)
# an emptied string right after a letter: a prefixed string (f"", rb'') or something odd
_FAST_PREFIXED = re.compile(r"""(["'])(?<=[A-Za-z]["'])\1""")
_FAST_NUM = re.compile(r"[1-9](?<![\w.][1-9])[0-9]{0,15}(?![\w.])")
_FAST_DEF = re.compile(r"def[ \t]+\w+")
_FAST_COMMENT = re.compile(r"#[^\n]*")
# a triple quote, in the text or made in the normalised text by adjacent strings ('"a""b"' -> '""""'):
# the single-line string pattern misreads what follows it, and can hide an error there
_TRIPLES = ('"""', "'''")


def _fast_normalise(text: str) -> str:
    """The whole file normalised at once (chunks holding a hazard are redone one by one)."""
    norm = _FAST_STR.sub('""', text)
    if '"""' not in text and "'''" not in text:  # no multi-line string: every other # starts a comment
        norm = _FAST_COMMENT.sub("#", norm)
    return _FAST_DEF.sub("def _", _FAST_NUM.sub("1", norm))


def _positions(pattern: re.Pattern[str], text: str) -> list[int]:
    return [m.start() for m in pattern.finditer(text)]


def _occurrences(text: str, needles: tuple[str, ...]) -> list[int]:
    """Sorted offsets of every occurrence of the needles (``str.find`` beats a regex here)."""
    out: list[int] = []
    for needle in needles:
        i = text.find(needle)
        while i != -1:
            out.append(i)
            i = text.find(needle, i + 1)
    out.sort()
    return out


def _any_in(positions: list[int], a: int, b: int) -> bool:
    i = bisect_left(positions, a)
    return i < len(positions) and positions[i] < b


def _starts(text: str) -> list[int]:
    return [0, *(m.end() for m in _TOP.finditer(text)), len(text)]


def _blank(m: re.Match[str]) -> str:
    if m.group("hazard") is not None:
        raise _Hazard
    c = m.group()[0]
    return '"" ' if c in "\"'" else "#" if c == "#" else "1"  # the space: '"a""b"' must not become '""""'


def _normalise(chunk: str) -> str:
    """The chunk with what varies blanked, valid exactly when the chunk is; or the chunk itself."""
    try:
        return _NORM.sub(_blank, chunk)
    except _Hazard:
        return chunk


@pickled_by_fields
@dataclass(slots=True)
class FileExtract:
    """What one file holds: plain data, cached by content."""

    units: list[Unit] = field(default_factory=list)
    commented: list[tuple[int, int, str, str, str]] = field(default_factory=list)  # line, end, name, kind, digest
    error: tuple[str, int | None] | None = None  # why the file could not be parsed, and where
    bindings: tuple[tuple[str, str], ...] = ()  # module-level names and what binds them (bindings.py)
    imports: frozenset[str] = frozenset()  # modules it imports (what decides test-only helpers)
    generated: bool = False  # its header says it is generated: no copy of anything
    parsed: bool = True  # False: only read for its imports (library code outside the scan's scope)
    lines: int = 0  # lines in the file
    index: TextIndex | None = None  # the candidate pass's view (None: extracted whole, every unit parsed)
    done: frozenset[int] = frozenset()  # header lines of the text units whose units are in ``units``


class Extractor:
    """Extracts files; one per process, so its memos span all the files it sees."""

    def __init__(self) -> None:
        self.fingerprints: dict[str, Fingerprint] = {}
        self._parsed: dict[str, list[Unit]] = {}
        # keyed by the segment's digest, not its text: on real code few segments repeat, and the texts were
        # most of what a worker kept (15 MB over the realcode monorepo's candidates)
        self._alone: dict[tuple[bytes, str, bool, bool, bool], tuple[str, list[Unit]]] = {}
        self._compiles: set[str] = set()

    def extract(self, text: str) -> FileExtract:
        try:
            return self._extract(text)
        except RecursionError:  # ast.parse copes, fingerprinting (recursive) does not: skip, never crash
            return FileExtract(error=("cannot scan: code nested too deeply (a very long chain such as "
                                      "a + b + ... ?); split the expression", None))

    def survey(self, data: bytes, text: str) -> FileExtract:
        """The cheap part, for every file: imports, bindings, commented-out copies and the text index.

        Units come later, from :meth:`parse_candidates`, for the definitions with a textual near-copy.
        """
        result = FileExtract(imports=frozenset(imported_modules(text)), lines=text.count("\n") + 1)
        if is_generated(text):
            result.generated = True
            return result
        if "from ." in text:  # relative imports: what decides which helpers only tests import
            result.bindings = module_bindings(text)
        result.index = index_text(data)
        try:
            result.commented = find_commented(text, self.fingerprints)
        except RecursionError:
            result.commented = []
        return result

    def parse_candidates(self, text: str, ex: FileExtract, lines: set[int]) -> FileExtract:
        """``ex`` with the units of the candidates at header ``lines`` (the outermost of them) added.

        Each outermost candidate is parsed alone (inside ``if 1:`` when indented, so that its text is
        parsed as it is); one that does not parse alone sends the file down the whole-file path.
        """
        index = ex.index
        if index is None or ex.error:
            return ex
        todo = _outermost(index.units, lines | ex.done, ex.done)
        if not todo:
            return ex
        source = text.split("\n")
        bindings = ex.bindings or module_bindings(text)
        units = list(ex.units)
        done = set(ex.done)
        starts = index.starts  # (text units come in header order)
        try:
            for k in todo:
                units.extend(self._parse_unit(source, index.units, k))
                u = index.units[k]
                # the headers inside it: a slice of the sorted lines, not a pass over all of them
                done.update(starts[bisect_left(starts, u.line):bisect_right(starts, u.end)])
        except (_SlowPath, RecursionError):
            whole = self.extract(text)
            whole.index, whole.imports, whole.commented = index, ex.imports, ex.commented
            whole.done = frozenset(v.line for v in index.units)
            return whole
        seen: set[tuple[int, str]] = set()
        unique = []
        for unit in sorted(units, key=lambda x: (x.line, x.nested)):
            if (unit.line, unit.qualname) not in seen:
                seen.add((unit.line, unit.qualname))
                unique.append(unit)
        return FileExtract(units=unique, commented=ex.commented, bindings=bindings, imports=ex.imports,
                           lines=ex.lines, index=index, done=frozenset(done))

    def _parse_unit(self, source: list[str], units: list[TextUnit], k: int) -> list[Unit]:
        u = units[k]
        start = decorated_start(source, u)
        segment = "\n".join(source[start - 1:u.end])
        ancestors: list[TextUnit] = []
        p = u.parent
        while p != -1:
            ancestors.append(units[p])
            p = units[p].parent
        ancestors.reverse()
        prefix = "".join(a.name + ("." if a.is_class else ".<locals>.") for a in ancestors)
        parent = prefix[:-1].removesuffix(".<locals>") if ancestors else ""
        in_class = bool(ancestors) and ancestors[-1].is_class
        enclosing = frozenset(a.name for a in ancestors)
        # copies of a function under other names (tests above all) are parsed once: when its name is nowhere
        # else in its text, the key leaves the name out (and keeps whether it names a test, which decides the
        # kind); the digest ignores a definition's own name, so only names and qualnames change
        name = u.name
        renamed = not u.is_class and segment.count(name) == 1
        text = segment.replace(name, "\0", 1) if renamed else segment
        key = (blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest(), prefix, in_class, renamed,
               renamed and name.startswith(TEST_PREFIX))
        memo = self._alone.get(key)
        if memo is None:
            indented = u.indent > 0
            code = "if 1:\n" + segment if indented else segment
            tree: ast.Module | None
            try:
                tree = ast.parse(code)
            except SyntaxError:
                tree = _newer_grammar(code)
            except (ValueError, MemoryError):
                raise _SlowPath from None
            if tree is None:
                raise _SlowPath from None
            body = tree.body[0].body if indented and isinstance(tree.body[0], ast.If) else tree.body
            cached = walk_units(body, self.fingerprints, prefix, parent, in_class, enclosing)
            cached = [x.moved(-1) for x in cached] if indented else cached
            if not any(x.line == u.line - start + 1 and x.qualname == prefix + name for x in cached):
                raise _SlowPath  # the text misread where the definition starts or ends
            self._alone[key] = (name, cached)
        else:
            was, cached = memo
            if was != name:
                cached = _renamed(cached, prefix, was, name)
        return [x.moved(start - 1) for x in cached]

    def imports_only(self, text: str) -> FileExtract:
        """What a file outside the scope contributes: the modules it imports."""
        return FileExtract(imports=frozenset(imported_modules(text)), bindings=module_bindings(text), parsed=False)

    def _extract(self, text: str) -> FileExtract:
        result = FileExtract(imports=frozenset(imported_modules(text)), lines=text.count("\n") + 1)
        if is_generated(text):
            result.generated = True
            return result
        result.bindings = module_bindings(text)
        try:
            units = self._by_chunks(text)
        except _SlowPath:
            units = None
        if units is None:
            tree: ast.Module | None
            try:
                tree = ast.parse(text)
            except SyntaxError as exc:
                tree = _newer_grammar(text)
                if tree is None:
                    result.error = (f"syntax error: {exc.msg}", exc.lineno)
                    return result
            except (RecursionError, MemoryError, ValueError) as exc:
                result.error = (f"cannot parse: {type(exc).__name__}: {exc or 'too deeply nested'}", None)
                return result
            units = walk_units(tree.body, self.fingerprints)
        result.units = units
        result.commented = find_commented(text, self.fingerprints)
        return result

    def _by_chunks(self, text: str) -> list[Unit] | None:
        starts = _starts(text)
        fast_norm = _fast_normalise(text)
        nstarts = _starts(fast_norm)
        norm: str | None = fast_norm
        if len(nstarts) != len(starts):
            norm = None
        # where the fast normalisation cannot be trusted: such chunks are normalised carefully
        backslashes = _occurrences(text, ("\\",))
        triples = _occurrences(text, _TRIPLES)
        prefixed = _positions(_FAST_PREFIXED, norm) if norm is not None else []
        made_triples = _occurrences(norm, _TRIPLES) if norm is not None else []

        def fast(i: int, j: int) -> str | None:
            if norm is None or _any_in(backslashes, starts[i], starts[j]) \
                    or _any_in(triples, starts[i], starts[j]) \
                    or _any_in(prefixed, nstarts[i], nstarts[j]) or _any_in(made_triples, nstarts[i], nstarts[j]):
                return None
            return norm[nstarts[i]:nstarts[j]]
        units: list[Unit] = []
        line = 1
        i = 0
        n = len(starts) - 1
        while i < n:
            a = starts[i]
            j = i + 1
            # decorators belong to the definition that follows them
            while j < n and text.startswith("@", starts[j - 1]):
                j += 1
            b = starts[j]
            chunk = text[a:b]
            head_at = starts[j - 1]
            head = _HEAD.match(text, head_at)
            if head or _NESTED.search(chunk):
                units.extend(u.moved(line - 1) for u in self._parse(chunk))
            else:
                quick = fast(i, j)
                self._check(_normalise(chunk) if quick is None else quick)
            line += chunk.count("\n")
            i = j
        return units

    def _parse(self, chunk: str) -> list[Unit]:
        cached = self._parsed.get(chunk)
        if cached is None:
            try:
                tree = ast.parse(chunk)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                raise _SlowPath from None
            cached = self._parsed[chunk] = walk_units(tree.body, self.fingerprints)
        return cached

    def _check(self, norm: str) -> None:
        if norm in self._compiles:
            return
        try:
            compile(norm, "<chunk>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            raise _SlowPath from None
        self._compiles.add(norm)


def _renamed(units: list[Unit], prefix: str, was: str, name: str) -> list[Unit]:
    """The units parsed for a definition named ``was`` (at ``prefix``), for a copy of it named ``name``."""
    a, b = prefix + was, prefix + name

    def moved(qualname: str) -> str:
        return b + qualname[len(a):] if qualname == a or qualname.startswith(a + ".") else qualname

    return [x._replace(name=name if x.qualname == a else x.name, qualname=moved(x.qualname), parent=moved(x.parent))
            for x in units]


def _outermost(units: list[TextUnit], wanted: set[int], done: frozenset[int]) -> list[int]:
    """Indexes of the wanted units not done and not inside another wanted unit."""
    out = []
    for k, u in enumerate(units):
        if u.line not in wanted or u.line in done:
            continue
        p = u.parent
        while p != -1 and units[p].line not in wanted:
            p = units[p].parent
        if p == -1:
            out.append(k)
    return out


def decorated_start(source: list[str], u: TextUnit) -> int:
    """The first line of the unit's decorators (its header line when it has none)."""
    start = u.line
    i = u.line - 1  # 1-based number of the line above the header
    while i >= 1:
        line = source[i - 1]
        s = line.strip()
        indent = len(line) - len(line.lstrip())
        if s.startswith("@") and indent == u.indent:
            start = i
        elif not s or s.startswith("#") or indent < u.indent or (indent == u.indent and s[0] not in ")]}"):
            break
        i -= 1
    return start


def _newer_grammar(text: str) -> ast.Module | None:
    """The tree of a file written in a newer grammar (PEP 701, 695, 750), or None: a real error."""
    new = downgrade(text)
    if new == text:
        return None
    try:
        return ast.parse(new)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


class _Hazard(Exception):
    """A chunk holds a token whose content can be a syntax error: check it as it is."""


class _SlowPath(Exception):
    """This file needs a whole-file parse."""
