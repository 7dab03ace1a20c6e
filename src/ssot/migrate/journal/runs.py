"""Reading a run back: what its log says (:class:`RunLog`) and where it stands (:class:`RunInfo`)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ssot.migrate.journal.entries import (
    AbandonEntry,
    BatchEntry,
    BatchStatus,
    DeleteEntry,
    DoneEntry,
    EndBatchEntry,
    FinishEntry,
    FinishStatus,
    MkdirEntry,
    RecordEntry,
    RestoreEntry,
    RestoringEntry,
    WriteEntry,
)
from ssot.migrate.journal.layout import FINISHED, HEADER, LOG, JournalError, RunNotFoundError, run_dirs, runs_dir
from ssot.migrate.journal.lock import run_is_live
from ssot.migrate.journal.log import read_log


@dataclass(slots=True)
class Record:
    """A file's bytes just before the run (or one batch of it) first touched it."""

    index: int
    path: str
    batch: int | None
    sha256: str | None  # None: the file did not exist
    mode: int | None


@dataclass(slots=True)
class Change:
    """A write or delete the run announced (and perhaps did not finish)."""

    index: int
    path: str
    batch: int | None
    op: Literal["write", "delete"]
    sha256: str | None  # the bytes written; None for a delete
    tmp: str | None
    done: bool = False


@dataclass(slots=True)
class BatchInfo:
    number: int
    label: str
    files: list[str]
    status: BatchStatus | None = None  # None while running

    def to_dict(self) -> dict[str, Any]:
        return {"number": self.number, "label": self.label, "files": self.files, "status": self.status}


@dataclass(slots=True)
class RunLog:
    """Everything a run's journal says, in log order."""

    run_dir: Path
    header: dict[str, Any]
    records: list[Record] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    mkdirs: list[tuple[str, int | None]] = field(default_factory=list)
    tmps: list[str] = field(default_factory=list)  # every temporary file announced
    restores: list[tuple[int, str, int]] = field(default_factory=list)  # (index, path, to record index)
    batches: dict[int, BatchInfo] = field(default_factory=dict)
    finish: FinishStatus | None = None
    finish_index: int | None = None
    finished_at: str | None = None

    @property
    def run_id(self) -> str:
        return self.run_dir.name

    def paths(self) -> list[str]:
        """Files the run recorded, in the order it first touched them."""
        return list(dict.fromkeys(r.path for r in self.records))

    def outstanding(self) -> dict[str, list[Change]]:
        """Per file, the changes of the run not undone by a later restore."""
        events: list[tuple[int, str, Any]] = [(c.index, "change", c) for c in self.changes]
        events += [(i, "restore", (p, to)) for i, p, to in self.restores]
        active: dict[str, list[Change]] = {}
        for _, kind, obj in sorted(events, key=lambda e: e[0]):
            if kind == "change":
                active.setdefault(obj.path, []).append(obj)
            else:
                path, to = obj
                active[path] = [c for c in active.get(path, []) if c.index < to]
        return {p: cs for p, cs in active.items() if cs}


def load_run(run_dir: Path) -> RunLog:
    header: dict[str, Any] = {}
    try:
        header = json.loads((run_dir / HEADER).read_text())
    except FileNotFoundError:
        pass  # killed while starting: nothing was touched
    except (OSError, ValueError) as exc:
        raise JournalError(f"cannot read {run_dir / HEADER}: {exc}") from exc
    log = RunLog(run_dir, header)
    changes_by_path: dict[str, Change] = {}
    abandoned: set[int] = set()
    for index, e in enumerate(read_log(run_dir / LOG)):
        match e:
            case AbandonEntry():  # an announced write never happened: the file changed under it
                abandoned.update(i for i in (e.write, e.record) if i is not None)
            case RecordEntry():
                log.records.append(Record(index, e.path, e.batch, e.sha256, e.mode))
            case WriteEntry() | DeleteEntry():
                if isinstance(e, WriteEntry):
                    change = Change(index, e.path, e.batch, "write", e.sha256, e.tmp)
                else:
                    change = Change(index, e.path, e.batch, "delete", None, None)
                log.changes.append(change)
                changes_by_path[change.path] = change
                if change.tmp:
                    log.tmps.append(change.tmp)
            case DoneEntry():
                if e.path in changes_by_path:
                    changes_by_path[e.path].done = True
            case MkdirEntry():
                log.mkdirs.append((e.path, e.batch))
            case RestoringEntry():
                log.tmps.append(e.tmp)
            case RestoreEntry():
                log.restores.append((index, e.path, e.to))
            case BatchEntry():
                log.batches[e.number] = BatchInfo(e.number, e.label, list(e.files))
            case EndBatchEntry():
                if e.number in log.batches:
                    log.batches[e.number].status = e.status
            case FinishEntry():
                log.finish = e.status
                log.finish_index = index
                log.finished_at = e.at
    if abandoned:
        log.records = [r for r in log.records if r.index not in abandoned]
        log.changes = [c for c in log.changes if c.index not in abandoned]
    return log


