"""The journal's writing side: one run (:class:`Journal`) records originals, writes atomically.

A run (``Journal.begin``) gets a unique, sortable id and a folder
``<root>/.ssot/runs/<id>/``.  Before a file is touched its original bytes go to
a content-addressed blob (written atomically) and a log line records them
(fsynced); the write itself is announced in the log, done through a temporary
file in the same folder (fsync, ``os.replace``, fsync of the folder) and then
logged as done.  So whenever the process dies, even by SIGKILL, the journal
knows every file that may have changed and what it held before:
:func:`rollback` puts each back byte for byte, deletes the files the run
created, and refuses (naming it) to overwrite a file someone edited after the
run wrote it, unless forced.  Layout and format: :mod:`ssot.migrate.journal.layout` and
docs/journal.md; how ``ssot migrate`` uses it: the package docstring (:mod:`ssot.migrate.journal`).

``write_many`` gives each file the same guarantees with about two fsyncs per file
instead of seven: originals to blobs (each fsynced), one fsync of ``blobs/``, the
group's record lines in one fsynced write, its announcements in another, then per
file a fsynced temporary file renamed over it, one fsync per folder and the
group's ``done`` lines.
"""
from __future__ import annotations

import os
import socket
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import Any, Literal, get_args

from ssot import __version__
from ssot.errors import SsotError
from ssot.fsio import (
    FileState,
    UnsafeFileError,
    fsync_dir,
    read_state,
    remove_quietly,
    rename_over,
    sha256_bytes,
    stamp_of,
    write_json_atomic,
    write_new,
)
from ssot.migrate.journal.entries import (
    BATCH_STATUSES,
    AbandonEntry,
    BatchEntry,
    BatchStatus,
    DeleteEntry,
    DoneEntry,
    EndBatchEntry,
    Entry,
    FinishEntry,
    MkdirEntry,
    RecordEntry,
    WriteEntry,
)
from ssot.migrate.journal.layout import (
    BLOBS,
    FINISHED,
    FORMAT,
    HEADER,
    LOCK,
    LOG,
    STATE_DIR,
    JournalError,
    ensure_state_dir,
    new_run_id,
    next_start,
    now_iso,
    tmp_rel,
)
from ssot.migrate.journal.lock import Lock, root_lock
from ssot.migrate.journal.log import LogWriter
from ssot.migrate.journal.restore import RollbackResult, apply, conflicts, refuse, select
from ssot.migrate.journal.runs import load_run, unfinished_runs
from ssot.migrate.testhooks import KillHook

ABSENT = "absent"  # expected_sha256 meaning "the file must not exist yet"
RunFinishStatus = Literal["complete", "failed", "rolled_back"]  # what a run's own process may end with
RUN_FINISH_STATUSES: tuple[str, ...] = get_args(RunFinishStatus)


class FileChangedError(SsotError):
    """A file's content is not what the plan was made from: it is left untouched."""

    def __init__(self, path: str, expected: str | None, actual: str | None) -> None:
        self.path, self.expected, self.actual = path, expected, actual
        if expected is None:
            what = "it was absent when the plan was made and exists now"
        elif actual is None:
            what = "it was deleted since the plan was made"
        else:
            what = f"its content changed since the plan was made (sha256 {expected[:12]}… → {actual[:12]}…)"
        super().__init__(f"{path}: {what}; it was not overwritten. Make the plan again (`ssot plan`).")


@contextmanager
def os_errors(what: str) -> Iterator[None]:
    """Turn an OS failure (disk full, permission denied) into a clear error, not a traceback."""
    try:
        yield
    except OSError as exc:
        raise JournalError(f"{what}: {exc.strerror or exc}") from exc


@dataclass(frozen=True, slots=True)
class FileWrite:
    """One item of :meth:`Journal.write_many`: new bytes for ``path`` (``data`` None: delete it)."""

    path: str
    data: bytes | None
    expected_sha256: str | None = None  # the hash the plan saw, or ABSENT


class UnsafePathError(SsotError):
    """A path outside the root, or inside ssot's own state folder."""


class RunInProgressError(SsotError):
    """Another ssot process is migrating this tree right now."""


