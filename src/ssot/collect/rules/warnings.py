"""warning:<kind>: each cause of collection warnings (helper classes, data types named Test*, ...)."""

from __future__ import annotations

from ssot.collect.context import RuleInput
from ssot.collect.rules.base import finding
from ssot.model import Cost, Finding, Severity

_TITLES = {
    "helper-class": "{count} {category}s: Test*-named helper classes with __init__",
    "hidden-tests": "{count} {category}s from helpers whose __init__ swallowed a file's tests",
    "test-class": "{count} {category}s from real test classes with __init__: their tests never run",
    "data-class": "{count} {category}s: data types named Test* (@dataclass, NamedTuple, Enum...)",
}


class WarningCauses:
    id = "warning"
    severity: Severity = "warning"

    def check(self, inp: RuleInput) -> list[Finding]:
        total = len(inp.m.warnings)
        out = []
        for c in inp.causes:
            title = _TITLES.get(c.kind, "{count} {category}s: {template}").format(
                count=c.count, category=c.category, template=c.template)
            out.append(finding(
                f"{self.id}:{c.kind}", self.severity, title,
                detail=f"emitted by {c.emitter}; e.g. {', '.join(c.examples)}",
                fix=c.fix,
                paths=sorted({p for files in c.classes.values() for p in files})
                or [e.split(":")[0] for e in c.examples],
                key=f"{c.emitter}:{c.template}",
                cost=Cost(warnings=c.count, share_of_warnings=c.count / total if total else 0.0,
                          tests=inp.tests_by_cause.get(c.id, 0)),
            ))
        return out
