"""no-testpaths: without testpaths a bare `pytest` walks the whole rootdir."""

from __future__ import annotations

import os
from collections import Counter

from ssot.collect.context import RuleInput, ms
from ssot.collect.rules.base import finding
from ssot.collect.rules.unwanted_folder import unwanted_folders
from ssot.model import Cost, Finding, Severity


class NoTestpaths:
    id = "no-testpaths"
    severity: Severity = "warning"  # a note when every collected file is inside the suggested folders

    def check(self, inp: RuleInput) -> list[Finding]:
        m = inp.m
        if m.ini.get("testpaths"):
            return []
        files = [f for f in m.files if not os.path.isabs(f.path)]
        offenders = unwanted_folders(inp)
        tops = Counter(
            f.path.split("/", 1)[0]
            for f in files
            if f.tests and "/" in f.path and f.path.split("/", 1)[0] not in offenders
        )
        suggestion = sorted(tops)
        stray = [f for f in files if "/" not in f.path or f.path.split("/", 1)[0] not in tops]
        seconds = sum(f.seconds for f in stray)
        if suggestion:
            snippet = "testpaths = [" + ", ".join(f'"{t}"' for t in suggestion) + "]"
            fix = (
                f"set {snippet} under [tool.pytest.ini_options] (pyproject.toml) or [pytest] (pytest.ini), "
                "so a bare `pytest` walks only the test folders"
            )
        else:
            fix = "set testpaths to the folders that hold the tests, so a bare `pytest` walks only those"
        return [finding(
            self.id, "note" if not stray else self.severity,
            "no testpaths: a bare `pytest` walks the whole rootdir",
            detail=(
                f"without testpaths pytest searches every folder under {m.rootdir}; {len(stray)} collected "
                f"files lie outside the suggested folders ({ms(seconds)})"
            ),
            fix=fix,
            paths=[m.inifile] if m.inifile else [],
            key=self.id,
            cost=Cost(seconds=seconds, share_of_time=seconds / inp.ctx.wall),
        )]
