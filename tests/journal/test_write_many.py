"""Journal.write_many: a batch's files as one journaled group, with the guarantees of write()."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from ssot import fsio
from ssot.errors import SsotError
from ssot.migrate.journal import ABSENT, FileChangedError, FileWrite, Journal, list_runs, rollback
from ssot.migrate.journal import log as journal_log
from ssot.migrate.journal.layout import BLOBS, LOG

from .conftest import log_lines, sha


def ops(journal: Journal) -> list[tuple[str, str | None]]:
    return [(e["op"], e.get("path")) for e in log_lines(journal.run_dir / LOG)]


def originals(tree: Path) -> dict[str, bytes]:
    return {p.relative_to(tree).as_posix(): p.read_bytes() for p in sorted(tree.rglob("*"))
            if p.is_file() and ".ssot" not in p.parts}


def test_group_records_everything_then_announces_then_writes_then_confirms(tree: Path) -> None:
    before = originals(tree)
    journal = Journal.begin(tree, "migrate")
    journal.begin_batch(1, "one", ["tests/test_a.py", "tests/test_b.py", "tests/pkg/test_c.py"])
    changed = journal.write_many([
        FileWrite("tests/canon/sub/helpers.py", b"x = 1\n", ABSENT),
        FileWrite("tests/test_a.py", b"a2\n", sha(before["tests/test_a.py"])),
        ("tests/test_b.py", b"b2\n", sha(before["tests/test_b.py"])),
        ("tests/pkg/test_c.py", before["tests/pkg/test_c.py"], None),  # unchanged: not journaled
    ])
    journal.end_batch(1, "ok")
    journal.finish("complete")
    assert changed == ["tests/canon/sub/helpers.py", "tests/test_a.py", "tests/test_b.py"]
    assert ops(journal)[1:-2] == [
        ("record", "tests/canon/sub/helpers.py"), ("record", "tests/test_a.py"), ("record", "tests/test_b.py"),
        ("mkdir", "tests/canon"), ("mkdir", "tests/canon/sub"),
        ("write", "tests/canon/sub/helpers.py"), ("write", "tests/test_a.py"), ("write", "tests/test_b.py"),
        ("done", "tests/canon/sub/helpers.py"), ("done", "tests/test_a.py"), ("done", "tests/test_b.py"),
    ]
    for rel in ("tests/test_a.py", "tests/test_b.py"):
        assert (journal.run_dir / BLOBS / sha(before[rel])).read_bytes() == before[rel]
    assert (tree / "tests/test_a.py").read_bytes() == b"a2\n"
    assert stat.S_IMODE((tree / "tests/test_b.py").stat().st_mode) == 0o755  # mode kept
    assert not [p for p in tree.rglob(".ssot-tmp-*")]
    rollback(tree)
    assert originals(tree) == before and not (tree / "tests/canon").exists()


def test_a_changed_file_stops_the_group_before_anything_is_recorded(tree: Path) -> None:
    before = originals(tree)
    journal = Journal.begin(tree, "migrate")
    journal.begin_batch(1, "one", [])
    with pytest.raises(FileChangedError, match=r"tests/test_b\.py"):
        journal.write_many([("tests/test_a.py", b"a2\n", sha(before["tests/test_a.py"])),
                            ("tests/test_b.py", b"b2\n", sha(b"what the plan saw"))])
    journal.end_batch(1, "failed")
    journal.finish("failed")
    assert [op for op, _ in ops(journal)] == ["batch", "end_batch", "finish"]
    assert originals(tree) == before


def test_a_file_edited_during_the_group_is_left_alone_and_its_write_abandoned(tree: Path) -> None:
    before = originals(tree)
    journal = Journal.begin(tree, "migrate")
    journal.begin_batch(1, "one", ["tests/test_a.py", "tests/test_b.py"])
    hook = journal._hook

    def edit_b_meanwhile(point: str) -> None:  # someone saves test_b.py while test_a.py is written
        hook(point)
        if point == "tmp" and not (tree / "tests/test_b.py").read_bytes().startswith(b"# mine"):
            (tree / "tests/test_b.py").write_bytes(b"# mine\n")

    journal._hook = edit_b_meanwhile  # type: ignore[method-assign]
    with pytest.raises(FileChangedError, match=r"tests/test_b\.py"):
        journal.write_many([("tests/test_a.py", b"a2\n", None), ("tests/test_b.py", b"b2\n", None),
                            ("tests/pkg/test_c.py", b"c2\n", None)])
    assert (tree / "tests/test_b.py").read_bytes() == b"# mine\n"  # the edit survives
    assert (tree / "tests/test_a.py").read_bytes() == b"a2\n"
    assert (tree / "tests/pkg/test_c.py").read_bytes() == before["tests/pkg/test_c.py"]  # never reached
    assert ("abandon", "tests/test_b.py") in ops(journal)
    assert not [p for p in tree.rglob(".ssot-tmp-*")]
    # the batch rolls back without counting the edited file as a conflict, and keeps the edit
    restored = journal.rollback_batch(1)
    journal.end_batch(1, "rolled_back")
    journal.finish("failed")
    assert restored == ["tests/test_a.py"]
    assert (tree / "tests/test_a.py").read_bytes() == before["tests/test_a.py"]
    assert (tree / "tests/test_b.py").read_bytes() == b"# mine\n"
    assert "tests/test_b.py" not in list_runs(tree)[0].files


def test_far_fewer_fsyncs_than_file_by_file(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = {f"tests/many/test_{i:02d}.py": f"x = {i}\n".encode() for i in range(20)}
    for rel, data in files.items():
        (tree / rel).parent.mkdir(exist_ok=True)
        (tree / rel).write_bytes(data)
    calls = 0
    real = os.fsync

    def counting(fd: int) -> None:
        nonlocal calls
        calls += 1
        real(fd)

    for mod in (fsio, journal_log):
        monkeypatch.setattr(mod.os, "fsync", counting)

    def fsyncs(write: object) -> int:
        nonlocal calls
        journal = Journal.begin(tree, "migrate")
        journal.begin_batch(1, "one", list(files))
        calls = 0
        write(journal)  # type: ignore[operator]
        n = calls
        journal.end_batch(1, "ok")
        journal.finish("complete")
        rollback(tree)
        return n

    one_by_one = fsyncs(lambda j: [j.write(rel, data + b"# new\n") for rel, data in files.items()])
    grouped = fsyncs(lambda j: j.write_many([(rel, data + b"# new\n", sha(data)) for rel, data in files.items()]))
    n = len(files)
    assert one_by_one == 7 * n
    # a blob and a temporary file per file; blobs/, the folder and three log groups once
    assert grouped == 2 * n + 5


def test_a_path_given_twice_or_a_file_for_a_folder_is_refused_before_any_change(tree: Path) -> None:
    before = originals(tree)
    journal = Journal.begin(tree, "migrate")
    with pytest.raises(ValueError, match="twice"):
        journal.write_many([("tests/test_a.py", b"1\n", None), ("./tests/test_a.py", b"2\n", None)])
    (tree / "tests/blocker").write_bytes(b"a file")
    with pytest.raises(SsotError, match="tests/blocker is not a folder"):
        journal.write_many([("tests/test_a.py", b"1\n", None), ("tests/blocker/new.py", b"x\n", ABSENT)])
    journal.finish("failed")
    assert [op for op, _ in ops(journal)] == ["finish"]
    assert originals(tree) == {**before, "tests/blocker": b"a file"}
