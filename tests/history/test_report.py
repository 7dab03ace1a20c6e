"""``ssot report`` and recording: trends in text and JSON, --since, history off, unwritable history."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from ssot.cli import main
from ssot.config import load
from ssot.history.record import git_head, record_run
from ssot.history.store import Figure, HistoryStore
from ssot.history.trends import trends


def _project(tmp_path: Path, table: str = "") -> Path:
    (tmp_path / "pyproject.toml").write_text(f"[tool.ssot]\n{table}", encoding="utf-8")
    return tmp_path


def test_trends_first_previous_now(tmp_path: Path) -> None:
    with HistoryStore(tmp_path / "h.db") as store:
        for value in (330, 200, 3):
            store.record("collect", [Figure("warnings", value), Figure("warnings", value - 1, "cause:x")])
        series = trends(store.runs())
    project = next(t for t in series if t.scope == "")
    assert (project.first, project.previous, project.now) == (330, 200, 3)
    assert [t.scope for t in series] == ["", "cause:x"]  # project-wide first


def test_record_run_and_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _project(tmp_path)
    config = load(root)
    for value in (330, 3):
        assert record_run(config, "collect", [Figure("warnings", value), Figure("tests_collected", 3420)]) is not None
    assert (root / ".ssot" / ".gitignore").read_text().endswith("\n*\n")
    assert main(["report", "--root", str(root)]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("collection warnings"))
    assert line.split()[2:] == ["330", "330", "3", "-327", "(-99%)"]
    assert main(["report", "--root", str(root), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["schema"] == "ssot.report/1" and len(doc["runs"]) == 2
    warnings = next(f for f in doc["figures"] if f["name"] == "warnings")
    assert [p["value"] for p in warnings["points"]] == [330, 3]


def test_since_date_and_git_ref(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _project(tmp_path)
    config = load(root)
    record_run(config, "scan", [Figure("families", 5)])
    assert main(["report", "--root", str(root), "--since", "2999-01-01", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["runs"] == []
    assert main(["report", "--root", str(root), "--since", "no-such-ref"]) == 2
    assert "not a date (YYYY-MM-DD) nor a git ref" in capsys.readouterr().err
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "x"],
                   cwd=root, check=True)
    commit, branch = git_head(root)
    assert commit and len(commit) == 40 and branch
    record_run(config, "scan", [Figure("families", 2)])
    assert main(["report", "--root", str(root), "--since", "HEAD", "--format", "json"]) == 0
    runs = json.loads(capsys.readouterr().out)["runs"]
    assert [r["commit"] for r in runs] == [commit]


def test_history_off(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _project(tmp_path, "history = false\n")
    assert record_run(load(root), "scan", [Figure("families", 1)]) is None
    assert not (root / ".ssot").exists()
    assert main(["report", "--root", str(root)]) == 2
    assert "history = false" in capsys.readouterr().err


def test_bad_history_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _project(tmp_path, "history = 3\n")
    assert main(["report", "--root", str(root)]) == 2
    assert "'tool.ssot.history' must be a path such as '.ssot/history.db', or false" in capsys.readouterr().err


def test_unwritable_history_warns_and_goes_on(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _project(tmp_path, 'history = "blocker/history.db"\n')
    (root / "blocker").write_text("a file where the folder should be", encoding="utf-8")
    assert record_run(load(root), "scan", [Figure("families", 1)]) is None
    err = capsys.readouterr().err
    assert "warning: history not recorded" in err and "blocker/history.db" in err


def test_empty_history_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _project(tmp_path)
    assert main(["report", "--root", str(root)]) == 0
    assert "No runs recorded" in capsys.readouterr().out


def test_verbose_never_cuts_a_number(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _project(tmp_path)
    scope = "cause:" + "a very long warning message template " * 6
    for value in (330, 3):
        record_run(load(root), "collect", [Figure("warnings", value, scope)])
    assert main(["report", "--root", str(root), "-v"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if scope.strip() in x)
    assert line.split()[-5:] == ["330", "330", "3", "-327", "(-99%)"]


def test_git_head_outside_git_asks_no_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every recorded run asks for the commit: outside a work tree that costs no git process."""
    from ssot.history import record

    def no_git(*args: object, **kwargs: object) -> None:
        raise AssertionError("git was run")

    monkeypatch.delenv("GIT_DIR", raising=False)
    monkeypatch.setattr(record.subprocess, "run", no_git)
    assert git_head(tmp_path) == (None, None)
    (tmp_path / ".git").mkdir()  # a work tree (or what looks like one): git is asked
    with pytest.raises(AssertionError, match="git was run"):
        git_head(tmp_path / "sub")
