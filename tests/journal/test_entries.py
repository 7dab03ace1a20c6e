"""The typed log entries: each kind round-trips, a bad line is refused naming the log and the line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ssot.migrate.journal import JournalError, list_runs, rollback
from ssot.migrate.journal.entries import (
    KINDS,
    AbandonEntry,
    BatchEntry,
    DeleteEntry,
    DoneEntry,
    EndBatchEntry,
    FinishEntry,
    MkdirEntry,
    RecordEntry,
    RestoreEntry,
    RestoringEntry,
    WriteEntry,
    parse_entry,
    to_json,
)
from ssot.migrate.journal.layout import LOG
from ssot.migrate.journal.log import read_log

from .conftest import sha

ONE_OF_EACH = [
    RecordEntry("tests/a.py", 1, "ab" * 32, 0o644),
    RecordEntry("tests/new.py", None, None, None),
    WriteEntry("tests/a.py", 1, "cd" * 32, "tests/.ssot-tmp-x-3"),
    DeleteEntry("tests/b.py", 2),
    DoneEntry("tests/a.py", "cd" * 32),
    DoneEntry("tests/b.py", None),
    MkdirEntry("tests/canon", 1),
    AbandonEntry("tests/a.py", 1, 3, None),
    RestoringEntry("tests/a.py", "tests/.ssot-tmp-x-r1"),
    RestoreEntry("tests/a.py", 0, True),
    BatchEntry(1, "fixtures", ("tests/a.py", "tests/b.py"), "2026-01-01T00:00:00.000+00:00"),
    EndBatchEntry(1, "rolled_back", "2026-01-01T00:00:01.000+00:00"),
    FinishEntry("complete", "2026-01-01T00:00:02.000+00:00"),
]


def test_every_kind_round_trips_through_json() -> None:
    assert {type(e) for e in ONE_OF_EACH} == set(KINDS.values())
    for n, entry in enumerate(ONE_OF_EACH, 1):
        line = json.loads(json.dumps(to_json(entry)))
        assert line["op"] == entry.op
        assert parse_entry(line, Path("journal.jsonl"), n) == entry


def test_the_keys_written_are_the_documented_ones() -> None:
    assert to_json(WriteEntry("p", None, "s", "t")) == {"op": "write", "path": "p", "batch": None,
                                                         "sha256": "s", "tmp": "t"}
    assert to_json(BatchEntry(2, "l", ("a",), "at")) == {"op": "batch", "number": 2, "label": "l",
                                                          "files": ["a"], "at": "at"}


def test_optional_fields_an_older_writer_left_out_read_as_before() -> None:
    where = Path("j")
    assert parse_entry({"op": "record", "path": "a"}, where, 1) == RecordEntry("a", None, None, None)
    assert parse_entry({"op": "batch", "number": 1}, where, 1) == BatchEntry(1, "", (), None)
    assert parse_entry({"op": "restore", "path": "a", "to": 0}, where, 1) == RestoreEntry("a", 0, False)


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ({"op": "rename", "path": "a"}, "unknown entry 'rename'"),
        ({"op": "record"}, "without its 'path'"),
        ({"op": "record", "path": 3}, "path=3 (wrong type)"),
        ({"op": "restore", "path": "a", "to": True}, "to=True (wrong type)"),
        ({"op": "batch", "number": 1, "files": ["a", 2]}, "files=['a', 2] (wrong type)"),
        ({"op": "finish", "status": "done"}, "status 'done'"),
    ],
)
def test_a_bad_entry_is_refused_naming_the_log_and_line(line: dict, says: str) -> None:
    with pytest.raises(JournalError) as info:
        parse_entry(line, Path("/p/.ssot/runs/r/journal.jsonl"), 7)
    assert str(info.value).startswith("/p/.ssot/runs/r/journal.jsonl line 7: ")
    assert says in str(info.value)


def test_an_unknown_line_in_a_real_log_stops_rollback_with_the_message(tree: Path) -> None:
    from ssot.migrate.journal import Journal

    journal = Journal.begin(tree, "migrate")
    journal.write("tests/test_a.py", b"new\n")
    journal.finish("complete")
    log = journal.run_dir / LOG
    with open(log, "ab") as fh:
        fh.write(b'{"op":"teleport","path":"tests/test_a.py"}\n')
    with pytest.raises(JournalError, match=r"journal.jsonl line \d+: unknown entry 'teleport'"):
        rollback(tree)
    assert (tree / "tests/test_a.py").read_bytes() == b"new\n"  # nothing was restored


def test_a_log_written_by_hand_in_the_documented_format_rolls_back(tree: Path) -> None:
    """The on-disk format is unchanged: a log written line by line as docs/journal.md shows
    (format 1: no "abandon", some optional keys left out) is read and rolled back."""
    from ssot.migrate.journal import Journal

    original = (tree / "tests/test_a.py").read_bytes()
    journal = Journal.begin(tree, "migrate")  # a real run folder, header and blob store
    journal.record("tests/test_a.py")
    journal.finish("complete")
    log = journal.run_dir / LOG
    lines = [
        {"op": "record", "path": "tests/test_a.py", "batch": None, "sha256": sha(original), "mode": 0o644},
        {"op": "write", "path": "tests/test_a.py", "sha256": sha(b"changed\n"), "tmp": "tests/.ssot-tmp-9"},
        {"op": "done", "path": "tests/test_a.py", "sha256": sha(b"changed\n")},
        {"op": "finish", "status": "complete", "at": "2026-01-01T00:00:00.000+00:00"},
    ]
    log.write_bytes(b"".join(json.dumps(line).encode() + b"\n" for line in lines))
    (tree / "tests/test_a.py").write_bytes(b"changed\n")
    assert [type(e) for e in read_log(log)] == [RecordEntry, WriteEntry, DoneEntry, FinishEntry]
    assert list_runs(tree)[0].changed == ["tests/test_a.py"]
    result = rollback(tree)
    assert result.restored == ["tests/test_a.py"]
    assert (tree / "tests/test_a.py").read_bytes() == original
