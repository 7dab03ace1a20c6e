"""Find commented-out definitions: runs of comment lines that are Python code.

A run of comment lines is uncommented (``#`` and any prefix common to all its
lines, such as ``# REMOVED_SYNTAX_ERROR:``, removed), then each line that
reads like a ``class``/``def`` header is taken with the lines indented under
it and parsed.  Prose never parses as a definition, so it is never reported.
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
_HINT = re.compile(r"#[^\n]*\b(?:def|class)[ \t]+\w+")
# what precedes a definition header in a comment body (``" REMOVED_SYNTAX_ERROR: "`` say)
_BEFORE_HEADER = re.compile(r"(.*?)(?:async[ \t]+)?(?:def|class)[ \t]+\w+")


def _indent(s: str) -> int:
    return len(s) - len(s.lstrip(" \t"))


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


def _is_comment(line: str) -> bool:
    return line.lstrip(" \t").startswith("#")


def _runs(text: str) -> list[tuple[int, list[str]]]:
    """``(first line number, lines)`` of each run of comment lines holding a definition hint."""
    lines: list[str] | None = None
    runs: list[tuple[int, list[str]]] = []
    covered = -1
    for hint in _HINT.finditer(text):
        if lines is None:
            lines = text.split("\n")
        at = text.count("\n", 0, hint.start())
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


def find_commented(text: str, fingerprints: dict[str, Fingerprint]) -> list[tuple[int, int, str, str, str]]:
    """``(line, end_line, name, kind, digest)`` of each commented-out definition in ``text``."""
    found: list[tuple[int, int, str, str, str]] = []
    for first_line, raw in _runs(text):
        bodies = [ln.lstrip(" \t")[1:] if _is_comment(ln) else "" for ln in raw]
        for prefix in _prefixes(bodies):
            code = [_uncomment(b, prefix) for b in bodies]
            hits = _definitions(code, first_line, fingerprints)
            if hits:
                found.extend(hits)
                break
    return _not_in_strings(text, found) if found else found


def _not_in_strings(text: str, found: list[tuple[int, int, str, str, str]]) \
        -> list[tuple[int, int, str, str, str]]:
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


def _uncomment(body: str, prefix: str) -> str:
    """The code in a comment body; a line without the prefix cannot be part of the code."""
    if body.startswith(prefix):
        return body[len(prefix):]
    return "" if not body.strip() or body.rstrip() == prefix.rstrip() else "\0"


def _definitions(code: list[str], first_line: int, fingerprints: dict[str, Fingerprint]) \
        -> list[tuple[int, int, str, str, str]]:
    hits: list[tuple[int, int, str, str, str]] = []
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
        src = textwrap.dedent("\n".join(code[start:end])) + "\n"
        try:
            tree = ast.parse(src)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            i += 1
            continue
        node = tree.body[0] if len(tree.body) == 1 else None
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            fp = fingerprint(node)
            fingerprints.setdefault(fp.digest, fp)
            hits.append((first_line + i, first_line + end - 1, node.name, kind_of(node), fp.digest))
            i = end
        else:
            i += 1
    return hits
