"""never-run:<kind>: tests that no warning announces and pytest never collects (a class or file
python_classes/python_files does not match, functions nested in another)."""

from __future__ import annotations

from collections import defaultdict

from ssot.collect.context import RuleInput
from ssot.collect.profile import NeverRunTest
from ssot.collect.rules.base import finding
from ssot.model import Cost, Finding, Severity

_FIXES = {
    "unmatched-class": "rename the class to match python_classes (e.g. 'Test...'), or extend python_classes",
    "unmatched-file": "rename the file to match python_files (e.g. test_*.py), or extend python_files",
    "nested": "dedent the functions to module level (they sit inside another function)",
}


class NeverRun:
    id = "never-run"
    severity: Severity = "warning"

    def check(self, inp: RuleInput) -> list[Finding]:
        warned = {name for c in inp.causes for name in c.classes}  # a warning already says so
        silent = [
            t for t in inp.never_run
            if t.kind in ("unmatched-class", "unmatched-file")
            or (t.kind == "nested" and t.container and t.container.split(".")[0] not in warned)
        ]
        by_reason: dict[tuple[str, str], list[NeverRunTest]] = defaultdict(list)
        for t in silent:
            by_reason[(t.kind, t.path)].append(t)
        return [
            finding(
                f"{self.id}:{kind}", self.severity,
                f"{path}: {len(tests)} test{'s' if len(tests) != 1 else ''} never run",
                detail=tests[0].reason,
                fix=_FIXES[kind],
                paths=[f"{t.path}:{t.line}" for t in tests],
                key=kind,
                cost=Cost(tests=len(tests)),
            )
            for (kind, path), tests in sorted(by_reason.items())
        ]
