"""collection-timeout: where a collection that timed out was stuck, and in which phase."""

from __future__ import annotations

import os

from ssot.collect.context import RuleInput, n
from ssot.collect.rules.base import finding
from ssot.model import Finding, Severity

_DRIVERS = ("/_pytest/", "/pluggy/")


class CollectionTimeout:
    id = "collection-timeout"
    severity: Severity = "error"

    def check(self, inp: RuleInput) -> list[Finding]:
        """The innermost frame of the project, else the innermost one outside the standard library."""
        m = inp.m
        if m.hang is None:
            return []
        stack = m.hang.stack
        stdlib = os.path.join(m.python.base_prefix, "lib") + os.sep if m.python.base_prefix else None
        own = [f for f in stack if not os.path.isabs(f.path) and not f.path.startswith("<")]
        outside = [f for f in stack if not (stdlib and f.path.startswith(stdlib)) and not f.path.startswith("<")]
        frames = own or outside or stack
        where = f"{frames[-1].path}:{frames[-1].line}" if frames else "?"
        if m.hang.collecting:
            phase, fix = f"while collecting {m.hang.collecting}", f"make {where} return (it blocks at import time)"
        elif "collection_start" in m.marks:
            last = max((i for i, f in enumerate(stack) if any(d in f.path for d in _DRIVERS)), default=None)
            called = stack[last + 1] if last is not None and last + 1 < len(stack) else None
            inside = f", in {called.path}:{called.line} {called.function}()" if called is not None else ""
            phase = f"after pytest had collected {n(len(m.files), 'file')}{inside}"
            fix = f"make {where} finish sooner (a hook or plugin that runs after the files are collected)"
        else:
            phase, fix = "before collection started", f"make {where} return (it blocks at start-up)"
        return [finding(
            self.id, self.severity, f"collection did not finish; it was stuck at {where}",
            detail=phase + (f": `{frames[-1].code}`" if frames and frames[-1].code else ""),
            fix=f"{fix}, or raise --timeout / collect_timeout",
            paths=[where],
            key=f"{frames[-1].function}" if frames else "?",
        )]
