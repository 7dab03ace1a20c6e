"""``ssot rollback`` and ``ssot runs`` through the CLI: exit codes, messages, JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ssot.cli import main
from ssot.migrate.journal import Journal

from .killharness import snapshot


def run_two_batches(root: Path, *, finish: bool = True) -> Journal:
    journal = Journal.begin(root, "migrate", meta={"families": ["Helper"]})
    journal.begin_batch(1, "fixtures", ["tests/test_a.py"])
    journal.write("tests/test_a.py", b"a1\n")
    journal.write("tests/canon.py", b"canon\n")
    journal.end_batch(1, "ok")
    journal.begin_batch(2, "classes", ["tests/test_b.py"])
    journal.write("tests/test_b.py", b"b2\n")
    journal.end_batch(2, "ok")
    if finish:
        journal.finish("complete")
    return journal


@pytest.fixture
def in_tree(tree: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tree)
    return tree


def test_rollback_restores_and_exits_0(in_tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(in_tree)
    journal = run_two_batches(in_tree)
    assert main(["rollback"]) == 0
    out = capsys.readouterr().out
    assert f"rolled back run {journal.run_id}" in out
    assert "restore  tests/test_a.py" in out and "delete   tests/canon.py" in out
    assert snapshot(in_tree) == before
    assert main(["rollback"]) == 0
    assert "nothing to roll back" in capsys.readouterr().out


def test_refusal_names_the_file_and_exits_1(in_tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_two_batches(in_tree)
    (in_tree / "tests/test_b.py").write_bytes(b"hand edit\n")
    assert main(["rollback"]) == 1
    err = capsys.readouterr().err
    assert "tests/test_b.py: edited after the migration" in err and "--force" in err
    assert (in_tree / "tests/test_b.py").read_bytes() == b"hand edit\n"
    assert main(["rollback", "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["refused"] is True and doc["conflicts"] == [
        {"path": "tests/test_b.py", "reason": "edited after the migration"}]
    assert main(["rollback", "--force"]) == 0
    assert (in_tree / "tests/test_b.py").read_bytes() == b"class B:\n    pass\n"


def test_usage_errors_exit_2(in_tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    journal = run_two_batches(in_tree)
    assert main(["rollback", "nosuchrun"]) == 2
    assert "no run 'nosuchrun'" in capsys.readouterr().err
    assert main(["rollback", "--batch", "9"]) == 2
    assert "no batch 9" in capsys.readouterr().err
    assert main(["rollback", journal.run_id, "--file", "tests/pkg/test_c.py"]) == 2
    assert "not changed by run" in capsys.readouterr().err
    assert main(["runs", "--root", str(in_tree / "missing")]) == 2


def test_batch_and_file_options(in_tree: Path, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    journal = run_two_batches(in_tree)
    assert main(["rollback", "--batch", "2", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["schema"] == "ssot.rollback/1" and doc["scope"] == "batch"
    assert doc["restored"] == ["tests/test_b.py"]
    monkeypatch.chdir(in_tree / "tests")  # --file is relative to the current folder
    assert main(["rollback", journal.run_id, "--file", "canon.py", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["deleted"] == ["tests/canon.py"]
    assert (in_tree / "tests/test_a.py").read_bytes() == b"a1\n"
    monkeypatch.chdir(in_tree.parent)  # from outside, with --root: relative to the root
    assert main(["rollback", "--root", str(in_tree), "--file", "tests/test_a.py", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["restored"] == ["tests/test_a.py"]
    assert (in_tree / "tests/test_a.py").read_bytes() == b"class A:\n    pass\n"


def test_runs_lists_states(in_tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = run_two_batches(in_tree)
    main(["rollback"])
    second = run_two_batches(in_tree, finish=False)
    second._lock.release()  # the process died
    capsys.readouterr()
    assert main(["runs"]) == 0
    captured = capsys.readouterr()
    assert "was interrupted" in captured.err  # the warning every command prints
    lines = {line.split()[0]: line for line in captured.out.splitlines()[1:]}
    assert "rolled back" in lines[first.run_id] and "interrupted" in lines[second.run_id]
    assert main(["runs", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["schema"] == "ssot.runs/1"
    assert [(r["id"], r["state"]) for r in doc["runs"]] == [(first.run_id, "rolled back"),
                                                           (second.run_id, "interrupted")]
    assert doc["runs"][1]["changed"] == ["tests/test_a.py", "tests/canon.py", "tests/test_b.py"]
    assert main(["runs", second.run_id]) == 0
    detail = capsys.readouterr().out
    assert "fixtures" in detail and "changed   tests/test_b.py" in detail and "ssot rollback" in detail


def test_runs_dismiss(in_tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    journal = run_two_batches(in_tree, finish=False)
    journal._lock.release()
    assert main(["runs", "--dismiss"]) == 2
    assert main(["runs", journal.run_id, "--dismiss"]) == 0
    capsys.readouterr()
    assert main(["runs"]) == 0
    captured = capsys.readouterr()
    assert "dismissed" in captured.out and captured.err == ""


def test_no_runs(in_tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["runs"]) == 0
    assert "no runs" in capsys.readouterr().out
    assert main(["rollback"]) == 0
    assert not (in_tree / ".ssot").exists()  # looking creates nothing


def test_commands_find_the_root_from_a_subfolder(in_tree: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    journal = run_two_batches(in_tree)
    monkeypatch.chdir(in_tree / "tests" / "pkg")
    assert main(["runs", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["runs"][0]["id"] == journal.run_id
