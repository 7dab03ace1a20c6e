"""Cache files in SQLite are built whole and renamed into place: a reader sees the old file or the new one."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from ssot.app.sqlite_cache import open_db, write_db


def _fill(rows: int):
    def fill(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE t (n INTEGER)")
        db.executemany("INSERT INTO t VALUES (?)", ((i,) for i in range(rows)))
    return fill


def test_a_failed_build_leaves_the_old_file_and_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "c.sqlite"
    write_db(path, _fill(3))

    def broken(db: sqlite3.Connection) -> None:
        _fill(5)(db)
        raise RuntimeError("killed half-way")

    with pytest.raises(RuntimeError):
        write_db(path, broken)
    assert open_db(path).execute("SELECT count(*) FROM t").fetchone() == (3,)
    assert sorted(p.name for p in path.parent.iterdir()) == ["c.sqlite"]


def test_a_journal_left_beside_the_old_file_is_not_replayed_into_the_new_one(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    write_db(path, _fill(3))
    journal = path.with_name(path.name + "-journal")
    journal.write_bytes(b"\xd9\xd5\x05\xf9\x20\xa1\x63\xd7" + b"\0" * 504)  # a (torn) hot journal's header
    write_db(path, _fill(4))
    assert not journal.exists()
    assert open_db(path).execute("SELECT count(*) FROM t").fetchone() == (4,)


def test_what_is_not_a_database_is_refused_on_opening(tmp_path: Path) -> None:
    with pytest.raises(sqlite3.Error):
        open_db(tmp_path / "absent.sqlite")
    (tmp_path / "junk.sqlite").write_bytes(b"junk" * 100)
    with pytest.raises(sqlite3.Error):
        open_db(tmp_path / "junk.sqlite")