class InterruptedRunError(SsotError):
    """An interrupted run left files changed: roll it back (or dismiss it) before a new run."""


def normalize_rel(root: Path, rel: str | os.PathLike[str]) -> str:
    """``rel`` as a clean POSIX path relative to ``root``; refuses anything outside it."""
    raw = os.fspath(rel)
    if os.sep != "/":  # pragma: no cover - Windows
        raw = raw.replace(os.sep, "/")
    p = PurePosixPath(raw)
    if p.is_absolute():
        try:
            p = PurePosixPath(Path(raw).resolve().relative_to(Path(root).resolve()).as_posix())
        except ValueError:
            raise UnsafePathError(f"{raw} is outside the project root {root}") from None
    parts = [part for part in p.parts if part not in ("", ".")]
    if not parts or ".." in parts:
        raise UnsafePathError(f"{raw!r} is not a file path inside the project root {root}")
    if parts[0] == STATE_DIR:
        raise UnsafePathError(f"{raw} is inside ssot's own state folder {STATE_DIR}/")
    return "/".join(parts)


class Journal:
    """One run: records originals, writes atomically, can roll a batch back."""

    def __init__(self, root: Path, run_dir: Path, lock: Lock, writer: LogWriter) -> None:
        self.root = root
        self.run_dir = run_dir
        self.run_id = run_dir.name
        self._lock = lock
        self._writer = writer
        self._batch: int | None = None
        self._batches: set[int] = set()
        self._recorded: set[tuple[int | None, str]] = set()
        self._hook = KillHook()
        self.status: RunFinishStatus | None = None  # set by finish()

    # ------------------------------------------------------------ lifecycle

    @classmethod
    def begin(
        cls,
        root: Path,
        command: str,
        *,
        meta: dict[str, Any] | None = None,
        allow_interrupted: bool = False,
    ) -> Journal:
        """Start a run.  Refuses while another run is live in this tree, or while an
        interrupted run still has changed files (unless ``allow_interrupted``)."""
        root = Path(root).resolve()
        base = ensure_state_dir(root)
        with os_errors(f"cannot start a run in {base}"), root_lock(root):
            for info in unfinished_runs(root):
                if info.state == "running":
                    raise RunInProgressError(
                        f"run {info.id} (`ssot {info.command}`, pid {info.pid}) is changing this tree "
                        "right now; wait for it to finish"
                    )
                if info.state == "interrupted" and info.pending and not allow_interrupted:
                    raise InterruptedRunError(
                        f"run {info.id} (`ssot {info.command}`) was interrupted and left "
                        f"{info.left_behind}; run `ssot rollback` to restore them, "
                        f"or `ssot runs --dismiss {info.id}` to keep them"
                    )
            when = next_start(root)
            while True:
                run_dir = base / new_run_id(when)
                try:
                    run_dir.mkdir()
                    break
                except FileExistsError:
                    continue
            fsync_dir(base)
            lock = Lock.try_acquire(run_dir / LOCK)
            assert lock is not None  # a folder just made: nobody else holds its lock
            header = {
                "format": FORMAT,
                "id": run_dir.name,
                "started": when.isoformat(timespec="milliseconds"),
                "command": command,
                "meta": meta or {},
                "pid": os.getpid(),
                "host": socket.gethostname(),
                "argv": sys.argv,
                "ssot": __version__,
                "root": str(root),
            }
            write_json_atomic(run_dir / HEADER, header)
            (run_dir / BLOBS).mkdir()
            fsync_dir(run_dir)
            writer = LogWriter(run_dir / LOG)
        return cls(root, run_dir, lock, writer)

    def __enter__(self) -> Journal:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.status is None:
            self.finish("failed" if exc_type else "complete")

    def finish(self, status: RunFinishStatus) -> None:
        """End the run: "complete" | "failed" | "rolled_back".  Idempotent."""
        if status not in RUN_FINISH_STATUSES:
            raise ValueError(f"finish status must be one of {RUN_FINISH_STATUSES}, not {status!r}")
        if self.status is not None:
            return
        if self._batch is not None:
            self.end_batch(self._batch, "ok" if status == "complete" else "failed")
        with os_errors(f"cannot finish run {self.run_id}"):
            self._writer.append(FinishEntry(status, now_iso()))
            self._hook("finish")  # the run has ended; its marker is not written yet
            write_json_atomic(self.run_dir / FINISHED, {"status": status, "at": now_iso()})
        self.status = status
        self._writer.close()
        self._lock.release()

    # ------------------------------------------------------------ batches

    def begin_batch(self, number: int, label: str, files: list[str]) -> None:
        self._check_open()
        if self._batch is not None:
            raise ValueError(f"batch {self._batch} is still open; end it before beginning batch {number}")
        if number in self._batches:
            raise ValueError(f"batch {number} was already used in run {self.run_id}")
        self._writer.append(BatchEntry(number, label, tuple(normalize_rel(self.root, f) for f in files), now_iso()))
        self._batch = number
        self._batches.add(number)

    def end_batch(self, number: int, status: BatchStatus) -> None:
        """Close batch ``number``: "ok" | "rolled_back" | "failed"."""
        self._check_open()
        if status not in BATCH_STATUSES:
            raise ValueError(f"batch status must be one of {BATCH_STATUSES}, not {status!r}")
        if number != self._batch:
            raise ValueError(f"batch {number} is not the open batch ({self._batch})")
        self._writer.append(EndBatchEntry(number, status, now_iso()))
        self._batch = None

    def rollback_batch(self, number: int, *, force: bool = False) -> list[str]:
        """Restore the files batch ``number`` changed, now; returns the files put back.

        Each goes back to its bytes from just before the batch first touched it.
        Refuses (:class:`RollbackRefused`) if a file was edited meanwhile, unless ``force``.
        """
        self._check_open()
        log = load_run(self.run_dir)
        items = select(log, batch=number)
        found = conflicts(self.root, log, items)
        if found and not force:
            raise refuse(log, found)
        result = RollbackResult(self.run_id, "batch", number)
        apply(self.root, log, items, self._writer, result,
              forced={c.path for c in found}, batch=number, hook=self._hook)
        return result.changed

    # ------------------------------------------------------------ files

    def record(self, rel: str) -> None:
        """Store the file's current bytes (or its absence) before it is touched.

        Idempotent within a batch (and within the run outside batches); each
        batch records again so that one batch can be rolled back on its own.
        """
        self._check_open()
        rel = normalize_rel(self.root, rel)
        with os_errors(f"cannot record {rel}"):
            self._record(rel, read_state(self.root / rel, rel))

    def write(self, rel: str, data: bytes, *, expected_sha256: str | None = None) -> None:
        """Replace (or create) ``rel`` with ``data`` atomically, journaled.

        ``expected_sha256``: the hash the plan saw (or :data:`ABSENT`); if the file
        now holds something else, :class:`FileChangedError` and nothing is written.
        """
        self._check_open()
        rel = normalize_rel(self.root, rel)
        path = self.root / rel
        state = read_state(path, rel)
        _check_expected(rel, state, expected_sha256)
        if state.data == data:
            return  # nothing would change: nothing to journal
        with os_errors(f"cannot write {rel}"):
            self._record(rel, state)
            self._ensure_parents(rel)
            sha = sha256_bytes(data)
            tmp_name = tmp_rel(rel, f"{self.run_id}-{self._writer.count}")
            self._writer.append(WriteEntry(rel, self._batch, sha, tmp_name))
            self._hook("intent")
            tmp = self.root / tmp_name
            try:
                write_new(tmp, data, state.mode)
                self._hook("tmp")
                rename_over(tmp, path)
            except OSError:
                remove_quietly(tmp)
                raise
            self._hook("replace")
            fsync_dir(path.parent)
            self._writer.append(DoneEntry(rel, sha))
        self._hook("write")

    def write_many(self, items: Iterable[FileWrite | tuple[str, bytes | None, str | None]]) -> list[str]:
        """Write (or, for ``data`` None, delete) many files as one journaled group.

        Each file gets exactly the guarantees of :meth:`write`, with a handful of
        log fsyncs for the whole group instead of several per file:

        1. every file is read and checked against its expected hash: a mismatch
           raises :class:`FileChangedError` before anything is recorded or written;
        2. the originals not stored yet are written to blobs (each fsynced and
           renamed into place), then ``blobs/`` is fsynced once;
        3. one group of ``record`` lines, one fsync;
        4. one group of ``mkdir`` and ``write``/``delete`` lines, one fsync; the
           missing folders are created;
        5. file by file: the new bytes go to a temporary file (fsynced), which
           is renamed over the file; just before the rename the file is checked
           again, and if it changed since step 1 it is left alone, its write is
           abandoned (``abandon`` line) and :class:`FileChangedError` raised;
        6. one fsync per folder written in, then one group of ``done`` lines.

        Returns the paths changed, in order (files whose content would not
        change are skipped, as :meth:`write` does).
        """
        self._check_open()
        todo: list[tuple[str, bytes | None, FileState]] = []
        seen: set[str] = set()
        for item in items:
            rel, data, expected = item if isinstance(item, tuple) else (item.path, item.data, item.expected_sha256)
            rel = normalize_rel(self.root, rel)
            if rel in seen:
                raise ValueError(f"{rel} is given twice to one write_many")
            seen.add(rel)
            state = read_state(self.root / rel, rel)
            _check_expected(rel, state, expected)
            if state.data == data or (data is None and not state.exists):
                continue  # nothing would change: nothing to journal
            todo.append((rel, data, state))
        if not todo:
            return []
        with os_errors(f"cannot write {len(todo)} file(s) of batch {self._batch}"):
            folders = self._missing_folders([rel for rel, data, _state in todo if data is not None])
            # 1-3: originals durable, then recorded
            records = {rel: self._record_entry(rel, state) for rel, _data, state in todo
                       if (self._batch, rel) not in self._recorded}
            self._store_blobs([state for rel, _data, state in todo if rel in records])
            self._hook("blobs")
            first_record = self._writer.append_many(list(records.values()))
            record_index = {rel: first_record + i for i, rel in enumerate(records)}
            self._recorded.update((self._batch, rel) for rel in records)
            self._hook("record")
            # 4: announce folders and writes, then make the folders
            intents: list[Entry] = [MkdirEntry(f, self._batch) for f in folders]
            plans: list[tuple[str, bytes | None, FileState, str | None, str | None, int]] = []
            for rel, data, state in todo:
                index = self._writer.count + len(intents)
                if data is None:
                    intents.append(DeleteEntry(rel, self._batch))
                    plans.append((rel, None, state, None, None, index))
                    continue
                sha = sha256_bytes(data)
                tmp_name = tmp_rel(rel, f"{self.run_id}-{index}")
                intents.append(WriteEntry(rel, self._batch, sha, tmp_name))
                plans.append((rel, data, state, sha, tmp_name, index))
            self._writer.append_many(intents)
            self._hook("intent")
            for folder in folders:
                (self.root / folder).mkdir()
                fsync_dir((self.root / folder).parent)
                self._hook("mkdir")
            # 5: file by file, atomically
            done: list[DoneEntry] = []
            parents: dict[Path, None] = {}
            try:
                for rel, data, state, new_sha, announced, index in plans:
                    path = self.root / rel
                    tmp = None if announced is None else self.root / announced
                    try:
                        if tmp is not None and data is not None:
                            write_new(tmp, data, state.mode)
                            self._hook("tmp")
                        if not _unchanged_since(path, rel, state):
                            if tmp is not None:
                                remove_quietly(tmp)
                            self._writer.append(AbandonEntry(rel, self._batch, index, record_index.get(rel)))
                            if rel in record_index:  # its record is void: a later write records again
                                self._recorded.discard((self._batch, rel))
                            raise FileChangedError(rel, state.sha256, _sha_now(path, rel))
                        if tmp is not None:
                            rename_over(tmp, path)
                        else:
                            os.unlink(path)
                    except OSError:
                        if tmp is not None:
                            remove_quietly(tmp)
                        raise
                    self._hook("replace")
                    parents[path.parent] = None
                    done.append(DoneEntry(rel, new_sha))
            finally:
                # 6: what was renamed is made durable and confirmed, even when stopping early
                for folder_path in parents:
                    fsync_dir(folder_path)
                self._writer.append_many(done)
        for _ in done:
            self._hook("write")
        return [d.path for d in done]

    def delete(self, rel: str, *, expected_sha256: str | None = None) -> None:
        """Remove ``rel``, journaled (its bytes are kept for rollback).  Absent: nothing to do."""
        self._check_open()
        rel = normalize_rel(self.root, rel)
        path = self.root / rel
        state = read_state(path, rel)
        _check_expected(rel, state, expected_sha256)
        if not state.exists:
            return
        with os_errors(f"cannot delete {rel}"):
            self._record(rel, state)
            self._writer.append(DeleteEntry(rel, self._batch))
            self._hook("intent")
            os.unlink(path)
            self._hook("replace")
            fsync_dir(path.parent)
            self._writer.append(DoneEntry(rel, None))
        self._hook("write")

    # ------------------------------------------------------------ internals

    def _check_open(self) -> None:
        if self.status is not None:
            raise ValueError(f"run {self.run_id} is finished ({self.status})")

    def _record(self, rel: str, state: FileState) -> None:
        key = (self._batch, rel)
        if key in self._recorded:
            return
        self._store_blobs([state])
        self._writer.append(self._record_entry(rel, state))
        self._recorded.add(key)
        self._hook("record")

    def _record_entry(self, rel: str, state: FileState) -> RecordEntry:
        return RecordEntry(rel, self._batch, state.sha256, state.mode)

    def _store_blobs(self, states: list[FileState]) -> None:
        """Originals not stored yet: each written to a temporary blob (fsynced) and renamed into
        place; then one fsync of ``blobs/`` makes every rename durable."""
        blobs = self.run_dir / BLOBS
        stored = False
        for state in states:
            if state.data is None:
                continue
            sha = state.sha256
            assert sha is not None
            blob = blobs / sha
            if blob.exists():
                continue
            tmp = blobs / f"{sha}.tmp{self._writer.count}"
            remove_quietly(tmp)
            write_new(tmp, state.data)
            self._hook("blob")
            rename_over(tmp, blob)
            stored = True
        if stored:
            fsync_dir(blobs)

    def _missing_folders(self, rels: list[str]) -> list[str]:
        """Folders to create for ``rels``, parents first; refuses a path whose folder is a file."""
        out: dict[str, None] = {}
        for rel in rels:
            parts = rel.split("/")[:-1]
            for i in range(len(parts)):
                sub = "/".join(parts[: i + 1])
                if sub in out:
                    continue
                folder = self.root / sub
                if folder.is_dir():
                    continue
                if folder.exists() or folder.is_symlink():
                    raise UnsafeFileError(f"{sub} is not a folder, so {rel} cannot be written")
                out[sub] = None
        return list(out)

    def _ensure_parents(self, rel: str) -> None:
        """Create missing folders of ``rel``, each announced first so rollback removes it."""
        folder = self.root
        parts = rel.split("/")[:-1]
        for i, part in enumerate(parts):
            folder = folder / part
            if folder.is_dir():
                continue
            sub = "/".join(parts[: i + 1])
            if folder.exists() or folder.is_symlink():
                raise UnsafeFileError(f"{sub} is not a folder, so {rel} cannot be written")
            self._writer.append(MkdirEntry(sub, self._batch))
            folder.mkdir()
            fsync_dir(folder.parent)
            self._hook("mkdir")


def _unchanged_since(path: Path, rel: str, state: FileState) -> bool:
    """Does ``path`` still hold what ``state`` read?  The stamp answers cheaply; if it moved
    (a touch, or a change within the same clock tick), the bytes decide."""
    if state.stamp is not None and stamp_of(path) == state.stamp:
        return True
    try:
        return read_state(path, rel).sha256 == state.sha256
    except UnsafeFileError:
        return False


def _sha_now(path: Path, rel: str) -> str | None:
    try:
        return read_state(path, rel).sha256
    except UnsafeFileError:
        return "not a regular file"


def _check_expected(rel: str, state: FileState, expected: str | None) -> None:
    if expected is None:
        return
    want = None if expected == ABSENT else expected
    if state.sha256 != want:
        raise FileChangedError(rel, want, state.sha256)
