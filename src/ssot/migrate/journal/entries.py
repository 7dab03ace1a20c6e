"""The lines of a run's log (``journal.jsonl``), one frozen dataclass per kind.

Each line on disk is one JSON object whose ``"op"`` names its kind; the other
keys are the dataclass's fields, exactly (the format is docs/journal.md's, and
:data:`FORMAT` 2 reads format 1 logs unchanged).  :meth:`to_json` gives the
object to write; :func:`parse_entry` turns a decoded line back into an entry and
rejects, naming the log and the line, a kind it does not know or a field of the
wrong type.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, ClassVar, Literal, get_args

from ssot.migrate.journal.layout import JournalError

BatchStatus = Literal["ok", "rolled_back", "failed"]
FinishStatus = Literal["complete", "failed", "rolled_back", "dismissed"]
BATCH_STATUSES: tuple[str, ...] = get_args(BatchStatus)
FINISH_STATUSES: tuple[str, ...] = get_args(FinishStatus)


@dataclass(frozen=True, slots=True)
class RecordEntry:
    """The file's bytes (stored as blob ``sha256``) and mode just before the run, or a batch, touched it."""

    op: ClassVar[str] = "record"
    path: str
    batch: int | None
    sha256: str | None  # None: the file did not exist
    mode: int | None


@dataclass(frozen=True, slots=True)
class WriteEntry:
    """Announced before the temporary file ``tmp`` is made and renamed over ``path``."""

    op: ClassVar[str] = "write"
    path: str
    batch: int | None
    sha256: str | None  # the new bytes
    tmp: str | None


@dataclass(frozen=True, slots=True)
class DeleteEntry:
    op: ClassVar[str] = "delete"
    path: str
    batch: int | None


@dataclass(frozen=True, slots=True)
class DoneEntry:
    """The announced write or delete of ``path`` happened and its folder is fsynced."""

    op: ClassVar[str] = "done"
    path: str
    sha256: str | None


@dataclass(frozen=True, slots=True)
class MkdirEntry:
    op: ClassVar[str] = "mkdir"
    path: str
    batch: int | None


@dataclass(frozen=True, slots=True)
class AbandonEntry:
    """The announced write (log line ``write``) never happened: the file changed under it;
    its record (line ``record``, if this group made one) is void too."""

    op: ClassVar[str] = "abandon"
    path: str
    batch: int | None
    write: int | None
    record: int | None


@dataclass(frozen=True, slots=True)
class RestoringEntry:
    """A rollback announces the temporary file it is about to rename over ``path``."""

    op: ClassVar[str] = "restoring"
    path: str
    tmp: str


@dataclass(frozen=True, slots=True)
class RestoreEntry:
    """``path`` is back to the bytes of record line ``to``."""

    op: ClassVar[str] = "restore"
    path: str
    to: int
    forced: bool = False


@dataclass(frozen=True, slots=True)
class BatchEntry:
    op: ClassVar[str] = "batch"
    number: int
    label: str
    files: tuple[str, ...]
    at: str | None


@dataclass(frozen=True, slots=True)
class EndBatchEntry:
    op: ClassVar[str] = "end_batch"
    number: int
    status: BatchStatus
    at: str | None


@dataclass(frozen=True, slots=True)
class FinishEntry:
    op: ClassVar[str] = "finish"
    status: FinishStatus
    at: str | None


Entry = (
    RecordEntry | WriteEntry | DeleteEntry | DoneEntry | MkdirEntry | AbandonEntry
    | RestoringEntry | RestoreEntry | BatchEntry | EndBatchEntry | FinishEntry
)
KINDS: dict[str, type[Entry]] = {
    k.op: k for k in (RecordEntry, WriteEntry, DeleteEntry, DoneEntry, MkdirEntry, AbandonEntry,
                      RestoringEntry, RestoreEntry, BatchEntry, EndBatchEntry, FinishEntry)
}

# Fields a format 1 log (or an older writer) may leave out, and what they mean then.
_OPTIONAL: dict[str, Any] = {"batch": None, "sha256": None, "mode": None, "tmp": None, "label": "",
                             "files": (), "at": None, "write": None, "record": None, "forced": False}
# The JSON type each field must have (None allowed where the annotation says so).
_TYPES: dict[str, tuple[type, ...]] = {
    "path": (str,), "tmp": (str,), "sha256": (str,), "label": (str,), "at": (str,), "status": (str,),
    "batch": (int,), "mode": (int,), "number": (int,), "to": (int,), "write": (int,), "record": (int,),
    "forced": (bool,), "files": (list, tuple),
}
_NULLABLE = {"batch", "sha256", "mode", "tmp", "at", "write", "record"}
_STATUSES = {"end_batch": BATCH_STATUSES, "finish": FINISH_STATUSES}


def to_json(entry: Entry) -> dict[str, Any]:
    """The object written for ``entry``: its ``op`` and its fields."""
    out: dict[str, Any] = {"op": entry.op}
    for f in fields(entry):
        value = getattr(entry, f.name)
        out[f.name] = list(value) if isinstance(value, tuple) else value
    return out


def parse_entry(obj: dict[str, Any], log: Path, line: int) -> Entry:
    """The entry a decoded log line holds; :class:`JournalError` naming ``log`` and ``line`` if it is
    of a kind this ssot does not know or a field is missing or of the wrong type."""
    op = obj.get("op")
    if not isinstance(op, str) or op not in KINDS:
        raise JournalError(
            f"{log} line {line}: unknown entry {op!r} (known: {', '.join(KINDS)}); the run was written "
            "by a newer ssot (use that version to roll it back) or the file was damaged"
        )
    kind = KINDS[op]
    values: dict[str, Any] = {}
    for f in fields(kind):
        if f.name in obj:
            value = obj[f.name]
        elif f.name in _OPTIONAL:
            value = _OPTIONAL[f.name]
        else:
            raise JournalError(f"{log} line {line}: a {op!r} entry without its {f.name!r}; the file was damaged")
        ok = (value is None and f.name in _NULLABLE) or (
            isinstance(value, _TYPES[f.name]) and not (isinstance(value, bool) and bool not in _TYPES[f.name])
        )
        if f.name == "files" and ok:
            ok = all(isinstance(v, str) for v in value)
        if not ok:
            raise JournalError(
                f"{log} line {line}: {op!r} entry has {f.name}={value!r} (wrong type); the file was damaged"
            )
        values[f.name] = tuple(value) if f.name == "files" else value
    allowed = _STATUSES.get(op)
    if allowed is not None and values["status"] not in allowed:
        raise JournalError(
            f"{log} line {line}: {op!r} entry has status {values['status']!r} (one of {', '.join(allowed)})"
        )
    return kind(**values)
