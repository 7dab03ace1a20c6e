"""no-tests: pytest collected nothing at all."""

from __future__ import annotations

from ssot.collect.context import RuleInput
from ssot.collect.rules.base import finding
from ssot.model import Finding, Severity


class NoTests:
    id = "no-tests"
    severity: Severity = "error"

    def check(self, inp: RuleInput) -> list[Finding]:
        m, ctx = inp.m, inp.ctx
        if m.status != "no-tests":
            return []
        testpaths = m.ini.get("testpaths") or []
        return [finding(
            self.id, self.severity, "pytest collected no tests",
            detail=(
                f"from {' '.join(m.args) or m.rootdir} "
                f"({m.args_source.lower() if m.args_source else 'args'}): "
                f"{len(m.files)} files imported; python_files = {ctx.python_files}, "
                f"python_functions = {ctx.python_functions}, testpaths = {testpaths or '(not set)'}"
            ),
            fix=(
                "point pytest at the folder with the tests (PATH or testpaths) and check that "
                "python_files, python_classes and python_functions match their names; the tests that never "
                "run below say which rule leaves each one out"
            ),
            paths=[m.inifile] if m.inifile else [],
            key=self.id,
        )]
