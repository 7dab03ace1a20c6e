"""rollback(): byte-for-byte restores of a run, a batch or chosen files, and what it refuses."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from ssot.migrate.journal import (
    Journal,
    JournalError,
    RollbackRefused,
    RollbackUsageError,
    RunNotFoundError,
    default_run,
    dismiss,
    interrupted_runs,
    list_runs,
    rollback,
    warn_if_interrupted,
)
from ssot.migrate.journal.entries import RestoreEntry, WriteEntry
from ssot.migrate.journal.layout import LOG
from ssot.migrate.journal.log import LogWriter, read_log

from .conftest import log_lines
from .killharness import snapshot


def migrate(root: Path, *, finish: str | None = "complete") -> Journal:
    """Two batches: batch 1 rewrites a and creates a module, batch 2 rewrites a again, deletes b."""
    journal = Journal.begin(root, "migrate")
    journal.begin_batch(1, "one", ["tests/test_a.py"])
    journal.write("tests/test_a.py", b"a1\n")
    journal.write("tests/canon/helpers.py", b"canon\n")
    journal.write("tests/pkg/test_c.py", b"c1\n")
    journal.end_batch(1, "ok")
    journal.begin_batch(2, "two", ["tests/test_a.py", "tests/test_b.py"])
    journal.write("tests/test_a.py", b"a2\n")
    journal.delete("tests/test_b.py")
    journal.end_batch(2, "ok")
    if finish:
        journal.finish(finish)
    return journal


def die(journal: Journal) -> None:
    """What SIGKILL does to a run as far as the journal can tell: its lock is gone, no finish line."""
    journal._lock.release()
    journal._writer.close()


def test_whole_run_rollback_is_byte_identical(tree: Path) -> None:
    before = snapshot(tree)
    journal = migrate(tree)
    assert snapshot(tree) != before
    result = rollback(tree)
    assert result.run_id == journal.run_id and result.scope == "run"
    assert sorted(result.restored) == ["tests/pkg/test_c.py", "tests/test_a.py", "tests/test_b.py"]
    assert result.deleted == ["tests/canon/helpers.py"]
    assert result.removed_dirs == ["tests/canon"]
    assert snapshot(tree) == before
    assert stat.S_IMODE((tree / "tests/test_b.py").stat().st_mode) == 0o755
    assert result.state == "rolled back"
    assert list_runs(tree)[0].state == "rolled back"
    assert rollback(tree).scope == "none"  # nothing left to do


def test_batch_rollback_restores_the_state_before_that_batch(tree: Path) -> None:
    migrate(tree)
    result = rollback(tree, batch=2)
    assert sorted(result.restored) == ["tests/test_a.py", "tests/test_b.py"]
    assert (tree / "tests/test_a.py").read_bytes() == b"a1\n"  # batch 1's output, not the original
    assert (tree / "tests/test_b.py").read_bytes() == b"class B:\n    pass\n"
    assert (tree / "tests/canon/helpers.py").read_bytes() == b"canon\n"
    [info] = list_runs(tree)
    assert info.state == "partly rolled back"
    assert sorted(info.changed) == ["tests/canon/helpers.py", "tests/pkg/test_c.py", "tests/test_a.py"]


def test_batch_rollback_refuses_when_a_later_batch_changed_the_file(tree: Path) -> None:
    migrate(tree)
    with pytest.raises(RollbackRefused) as info:
        rollback(tree, batch=1)
    [conflict] = info.value.conflicts
    assert conflict.path == "tests/test_a.py" and "batch 2" in conflict.reason
    assert (tree / "tests/test_a.py").read_bytes() == b"a2\n"  # all or nothing: nothing restored
    assert (tree / "tests/canon/helpers.py").exists()


def test_in_process_batch_rollback(tree: Path) -> None:
    journal = migrate(tree, finish=None)
    assert sorted(journal.rollback_batch(2)) == ["tests/test_a.py", "tests/test_b.py"]
    assert (tree / "tests/test_a.py").read_bytes() == b"a1\n"
    journal.begin_batch(3, "three", ["tests/test_b.py"])
    journal.write("tests/test_b.py", b"b3\n")
    journal.end_batch(3, "ok")
    journal.finish("complete")
    before = b"class A:\n    pass\n"
    rollback(tree)
    assert (tree / "tests/test_a.py").read_bytes() == before
    assert (tree / "tests/test_b.py").read_bytes() == b"class B:\n    pass\n"


def test_selective_rollback_of_one_file_restores_that_file_alone(tree: Path) -> None:
    migrate(tree)
    result = rollback(tree, files=["tests/pkg/test_c.py"])
    assert result.scope == "files" and result.restored == ["tests/pkg/test_c.py"]
    assert (tree / "tests/pkg/test_c.py").read_bytes() == b"# -*- coding: latin-1 -*-\r\nx = '\xe9'\r\n"
    assert (tree / "tests/test_a.py").read_bytes() == b"a2\n"
    assert not (tree / "tests/test_b.py").exists()
    assert (tree / "tests/canon/helpers.py").exists()
    assert list_runs(tree)[0].state == "partly rolled back"


def test_selective_rollback_accepts_absolute_paths_and_rejects_files_not_in_the_run(tree: Path) -> None:
    migrate(tree)
    with pytest.raises(RollbackUsageError, match=r"tests/untouched\.py"):
        rollback(tree, files=["tests/untouched.py"])
    result = rollback(tree, files=[str(tree / "tests/canon/helpers.py")])
    assert result.deleted == ["tests/canon/helpers.py"] and result.removed_dirs == ["tests/canon"]


def test_file_edited_after_the_migration_is_refused_and_named_unless_forced(tree: Path) -> None:
    migrate(tree)
    (tree / "tests/test_a.py").write_bytes(b"my edit\n")
    with pytest.raises(RollbackRefused) as info:
        rollback(tree)
    assert info.value.exit_code == 1
    assert [c.path for c in info.value.conflicts] == ["tests/test_a.py"]
    assert "tests/test_a.py: edited after the migration" in str(info.value)
    assert (tree / "tests/test_a.py").read_bytes() == b"my edit\n"
    assert (tree / "tests/canon/helpers.py").exists()  # nothing restored
    with pytest.raises(RollbackRefused):
        rollback(tree, files=["tests/test_a.py"])
    rollback(tree, files=["tests/pkg/test_c.py"])  # the other files can still go back one by one
    result = rollback(tree, force=True)
    assert result.forced == ["tests/test_a.py"]
    assert (tree / "tests/test_a.py").read_bytes() == b"class A:\n    pass\n"


def test_deleting_a_file_the_run_created_counts_as_an_edit(tree: Path) -> None:
    migrate(tree)
    (tree / "tests/canon/helpers.py").unlink()
    (tree / "tests/test_b.py").write_bytes(b"recreated by hand\n")
    with pytest.raises(RollbackRefused) as info:
        rollback(tree)
    reasons = {c.path: c.reason for c in info.value.conflicts}
    # the created file being gone is what rollback wants: not a conflict
    assert reasons == {"tests/test_b.py": "edited after the migration"}


def test_rollback_of_an_older_run_names_the_later_run_in_the_way(tree: Path) -> None:
    first = migrate(tree)
    second = Journal.begin(tree, "migrate")
    second.write("tests/test_a.py", b"second\n")
    second.finish("complete")
    with pytest.raises(RollbackRefused, match=f"later run {second.run_id}"):
        rollback(tree, first.run_id)
    assert rollback(tree).run_id == second.run_id  # the default is the latest
    assert rollback(tree).run_id == first.run_id


def test_rollback_of_a_dead_run_then_no_more_warning(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(tree)
    journal = migrate(tree, finish=None)
    die(journal)
    [info] = interrupted_runs(tree)
    assert info.id == journal.run_id and info.pending
    warn_if_interrupted(tree)
    err = capsys.readouterr().err
    assert journal.run_id in err and "was interrupted" in err and "ssot rollback" in err
    result = rollback(tree)
    assert snapshot(tree) == before
    assert result.state == "rolled back"
    assert interrupted_runs(tree) == []
    warn_if_interrupted(tree)
    assert capsys.readouterr().err == ""


def test_default_run_prefers_the_interrupted_one(tree: Path) -> None:
    dead = Journal.begin(tree, "migrate")
    dead.write("tests/test_a.py", b"dead\n")
    die(dead)
    done = Journal.begin(tree, "migrate", allow_interrupted=True)
    done.write("tests/test_b.py", b"done\n")
    done.finish("complete")
    assert default_run(tree).id == dead.run_id
    assert rollback(tree).run_id == dead.run_id
    assert rollback(tree).run_id == done.run_id


def test_unknown_run_batch_or_prefix(tree: Path) -> None:
    journal = migrate(tree)
    with pytest.raises(RunNotFoundError):
        rollback(tree, "19990101")
    with pytest.raises(RollbackUsageError, match="no batch 7"):
        rollback(tree, batch=7)
    assert rollback(tree, journal.run_id[:12], dry_run=True).run_id == journal.run_id


def test_dry_run_changes_nothing(tree: Path) -> None:
    migrate(tree)
    after_migration = snapshot(tree)
    result = rollback(tree, dry_run=True)
    assert result.dry_run and sorted(result.restored) == ["tests/pkg/test_c.py", "tests/test_a.py",
                                                          "tests/test_b.py"]
    assert snapshot(tree) == after_migration


def test_a_running_run_cannot_be_rolled_back(tree: Path) -> None:
    journal = migrate(tree, finish=None)
    with pytest.raises(RollbackRefused, match="still running"):
        rollback(tree, journal.run_id)
    journal.finish("complete")


def test_dismissed_run_keeps_its_changes_and_stops_warnings(tree: Path) -> None:
    journal = migrate(tree, finish=None)
    die(journal)
    info = dismiss(tree, journal.run_id)
    assert info.state == "dismissed"
    assert interrupted_runs(tree) == []
    assert rollback(tree).scope == "none"
    assert (tree / "tests/test_a.py").read_bytes() == b"a2\n"
    Journal.begin(tree, "migrate").finish("complete")  # no longer blocks a new run


def test_torn_last_log_line_is_ignored_then_cut(tree: Path) -> None:
    before = snapshot(tree)
    journal = migrate(tree, finish=None)
    die(journal)
    log = journal.run_dir / LOG
    with open(log, "ab") as fh:
        fh.write(b'{"op":"record","path":"tests/te')  # the power went out mid-line
    assert len(read_log(log)) == sum(1 for _ in log.open("rb")) - 1
    assert list_runs(tree)[0].state == "interrupted"
    rollback(tree)
    assert snapshot(tree) == before
    assert log.read_bytes().endswith(b"\n")
    assert all(line.startswith(b"{") for line in log.read_bytes().splitlines())


def test_garbage_before_good_lines_is_damage_not_a_crash(tree: Path) -> None:
    journal = migrate(tree)
    log = journal.run_dir / LOG
    lines = log.read_bytes().splitlines(keepends=True)
    log.write_bytes(lines[0] + b"not json\n" + b"".join(lines[1:]))
    with pytest.raises(JournalError, match="damaged at line 2"):
        rollback(tree)


def test_temporary_files_of_a_killed_write_are_removed(tree: Path) -> None:
    before = snapshot(tree)
    journal = Journal.begin(tree, "migrate")
    journal.write("tests/test_a.py", b"a1\n")
    # what a kill between the temporary file and the rename leaves behind
    tmp = f"tests/.ssot-tmp-{journal.run_id}-9"
    journal._writer.append(WriteEntry("tests/test_b.py", None, "0" * 64, tmp))
    (tree / tmp).write_bytes(b"half")
    die(journal)
    result = rollback(tree)
    assert result.removed_tmps == [tmp]
    assert snapshot(tree) == before


def test_crash_in_the_middle_of_a_rollback_then_rollback_again(tree: Path) -> None:
    before = snapshot(tree)
    journal = migrate(tree)
    log = journal.run_dir / LOG
    # restore two files by hand and log only the first, as a rollback killed mid-way would
    (tree / "tests/test_a.py").write_bytes(b"class A:\n    pass\n")
    (tree / "tests/pkg/test_c.py").write_bytes(b"# -*- coding: latin-1 -*-\r\nx = '\xe9'\r\n")
    first_record = next(i for i, e in enumerate(log_lines(log)) if e["op"] == "record")
    writer = LogWriter(log)
    writer.append(RestoreEntry("tests/test_a.py", first_record, False))
    writer.close()
    result = rollback(tree)
    assert "tests/pkg/test_c.py" in result.unchanged
    assert snapshot(tree) == before


def test_git_status_stays_clean_with_run_state_in_the_tree(tree: Path) -> None:
    from .killharness import git, git_clean

    git(tree, "init", "-q")
    git(tree, "add", "-A")
    git(tree, "commit", "-q", "-m", "base")
    migrate(tree)
    assert (tree / ".ssot" / "runs").is_dir()
    assert not git_clean(tree)
    rollback(tree)
    assert git_clean(tree)
    assert os.listdir(tree / ".ssot" / "runs")


def test_rollback_repairs_a_gitignore_torn_by_a_kill(tree: Path) -> None:
    from .killharness import git, git_clean

    git(tree, "init", "-q")
    git(tree, "add", "-A")
    git(tree, "commit", "-q", "-m", "base")
    migrate(tree)
    (tree / ".ssot" / ".gitignore").write_bytes(b"")  # killed between create and write
    assert not git_clean(tree)
    rollback(tree)
    assert git_clean(tree)
