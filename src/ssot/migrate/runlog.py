"""The on-disk run journal: where it lives, how it is appended to and read back.

Layout (``docs/journal.md`` documents it for users)::

    <root>/.ssot/.gitignore          "*": the state folder never dirties a git tree
    <root>/.ssot/lock                held while a run starts (one migration at a time)
    <root>/.ssot/runs/<id>/run.json  who started the run and when (written atomically)
    <root>/.ssot/runs/<id>/journal.jsonl  append-only log, one JSON object a line, fsynced
    <root>/.ssot/runs/<id>/blobs/<sha256> original bytes, content-addressed, written atomically
    <root>/.ssot/runs/<id>/lock      flock-ed by the live process; free once it is gone
    <root>/.ssot/runs/<id>/finished  written after the last log line of a run that ended

A blob is complete on disk before the log line naming it is written, and a log
line is fsynced before the file it announces is touched.  A SIGKILL can
therefore only leave a torn *last* line (ignored, then cut off before the next
append) and stray temporary files (named in the log line written before them).
"""

from __future__ import annotations

import json
import os
import socket
import sys
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, ClassVar

from ssot.errors import SsotError
from ssot.fsio import fsync_dir

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

FORMAT = 2  # 2: adds the "abandon" op (format 1 logs read the same)
STATE_DIR = ".ssot"
RUNS = "runs"
HEADER = "run.json"
LOG = "journal.jsonl"
BLOBS = "blobs"
LOCK = "lock"
FINISHED = "finished"
TMP_PREFIX = ".ssot-tmp-"  # temporary files ssot leaves in a user's folder only if killed
GITIGNORE = b"# ssot run state: never commit it\n*\n"


class JournalError(SsotError):
    """The journal cannot be read or written; the message names the file."""


class RunNotFoundError(SsotError):
    """No run has that id."""


# ---------------------------------------------------------------- locations


def state_dir(root: Path) -> Path:
    return root / STATE_DIR


def runs_dir(root: Path) -> Path:
    return root / STATE_DIR / RUNS


