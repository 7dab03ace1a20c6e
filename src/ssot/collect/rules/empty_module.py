"""empty-test-module: a file that defines tests of which pytest collects none."""

from __future__ import annotations

from ssot.collect.context import FIX_COMMAND, RuleInput, n
from ssot.collect.rules.base import finding
from ssot.model import Cost, Finding, Severity

_FIXES = {
    "nested": "dedent the test functions to module level",
    "skipped-class": f"turn the class's __init__ into setup_method (`{FIX_COMMAND}`)",
    "unmatched-class": "rename the class so python_classes matches it",
}


class EmptyTestModule:
    id = "empty-test-module"
    severity: Severity = "warning"

    def check(self, inp: RuleInput) -> list[Finding]:
        out = []
        for e in inp.empty:
            kinds = sorted({t.kind for t in inp.never_run if t.path == e.path})
            fix = "; ".join(_FIXES[k] for k in kinds if k in _FIXES) or (
                "check python_functions/python_classes and any hook that deselects its items"
            )
            out.append(finding(
                self.id, self.severity, f"{e.path} defines {n(e.defined_tests, 'test')} but collects none",
                detail=e.reason, fix=fix, paths=[e.path], key=self.id, cost=Cost(tests=e.defined_tests),
            ))
        return out
