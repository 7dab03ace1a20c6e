"""Find commented-out definitions: runs of comment lines that are Python code.

Only comment lines that mention ``def``/``class`` are looked at closely; the rest of a file
costs one regular-expression scan.  A run of comment lines is uncommented the way real
trees comment code out:

* the ``#`` may stand before the indentation (``#     def m(self):``) or after it
  (``    # def m(self):``, each line commented at its own indentation, so that methods
  would otherwise land at their class's level): the indentation before the ``#`` is kept
  and added to the one after it;
* a tag may precede the code (``# REMOVED_SYNTAX_ERROR: ``, ``# OLD: ``): the prefix
  common to the run's lines is removed, or else what precedes the outermost headers;
* a copy may be partial: a definition cut in the middle of a statement is shortened to
  its last whole statement.

Each line that then reads like a ``class``/``def`` header is taken with the lines indented
under it and parsed.  What is never reported as code: prose (it does not parse as a
definition), Sphinx doc comments (``#:``, which end a run), sketches whose body is only
``pass``, ``...`` or a docstring, and illustrations inside an explanation (a definition
introduced by "e.g." / "for example" / "such as", or indented under a prose line ending
in ``:``, as in ``# the models are:`` / ``#     class Target(models.Model): ...``).
"""

from __future__ import annotations

import ast
import io
import os
import re
import textwrap
import tokenize

from ssot.model import Fingerprint
from ssot.scanner.fingerprint import fingerprint, kind_of

_HEADER = re.compile(r"[ \t]*(?:async[ \t]+)?(?:def|class)[ \t]+\w+")
# a comment line mentioning a definition: the only places worth a closer look
_METHOD = re.compile(r"[ \t]*(?:async[ \t]+)?def[ \t]+\w+")
_HINT = re.compile(r"#[^\n]*\b(?:def|class)[ \t]+\w+")
# what precedes a definition header in a comment body (``" REMOVED_SYNTAX_ERROR: "`` say)
_BEFORE_HEADER = re.compile(r"(.*?)(?:async[ \t]+)?(?:def|class)[ \t]+\w+")
# prose that introduces an example rather than code put aside
_EXAMPLE = re.compile(r"(?:\be\.g\.|\bi\.e\.|\bfor (?:example|instance)\b|\bexamples?\b|\bsuch as\b|\bex:)",
                      re.IGNORECASE)
_PROSE_LINES = 8  # how far above a definition its introducing paragraph is read
_TRIMS = 6  # shorter versions tried of a definition that does not parse (a partial copy)

Hit = tuple[int, int, str, str, str]  # line, end_line, name, kind, digest


def _indent(s: str) -> int:
    return len(s) - len(s.lstrip(" \t"))


def _is_comment(line: str) -> bool:
    """A comment line that may hold code: not a ``#:`` doc comment, not a ``#!`` line."""
    body = line.lstrip(" \t")
    return body.startswith("#") and not body.startswith(("#:", "#!"))


def _split(line: str) -> tuple[str, str]:
    """``(indentation before the '#', text after it)`` of a comment line; blank lines give ``("", "")``."""
    at = line.find("#")
    if at < 0 or line[:at].strip():
        return "", ""
    return line[:at], line[at + 1:]


def _prefixes(bodies: list[str]) -> list[str]:
    """Candidate prefixes to remove after the ``#``: the common one cut at a space, then bare ``#``."""
    nonblank = [b for b in bodies if b.strip()]
    common = os.path.commonprefix(nonblank) if nonblank else ""  # noqa: RUF071 - characters are meant
    cut = common[: max(common.rfind(" "), common.rfind("\t")) + 1] if common.strip() else common
    out = [cut]
    if cut.strip():
        out.append(cut[: _indent(cut)])
    if "" not in out:
        out.append("")
    # the common prefix misses when some lines lack it (a prose line above the copy, or a
    # blank line of the copy whose trailing space an editor stripped): try what precedes
    # the outermost headers too
    before = {m.group(1) for b in bodies if (m := _BEFORE_HEADER.match(b))}
    out.extend(sorted((p for p in before if p not in out), key=lambda p: (len(p), p))[:3])
    return out


