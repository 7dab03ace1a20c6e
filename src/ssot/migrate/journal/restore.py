"""Rollback: put the files a run changed back, byte for byte, from its journal.

Works the same from the run's own process (a batch that failed validation) and
from a later ``ssot rollback`` after a crash.  Before touching anything it
checks every file: one whose current content is neither what it was before the
run nor something the run wrote was edited afterwards, and the whole rollback is
refused (naming each such file) unless forced.  Each restore is an atomic
replace announced in the log first, so a rollback that is itself killed can
simply be run again.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ssot.errors import SsotError
from ssot.fsio import (
    FileState,
    UnsafeFileError,
    fsync_dir,
    read_state,
    remove_quietly,
    rename_over,
    sha256_bytes,
    write_new,
)
from ssot.migrate.journal.entries import RestoreEntry, RestoringEntry
from ssot.migrate.journal.layout import BLOBS, JournalError, run_dirs, tmp_rel
from ssot.migrate.journal.log import LogWriter
from ssot.migrate.journal.runs import Change, Record, RunLog, load_run


class RollbackRefused(SsotError):
    """Nothing was restored: some file was edited after the run (or the run is still going)."""

    exit_code = 1

    def __init__(self, message: str, conflicts: list[Conflict] | None = None, run_id: str | None = None):
        super().__init__(message)
        self.conflicts = conflicts or []
        self.run_id = run_id


class RollbackUsageError(SsotError):
    """The batch or files asked for are not part of the run."""


@dataclass(frozen=True, slots=True)
class Conflict:
    path: str
    reason: str


@dataclass(slots=True)
class FileRestore:
    """One file to put back: to which recorded bytes, and what current contents are safe to replace."""

    path: str
    target: Record
    acceptable: set[str | None]  # the bytes before the run plus everything the run wrote
    later: dict[str | None, str] = field(default_factory=dict)  # hash -> "batch 3" that wrote it after


@dataclass(slots=True)
class RollbackResult:
    run_id: str | None
    scope: str  # "run" | "batch" | "files" | "none" (nothing to roll back)
    batch: int | None = None
    restored: list[str] = field(default_factory=list)  # rewritten to their bytes before the run
    deleted: list[str] = field(default_factory=list)  # created by the run, removed
    unchanged: list[str] = field(default_factory=list)  # already as before the run
    forced: list[str] = field(default_factory=list)  # edited after the run, overwritten by --force
    removed_dirs: list[str] = field(default_factory=list)
    removed_tmps: list[str] = field(default_factory=list)
    state: str | None = None  # the run's state afterwards
    dry_run: bool = False

    @property
    def changed(self) -> list[str]:
        return self.restored + self.deleted

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": "ssot.rollback/1",
            "run": self.run_id,
            "scope": self.scope,
            "batch": self.batch,
            "dry_run": self.dry_run,
            "restored": self.restored,
            "deleted": self.deleted,
            "unchanged": self.unchanged,
            "forced": self.forced,
            "removed_dirs": self.removed_dirs,
            "removed_tmps": self.removed_tmps,
            "state": self.state,
        }


def select(log: RunLog, *, batch: int | None = None, files: list[str] | None = None) -> list[FileRestore]:
    """The files a rollback of this scope restores, each with its target bytes."""
    changes: dict[str, list[Change]] = {}
    for c in log.changes:
        changes.setdefault(c.path, []).append(c)
    if batch is None:
        firsts: dict[str, Record] = {}
        for r in log.records:
            firsts.setdefault(r.path, r)
        items = {
            p: FileRestore(p, r, {r.sha256} | {c.sha256 for c in changes.get(p, [])})
            for p, r in firsts.items()
        }
    else:
        in_batch = [r for r in log.records if r.batch == batch]
        if batch not in log.batches and not in_batch:
            known = ", ".join(str(n) for n in sorted(log.batches)) or "none"
            raise RollbackUsageError(f"run {log.run_id} has no batch {batch} (its batches: {known})")
        items = {}
        for r in in_batch:
            if r.path in items:
                continue
            mine = [c for c in changes.get(r.path, []) if c.index > r.index]
            items[r.path] = FileRestore(
                r.path,
                r,
                {r.sha256} | {c.sha256 for c in mine if c.batch == batch},
                {c.sha256: f"batch {c.batch}" for c in mine if c.batch != batch},
            )
    if files is None:
        return list(items.values())
    missing = [f for f in files if f not in items]
    if missing:
        where = f"batch {batch} of run {log.run_id}" if batch is not None else f"run {log.run_id}"
        raise RollbackUsageError(
            f"{', '.join(missing)}: not changed by {where}; `ssot runs {log.run_id}` lists its files"
        )
    return [items[f] for f in dict.fromkeys(files)]


def _changed_by_later_run(root: Path, log: RunLog, path: str, sha: str | None) -> str | None:
    for d in run_dirs(root):
        if d.name <= log.run_id:
            continue
        try:
            later = load_run(d)
        except JournalError:
            continue
        if any(c.path == path and c.sha256 == sha for c in later.changes):
            return d.name
    return None


def conflicts(root: Path, log: RunLog, items: list[FileRestore]) -> list[Conflict]:
    """Files that hold something the run did not write: replacing them would lose an edit."""
    found = []
    for item in items:
        try:
            current = read_state(root / item.path, item.path).sha256
        except UnsafeFileError as exc:
            found.append(Conflict(item.path, str(exc)))
            continue
        if current in item.acceptable:
            continue
        if current in item.later:
            reason = f"changed again by {item.later[current]} of this run; roll that batch back first"
        elif later := _changed_by_later_run(root, log, item.path, current):
            reason = f"changed by the later run {later}; roll that run back first"
        elif current is None:
            reason = "deleted after the migration"
        else:
            reason = "edited after the migration"
        found.append(Conflict(item.path, reason))
    return found


def refuse(log: RunLog, found: list[Conflict]) -> RollbackRefused:
    lines = "\n".join(f"  {c.path}: {c.reason}" for c in found)
    return RollbackRefused(
        f"refusing to roll back run {log.run_id}: {len(found)} file(s) changed since it wrote them\n"
        f"{lines}\nnothing was restored; keep your edits, or pass --force to overwrite them",
        found,
        log.run_id,
    )


def _read_blob(log: RunLog, target: Record) -> bytes:
    assert target.sha256 is not None
    blob = log.run_dir / BLOBS / target.sha256
    try:
        data = blob.read_bytes()
    except OSError as exc:
        raise JournalError(f"the original of {target.path} is missing from {blob}: {exc}") from exc
    if sha256_bytes(data) != target.sha256:
        raise JournalError(f"the original of {target.path} in {blob} is damaged (hash mismatch)")
    return data


def plan_only(root: Path, log: RunLog, items: list[FileRestore], result: RollbackResult) -> RollbackResult:
    """Fill ``result`` with what a rollback would do, touching nothing."""
    for item in items:
        current = read_state(root / item.path, item.path).sha256
        if current == item.target.sha256:
            result.unchanged.append(item.path)
        elif item.target.sha256 is None:
            result.deleted.append(item.path)
        else:
            result.restored.append(item.path)
    return result


def apply(
    root: Path,
    log: RunLog,
    items: list[FileRestore],
    writer: LogWriter,
    result: RollbackResult,
    *,
    forced: Collection[str] = (),
    batch: int | None = None,
    hook: Callable[[str], None] = lambda point: None,
    on_file: Callable[[str], None] | None = None,
) -> RollbackResult:
    """Restore ``items`` (already checked by :func:`conflicts`), logging each restore."""
    for item in items:
        try:
            _restore_one(root, log, item, writer, result, item.path in forced)
        except OSError as exc:
            done = len(result.restored) + len(result.deleted) + len(result.unchanged)
            raise JournalError(
                f"cannot restore {item.path}: {exc.strerror or exc} ({done} file(s) restored before it; "
                "fix the cause and run `ssot rollback` again)"
            ) from exc
        hook("restore")
        if on_file:
            on_file(item.path)
    _sweep(root, load_run(log.run_dir), result, batch)
    return result


def _restore_one(
    root: Path, log: RunLog, item: FileRestore, writer: LogWriter, result: RollbackResult, forced: bool
) -> None:
    path = root / item.path
    current = _forced_state(path, item.path) if forced else read_state(path, item.path)
    target = item.target
    if current.sha256 == target.sha256:
        if target.mode is not None and current.mode != target.mode:
            os.chmod(path, target.mode)
        result.unchanged.append(item.path)
    elif target.sha256 is None:
        os.unlink(path)
        fsync_dir(path.parent)
        result.deleted.append(item.path)
    else:
        data = _read_blob(log, target)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp_name = tmp_rel(item.path, f"{log.run_id}-r{writer.count}")
        writer.append(RestoringEntry(item.path, tmp_name))
        tmp = root / tmp_name
        remove_quietly(tmp)
        write_new(tmp, data, target.mode)
        rename_over(tmp, path)
        fsync_dir(path.parent)
        result.restored.append(item.path)
    if forced:
        result.forced.append(item.path)
    writer.append(RestoreEntry(item.path, target.index, forced))


def _forced_state(path: Path, rel: str) -> FileState:
    """With --force a symlink in the way is replaced too (the link itself, never its target)."""
    if path.is_symlink():
        os.unlink(path)
    return read_state(path, rel)


def _sweep(root: Path, log: RunLog, result: RollbackResult, batch: int | None) -> None:
    """Remove temporary files a killed process left, and folders the run created if now empty."""
    for rel in dict.fromkeys(log.tmps):
        if remove_quietly(root / rel):
            fsync_dir((root / rel).parent)
            result.removed_tmps.append(rel)
    blobs = log.run_dir / BLOBS
    if blobs.is_dir():
        for stray in blobs.glob("*.tmp*"):
            remove_quietly(stray)
    dirs = [d for d, b in log.mkdirs if batch is None or b == batch]
    for rel in sorted(set(dirs), key=lambda d: d.count("/"), reverse=True):
        try:
            os.rmdir(root / rel)
        except OSError:
            continue  # not empty (or already gone): leave it
        fsync_dir((root / rel).parent)
        result.removed_dirs.append(rel)
