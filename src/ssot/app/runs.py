"""``ssot runs``: the journal's runs and their state; one run in detail; keeping a run's changes."""

from __future__ import annotations

from pathlib import Path

from ssot.migrate.journal import RunInfo, dismiss, list_runs
from ssot.migrate.journal.runs import resolve_run_dir
from ssot.report.journal_report import RunsView


def show_runs(root: Path, run: str | None = None) -> RunsView:
    """Every run under ``root``, oldest first; or the one run ``run`` (id or unique prefix) names, in detail."""
    runs = list_runs(root)
    if run:
        wanted = resolve_run_dir(root, run).name
        runs = [r for r in runs if r.id == wanted]
    return RunsView(str(root), runs, bool(run))


def dismiss_run(root: Path, run: str) -> RunInfo:
    """Keep ``run``'s changes: rollback skips it by default and no command warns about it any more."""
    return dismiss(root, run)
