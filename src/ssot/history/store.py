"""The SQLite store of figures over time.

Schema (``PRAGMA user_version`` holds its version; :data:`MIGRATIONS` brings an older file
forward, one step per version, each in its own transaction)::

    runs(id, at, command, commit_sha, branch, root, exit_code, seconds)
    figures(run_id -> runs.id, name, scope, value)      -- one row per figure of a run
    documents(run_id -> runs.id, kind, body)            -- a run's whole output (scan JSON, collect
                                                          profile), zlib-compressed JSON; kept for the
                                                          first run of each kind and the latest few
    document_digests(run_id, kind, digest, latest_run)  -- a document given with a digest (a scan's
                                                          report) is stored only when the latest one
                                                          of its kind has another digest; latest_run
                                                          is then the latest run it stands for

``at`` is UTC ISO 8601 (sortable as text).  ``scope`` is ``""`` for a figure of the whole
project, else ``family:<id>``, ``phase:<name>``, ``cause:<text>`` and so on.

The database runs in WAL mode with a busy timeout, so two commands writing at once both land;
a run and all its figures are written in one ``BEGIN IMMEDIATE`` transaction, so a process
killed mid-write leaves either the whole run or nothing.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ssot.errors import SsotError

# each entry takes the schema from version i to i + 1
MIGRATIONS: Sequence[str] = (
    """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        command TEXT NOT NULL,
        commit_sha TEXT,
        branch TEXT,
        root TEXT,
        exit_code INTEGER,
        seconds REAL
    );
    CREATE TABLE figures (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        scope TEXT NOT NULL DEFAULT '',
        value REAL NOT NULL,
        PRIMARY KEY (run_id, name, scope)
    ) WITHOUT ROWID;
    CREATE INDEX runs_at ON runs(at);
    CREATE INDEX figures_name ON figures(name, scope);
    """,
    """
    CREATE TABLE documents (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        body BLOB NOT NULL,
        PRIMARY KEY (run_id, kind)
    ) WITHOUT ROWID;
    CREATE INDEX documents_kind ON documents(kind, run_id);
    """,
    """
    CREATE TABLE document_digests (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        digest TEXT NOT NULL,
        latest_run INTEGER NOT NULL,
        PRIMARY KEY (run_id, kind)
    ) WITHOUT ROWID;
    """,
)
# documents kept per kind: the first (the "before") and the latest few; figures are kept for every run
KEEP_LATEST_DOCUMENTS = 5
SCHEMA_VERSION = len(MIGRATIONS)


class HistoryError(SsotError):
    """The history database cannot be opened, read or written; the message names the file and the fix."""


@dataclass(frozen=True, slots=True)
class Figure:
    """One measured value of a run."""

    name: str  # e.g. "duplicated_lines", "warnings", "compliance"
    value: float
    scope: str = ""  # "" = the whole project; "family:<id>", "phase:<name>", "cause:<text>", ...


@dataclass(frozen=True, slots=True)
class Document:
    """A document already rendered as JSON (UTF-8), with a digest of what it says: a run whose document
    has the digest of the latest stored one of its kind stores none (it shares that one)."""

    data: bytes | tuple[bytes, ...]  # (or its parts, one after the other: joined only when it is stored)
    digest: str


@dataclass(frozen=True, slots=True)
class Run:
    """One recorded command and its figures."""

    id: int
    at: str  # UTC, ISO 8601
    command: str
    commit: str | None = None
    branch: str | None = None
    root: str | None = None
    exit_code: int | None = None
    seconds: float | None = None
    figures: dict[tuple[str, str], float] = field(default_factory=dict)  # (name, scope) -> value

    def get(self, name: str, scope: str = "") -> float | None:
        return self.figures.get((name, scope))


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


class HistoryStore:
    """An open history database.  Use as a context manager, or call :meth:`close`."""

    def __init__(self, path: Path | str, *, timeout: float = 30.0, create: bool = True) -> None:
        self.path = Path(path)
        if not create and not self.path.is_file():
            raise HistoryError(f"{self.path}: no history yet; run a command such as 'ssot scan' first "
                               "(or point [tool.ssot] history at the database)")
        try:
            if create:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise HistoryError(f"{self.path}: cannot open the history database: {exc}") from None
        try:
            self._db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            self._db.execute("PRAGMA foreign_keys = ON")
            mode = self._db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":  # e.g. a file system without shared memory: rollback journal
                self._db.execute("PRAGMA journal_mode = DELETE")
            self._db.execute("PRAGMA synchronous = NORMAL")  # WAL + NORMAL: a killed process loses nothing
            self._migrate()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise HistoryError(f"{self.path}: not a usable ssot history database ({exc}); move it away to start "
                               "a new history") from None

    # -- schema --------------------------------------------------------------------------------

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise HistoryError(f"{self.path}: written by a newer ssot (history schema {version}, this ssot reads "
                               f"up to {SCHEMA_VERSION}); upgrade ssot")
        while version < SCHEMA_VERSION:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                # re-read under the write lock: another process may have migrated meanwhile
                version = self._db.execute("PRAGMA user_version").fetchone()[0]
                if version < SCHEMA_VERSION:
                    for statement in MIGRATIONS[version].split(";"):
                        if statement.strip():
                            self._db.execute(statement)
                    version += 1
                    self._db.execute(f"PRAGMA user_version = {version}")
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    @property
    def schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    # -- writing -------------------------------------------------------------------------------

    def record(self, command: str, figures: Iterable[Figure], *, at: str | None = None, commit: str | None = None,
               branch: str | None = None, root: str | None = None, exit_code: int | None = None,
               seconds: float | None = None, documents: Mapping[str, Any] | None = None) -> int:
        """Append one run with its figures (and documents), all or nothing; return the run's id."""
        rows: dict[tuple[str, str], float] = {}
        for f in figures:
            rows[(f.name, f.scope)] = float(f.value)  # the last value of a repeated figure wins
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                head = (at or utc_now(), command, commit, branch, root, exit_code, seconds)
                cur = self._db.execute("INSERT INTO runs(at, command, commit_sha, branch, root, exit_code, seconds) "
                                       "VALUES (?, ?, ?, ?, ?, ?, ?)", head)
                run_id = int(cur.lastrowid or 0)
                self._db.executemany("INSERT INTO figures(run_id, name, scope, value) VALUES (?, ?, ?, ?)",
                                     [(run_id, name, scope, value) for (name, scope), value in rows.items()])
                for kind, doc in (documents or {}).items():
                    self._store(run_id, kind, doc)
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise HistoryError(f"{self.path}: cannot write the history: {exc}") from None
        return run_id

    def _store(self, run_id: int, kind: str, doc: Any) -> None:
        """Store ``run_id``'s document of ``kind`` (a :class:`Document` only if the latest one differs)."""
        if isinstance(doc, Document):
            latest = self._db.execute(
                "SELECT d.run_id, g.digest FROM documents d LEFT JOIN document_digests g "
                "ON g.run_id = d.run_id AND g.kind = d.kind WHERE d.kind = ? ORDER BY d.run_id DESC LIMIT 1",
                (kind,)).fetchone()
            if latest is not None and latest[1] == doc.digest:  # the same document: that one stands for this run
                self._db.execute("UPDATE document_digests SET latest_run = ? WHERE run_id = ? AND kind = ?",
                                 (run_id, latest[0], kind))
                return
            data = doc.data if isinstance(doc.data, bytes) else b"".join(doc.data)
        else:  # file names that are not UTF-8 came as surrogates: their bytes
            data = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogateescape")
        body = zlib.compress(data, 1)  # (level 6: 2.5x the time, 20% smaller; a report is written on every change)
        self._db.execute("INSERT INTO documents(run_id, kind, body) VALUES (?, ?, ?)", (run_id, kind, body))
        if isinstance(doc, Document):
            self._db.execute("INSERT INTO document_digests(run_id, kind, digest, latest_run) VALUES (?, ?, ?, ?)",
                             (run_id, kind, doc.digest, run_id))
        self._prune(kind)

    def _prune(self, kind: str) -> None:
        """Drop documents of ``kind`` but the first and the latest :data:`KEEP_LATEST_DOCUMENTS`."""
        self._db.execute(
            "DELETE FROM documents WHERE kind = ? AND run_id > (SELECT MIN(run_id) FROM documents WHERE kind = ?) "
            "AND run_id NOT IN (SELECT run_id FROM documents WHERE kind = ? ORDER BY run_id DESC LIMIT ?)",
            (kind, kind, kind, KEEP_LATEST_DOCUMENTS))
        self._db.execute("DELETE FROM document_digests WHERE kind = ? AND run_id NOT IN "
                         "(SELECT run_id FROM documents WHERE kind = ?)", (kind, kind))

    # -- reading -------------------------------------------------------------------------------

    def runs(self, *, since: str | None = None, command: str | None = None) -> list[Run]:
        """Every run (oldest first) with its figures; ``since`` is an ISO time (UTC) or date."""
        where, params = [], []
        if since:
            where.append("at >= ?")
            params.append(since)
        if command:
            where.append("command = ?")
            params.append(command)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        try:
            heads = self._db.execute(
                "SELECT id, at, command, commit_sha, branch, root, exit_code, seconds FROM runs"
                f"{clause} ORDER BY at, id", params).fetchall()
            if not heads:
                return []
            first = heads[0][0]
            values: dict[int, dict[tuple[str, str], float]] = {}
            for run_id, name, scope, value in self._db.execute(
                    "SELECT run_id, name, scope, value FROM figures WHERE run_id >= ?", (first,)):
                values.setdefault(run_id, {})[(name, scope)] = value
        except sqlite3.Error as exc:
            raise HistoryError(f"{self.path}: cannot read the history: {exc}") from None
        return [Run(id=h[0], at=h[1], command=h[2], commit=h[3], branch=h[4], root=h[5], exit_code=h[6],
                    seconds=h[7], figures=values.get(h[0], {})) for h in heads]

    def documents(self, kind: str) -> list[tuple[int, Any]]:
        """``(run id, document)`` of every kept document of ``kind``, oldest first.  The run id is the latest
        run the document stands for: the one that stored it, or a later one whose document was the same."""
        try:
            rows = self._db.execute(
                "SELECT COALESCE(g.latest_run, d.run_id), d.body FROM documents d LEFT JOIN document_digests g "
                "ON g.run_id = d.run_id AND g.kind = d.kind WHERE d.kind = ? ORDER BY d.run_id", (kind,)).fetchall()
            return [(run_id, json.loads(zlib.decompress(body).decode("utf-8", "surrogateescape")))
                    for run_id, body in rows]
        except (sqlite3.Error, zlib.error, ValueError) as exc:
            raise HistoryError(f"{self.path}: cannot read the stored {kind} documents: {exc}") from None

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
