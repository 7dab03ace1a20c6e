"""gitutil: work-tree detection, dirty files, one commit per batch."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ssot.migrate.gitutil import GitError, commit, dirty_files, is_git_repo

from .killharness import git

pytestmark = pytest.mark.skipif(not shutil.which("git"), reason="needs git")


@pytest.fixture
def repo(tree: Path) -> Path:
    git(tree, "init", "-q")
    git(tree, "config", "user.name", "t")
    git(tree, "config", "user.email", "t@example.com")
    git(tree, "add", "-A")
    git(tree, "commit", "-q", "-m", "base")
    return tree


def test_is_git_repo(repo: Path, tmp_path: Path) -> None:
    assert is_git_repo(repo)
    assert is_git_repo(repo / "tests")
    outside = tmp_path / "plain"
    outside.mkdir()
    assert not is_git_repo(outside)


def test_dirty_files(repo: Path) -> None:
    files = ["tests/test_a.py", "tests/test_b.py", "tests/pkg/test_c.py", "tests/new.py"]
    assert dirty_files(repo, files) == []
    (repo / "tests/test_a.py").write_bytes(b"changed\n")
    (repo / "tests/new.py").write_bytes(b"untracked\n")
    git(repo, "rm", "-q", "--cached", "tests/pkg/test_c.py")  # staged deletion
    assert dirty_files(repo, files) == ["tests/test_a.py", "tests/pkg/test_c.py", "tests/new.py"]
    assert dirty_files(repo, ["tests/test_b.py"]) == []
    assert dirty_files(repo, []) == []


def test_dirty_files_from_a_subfolder_root_and_renames(repo: Path) -> None:
    sub = repo / "tests"
    git(repo, "mv", "tests/test_b.py", "tests/test_b2.py")
    (sub / "test_a.py").write_bytes(b"changed\n")
    assert dirty_files(sub, ["test_a.py", "test_b.py", "test_b2.py", "pkg/test_c.py"]) == [
        "test_a.py", "test_b.py", "test_b2.py"]


def test_dirty_files_ignores_ignored_files(repo: Path) -> None:
    (repo / ".gitignore").write_text("*.log\n")
    (repo / "tests/run.log").write_text("x")
    assert dirty_files(repo, ["tests/run.log"]) == []


def test_commit_takes_exactly_the_given_files(repo: Path) -> None:
    (repo / "tests/test_a.py").write_bytes(b"batch\n")
    (repo / "tests/canon.py").write_bytes(b"canon\n")
    (repo / "tests/test_b.py").unlink()
    (repo / "tests/pkg/test_c.py").write_bytes(b"someone else's staged work\n")
    git(repo, "add", "tests/pkg/test_c.py")
    sha = commit(repo, ["tests/test_a.py", "tests/canon.py", "tests/test_b.py"], "ssot: batch 1")
    assert sha == git(repo, "rev-parse", "HEAD").strip()
    assert git(repo, "log", "-1", "--format=%s").strip() == "ssot: batch 1"
    changed = git(repo, "show", "--name-status", "--format=", "HEAD").split("\n")
    assert sorted(filter(None, changed)) == ["A\ttests/canon.py", "D\ttests/test_b.py", "M\ttests/test_a.py"]
    assert git(repo, "diff", "--cached", "--name-only").strip() == "tests/pkg/test_c.py"  # still staged
    assert commit(repo, ["tests/test_a.py"], "nothing") is None
    assert commit(repo, ["tests/never.py"], "nothing") is None


def test_commit_from_a_subfolder_root(repo: Path) -> None:
    (repo / "tests/test_a.py").write_bytes(b"batch\n")
    assert commit(repo / "tests", ["test_a.py"], "sub")
    assert git(repo, "show", "--name-only", "--format=", "HEAD").strip() == "tests/test_a.py"


def test_commit_failure_is_a_clear_error(repo: Path) -> None:
    hook = repo / ".git/hooks/pre-commit"
    hook.write_text("#!/bin/sh\necho 'lint failed' >&2\nexit 1\n")
    hook.chmod(0o755)
    (repo / "tests/test_a.py").write_bytes(b"batch\n")
    with pytest.raises(GitError, match="lint failed"):
        commit(repo, ["tests/test_a.py"], "blocked")


def test_state_folder_never_dirties_the_tree(repo: Path) -> None:
    from ssot.migrate.journal import Journal

    Journal.begin(repo, "migrate").finish("complete")
    assert git(repo, "status", "--porcelain", "--untracked-files=all") == ""