def find_root(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` holding ssot run state."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / STATE_DIR / RUNS).is_dir():
            return folder
    return None


def ensure_gitignore(state: Path) -> None:
    """``.ssot/.gitignore`` = ``*``, so the state folder never shows in ``git status``.

    Written in place, in one write, before anything else goes in the folder (a
    temporary file beside it would itself show in ``git status`` if killed);
    checked and repaired by every run and every rollback.
    """
    ignore = state / ".gitignore"
    try:
        if ignore.read_bytes() == GITIGNORE:
            return
    except FileNotFoundError:
        pass
    fd = os.open(ignore, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(fd, GITIGNORE)
        os.fsync(fd)
    finally:
        os.close(fd)


def ensure_state_dir(root: Path) -> Path:
    """Create ``.ssot/runs`` with a ``.gitignore`` that ignores the whole state folder."""
    state = state_dir(root)
    created = not state.exists()
    try:
        state.mkdir(exist_ok=True)
        ensure_gitignore(state)
        (state / RUNS).mkdir(exist_ok=True)
    except OSError as exc:
        raise JournalError(f"cannot create {state}: {exc.strerror or exc}") from exc
    fsync_dir(state)
    if created:
        fsync_dir(root)
    return runs_dir(root)


def local_time(iso: str | None, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    """An ISO time from the journal, in the user's time zone."""
    if not iso:
        return "?"
    try:
        return datetime.fromisoformat(iso).astimezone().strftime(fmt)
    except ValueError:
        return iso


def tmp_rel(rel: str, tag: str) -> str:
    """The temporary file beside ``rel`` that a write announces before creating it."""
    parent = rel.rpartition("/")[0]
    name = f"{TMP_PREFIX}{tag}"
    return f"{parent}/{name}" if parent else name


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def new_run_id(when: datetime) -> str:
    """Sortable and unique: UTC time to the millisecond plus 4 random hex digits."""
    return f"{when:%Y%m%dT%H%M%S}.{when.microsecond // 1000:03d}-{os.urandom(2).hex()}"


def run_start(run_id: str) -> datetime | None:
    """The time in a run id (None if it is not one)."""
    try:
        return datetime.strptime(run_id[:19], "%Y%m%dT%H%M%S.%f").replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def next_start(root: Path) -> datetime:
    """Now, or 1 ms after the latest run if that is not earlier: ids sort in start order
    even for runs started within the same millisecond (or after a clock step back)."""
    when = datetime.now(timezone.utc)
    dirs = run_dirs(root)
    last = run_start(dirs[-1].name) if dirs else None
    if last is not None and when <= last + timedelta(microseconds=999):
        when = last + timedelta(milliseconds=1)
    return when


# ---------------------------------------------------------------- locks


class Lock:
    """An exclusive ``flock`` on a file; the kernel frees it when the holder dies, even by SIGKILL.

    A forked child (a ``fork`` process pool, say) would share the lock and keep
    it alive after the parent's death, so children close their copy at fork.
    """

    _held: ClassVar[weakref.WeakSet[Lock]] = weakref.WeakSet()

    def __init__(self, fd: int) -> None:
        self._fd: int | None = fd
        Lock._held.add(self)

    @classmethod
    def _drop_in_child(cls) -> None:
        for lock in list(cls._held):
            if lock._fd is not None:
                with suppress(OSError):
                    os.close(lock._fd)  # never LOCK_UN: that would unlock the parent too
                lock._fd = None

    @classmethod
    def try_acquire(cls, path: Path, *, wait: bool = False) -> Lock | None:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        if fcntl is None:  # pragma: no cover - no flock: liveness falls back to the recorded pid
            return cls(fd)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except OSError:
            os.close(fd)
            return None
        return cls(fd)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=Lock._drop_in_child)


@contextmanager
def root_lock(root: Path) -> Iterator[None]:
    """Serialise run creation in one tree (so two migrations cannot start together)."""
    lock = Lock.try_acquire(state_dir(root) / LOCK, wait=True)
    try:
        yield
    finally:
        if lock:
            lock.release()


def _pid_alive(pid: int | None, host: str | None) -> bool:  # pragma: no cover - no-flock platforms
    if not pid or host != socket.gethostname():
        return False
    if sys.platform == "win32":
        return True  # cannot probe safely (os.kill would terminate it); assume alive
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def run_is_live(run_dir: Path, header: dict[str, Any] | None) -> bool:
    """Is the process of this run still alive (holding the run's lock)?"""
    if fcntl is None:  # pragma: no cover
        return _pid_alive((header or {}).get("pid"), (header or {}).get("host"))
    lock_path = run_dir / LOCK
    if not lock_path.exists():
        return False
    try:
        lock = Lock.try_acquire(lock_path)
    except OSError:
        return False
    if lock is None:  # held: by the run's process, unless only a child it forked outlived it
        pid = (header or {}).get("pid")
        return not (pid and (header or {}).get("host") == socket.gethostname() and _pid_gone(pid))
    lock.release()
    return False


def _pid_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


# ---------------------------------------------------------------- the log


def _parse_lines(raw: bytes, path: Path) -> tuple[list[dict[str, Any]], int]:
    """Entries of a log and the byte length of its valid part.

    Bad lines are tolerated only at the end (a torn last write); a bad line
    followed by good ones means the file was damaged, which no crash can do.
    """
    entries: list[dict[str, Any]] = []
    valid_end = 0
    pos = 0
    bad_at: int | None = None
    while pos < len(raw):
        nl = raw.find(b"\n", pos)
        if nl < 0:
            break  # torn tail without its newline
        line = raw[pos:nl]
        entry: Any = None
        if line.strip():
            try:
                entry = json.loads(line)
            except ValueError:
                entry = None
        if isinstance(entry, dict) and "op" in entry:
            if bad_at is not None:
                raise JournalError(
                    f"{path} is damaged at line {bad_at} (not a crash: something else wrote to it); "
                    "restore the files by hand or from git"
                )
            entries.append(entry)
            valid_end = nl + 1
        elif bad_at is None:
            bad_at = len(entries) + 1
        pos = nl + 1
    return entries, valid_end


def read_log(path: Path) -> list[dict[str, Any]]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise JournalError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return _parse_lines(raw, path)[0]


class LogWriter:
    """Appends JSON lines, each fsynced before :meth:`append` returns."""

    def __init__(self, path: Path) -> None:
        self.path = path
        existed = path.exists()
        try:
            self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND | getattr(os, "O_BINARY", 0), 0o644)
        except OSError as exc:
            raise JournalError(f"cannot open {path}: {exc.strerror or exc}") from exc
        self.count = 0
        if existed:
            raw = path.read_bytes()
            entries, valid_end = _parse_lines(raw, path)
            if valid_end < len(raw):  # cut a torn tail so the next line starts clean
                os.ftruncate(self._fd, valid_end)
                os.fsync(self._fd)
            self.count = len(entries)
        else:
            fsync_dir(path.parent)

    def append(self, entry: dict[str, Any]) -> int:
        """Write one entry durably; returns its index in the log."""
        return self.append_many([entry])

    def append_many(self, entries: list[dict[str, Any]]) -> int:
        """Write entries as consecutive lines in one ``write`` and one fsync; returns the first's index.

        A crash in the middle can only leave a prefix of the lines plus a torn
        last one, which readers ignore: each line stands on its own, so a group
        is no weaker than the same lines appended one by one.
        """
        if not entries:
            return self.count
        data = b"".join(
            (json.dumps(e, sort_keys=True, separators=(",", ":")) + "\n").encode() for e in entries
        )
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self._fd, view) :]
            os.fsync(self._fd)
        except OSError as exc:
            raise JournalError(f"cannot write the journal {self.path}: {exc.strerror or exc}") from exc
        first = self.count
        self.count += len(entries)
        return first

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


# ---------------------------------------------------------------- reading a run


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
    op: str  # "write" | "delete"
    sha256: str | None  # the bytes written; None for a delete
    tmp: str | None
    done: bool = False


@dataclass(slots=True)
class BatchInfo:
    number: int
    label: str
    files: list[str]
    status: str | None = None  # None while running; "ok" | "rolled_back" | "failed"

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
    finish: str | None = None
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
        op = e["op"]
        if op == "abandon":  # an announced write never happened: the file changed under it
            abandoned.update(i for i in (e.get("write"), e.get("record")) if isinstance(i, int))
            continue
        if op == "record":
            log.records.append(Record(index, e["path"], e.get("batch"), e.get("sha256"), e.get("mode")))
        elif op in ("write", "delete"):
            change = Change(index, e["path"], e.get("batch"), op, e.get("sha256"), e.get("tmp"))
            log.changes.append(change)
            changes_by_path[change.path] = change
            if change.tmp:
                log.tmps.append(change.tmp)
        elif op == "done":
            if e["path"] in changes_by_path:
                changes_by_path[e["path"]].done = True
        elif op == "mkdir":
            log.mkdirs.append((e["path"], e.get("batch")))
        elif op == "restoring":
            log.tmps.append(e["tmp"])
        elif op == "restore":
            log.restores.append((index, e["path"], e["to"]))
        elif op == "batch":
            log.batches[e["number"]] = BatchInfo(e["number"], e.get("label", ""), list(e.get("files", [])))
        elif op == "end_batch":
            if e["number"] in log.batches:
                log.batches[e["number"]].status = e["status"]
        elif op == "finish":
            log.finish = e["status"]
            log.finish_index = index
            log.finished_at = e.get("at")
    if abandoned:
        log.records = [r for r in log.records if r.index not in abandoned]
        log.changes = [c for c in log.changes if c.index not in abandoned]
    return log


def run_dirs(root: Path) -> list[Path]:
    base = runs_dir(root)
    try:
        return sorted(p for p in base.iterdir() if p.is_dir() and not p.name.startswith("."))
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise JournalError(f"cannot list {base}: {exc.strerror or exc}") from exc


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
