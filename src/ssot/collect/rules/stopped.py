"""collection-stopped: collection stopped early (-x, --maxfail): which test files pytest never reached."""

from __future__ import annotations

from ssot.collect.context import RuleInput, n
from ssot.collect.rules.base import finding
from ssot.collect.static import predict_test_files
from ssot.model import Finding, Severity
from ssot.pytest_config import DEFAULT_NORECURSE


class CollectionStopped:
    id = "collection-stopped"
    severity: Severity = "error"

    def check(self, inp: RuleInput) -> list[Finding]:
        m, ctx = inp.m, inp.ctx
        if m.status != "stopped":
            return []
        norecurse = m.ini_list("norecursedirs", list(DEFAULT_NORECURSE))
        predicted = predict_test_files(ctx.root, inp.asked or ["."], ctx.python_files, norecurse)
        seen = {f.path for f in m.files}
        missing = [p for p in predicted if p not in seen and p.rsplit("/", 1)[-1] != "conftest.py"]
        total = len(missing) + len(seen)
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        return [finding(
            self.id, self.severity,
            f"collection stopped early ({m.stop_reason}): {len(seen)} of about {total} test files collected, "
            f"{n(len(missing), 'file')} not collected",
            detail=(
                f"the counts above cover only what pytest reached before it stopped; not collected: {shown}"
                if missing
                else "the counts above cover only what pytest reached before it stopped"
            ),
            fix=(
                "fix the collection errors above, or run without -x/--maxfail (e.g. `ssot collect -- --maxfail=0`) "
                "to see the whole collection"
            ),
            paths=missing,
            key=self.id,
        )]
