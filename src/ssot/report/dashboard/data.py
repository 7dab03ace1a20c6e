"""What the dashboard shows, gathered from the history store and the migration journal (nothing recomputed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ssot.history.store import HistoryStore, Run
from ssot.history.trends import Trend, trends


@dataclass(slots=True)
class DashboardData:
    root: str
    history: str
    runs: list[Run]
    trends: list[Trend]
    scan: dict[str, Any] | None = None  # the latest scan's JSON report
    scan_run: int | None = None
    collect_first: dict[str, Any] | None = None  # the first and the latest collection profiles
    collect_last: dict[str, Any] | None = None
    migrations: list[dict[str, Any]] = field(default_factory=list)  # ``ssot runs --json`` entries


def load(root: Path, history: Path) -> DashboardData:
    with HistoryStore(history, create=False) as store:
        runs = store.runs()
        scans = store.documents("scan")
        collects = store.documents("collect")
    data = DashboardData(root=str(root), history=str(history), runs=runs, trends=trends(runs))
    if scans:
        data.scan_run, data.scan = scans[-1]
    if collects:
        data.collect_first = collects[0][1]
        data.collect_last = collects[-1][1] if len(collects) > 1 else None
    data.migrations = migration_runs(root)
    return data


def migration_runs(root: Path) -> list[dict[str, Any]]:
    """The journal's runs (what ``ssot runs --json`` prints), oldest first; none when there is no journal."""
    from ssot.migrate.journal import list_runs

    try:
        return [r.to_dict() for r in list_runs(root)]
    except Exception:  # a damaged journal is for `ssot runs` to report; the dashboard shows the rest
        return []
