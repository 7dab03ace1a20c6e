"""``ssot rollback``: put a run's files back byte for byte from the journal (all or nothing)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ssot.exitcodes import OK
from ssot.migrate.journal import RollbackRefused, rollback
from ssot.report.journal_report import RollbackOutcome


@dataclass(frozen=True, slots=True)
class RollbackRequest:
    run: str | None = None  # id or unique prefix (None: the latest interrupted run, else the latest with changes)
    batch: int | None = None  # only this batch of the run
    files: list[str] | None = None  # only these files (relative to the root, or absolute)
    force: bool = False  # also overwrite files edited after the run wrote them
    dry_run: bool = False  # say what would be restored, change nothing


def roll_back(root: Path, request: RollbackRequest, on_file: Callable[[str], None] | None = None) -> RollbackOutcome:
    """Restore what the request names under ``root``; ``on_file`` hears each file restored.  A refusal
    (a file edited since the run wrote it, a run still running) is an outcome, with nothing restored."""
    try:
        result = rollback(root, request.run, batch=request.batch, files=request.files, force=request.force,
                          dry_run=request.dry_run, on_file=on_file)
    except RollbackRefused as exc:
        return RollbackOutcome(refused=exc)
    return RollbackOutcome(result=result)


def exit_code(outcome: RollbackOutcome) -> int:
    """0 restored (or nothing to roll back); the refusal's code (1) when nothing was restored."""
    return outcome.refused.exit_code if outcome.refused is not None else OK
