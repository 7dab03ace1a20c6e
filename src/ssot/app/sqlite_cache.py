"""SQLite files in the cache folder that a file check reads a few rows of (the check index, the baseline's counts).

A cache file is built whole, in one transaction, in a temporary file of the same folder, then
renamed over the old one (:func:`ssot.fsio.rename_over`): a reader sees the old file or the new
one, never a half-built one, and a crash leaves at most a temporary file that the next build
replaces.  It is read through a read-only connection; any SQLite error (absent, damaged, not a
database, another schema) means "no cache" to the caller, which rebuilds it.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

CacheError = (sqlite3.Error, OSError)  # what reading or building a cache file can raise


def write_db(path: Path, fill: Callable[[sqlite3.Connection], None]) -> None:
    """Build the database at ``path``: ``fill`` creates and fills its tables; the file replaces ``path`` only
    once all of it is committed (OS and SQLite errors propagate; the temporary file is removed)."""
    from ssot.fsio import remove_quietly, rename_over

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{os.getpid()}-{os.urandom(3).hex()}.tmp"
    try:
        db = sqlite3.connect(tmp, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode = OFF")  # a new file, renamed into place only when complete
            db.execute("PRAGMA synchronous = OFF")  # a cache: lost, never torn
            db.execute("BEGIN")
            fill(db)
            db.execute("COMMIT")
        finally:
            db.close()
        # a rollback journal left by a killed in-place update of the old file would be replayed into the new one
        remove_quietly(path.with_name(path.name + "-journal"))
        rename_over(tmp, path)
    except BaseException:
        remove_quietly(tmp)
        raise


def open_db(path: Path) -> sqlite3.Connection:
    """A read-only connection to ``path`` (``sqlite3.Error`` when absent or not a database)."""
    uri = "file:" + quote(str(path.resolve())) + "?mode=ro"
    db = sqlite3.connect(uri, uri=True)
    db.execute("SELECT count(*) FROM sqlite_master").fetchone()  # not a database: fails here
    return db