def _runs(text: str) -> list[tuple[int, list[str]]]:
    """``(first line number, lines)`` of each run of comment lines holding a definition hint."""
    lines: list[str] | None = None
    runs: list[tuple[int, list[str]]] = []
    covered = -1
    at = pos = 0  # line number of ``pos``, counted on from the previous hint
    for hint in _HINT.finditer(text):
        if lines is None:
            lines = text.split("\n")
        at += text.count("\n", pos, hint.start())
        pos = hint.start()
        if at <= covered or not _is_comment(lines[at]):
            continue
        start = at
        while start > 0 and (_is_comment(lines[start - 1]) or
                             (not lines[start - 1].strip() and start > 1 and _is_comment(lines[start - 2]))):
            start -= 1
        end = at + 1
        while end < len(lines) and (_is_comment(lines[end]) or
                                    (not lines[end].strip() and end + 1 < len(lines) and _is_comment(lines[end + 1]))):
            end += 1
        covered = end - 1
        runs.append((start + 1, lines[start:end]))
    return runs


def find_commented(text: str, fingerprints: dict[str, Fingerprint]) -> list[Hit]:
    """``(line, end_line, name, kind, digest)`` of each commented-out definition in ``text``."""
    found: list[Hit] = []
    for first_line, raw in _runs(text):
        split = [_split(ln) for ln in raw]
        bodies = [body for _, body in split]
        prose = [lead + body if _is_comment(ln) else None for ln, (lead, body) in zip(raw, split, strict=True)]
        for prefix in _prefixes(bodies):
            code = [_uncomment(lead, body, prefix) for lead, body in split]
            hits = _definitions(code, prose, first_line, fingerprints)
            if hits is not None:
                found.extend(hits)
                break
    return _not_in_strings(text, found) if found else found


def _not_in_strings(text: str, found: list[Hit]) -> list[Hit]:
    """Drop hits whose lines are not comments but the inside of a multi-line string.

    An odd count of triple quotes before a hit is the cheap sign of a string around it;
    only then is the file tokenized to be sure.
    """
    def suspicious(line: int) -> bool:
        at = sum(len(x) + 1 for x in text.split("\n", line - 1)[: line - 1])
        return text.count('"""', 0, at) % 2 == 1 or text.count("'''", 0, at) % 2 == 1

    if not any(suspicious(hit[0]) for hit in found):
        return found
    try:
        comments = {tok.start[0] for tok in tokenize.generate_tokens(io.StringIO(text).readline)
                    if tok.type == tokenize.COMMENT}
    except (tokenize.TokenError, SyntaxError):
        return found
    return [hit for hit in found if hit[0] in comments]


def _uncomment(lead: str, body: str, prefix: str) -> str:
    """The code in a comment line; a line without the prefix cannot be part of the code (``"\\0"``).

    The indentation before the ``#`` is kept: a line commented out at its own indentation
    keeps its place in the structure.
    """
    if body.startswith(prefix):
        rest = body[len(prefix):]
        return lead + rest if rest.strip() else ""
    return "" if not body.strip() or body.rstrip() == prefix.rstrip() else "\0"


