"""Journal: what it records, how it writes, what it refuses."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from ssot.errors import SsotError
from ssot.migrate.journal import (
    ABSENT,
    FileChangedError,
    InterruptedRunError,
    Journal,
    RunInProgressError,
    UnsafeFileError,
    UnsafePathError,
    list_runs,
)
from ssot.migrate.journal.layout import BLOBS, LOG

from .conftest import log_lines, sha


def entries(journal: Journal) -> list[dict]:
    return log_lines(journal.run_dir / LOG)


def test_begin_creates_run_state_ignored_by_git(tree: Path) -> None:
    journal = Journal.begin(tree, "migrate", meta={"families": ["F1"]})
    assert (tree / ".ssot" / ".gitignore").read_text().splitlines()[-1] == "*"
    header = json.loads((journal.run_dir / "run.json").read_text())
    assert header["command"] == "migrate" and header["meta"] == {"families": ["F1"]}
    assert header["pid"] == os.getpid() and header["id"] == journal.run_id
    assert journal.run_dir.parent == tree / ".ssot" / "runs"
    [info] = list_runs(tree)
    assert info.id == journal.run_id and info.state == "running"
    journal.finish("complete")
    assert list_runs(tree)[0].state == "complete"


def test_run_ids_are_unique_and_sort_by_start(tree: Path) -> None:
    ids = []
    for _ in range(20):  # many within one millisecond on a fast disk
        journal = Journal.begin(tree, "migrate")
        ids.append(journal.run_id)
        journal.finish("complete")
    assert len(set(ids)) == 20
    assert ids == sorted(ids)
    assert [r.id for r in list_runs(tree)] == ids


def test_write_records_original_bytes_before_touching_the_file(tree: Path) -> None:
    original = (tree / "tests/test_a.py").read_bytes()
    journal = Journal.begin(tree, "migrate")
    journal.write("tests/test_a.py", b"new\n", expected_sha256=sha(original))
    ops = [(e["op"], e.get("path")) for e in entries(journal)]
    assert ops == [("record", "tests/test_a.py"), ("write", "tests/test_a.py"), ("done", "tests/test_a.py")]
    record = entries(journal)[0]
    assert record["sha256"] == sha(original)
    assert (journal.run_dir / BLOBS / sha(original)).read_bytes() == original
    assert entries(journal)[2]["sha256"] == sha(b"new\n")
    assert (tree / "tests/test_a.py").read_bytes() == b"new\n"
    journal.finish("complete")


def test_write_keeps_the_mode_and_leaves_no_temporary_file(tree: Path) -> None:
    journal = Journal.begin(tree, "migrate")
    journal.write("tests/test_b.py", b"changed\n")
    journal.finish("complete")
    assert stat.S_IMODE((tree / "tests/test_b.py").stat().st_mode) == 0o755
    assert sorted(p.name for p in (tree / "tests").iterdir()) == ["pkg", "test_a.py", "test_b.py"]


def test_record_is_idempotent_within_a_batch_and_repeated_per_batch(tree: Path) -> None:
    journal = Journal.begin(tree, "migrate")
    journal.begin_batch(1, "one", ["tests/test_a.py"])
    journal.record("tests/test_a.py")
    journal.write("tests/test_a.py", b"v1\n")
    journal.write("tests/test_a.py", b"v2\n")
    journal.end_batch(1, "ok")
    journal.begin_batch(2, "two", ["tests/test_a.py"])
    journal.write("tests/test_a.py", b"v3\n")
    journal.end_batch(2, "ok")
    journal.finish("complete")
    records = [e for e in entries(journal) if e["op"] == "record"]
    original = sha(b"class A:\n    pass\n")
    assert [(r["batch"], r["sha256"]) for r in records] == [(1, original), (2, sha(b"v2\n"))]


def test_new_file_is_recorded_absent_and_its_folders_announced(tree: Path) -> None:
    journal = Journal.begin(tree, "migrate")
    journal.write("tests/canon/sub/helpers.py", b"x = 1\n", expected_sha256=ABSENT)
    journal.finish("complete")
    log = entries(journal)
    assert log[0] == {"op": "record", "path": "tests/canon/sub/helpers.py", "batch": None, "sha256": None,
                      "mode": None}
    assert [e["path"] for e in log if e["op"] == "mkdir"] == ["tests/canon", "tests/canon/sub"]
    assert (tree / "tests/canon/sub/helpers.py").read_bytes() == b"x = 1\n"


def test_delete_keeps_the_bytes_for_rollback(tree: Path) -> None:
    data = (tree / "tests/test_b.py").read_bytes()
    journal = Journal.begin(tree, "migrate")
    journal.delete("tests/test_b.py", expected_sha256=sha(data))
    journal.delete("tests/never_there.py")  # nothing to do
    journal.finish("complete")
    assert not (tree / "tests/test_b.py").exists()
    assert (journal.run_dir / BLOBS / sha(data)).read_bytes() == data
    assert [e["op"] for e in entries(journal)][:3] == ["record", "delete", "done"]
    assert not any(e.get("path") == "tests/never_there.py" for e in entries(journal))


def test_file_changed_since_the_plan_is_never_overwritten(tree: Path) -> None:
    journal = Journal.begin(tree, "migrate")
    with pytest.raises(FileChangedError) as info:
        journal.write("tests/test_a.py", b"new\n", expected_sha256=sha(b"what the plan saw\n"))
    assert "tests/test_a.py" in str(info.value) and "ssot plan" in str(info.value)
    with pytest.raises(FileChangedError, match="exists now"):
        journal.write("tests/test_a.py", b"new\n", expected_sha256=ABSENT)
    with pytest.raises(FileChangedError, match="deleted"):
        journal.write("tests/gone.py", b"new\n", expected_sha256=sha(b"x"))
    with pytest.raises(FileChangedError):
        journal.delete("tests/test_b.py", expected_sha256=sha(b"other"))
    journal.finish("failed")
    assert (tree / "tests/test_a.py").read_bytes() == b"class A:\n    pass\n"
    assert (tree / "tests/test_b.py").exists()
    assert entries(journal) == [e for e in entries(journal) if e["op"] == "finish"]


def test_unchanged_content_is_not_journaled(tree: Path) -> None:
    journal = Journal.begin(tree, "migrate")
    journal.write("tests/test_a.py", (tree / "tests/test_a.py").read_bytes())
    journal.finish("complete")
    assert [e["op"] for e in entries(journal)] == ["finish"]


@pytest.mark.parametrize("bad", ["../outside.py", "tests/../../x.py", ".ssot/runs/x", "", "."])
def test_paths_outside_the_root_or_into_the_state_folder_are_refused(tree: Path, bad: str) -> None:
    journal = Journal.begin(tree, "migrate")
    with pytest.raises(UnsafePathError):
        journal.write(bad, b"x")
    journal.finish("failed")


def test_absolute_paths_inside_the_root_are_accepted(tree: Path) -> None:
    journal = Journal.begin(tree, "migrate")
    journal.write(str(tree / "tests/test_a.py"), b"abs\n")
    journal.finish("complete")
    assert list_runs(tree)[0].files == ["tests/test_a.py"]
    with pytest.raises(UnsafePathError, match="outside"):
        Journal.begin(tree, "migrate").write(str(tree.parent / "elsewhere.py"), b"x")


def test_symlinks_are_never_written_through(tree: Path) -> None:
    (tree / "tests/link.py").symlink_to("test_a.py")
    journal = Journal.begin(tree, "migrate")
    with pytest.raises(UnsafeFileError, match="symbolic link"):
        journal.write("tests/link.py", b"x")
    journal.finish("failed")
    assert (tree / "tests/test_a.py").read_bytes() == b"class A:\n    pass\n"


def test_one_live_run_at_a_time(tree: Path) -> None:
    journal = Journal.begin(tree, "migrate")
    with pytest.raises(RunInProgressError, match=journal.run_id):
        Journal.begin(tree, "migrate")
    journal.finish("complete")
    Journal.begin(tree, "migrate").finish("complete")


def test_interrupted_run_with_changes_blocks_a_new_run(tree: Path) -> None:
    journal = Journal.begin(tree, "migrate")
    journal.write("tests/test_a.py", b"half\n")
    journal._lock.release()  # as if the process had died: the kernel drops its lock
    with pytest.raises(InterruptedRunError, match="ssot rollback"):
        Journal.begin(tree, "migrate")
    assert list_runs(tree)[0].state == "interrupted"
    Journal.begin(tree, "migrate", allow_interrupted=True).finish("complete")


def test_context_manager_finishes_the_run(tree: Path) -> None:
    with Journal.begin(tree, "migrate") as journal:
        journal.write("tests/test_a.py", b"ok\n")
    assert journal.status == "complete"
    with pytest.raises(RuntimeError), Journal.begin(tree, "migrate") as failing:
        raise RuntimeError("boom")
    assert failing.status == "failed"
    assert [r.state for r in list_runs(tree)] == ["complete", "failed"]
    with pytest.raises(ValueError, match="finished"):
        journal.write("tests/test_a.py", b"late\n")


def test_batches_must_be_opened_and_closed_in_order(tree: Path) -> None:
    journal = Journal.begin(tree, "migrate")
    journal.begin_batch(1, "one", [])
    with pytest.raises(ValueError, match="still open"):
        journal.begin_batch(2, "two", [])
    with pytest.raises(ValueError, match="status"):
        journal.end_batch(1, "great")
    journal.end_batch(1, "ok")
    with pytest.raises(ValueError, match="already used"):
        journal.begin_batch(1, "again", [])
    journal.begin_batch(2, "two", [])
    journal.finish("failed")  # closes the open batch as failed
    [info] = list_runs(tree)
    assert [(b.number, b.status) for b in info.batches] == [(1, "ok"), (2, "failed")]


def test_os_failures_are_clear_errors_naming_the_file(tree: Path) -> None:
    journal = Journal.begin(tree, "migrate")
    long_name = "tests/" + "x" * 300 + ".py"  # ENAMETOOLONG, even for root
    with pytest.raises(SsotError, match="cannot read tests/xxx"):
        journal.write(long_name, b"x")
    (tree / "tests/blocker").write_bytes(b"a file where a folder should be")
    with pytest.raises(SsotError, match="tests/blocker is not a folder"):
        journal.write("tests/blocker/new.py", b"x")
    journal.finish("failed")
    expected = {"tests/test_a.py", "tests/test_b.py", "tests/pkg/test_c.py", "tests/blocker"}
    assert snapshot_files(tree) == expected


def snapshot_files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and ".ssot" not in p.parts}
