"""The history store: round trip, schema versions, concurrent writers, SIGKILL mid-write, bad files."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from ssot.history.store import SCHEMA_VERSION, Figure, HistoryError, HistoryStore


def test_round_trip(tmp_path: Path) -> None:
    db = tmp_path / "h" / "history.db"
    with HistoryStore(db) as store:
        first = store.record("scan", [Figure("families", 3), Figure("live_copies", 7, "family:ws")],
                             commit="abc", branch="main", exit_code=1, seconds=0.5)
        second = store.record("scan", [Figure("families", 1)], at="2999-01-01T00:00:00+00:00")
        assert store.schema_version == SCHEMA_VERSION
    with HistoryStore(db, create=False) as store:
        runs = store.runs()
        assert [r.id for r in runs] == [first, second]
        assert runs[0].get("families") == 3 and runs[0].get("live_copies", "family:ws") == 7
        assert (runs[0].commit, runs[0].branch, runs[0].exit_code) == ("abc", "main", 1)
        assert [r.id for r in store.runs(since="2500-01-01")] == [second]
        assert store.runs(command="collect") == []
    assert sqlite3.connect(db).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_missing_history_is_named(tmp_path: Path) -> None:
    with pytest.raises(HistoryError, match="no history yet"):
        HistoryStore(tmp_path / "none.db", create=False)


def test_not_a_database(tmp_path: Path) -> None:
    bad = tmp_path / "history.db"
    bad.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(HistoryError, match=r"history\.db: not a usable ssot history database.*move it away"):
        HistoryStore(bad)


def test_newer_schema_refused(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    HistoryStore(db).close()
    con = sqlite3.connect(db)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    con.close()
    with pytest.raises(HistoryError, match="newer ssot"):
        HistoryStore(db)


def test_empty_file_is_migrated_forward(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    sqlite3.connect(db).close()  # version 0: an empty database
    with HistoryStore(db) as store:
        assert store.schema_version == SCHEMA_VERSION
        store.record("scan", [Figure("families", 1)])
        assert len(store.runs()) == 1


_WRITER = textwrap.dedent("""
    import sys
    from ssot.history.store import Figure, HistoryStore
    db, tag, n, figures = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    with HistoryStore(db, timeout=60) as store:
        print("ready", flush=True)
        for i in range(n):
            store.record(tag, [Figure(f"f{j}", i, "scope") for j in range(figures)])
