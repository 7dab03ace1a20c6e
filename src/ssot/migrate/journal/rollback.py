"""Rolling a run back (or keeping its changes) after it ended or died."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ssot.fsio import write_json_atomic
from ssot.migrate.journal.entries import FinishEntry
from ssot.migrate.journal.layout import FINISHED, LOCK, LOG, ensure_gitignore, now_iso, state_dir
from ssot.migrate.journal.lock import Lock
from ssot.migrate.journal.log import LogWriter
from ssot.migrate.journal.restore import (
    RollbackRefused,
    RollbackResult,
    apply,
    conflicts,
    plan_only,
    refuse,
    select,
)
from ssot.migrate.journal.runs import RunInfo, leftovers, list_runs, load_run, resolve_run_dir, run_state
from ssot.migrate.journal.writer import normalize_rel
from ssot.migrate.testhooks import KillHook


def default_run(root: Path) -> RunInfo | None:
    """The run ``ssot rollback`` picks: the latest interrupted one, else the latest with changes left."""
    runs = [r for r in list_runs(root) if r.pending and r.state not in ("running", "dismissed")]
    interrupted = [r for r in runs if r.state == "interrupted"]
    candidates = interrupted or runs
    return candidates[-1] if candidates else None


def rollback(
    root: Path,
    run_id: str | None = None,
    *,
    batch: int | None = None,
    files: list[str] | None = None,
    force: bool = False,
    dry_run: bool = False,
    on_file: Callable[[str], None] | None = None,
) -> RollbackResult:
    """Restore a run (default: :func:`default_run`), one batch of it, or chosen files of it.

    All or nothing: if any selected file was edited after the run wrote it,
    :class:`RollbackRefused` names each one and nothing is restored, unless ``force``.
    Returns a result with ``scope == "none"`` when there is nothing to roll back.
    ``files`` may be relative to ``root`` or absolute.
    """
    root = Path(root).resolve()
    if state_dir(root).is_dir():
        ensure_gitignore(state_dir(root))  # in case a kill tore it
    if run_id is None:
        run = default_run(root)
        if run is None:
            return RollbackResult(None, "none", batch, dry_run=dry_run)
        run_dir = run.run_dir
    else:
        run_dir = resolve_run_dir(root, run_id)
    rels = None if files is None else [normalize_rel(root, f) for f in files]
    lock = Lock.try_acquire(run_dir / LOCK)
    if lock is None:
        pid = load_run(run_dir).header.get("pid")
        raise RollbackRefused(
            f"run {run_dir.name} is still running (pid {pid}); let it finish or stop it, then roll back",
            run_id=run_dir.name,
        )
    try:
        log = load_run(run_dir)
        items = select(log, batch=batch, files=rels)
        scope = "files" if rels is not None else "batch" if batch is not None else "run"
        result = RollbackResult(log.run_id, scope, batch, dry_run=dry_run)
        found = conflicts(root, log, items)
        if found and not force:
            raise refuse(log, found)
        forced = {c.path for c in found}
        if dry_run:
            plan_only(root, log, items, result)
            result.forced = [i.path for i in items if i.path in forced]
            result.state = run_state(log, live=False)
            return result
        writer = LogWriter(run_dir / LOG)
        try:
            apply(root, log, items, writer, result,
                  forced=forced, batch=batch, hook=KillHook(), on_file=on_file)
            log = load_run(run_dir)
            if log.finish is None and not log.outstanding() and not leftovers(log):
                # a dead run now fully undone: it is no longer "interrupted"
                writer.append(FinishEntry("rolled_back", now_iso()))
                write_json_atomic(run_dir / FINISHED, {"status": "rolled_back", "at": now_iso()})
                log = load_run(run_dir)
        finally:
            writer.close()
        result.state = run_state(log, live=False)
        return result
    finally:
        lock.release()


def dismiss(root: Path, run_id: str) -> RunInfo:
    """Keep a run's changes and stop warning about it (it is skipped by default rollback)."""
    root = Path(root).resolve()
    run_dir = resolve_run_dir(root, run_id)
    lock = Lock.try_acquire(run_dir / LOCK)
    if lock is None:
        raise RollbackRefused(f"run {run_dir.name} is still running; it cannot be dismissed")
    try:
        writer = LogWriter(run_dir / LOG)
        try:
            writer.append(FinishEntry("dismissed", now_iso()))
        finally:
            writer.close()
        write_json_atomic(run_dir / FINISHED, {"status": "dismissed", "at": now_iso()})
    finally:
        lock.release()
    return next(r for r in list_runs(root) if r.id == run_dir.name)
