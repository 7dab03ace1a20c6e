"""The baseline's counts kept in the cache folder: reused while the file is the same, never trusted blindly."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from ssot.app.baseline import COUNTS_FILE, RACY_NS, Accepted, baseline_text, load_baseline, remember_written
from ssot.errors import SsotError


def _write(path: Path, fingerprints: list[str]) -> None:
    path.write_text(baseline_text(Accepted("family-member", f"t/{i}.py", "k", fp)
                                  for i, fp in enumerate(fingerprints)), encoding="utf-8")


def _kept(cache: Path, sql: str, *args: object) -> None:
    with sqlite3.connect(cache / COUNTS_FILE) as db:
        db.execute(sql, args)
    db.close()


def counts(base: Path, cache: Path | None) -> dict[str, int]:
    found = load_baseline(base, cache)
    assert found is not None
    return dict(found)


def test_the_counts_are_kept_and_follow_the_file(tmp_path: Path) -> None:
    base, cache = tmp_path / ".ssot-baseline.json", tmp_path / "cache"
    _write(base, ["a", "b", "b"])
    assert counts(base, cache) == {"a": 1, "b": 2}
    assert (cache / COUNTS_FILE).is_file()
    kept = load_baseline(base, cache)  # from the kept counts
    assert kept is not None and dict(kept) == {"a": 1, "b": 2} and kept.total() == 3 and kept.get("x", 0) == 0
    _write(base, ["c"])  # a pull changed the baseline: the kept counts are another file's
    assert counts(base, cache) == {"c": 1}


def test_an_old_enough_stamp_vouches_for_the_kept_counts_and_a_change_voids_it(tmp_path: Path) -> None:
    base, cache = tmp_path / ".ssot-baseline.json", tmp_path / "cache"
    _write(base, ["a"])
    counts(base, cache)
    _kept(cache, "UPDATE counts SET n = 5")  # what the kept counts say, told apart from the file's
    # just written: the stamp could hide a change made in the same clock tick, so the bytes are compared
    assert counts(base, cache) == {"a": 5}
    _kept(cache, "UPDATE meta SET stamped_at = stamped_at + ?", 2 * RACY_NS)  # as if stamped long after the write
    _kept(cache, "UPDATE meta SET digest = 'not compared'")
    assert counts(base, cache) == {"a": 5}  # the stamp alone: the bytes are neither read nor compared
    _write(base, ["b"])  # same size, new change time: not the same file any more
    assert counts(base, cache) == {"b": 1}


def test_a_change_within_the_same_tick_is_seen(tmp_path: Path) -> None:
    base, cache = tmp_path / ".ssot-baseline.json", tmp_path / "cache"
    _write(base, ["a"])
    st = os.stat(base)
    counts(base, cache)
    _write(base, ["b"])  # same size; its modification time set back: only the bytes tell
    os.utime(base, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert counts(base, cache) == {"b": 1}


def test_kept_counts_for_other_bytes_are_not_used(tmp_path: Path) -> None:
    base, cache = tmp_path / ".ssot-baseline.json", tmp_path / "cache"
    _write(base, ["a"])
    counts(base, cache)
    _kept(cache, "UPDATE counts SET fp = 'forged'")
    _kept(cache, "UPDATE meta SET digest = ?, stamp = '[]'", "0" * 32)
    assert counts(base, cache) == {"a": 1}


@pytest.mark.parametrize("blob", [b"", b"not a database", b"cos\nsystem\n(S'true'\ntR.", b"SQLite format 3\x00torn"])
def test_a_damaged_or_crafted_kept_file_is_ignored(tmp_path: Path, blob: bytes) -> None:
    base, cache = tmp_path / ".ssot-baseline.json", tmp_path / "cache"
    _write(base, ["a"])
    cache.mkdir()
    (cache / COUNTS_FILE).write_bytes(blob)
    assert counts(base, cache) == {"a": 1}
    assert counts(base, cache) == {"a": 1}  # and it was written again, whole


def test_kept_counts_of_another_shape_are_ignored(tmp_path: Path) -> None:
    base, cache = tmp_path / ".ssot-baseline.json", tmp_path / "cache"
    _write(base, ["a"])
    cache.mkdir()
    with sqlite3.connect(cache / COUNTS_FILE) as db:
        db.execute("CREATE TABLE meta (version)")
        db.execute("INSERT INTO meta VALUES (2)")
    db.close()
    assert counts(base, cache) == {"a": 1}


def test_a_broken_baseline_is_still_an_error_naming_the_file(tmp_path: Path) -> None:
    base = tmp_path / ".ssot-baseline.json"
    base.write_bytes(b"\xff\xfe not json")
    with pytest.raises(SsotError, match=r"\.ssot-baseline\.json: not a valid ssot baseline"):
        load_baseline(base, tmp_path / "cache")
    assert load_baseline(tmp_path / "absent.json", tmp_path / "cache") is None


def test_the_counts_of_a_baseline_just_written_are_kept(tmp_path: Path) -> None:
    base, cache = tmp_path / ".ssot-baseline.json", tmp_path / "cache"
    entries = [Accepted("family-member", "t/a.py", "k", fp) for fp in ("a", "b", "b")]
    data = baseline_text(entries).encode()
    base.write_bytes(data)
    remember_written(base, data, entries, cache)
    _kept(cache, "UPDATE counts SET n = n + 10")  # told apart from what parsing the file gives
    assert counts(base, cache) == {"a": 11, "b": 12}
    base.write_bytes(data.replace(b'"b"', b'"c"'))  # changed by hand since
    assert counts(base, cache) == {"a": 1, "c": 2}
