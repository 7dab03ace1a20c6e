"""collection-error: a test file or conftest that raises while pytest imports it."""

from __future__ import annotations

from ssot.collect.context import RuleInput
from ssot.collect.rules.base import finding
from ssot.model import Finding, Severity


class CollectionError:
    id = "collection-error"
    severity: Severity = "error"

    def check(self, inp: RuleInput) -> list[Finding]:
        out = []
        for e in inp.m.errors:
            where = f"{e.path}:{e.line}" if e.path and e.line else (e.path or "?")
            if e.stage == "conftest":
                fix = f"fix the conftest at {where}: pytest cannot start collecting while it raises"
            elif e.exc_type in ("ModuleNotFoundError", "ImportError"):
                fix = f"fix the import at {where} (install the missing package or correct the module path)"
            elif e.exc_type in ("SyntaxError", "IndentationError", "TabError"):
                fix = f"fix the syntax at {where}"
            else:
                fix = f"fix the module-level code at {where} that raises"
            out.append(finding(
                self.id, self.severity, f"{e.path or e.nodeid}: {e.exc_type}: {e.message}",
                detail=(
                    "the file's tests are not collected"
                    if e.stage == "collect"
                    else "pytest stops before collecting anything"
                ),
                fix=fix,
                paths=[where],
                key=f"{e.stage}:{e.exc_type}",  # the path is in the fingerprint already
            ))
        return out
