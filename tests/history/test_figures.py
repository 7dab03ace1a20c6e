"""Figures recorded for a scan are the ones the reports print."""

from __future__ import annotations

from pathlib import Path

from ssot.history.figures import scan_figures
from ssot.report.common import totals
from ssot.scanner.engine import scan

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "chat_suite"


def test_scan_figures_match_the_report_totals() -> None:
    result = scan(root=EXAMPLE, use_cache=False, jobs=1)
    figures = {(f.name, f.scope): f.value for f in scan_figures(result)}
    t = totals(result)
    assert t.families > 0
    assert figures[("families", "")] == t.families
    assert figures[("redundant_copies", "")] == t.redundant_copies
    assert figures[("duplicated_lines", "")] == t.duplicated_lines
    assert sum(v for (name, scope), v in figures.items() if name == "live_copies" and scope) == t.live_copies
