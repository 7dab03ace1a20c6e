"""Where a run's journal lives and how it is named.

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

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

from ssot.errors import SsotError
from ssot.fsio import fsync_dir

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


def run_dirs(root: Path) -> list[Path]:
    base = runs_dir(root)
    try:
        return sorted(p for p in base.iterdir() if p.is_dir() and not p.name.startswith("."))
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise JournalError(f"cannot list {base}: {exc.strerror or exc}") from exc
