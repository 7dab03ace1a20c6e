"""heavy-import and heavy-conftest-import: a module that costs a noticeable share of collection
time to import, first imported by a test file (or, worse, by a conftest, so every run pays it)."""

from __future__ import annotations

import re
from pathlib import Path

from ssot.collect.context import RuleInput, ms, pct
from ssot.collect.rules.base import finding
from ssot.model import Cost, Finding, Severity

HEAVY_SECONDS = 0.020  # an import worth a finding costs at least this much
HEAVY_SHARE = 0.01  # and at least this share of the wall time


def import_line(root: Path, conftest: str, module: str) -> int | None:
    """The line of ``conftest`` that imports ``module`` (None: not found)."""
    try:
        text = (root / conftest).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    parts = module.split(".")
    for lineno, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if not s.startswith(("import ", "from ")):
            continue
        if (
            f"import {module}" in s
            or s.startswith(f"from {module} ")
            or (
                len(parts) > 1
                and s.startswith(f"from {'.'.join(parts[:-1])} import")
                and re.search(rf"\b{re.escape(parts[-1])}\b", s.split(" import ", 1)[1])
            )
        ):
            return lineno
    return None


class HeavyImport:
    id = "heavy-import"  # and "heavy-conftest-import" when a conftest imports it
    severity: Severity = "warning"

    def check(self, inp: RuleInput) -> list[Finding]:
        ctx = inp.ctx
        out = []
        threshold = max(HEAVY_SECONDS, HEAVY_SHARE * ctx.wall)
        seen_direct: set[tuple[str, str]] = set()
        for c in inp.imports:
            if c.seconds < threshold or c.category == "stdlib" or not c.first_imported_by:
                continue
            importer = c.first_imported_by
            direct = c.via[1] if len(c.via) > 1 else c.module  # what the test file itself imports
            what = direct if direct == c.module else f"{direct} (which imports {c.module})"
            if (importer, direct) in seen_direct:
                continue  # a slow child of an import already reported
            seen_direct.add((importer, direct))
            cost = Cost(seconds=c.seconds, share_of_time=c.share)
            if importer.rsplit("/", 1)[-1] == "conftest.py":
                line = import_line(ctx.root, importer, direct)
                loc = f"{importer}:{line}" if line else importer
                out.append(finding(
                    "heavy-conftest-import", self.severity,
                    f"{importer} imports {c.module} ({ms(c.seconds)}) at module level",
                    detail=(
                        f"{c.module} costs {ms(c.seconds)}, {pct(c.share)} of collection time, and every run "
                        f"pays it because {loc} imports {what} when the conftest loads"
                    ),
                    fix=(
                        f"import {direct} inside the fixtures that need it (or behind a cached accessor), so "
                        "collection does not pay for it; or make the module cheaper to import"
                    ),
                    paths=[loc], key=c.module, cost=cost,
                ))
            else:
                n = c.importers
                out.append(finding(
                    self.id, self.severity, f"{c.module} costs {ms(c.seconds)} to import",
                    detail=(
                        f"first imported by {importer}"
                        + (f" via {' -> '.join(c.via[:-1])}" if len(c.via) > 2 else "")
                        + (f"; {n} test files import it at module level" if n else "")
                    ),
                    fix=(
                        f"import {c.module} inside the tests or fixtures that use it, or make it cheaper to import "
                        "(defer its slow set-up to first use)"
                    ),
                    paths=[importer], key=c.module, cost=cost,
                ))
        return out
