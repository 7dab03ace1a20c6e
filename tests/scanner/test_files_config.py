"""Which files a scan reads (.gitignore through git or pathspec, heavy folders, symlinks) and [tool.ssot]."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ssot import config
from ssot.errors import ConfigError
from ssot.files import _git_files, discover
from testkit import assert_no_traceback, run_cli, write_tree

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

TREE = {
    ".gitignore": "ignored/\n*.gen.py\n!tests/keep.gen.py\n",
    "tests/test_a.py": "x = 1\n",
    "tests/drop.gen.py": "x = 1\n",
    "tests/keep.gen.py": "x = 1\n",
    "tests/sub/.gitignore": "local_only.py\n",
    "tests/sub/local_only.py": "x = 1\n",
    "tests/sub/test_b.py": "x = 1\n",
    "ignored/test_c.py": "x = 1\n",
    "ignored/forced.py": "x = 1\n",
    "README.md": "not python\n",
}
KEPT = ["tests/keep.gen.py", "tests/sub/test_b.py", "tests/test_a.py"]

HEAVY = {
    "env1/pyvenv.cfg": "home = /usr/bin\n",  # a virtual environment, whatever its name
    "env1/lib/mod.py": "x = 1\n",
    "env1/bin/activate_this.py": "x = 1\n",
    ".venv/lib/mod.py": "x = 1\n",
    "venv/lib/mod.py": "x = 1\n",
    "node_modules/pkg/mod.py": "x = 1\n",
    "build/lib/mod.py": "x = 1\n",
    "dist/mod.py": "x = 1\n",
    "tests/__pycache__/mod.py": "x = 1\n",
    "pkg.egg-info/mod.py": "x = 1\n",
    ".tox/py311/mod.py": "x = 1\n",
    "src/pkg/mod.py": "x = 1\n",
    "tests/test_a.py": "x = 1\n",
}


def git_init(root: Path) -> None:
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)


@needs_git
def test_gitignore_through_git(tmp_path: Path) -> None:
    write_tree(tmp_path, TREE)
    git_init(tmp_path)
    subprocess.run(["git", "add", "-f", "ignored/forced.py"], cwd=tmp_path, check=True)
    assert _git_files(tmp_path) is not None
    files, missing = discover(tmp_path, ["."])
    # git's rules, nested .gitignore and negation included; a tracked file is never ignored
    assert files == sorted([*KEPT, "ignored/forced.py"])
    assert missing == []
    assert discover(tmp_path, ["tests"])[0] == KEPT


def test_gitignore_without_git(tmp_path: Path) -> None:
    write_tree(tmp_path, TREE)
    assert _git_files(tmp_path) is None, "the temporary folder must not be inside a git work tree"
    files, missing = discover(tmp_path, ["."])
    assert files == KEPT
    assert missing == []
    # a sub-folder scanned on its own honours the .gitignore files inside it and above it
    assert discover(tmp_path, ["tests/sub"])[0] == ["tests/sub/test_b.py"]
    assert discover(tmp_path, ["tests"])[0] == KEPT
    assert discover(tmp_path, ["ignored"])[0] == []


def test_a_pattern_of_a_gitignore_that_cannot_be_read_is_left_out_as_git_does(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "tests/data/.gitignore": "!\ngenerated_*.py\n",  # a lone "!" (black's test data has one)
        "tests/data/generated_a.py": "x = 1\n", "tests/data/kept.py": "y = 2\n", "tests/test_a.py": "z = 3\n",
    })
    assert discover(tmp_path, ["."])[0] == ["tests/data/kept.py", "tests/test_a.py"]  # the rest of it applies
    run = run_cli("scan", ".", "--exclude", "!", cwd=tmp_path)  # a pattern the user gives is an error
    assert_no_traceback(run)
    assert run.code == 2 and "invalid .gitignore-style pattern" in run.stderr


@pytest.mark.parametrize("use_git", [pytest.param(True, marks=needs_git), False])
def test_virtual_environments_and_build_folders_are_skipped(tmp_path: Path, use_git: bool) -> None:
    write_tree(tmp_path, HEAVY)
    if use_git:
        git_init(tmp_path)
    assert discover(tmp_path, ["."])[0] == ["src/pkg/mod.py", "tests/test_a.py"]


def test_exclude_globs_and_explicit_paths(tmp_path: Path) -> None:
    write_tree(tmp_path, {"tests/test_a.py": "x = 1\n", "tests/generated/test_g.py": "x = 1\n",
                          "tests/conftest.py": "x = 1\n"})
    files, missing = discover(tmp_path, ["tests", "nope", "tests/test_a.py"], exclude=["generated/"])
    assert files == ["tests/conftest.py", "tests/test_a.py"]
    assert missing == [("nope", "no such file or directory")]


@pytest.mark.parametrize("use_git", [pytest.param(True, marks=needs_git), False])
def test_directory_symlink_loop_does_not_hang(tmp_path: Path, use_git: bool) -> None:
    write_tree(tmp_path, {"pyproject.toml": "[tool.ssot]\n", "tests/test_a.py": "x = 1\n"})
    os.symlink("..", tmp_path / "tests" / "up")
    os.symlink(".", tmp_path / "tests" / "self")
    if use_git:
        git_init(tmp_path)
    assert discover(tmp_path, ["."])[0] == ["tests/test_a.py"]
    run = run_cli("scan", ".", "--format", "json", "--no-cache", cwd=tmp_path, timeout=60)
    assert_no_traceback(run)
    assert run.code == 0 and run.json()["stats"]["files"] == 1


# --- [tool.ssot] -------------------------------------------------------------


def test_dashed_aliases_and_values_are_loaded(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pyproject.toml": '[tool.ssot]\nmin-lines = 2\nexclude = ["gen/"]\njobs = 1\n'})
    (tmp_path / "sub").mkdir()
    cfg = config.load(tmp_path / "sub")  # the nearest pyproject.toml above
    assert (cfg.root, cfg.min_lines, cfg.exclude, cfg.jobs) == (tmp_path.resolve(), 2, ["gen/"], 1)


def test_unknown_key_names_the_key(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pyproject.toml": "[tool.ssot]\nmin_lnes = 3\n", "tests/test_a.py": "x = 1\n"})
    expected = r"unknown key 'tool\.ssot\.min_lnes' \(did you mean 'min_lines'\?\)"
    with pytest.raises(ConfigError, match=expected):
        config.load(tmp_path)
    run = run_cli("scan", ".", cwd=tmp_path)
    assert_no_traceback(run)
    assert run.code == 2
    assert run.stdout == ""
    assert "ssot scan: error:" in run.stderr and "'tool.ssot.min_lnes'" in run.stderr
    assert str(tmp_path / "pyproject.toml") in run.stderr


@pytest.mark.parametrize(("toml", "expected"), [
    ('min_lines = "4"', "'tool.ssot.min_lines' must be a positive integer, not '4'"),
    ("min_lines = true", "'tool.ssot.min_lines' must be a positive integer"),
    ("min-lines = 0", "'tool.ssot.min-lines' must be a positive integer, not 0"),
    ('exclude = "tests/gen"', "'tool.ssot.exclude' must be a list of strings"),
    ("jobs = -1", "'tool.ssot.jobs' must be a non-negative integer"),
    ("phases = { first = 1 }", "'tool.ssot.phases' must be a table of phase name"),
    ("collect_slowdown = 0.5", "'tool.ssot.collect_slowdown' must be a ratio"),
    ('backup_globs = ["backups/", "!"]', "'tool.ssot.backup_globs' holds '!', which is no .gitignore-style pattern"),
    ('phases = { first = ["tests/a/", "!"] }', "'tool.ssot.phases' holds '!'"),
])
def test_wrong_type_names_the_key_and_what_is_expected(tmp_path: Path, toml: str, expected: str) -> None:
    write_tree(tmp_path, {"pyproject.toml": f"[tool.ssot]\n{toml}\n", "tests/test_a.py": "x = 1\n"})
    with pytest.raises(ConfigError) as info:
        config.load(tmp_path)
    assert expected in str(info.value)
    run = run_cli("scan", ".", cwd=tmp_path)
    assert_no_traceback(run)
    assert (run.code, run.stdout) == (2, "")
    assert expected in run.stderr


@pytest.mark.parametrize(("toml", "expected"), [
    ("[tool.ssot\nmin_lines = 4\n", "not valid TOML"),
    ('tool = "x"\n', "'tool' must be a table"),
    ("[tool]\nssot = 3\n", "'tool.ssot' must be a table"),
])
def test_broken_pyproject_is_a_clear_usage_error(tmp_path: Path, toml: str, expected: str) -> None:
    write_tree(tmp_path, {"pyproject.toml": toml, "tests/test_a.py": "x = 1\n"})
    run = run_cli("scan", ".", cwd=tmp_path)
    assert_no_traceback(run)
    assert (run.code, run.stdout) == (2, "")
    assert expected in run.stderr and "pyproject.toml" in run.stderr


@pytest.mark.parametrize("files", [
    {"pyproject.toml": "[tool]\npytest = 3\n"},
    {"pyproject.toml": "[tool.pytest.ini_options]\npython_files = 3\n"},
    {"pytest.ini": '[pytest]\npython_files = test_*.py "unclosed\n'},
    {"setup.cfg": "[tool:pytest\nbroken\n"},
])
def test_odd_pytest_configuration_never_breaks_the_scan(tmp_path: Path, files: dict[str, str]) -> None:
    write_tree(tmp_path, {**files, "tests/test_a.py": "x = 1\n"})
    run = run_cli("scan", ".", "--format", "json", "--no-cache", cwd=tmp_path)
    assert_no_traceback(run)
    assert run.code == 0 and run.json()["stats"]["files"] == 1


@needs_git
def test_a_project_its_enclosing_repository_ignores_is_walked(tmp_path: Path) -> None:
    """A generated tree under an ignored folder of a repository: git lists none of it."""
    write_tree(tmp_path, {".gitignore": "generated/\n"})
    git_init(tmp_path)
    project = write_tree(tmp_path / "generated" / "proj", {**TREE, "pyproject.toml": "[tool.ssot]\n"})
    assert discover(project, ["."])[0] == KEPT
    run = run_cli("scan", ".", "--format", "json", "--no-cache", cwd=project)
    assert_no_traceback(run)
    assert run.json()["stats"]["files"] == len(KEPT)
