"""broad-python-files: a python_files pattern that makes pytest import modules without tests."""

from __future__ import annotations

import os
from collections import defaultdict

from ssot.collect.context import RuleInput, ms, n
from ssot.collect.pytestnames import DEFAULT_PYTHON_FILES, matching_patterns
from ssot.collect.rules.base import finding
from ssot.model import Cost, Finding, Severity


class BroadPythonFiles:
    id = "broad-python-files"
    severity: Severity = "warning"

    def check(self, inp: RuleInput) -> list[Finding]:
        ctx, m = inp.ctx, inp.m
        ini_name = os.path.basename(m.inifile or "pytest.ini")
        patterns = ctx.python_files
        useless: dict[str, list[str]] = defaultdict(list)
        useless_seconds: dict[str, float] = defaultdict(float)
        for f in m.files:
            if os.path.isabs(f.path):
                continue
            facts = ctx.facts.get(f.path)
            if f.tests or facts is None or not facts.parsed or facts.partial or facts.defined_tests:
                continue
            for p in matching_patterns(f.path, patterns):
                if p in DEFAULT_PYTHON_FILES:
                    continue  # pytest's own default: a stray file, not a pattern to narrow
                useless[p].append(f.path)
                useless_seconds[p] += f.seconds
        out = []
        for p, paths in sorted(useless.items()):
            narrower = [x for x in patterns if x != p] or list(DEFAULT_PYTHON_FILES)
            out.append(finding(
                self.id, self.severity, f"python_files pattern {p!r} selects {n(len(paths), 'module')} without tests",
                detail=(
                    f"pytest imports them as test modules for nothing ({ms(useless_seconds[p])}), e.g. "
                    + ", ".join(paths[:3])
                ),
                fix=(
                    f"narrow python_files in {ini_name} (e.g. python_files = "
                    f"[{', '.join(repr(x) for x in narrower)}]), or rename the helper modules so the pattern "
                    "does not match them"
                ),
                paths=paths,
                key=p,
                cost=Cost(seconds=useless_seconds[p], share_of_time=useless_seconds[p] / ctx.wall),
            ))
        return out
