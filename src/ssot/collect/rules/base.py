"""What a collect rule is, and the one way its findings are made."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from ssot.collect.context import RuleInput
from ssot.model import NO_COST, Cost, Finding, Location, Severity


class Rule(Protocol):
    """One kind of diagnosis.  ``id`` is the rule id of its findings, or their prefix
    (``warning`` gives ``warning:helper-class``, ...); ``severity`` is the one its findings
    have unless a finding says otherwise."""

    id: str
    severity: Severity

    def check(self, inp: RuleInput) -> list[Finding]: ...


def location(text: str) -> Location:
    """``path:line`` (or a bare path, a folder ``dir/``) as a :class:`Location`."""
    head, sep, tail = text.rpartition(":")
    if sep and head and tail.isdigit():
        return Location(head, int(tail))
    return Location(text)


def finding(
    rule: str,
    severity: Severity,
    message: str,
    *,
    detail: str,
    fix: str,
    paths: Sequence[str],
    key: str = "",
    cost: Cost = NO_COST,
) -> Finding:
    """A collect finding: the first of ``paths`` is its location, the others are related
    (no paths: the project as a whole, path "")."""
    places = [location(p) for p in paths]
    first = places[0] if places else Location("")
    return Finding(rule, first.path, first.line, message, severity=severity, fix=fix, key=key,
                   related=tuple(places[1:]), detail=detail, cost=cost)