def _definitions(code: list[str], prose: list[str | None], first_line: int, fingerprints: dict[str, Fingerprint]) \
        -> list[Hit] | None:
    """The definitions in uncommented ``code`` (``prose``: the same lines as written, after the ``#``).

    ``None`` when nothing there is a definition.

    An empty list means definitions were found but none is worth reporting (sketches,
    illustrations): the run is settled, no other prefix is tried.
    """
    hits: list[Hit] = []
    seen = False
    illustrating = False  # the previous definition of the run was an illustration
    last_code = -1  # index of the last line of the previous definition
    i = 0
    while i < len(code):
        if not _HEADER.match(code[i]):
            i += 1
            continue
        head = _indent(code[i])
        start = i
        while start > 0 and code[start - 1].strip().startswith("@") and _indent(code[start - 1]) == head:
            start -= 1
        end = i + 1
        while end < len(code) and (not code[end].strip() or _indent(code[end]) > head):
            end += 1
        while end > i + 1 and not code[end - 1].strip():
            end -= 1
        if end == i + 1 and code[i].lstrip().startswith("class"):
            code, end = _lift_methods(code, i, head)
        node = _parse(code, start, end, i)
        if node is None:
            i += 1
            continue
        seen = True
        end = start + (node.end_lineno or 1)  # a partial copy may have been shortened
        intro = _introduction(code, prose, start, last_code)
        if intro is None:  # only code (or nothing) above: an illustration goes on illustrating
            example = illustrating and last_code >= 0
        else:
            example = bool(_EXAMPLE.search(" ".join(intro))) or (
                intro[-1].rstrip().endswith(":") and (head > _indent(intro[-1]) or illustrating))
        illustrating = example
        last_code = end - 1
        if not example and not _is_sketch(node):
            fp = fingerprint(node)
            fingerprints.setdefault(fp.digest, fp)
            hits.append((first_line + i, first_line + end - 1, node.name, kind_of(node), fp.digest))
        i = end
    return hits if seen else None


def _lift_methods(code: list[str], header: int, head: int) -> tuple[list[str], int]:
    """A class header with no body, followed by methods at its own level: the lines indented under it.

    That is how a class reads once the indentation went before the ``#`` was put in.  The
    lines up to the next class header (or prose, or a line indented less) are lifted if a
    method stands among them; a shorter copy is tried by :func:`_parse` if that is too much.
    Returns the lines and the end of the class.
    """
    j = end = header + 1
    methods = False
    while j < len(code):
        line = code[j]
        if line.strip():
            if line == "\0" or _indent(line) < head or (_indent(line) == head and line.lstrip().startswith("class")):
                break
            methods = methods or (_indent(line) == head and bool(_METHOD.match(line)))
            end = j + 1
        j += 1
    if not methods:
        return code, header + 1
    lifted = code[:header + 1] + ["    " + ln if ln.strip() else ln for ln in code[header + 1:end]] + code[end:]
    return lifted, end


def _parse(code: list[str], start: int, end: int, header: int) \
        -> ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | None:
    """The definition in ``code[start:end]``, or in its longest prefix ending at a whole statement."""
    ends = [end]
    body = [j for j in range(header + 1, end) if code[j].strip() and code[j] != "\0"]
    if body:  # a partial copy: cut before later lines at the body's own indentation
        level = min(_indent(code[j]) for j in body)
        ends += [j for j in reversed(body) if _indent(code[j]) == level and j > body[0]][:_TRIMS]
    for stop in ends:
        src = textwrap.dedent("\n".join(code[start:stop])) + "\n"
        if "\0" in src:
            continue
        try:
            tree = ast.parse(src)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        node = tree.body[0] if len(tree.body) == 1 else None
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return node
        return None
    return None


def _introduction(code: list[str], prose: list[str | None], start: int, last_code: int) -> list[str] | None:
    """The paragraph right above ``code[start]`` as written (top to bottom), or ``None`` if nothing is there.

    Blank comment lines may stand between; a line that is not a comment separates.
    """
    j = start - 1
    while j > last_code and not code[j].strip() and prose[j] is not None:
        j -= 1
    lines: list[str] = []
    while j > last_code and code[j].strip() and len(lines) < _PROSE_LINES:
        text = prose[j]
        if text is None:
            break
        lines.append(text)
        j -= 1
    return list(reversed(lines)) or None


def _is_sketch(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> bool:
    """A body of only ``pass``, ``...`` and docstrings: a signature sketched, not code put aside."""
    return all(isinstance(s, ast.Pass) or (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant)
                                           and (s.value.value is Ellipsis or isinstance(s.value.value, str)))
               for s in node.body)