""")


def _writer(db: Path, tag: str, n: int, figures: int) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", _WRITER, str(db), tag, str(n), str(figures)],
                            stdout=subprocess.PIPE, text=True)


def test_two_writers_at_once_both_land(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    HistoryStore(db).close()
    procs = [_writer(db, tag, 60, 20) for tag in ("scan", "collect")]
    for p in procs:
        p.wait(timeout=120)
        assert p.returncode == 0
    with HistoryStore(db) as store:
        runs = store.runs()
    assert sorted(r.command for r in runs).count("scan") == 60
    assert sum(r.command == "collect" for r in runs) == 60
    assert all(len(r.figures) == 20 for r in runs)


def test_sigkill_during_writes_leaves_whole_runs(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    HistoryStore(db).close()
    for attempt in range(8):
        proc = _writer(db, "scan", 100_000, 400)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        time.sleep(0.05 + 0.03 * attempt)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        con = sqlite3.connect(db)
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        counts = {n for (n,) in con.execute("SELECT COUNT(*) FROM figures GROUP BY run_id")}
        con.close()
        assert counts <= {400}, f"a run with a partial set of figures after kill {attempt}: {counts}"
    with HistoryStore(db) as store:  # still writable after the kills, and the kills came mid-stream
        assert len(store.runs()) > 8
        store.record("scan", [Figure("families", 0)])
        assert store.runs()[-1].get("families") == 0


def test_documents_keep_first_and_latest(tmp_path: Path) -> None:
    from ssot.history.store import KEEP_LATEST_DOCUMENTS

    with HistoryStore(tmp_path / "h.db") as store:
        ids = [store.record("scan", [Figure("families", i)], documents={"scan": {"n": i, "text": "é"}})
               for i in range(KEEP_LATEST_DOCUMENTS + 4)]
        kept = store.documents("scan")
        assert [run for run, _ in kept] == [ids[0], *ids[-KEEP_LATEST_DOCUMENTS:]]
        assert kept[0][1] == {"n": 0, "text": "é"}
        assert len(store.runs()) == len(ids)  # figures are never pruned
        assert store.documents("collect") == []


def test_version_1_database_migrates_to_documents(tmp_path: Path) -> None:
    from ssot.history.store import MIGRATIONS

    db = tmp_path / "h.db"
    con = sqlite3.connect(db)
    con.executescript(MIGRATIONS[0] + "; PRAGMA user_version = 1;")
    con.execute("INSERT INTO runs(at, command) VALUES ('2026-01-01T00:00:00+00:00', 'scan')")
    con.commit()
    con.close()
    with HistoryStore(db) as store:
        assert store.schema_version == SCHEMA_VERSION == 3
        assert [r.command for r in store.runs()] == ["scan"]
        store.record("scan", [], documents={"scan": {"ok": True}})
        assert store.documents("scan")[0][1] == {"ok": True}


def test_a_document_with_the_digest_of_the_latest_is_stored_once(tmp_path: Path) -> None:
    """A rescan with nothing changed records its run and figures, not a second copy of its report."""
    from ssot.history.store import Document

    with HistoryStore(tmp_path / "h.db") as store:
        same = [store.record("scan", [Figure("families", 3)], documents={"scan": Document(b'{"n": 1}', "d1")})
                for _ in range(3)]
        assert len(store.runs()) == 3 and all(r.get("families") == 3 for r in store.runs())
        # one body stored; it stands for the latest run that had it
        assert store.documents("scan") == [(same[-1], {"n": 1})]
        # given in parts, as the scan writes its report (head, stats, tail): stored as their join
        changed = store.record("scan", [], documents={"scan": Document((b'{"n"', b": ", b"2}"), "d2")})
        back = store.record("scan", [], documents={"scan": Document(b'{"n": 1}', "d1")})  # not the latest: stored
        assert store.documents("scan") == [(same[-1], {"n": 1}), (changed, {"n": 2}), (back, {"n": 1})]
        count = store._db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        assert count == 3


def test_documents_by_digest_are_pruned_with_their_digests(tmp_path: Path) -> None:
    from ssot.history.store import KEEP_LATEST_DOCUMENTS, Document

    with HistoryStore(tmp_path / "h.db") as store:
        ids = [store.record("scan", [], documents={"scan": Document(f'{{"n": {i}}}'.encode(), f"d{i}")})
               for i in range(KEEP_LATEST_DOCUMENTS + 3)]
        assert [run for run, _ in store.documents("scan")] == [ids[0], *ids[-KEEP_LATEST_DOCUMENTS:]]
        digests = {d for (d,) in store._db.execute("SELECT digest FROM document_digests")}
        assert digests == {"d0", *(f"d{i}" for i in range(3, KEEP_LATEST_DOCUMENTS + 3))}
        # a pruned document's digest is gone too: the same document again is stored again
        again = store.record("scan", [], documents={"scan": Document(b'{"n": 1}', "d1")})
        assert store.documents("scan")[-1] == (again, {"n": 1})


def test_version_2_database_migrates_to_digests(tmp_path: Path) -> None:
    from ssot.history.store import MIGRATIONS, Document

    db = tmp_path / "h.db"
    con = sqlite3.connect(db)
    con.executescript(MIGRATIONS[0] + ";" + MIGRATIONS[1] + "; PRAGMA user_version = 2;")
    con.commit()
    con.close()
    with HistoryStore(db) as store:
        old = store.record("scan", [], documents={"scan": {"n": 1}})  # a document without a digest
        assert store.schema_version == SCHEMA_VERSION
        new = store.record("scan", [], documents={"scan": Document(b'{"n": 1}', "d1")})  # never matches one
        assert store.documents("scan") == [(old, {"n": 1}), (new, {"n": 1})]
