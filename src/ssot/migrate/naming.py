"""Readable names for the canonical definitions of a family's equivalence classes.

Class A keeps the family's name; every other class gets that name plus what
sets it apart, read from :attr:`EquivalenceClass.differences` ("adds method
receive_json" -> ``TestWebSocketConnectionWithReceiveJson``, "get_messages is
sync here" -> ``...SyncGetMessages``; for functions ``make_message_ts``).
``[tool.ssot.names]`` (class id = name) overrides any of them.
"""

from __future__ import annotations

import keyword
import re

from ssot.model import EquivalenceClass, Family
from ssot.rewrite.names import camel_case, snake_case

_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^adds method (\w+)"), "With{0}"),
    (re.compile(r"^has no method (\w+)"), "Without{0}"),
    (re.compile(r"^(\w+) is sync here"), "Sync{0}"),
    (re.compile(r"^(\w+) is async here"), "Async{0}"),
    (re.compile(r"^attribute \w+ renamed to (\w+)"), "With{0}"),
    (re.compile(r"^adds attribute (\w+)"), "With{0}"),
    (re.compile(r"^has no attribute (\w+)"), "Without{0}"),
    (re.compile(r"^literal .*? is '([^']*)' here"), "{0}"),
    (re.compile(r'^literal .*? is "([^"]*)" here'), "{0}"),
    (re.compile(r"^(\w+) takes \("), "{0}Signature"),
    (re.compile(r"^body of (\w+) differs"), "Other{0}"),
    (re.compile(r"^(\w+) has \d+ more statement"), "Longer{0}"),
    (re.compile(r"^(\w+) has \d+ fewer statement"), "Shorter{0}"),
]


def suffix_for(difference: str) -> str | None:
    for pattern, template in _RULES:
        m = pattern.match(difference)
        if m:
            word = camel_case(m.group(1))
            if word:
                return template.format(word)
    return None


def _join(base: str, suffix: str, kind: str) -> str:
    if kind == "class":
        return base + suffix
    return f"{base}_{snake_case(suffix)}"


def valid_identifier(name: str) -> bool:
    return name.isidentifier() and not keyword.iskeyword(name)


def class_names(family: Family, overrides: dict[str, str],
                taken: dict[str, str] | None = None) -> dict[str, str]:
    """Class id -> canonical name, unique within the family.

    ``taken`` maps class ids to names already used in the canonical module
    (an earlier migration): those are kept as they are.
    """
    taken = dict(taken or {})
    used = set(taken.values())
    out: dict[str, str] = {}
    for k, cls in enumerate(family.classes):
        if cls.id in taken:
            out[cls.id] = taken[cls.id]
            continue
        if cls.id in overrides:
            out[cls.id] = overrides[cls.id]
            used.add(out[cls.id])
            continue
        out[cls.id] = name = _derive(family, cls, k, used)
        used.add(name)
    return out


def _derive(family: Family, cls: EquivalenceClass, index: int, used: set[str]) -> str:
    base = family.name
    if index == 0 and base not in used:
        return base
    candidates: list[str] = []
    suffixes = [s for s in (suffix_for(d) for d in cls.differences) if s]
    if suffixes:
        candidates.append(_join(base, suffixes[0], family.kind))
        if len(suffixes) > 1:
            candidates.append(_join(base, suffixes[0] + suffixes[1], family.kind))
    letter = cls.id.rsplit("/", 1)[-1]
    candidates.append(_join(base, f"Variant{letter}", family.kind))
    for c in candidates:
        if valid_identifier(c) and c not in used:
            return c
    n = 2
    while f"{candidates[-1]}{n}" in used:
        n += 1
    return f"{candidates[-1]}{n}"


def module_name(family: Family) -> str:
    """File name (without .py) of the family's canonical module: never one pytest would collect."""
    name = snake_case(family.name)
    for prefix in ("test_", "mock_"):
        if name.startswith(prefix) and len(name) > len(prefix):
            name = name[len(prefix):]
    if name in ("test", "conftest", "") or name.endswith("_test"):
        name = f"{name or 'helper'}_helpers"
    suffix = family.id[len(family.name):] if family.id.startswith(family.name) else ""
    if suffix:
        name += "_" + re.sub(r"\W+", "", suffix)
    if not valid_identifier(name):
        name = "_" + name
    return name
