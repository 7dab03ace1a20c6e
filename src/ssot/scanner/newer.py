"""Grammar newer than the running interpreter's, made parseable without changing what is compared.

ssot may run on Python 3.11 and scan code written for 3.12 to 3.14: PEP 701
f-strings (``f"{d["a"]}"``, quotes reused inside the braces), PEP 695 type
parameters and aliases (``type X = int``, ``def f[T](x: T)``, ``class A[T]:``)
and PEP 750 t-strings (``t"..."``).  :func:`downgrade` rewrites such text into
3.11 grammar, line for line: every f- or t-string becomes an empty f-string
(its content is a literal to the comparison anyway), ``type X = ...`` becomes
``X = ...`` and type parameter lists are dropped (they are annotations).  When
the rewritten text still does not parse, the file has a real syntax error and
the original message is reported.
"""

from __future__ import annotations

import re

_TYPE_ALIAS = re.compile(r"^([ \t]*)type[ \t]+(\w+)[ \t]*(?:\[[^\]\n]*\])?[ \t]*=", re.M)
_TYPE_PARAMS = re.compile(r"^([ \t]*(?:async[ \t]+)?(?:def|class)[ \t]+\w+)\[[^\]\n]*\]", re.M)

def _prefix(text: str, i: int) -> int | None:
    """Where the prefix of the string whose quote is at ``i`` starts, when it is an f- or t-string."""
    p = i
    while p > 0 and i - p < 2 and text[p - 1] in "fFtTrRbB":
        p -= 1
    letters = text[p:i].lower()
    if not letters or (p > 0 and (text[p - 1].isalnum() or text[p - 1] == "_")):
        return None
    return p if ("f" in letters or "t" in letters) and "b" not in letters else None


def _quote(text: str, i: int) -> str:
    return text[i:i + 3] if text[i:i + 3] in ('"""', "'''") else text[i]


def _skip_string(text: str, i: int) -> int:
    """Index just past the plain (non f) string literal whose opening quote is at ``i``."""
    quote = _quote(text, i)
    j = i + len(quote)
    while j < len(text):
        if text[j] == "\\":
            j += 2
            continue
        if text.startswith(quote, j):
            return j + len(quote)
        if len(quote) == 1 and text[j] == "\n":
            return j
        j += 1
    return j


def _end_of_fstring(text: str, i: int, quote: str) -> int:
    """Index just past a PEP 701 f-string whose body starts at ``i`` (after its opening quote)."""
    depth = 0
    j = i
    n = len(text)
    while j < n:
        c = text[j]
        if depth == 0:
            if c == "\\":
                j += 2
                continue
            if text.startswith(quote, j):
                return j + len(quote)
            if c == "{":
                if text.startswith("{{", j):
                    j += 2
                    continue
                depth = 1
            elif len(quote) == 1 and c == "\n":
                return j
            j += 1
            continue
        if c in "\"'":
            q = _quote(text, j)
            j = _end_of_fstring(text, j + len(q), q) if _prefix(text, j) is not None else _skip_string(text, j)
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        j += 1
    return n


def _blank_fstrings(text: str) -> str:
    out: list[str] = []
    pos = 0
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c == "#":
            k = text.find("\n", i)
            i = n if k == -1 else k
            continue
        if c in "\"'":
            start = _prefix(text, i)
            if start is not None:
                quote = _quote(text, i)
                end = _end_of_fstring(text, i + len(quote), quote)
                body = text[i + len(quote):end - len(quote)]
                # only what the old grammar refuses: the delimiting quote reused inside, or a t-string;
                # any other f-string is left as it is, so that its own errors are still reported
                if quote in body or "t" in text[start:i].lower():
                    out.append(text[pos:start])
                    out.append('f""' + "\n" * text.count("\n", start, end))  # keep the line structure
                    pos = end
                i = end
                continue
            i = _skip_string(text, i)
            continue
        i += 1
    out.append(text[pos:])
    return "".join(out)


def downgrade(text: str) -> str:
    """``text`` in Python 3.11 grammar, line for line (see the module docstring)."""
    text = _TYPE_ALIAS.sub(r"\1\2 =", text)
    text = _TYPE_PARAMS.sub(r"\1", text)
    return _blank_fstrings(text)