def resolve_run_dir(root: Path, run_id: str) -> Path:
    """The run with this id, or with this unique id prefix."""
    dirs = run_dirs(root)
    exact = [d for d in dirs if d.name == run_id]
    if exact:
        return exact[0]
    matches = [d for d in dirs if d.name.startswith(run_id)]
    if len(matches) == 1:
        return matches[0]
    if not dirs:
        raise RunNotFoundError(f"no run {run_id!r}: there are no runs under {runs_dir(root)}")
    if matches:
        names = ", ".join(d.name for d in matches)
        raise RunNotFoundError(f"{run_id!r} matches several runs ({names}); give more of the id")
    raise RunNotFoundError(f"no run {run_id!r}; `ssot runs` lists them (latest: {dirs[-1].name})")


# ---------------------------------------------------------------- run summaries

STATES = ("running", "interrupted", "complete", "failed", "rolled back", "partly rolled back", "dismissed")


def run_state(log: RunLog, live: bool) -> str:
    """One word for where a run stands (the list is in ``STATES`` and docs/journal.md)."""
    outstanding = log.outstanding()
    if log.finish is None:
        return "running" if live else "interrupted"
    if log.finish == "dismissed":
        return "dismissed"
    if log.changes and not outstanding:
        return "rolled back"
    if log.finish == "rolled_back":
        return "partly rolled back"
    if log.finish_index is not None and any(i > log.finish_index for i, _, _ in log.restores):
        return "partly rolled back"
    return log.finish  # "complete" | "failed"


@dataclass(slots=True)
class RunInfo:
    """A run as ``ssot runs`` shows it."""

    id: str
    started: str  # ISO 8601, UTC
    command: str
    state: str  # one of STATES
    pid: int | None
    meta: dict[str, Any]
    batches: list[BatchInfo]
    files: list[str]  # every file the run recorded, in order
    changed: list[str]  # files the run changed and no rollback has restored yet
    finished: str | None
    run_dir: Path
    leftovers: list[str] = field(default_factory=list)  # its temporary files, its empty new folders

    @property
    def interrupted(self) -> bool:
        return self.state == "interrupted"

    @property
    def left_behind(self) -> str:
        if self.changed:
            return f"{len(self.changed)} file(s) changed"
        return f"{len(self.leftovers)} temporary file(s) or empty folder(s)"

    @property
    def pending(self) -> bool:
        """A rollback would change something in the tree."""
        return bool(self.changed or self.leftovers)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "started": self.started,
            "finished": self.finished,
            "command": self.command,
            "state": self.state,
            "pid": self.pid,
            "meta": self.meta,
            "batches": [b.to_dict() for b in self.batches],
            "files": self.files,
            "changed": self.changed,
            "leftovers": self.leftovers,
        }


def leftovers(log: RunLog) -> list[str]:
    """What a killed run (or rollback) left besides changed files: temporary files,
    and folders it created that are still there and empty."""
    root = log.run_dir.parents[2]
    found = [t for t in dict.fromkeys(log.tmps) if (root / t).exists()]
    for rel, _ in log.mkdirs:
        try:
            if not any(os.scandir(root / rel)):
                found.append(rel + "/")
        except OSError:
            continue
    return found


def run_info(log: RunLog) -> RunInfo:
    live = run_is_live(log.run_dir, log.header) if log.finish is None else False
    outstanding = log.outstanding()
    return RunInfo(
        id=log.run_id,
        started=log.header.get("started", ""),
        command=log.header.get("command", "?"),
        state=run_state(log, live),
        pid=log.header.get("pid"),
        meta=log.header.get("meta") or {},
        batches=[log.batches[n] for n in sorted(log.batches)],
        files=log.paths(),
        changed=[p for p in log.paths() if p in outstanding],
        finished=log.finished_at,
        run_dir=log.run_dir,
        leftovers=leftovers(log),
    )


def list_runs(root: Path) -> list[RunInfo]:
    """Every run under ``root``, oldest first."""
    infos = [run_info(load_run(d)) for d in run_dirs(Path(root))]
    return sorted(infos, key=lambda r: (r.started, r.id))


def unfinished_runs(root: Path) -> list[RunInfo]:
    """Runs without a ``finished`` marker (running or interrupted), oldest first.

    Cheap enough for every command: a run that ended is not parsed at all.
    """
    infos = [run_info(load_run(d)) for d in run_dirs(Path(root)) if not (d / FINISHED).exists()]
    return sorted(infos, key=lambda r: (r.started, r.id))


def interrupted_runs(root: Path) -> list[RunInfo]:
    """Runs whose process died before finishing, oldest first."""
    return [r for r in unfinished_runs(root) if r.state == "interrupted"]
