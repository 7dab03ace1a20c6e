"""``ssot migrate``: carry a plan out, batch by batch, journaled and validated.

:func:`migrate` plans (one scan, served by the warm cache) and runs the plan; a caller that
already holds a fresh plan (``ssot migrate`` shows what the plan left alone in between) calls
:func:`run_plan` with it, so nothing is scanned twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ssot.app.plan import Log, Planned, make_plan
from ssot.config import Config
from ssot.errors import SsotError
from ssot.exitcodes import FOUND, OK
from ssot.migrate.execute import ExecOptions, RunResult, execute
from ssot.migrate.plan import Batch, Plan, PlanOptions
from ssot.scanner.engine import Progress

Validation = Literal["syntax", "collect", "tests"]
BatchProgress = Callable[[Batch, int, int], None]  # a batch, files done, files in it


@dataclass(frozen=True, slots=True)
class MigrateRequest:
    """How to carry a plan out (what to plan is :class:`~ssot.migrate.plan.PlanOptions`)."""

    dry_run: bool = False  # compute every diff, write nothing
    diff_dir: Path | None = None  # with dry_run: one .diff per file there
    validate: Validation = "tests"  # after each batch: files compile / same tests collected / same outcomes
    keep_going: bool = False  # after a failing batch (rolled back), go on with the next
    allow_dirty: bool = False  # touch files with uncommitted git changes
    commit: bool = False  # one git commit per batch
    accept_broken_baseline: bool = False  # migrate although tests error or fail before any change
    use_cache: bool = True  # the scan's cache


@dataclass(frozen=True, slots=True)
class Migration:
    """A plan and what running it did; ``nothing`` says why there was no batch to run."""

    plan: Plan
    result: RunResult
    dry_run: bool
    nothing: str = ""

    @property
    def exit_code(self) -> int:
        """0 every batch done (or nothing to do), 1 a batch failed validation."""
        return OK if self.result.ok else FOUND


def check_request(request: MigrateRequest) -> None:
    """A request that cannot run: the message names the flag and the fix."""
    if request.diff_dir is not None and not request.dry_run:
        raise SsotError("--diff-dir needs --dry-run")


def nothing_to_do(plan: Plan) -> str:
    """Why a plan has no batch: each family's note, or ``no families``."""
    return "; ".join(f"{f.id}: {f.note}" for f in plan.families if f.note) or "no families"


def run_plan(cfg: Config, plan: Plan, request: MigrateRequest, *, on_batch: BatchProgress | None = None,
             log: Log | None = None) -> Migration:
    """Carry ``plan`` (made for ``cfg``'s project) out as ``request`` says; ``on_batch`` hears each file
    rewritten, ``log`` each phase and batch."""
    check_request(request)
    if not plan.batches:
        return Migration(plan, RunResult(None), request.dry_run, nothing_to_do(plan))
    options = ExecOptions(
        dry_run=request.dry_run, diff_dir=request.diff_dir, validate=request.validate,
        keep_going=request.keep_going, allow_dirty=request.allow_dirty, commit=request.commit,
        timeout=cfg.collect_timeout, accept_broken_baseline=request.accept_broken_baseline,
    )
    meta: dict[str, object] = {"families": [f.id for f in plan.families if f.steps], "validate": request.validate,
                               "batches": len(plan.batches)}
    return Migration(plan, execute(plan, options, on_batch, meta, log), request.dry_run)


def migrate(cfg: Config, options: PlanOptions, request: MigrateRequest, *, progress: Progress | None = None,
            on_batch: BatchProgress | None = None, log: Log | None = None) -> Migration:
    """Scan ``cfg``'s project (once), plan as ``options`` say and carry the plan out as ``request`` says."""
    check_request(request)
    planned: Planned = make_plan(cfg, options, use_cache=request.use_cache, progress=progress, log=log)
    return run_plan(cfg, planned.plan, request, on_batch=on_batch, log=log)


def record_migration(cfg: Config, migration: Migration, exit_code: int) -> None:
    """Record a run that changed the tree (batches, not a dry run) in the history."""
    if migration.dry_run or not migration.plan.batches:
        return
    from ssot.history.figures import migrate_figures
    from ssot.history.record import record_run

    result = migration.result
    record_run(cfg, "migrate", migrate_figures(result), exit_code=exit_code,
               seconds=result.rewrite_seconds + result.pytest_seconds)
