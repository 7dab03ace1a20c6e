"""The acceptance run of ``ssot check`` and ``ssot validate`` on a git copy of the generated suite.

Migrate one family, accept the state as the baseline, then paste one copy of the
consolidated helper back into a test file and import a consolidated name from a
copy's old home in another: ``ssot check`` (whole tree, on the two files, and
through the real pre-commit hook) fails naming exactly those two, ``ssot
validate`` reports the compliance drop and the import; reverted, all pass.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from testkit import REPO, cli_env, corpus_script, git

from .conftest import ssot

FAMILY = "TestWebSocketConnection"
CANONICAL = "tests/ssot_canonical/web_socket_connection.py"  # the default home: a new package in the test tree
CANONICAL_MODULE = "tests.ssot_canonical.web_socket_connection"


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 30-file suite (seed 1, a git repository) with one family migrated and the baseline committed."""
    base = tmp_path_factory.mktemp("acceptance")
    suite = base / "suite"
    subprocess.run([sys.executable, str(corpus_script("make_suite.py")), str(suite), "--files", "30", "--seed", "1",
                    "--git", "--heavy-ms", "0"], check=True, capture_output=True)
    run = ssot("migrate", "--family", FAMILY, "--validate", "syntax", cwd=suite)
    assert run.code == 0, run.stdout + run.stderr
    assert (suite / CANONICAL).is_file()
    git(suite, "add", "-A")
    git(suite, "commit", "-qm", "migrate TestWebSocketConnection")
    assert ssot("check", "--update-baseline", cwd=suite).code == 0
    git(suite, "add", ".ssot-baseline.json")
    git(suite, "commit", "-qm", "ssot baseline")
    return suite


@pytest.fixture
def tree(migrated: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "suite"
    shutil.copytree(migrated, dest, symlinks=True)
    return dest


def original_copy(tree: Path) -> tuple[str, str]:
    """A test file the migration rewrote, and its copy of the helper as it was before (from git history)."""
    changed = git(tree, "diff", "--name-only", "HEAD~2", "HEAD~1", "--", "tests").split()
    for rel in changed:
        if not Path(rel).name.startswith("test_"):
            continue
        before = git(tree, "show", f"HEAD~2:{rel}")
        for node in ast.parse(before).body:
            if isinstance(node, ast.ClassDef) and node.name == FAMILY:
                lines = before.splitlines(keepends=True)
                return rel, "".join(lines[node.lineno - 1:node.end_lineno])
    raise AssertionError("no migrated test file held a copy")


def re_exporter(tree: Path) -> str:
    """A helper module (not a test file) that imports the consolidated name from the canonical module."""
    for path in sorted((tree / "tests").rglob("*.py")):
        text = path.read_text()
        if not path.name.startswith("test_") and f"from {CANONICAL_MODULE} import {FAMILY}\n" in text:
            return path.relative_to(tree).as_posix()
    raise AssertionError("no helper module re-exports the consolidated name")


def break_it(tree: Path) -> tuple[str, str]:
    """Paste a copy back into one test file, import from a copy's old home in another; return both."""
    source_file, copy = original_copy(tree)
    target = next(p.relative_to(tree).as_posix() for p in sorted((tree / "tests/unit").glob("test_*.py"))
                  if p.relative_to(tree).as_posix() != source_file)
    (tree / target).write_text((tree / target).read_text() + "\n\n" + copy)
    home = re_exporter(tree)
    importer = next(p.relative_to(tree).as_posix() for p in sorted((tree / "tests/e2e").glob("test_*.py"))
                    if p.relative_to(tree).as_posix() not in (target, source_file))
    module = home[:-3].replace("/", ".")
    (tree / importer).write_text(f"from {module} import {FAMILY}  # noqa\n" + (tree / importer).read_text())
    return target, importer


def found(run_stdout: str) -> set[tuple[str, str]]:
    return {(f["rule"], f["locations"][0]["path"]) for f in json.loads(run_stdout)["findings"]}


def validate(tree: Path) -> dict:
    run = ssot("validate", "--format", "json", cwd=tree)
    data = json.loads(run.stdout)
    data["exit"] = run.code
    return data


def family_score(data: dict) -> dict:
    (fam,) = [f for f in data["families"] if CANONICAL in f["canonical"]]
    return fam


def precommit(tree: Path, *files: str) -> subprocess.CompletedProcess[str]:
    """The hook of .pre-commit-hooks.yaml, run by the real pre-commit on ``files`` (no network: a local repo)."""
    pytest.importorskip("pre_commit", reason="pre-commit is not installed (pip install -e '.[test]')")
    import yaml  # pre-commit's own dependency
    from pre_commit.clientlib import load_manifest

    (hook,) = load_manifest(str(REPO / ".pre-commit-hooks.yaml"))
    assert hook["id"] == "ssot-check" and hook["entry"].split()[0] == "ssot"
    # the hook as published, run with this checkout's ssot instead of an environment pre-commit would build
    local = {k: hook[k] for k in ("id", "name", "types", "require_serial", "pass_filenames")}
    local.update(language="system", entry=f"{sys.executable} -m ssot {' '.join(hook['entry'].split()[1:])}")
    (tree / ".pre-commit-config.yaml").write_text(yaml.safe_dump({"repos": [{"repo": "local", "hooks": [local]}]}))
    env = cli_env(PRE_COMMIT_HOME=str(tree.parent / "pre-commit-home"), SKIP="")
    env.pop("PRE_COMMIT", None)
    return subprocess.run([sys.executable, "-m", "pre_commit", "run", "ssot-check", "--files", *files], cwd=tree,
                          capture_output=True, text=True, env=env, check=False, timeout=300)


@pytest.mark.slow
def test_check_and_validate_fail_on_exactly_the_pasted_copy_and_the_import_then_pass(tree: Path) -> None:
    clean = validate(tree)
    assert clean["exit"] == 0, clean
    assert family_score(clean)["score"] == 1.0 and clean["imports"] == []

    copy_file, import_file = break_it(tree)
    whole = ssot("check", "--format", "json", cwd=tree)
    assert whole.code == 1
    assert found(whole.stdout) == {("copy-of-consolidated", copy_file), ("non-canonical-import", import_file)}
    files = ssot("check", copy_file, import_file, "--format", "json", cwd=tree)
    assert files.code == 1
    assert found(files.stdout) == found(whole.stdout)
    assert json.loads(files.stdout)["figures"]["mode"] == "files"

    hook = precommit(tree, copy_file, import_file)
    assert hook.returncode == 1, hook.stdout + hook.stderr
    assert f"{copy_file}:" in hook.stdout and f"{import_file}:1: non-canonical-import" in hook.stdout
    assert "copy-of-consolidated" in hook.stdout

    broken = validate(tree)
    assert broken["exit"] == 1
    fam = family_score(broken)
    assert fam["score"] < family_score(clean)["score"]
    assert [c["path"] for c in fam["copies_left"]] == [copy_file]
    assert fam["consolidated"] == family_score(clean)["consolidated"] - 1  # the file with the copy no longer counts
    assert [(f["rule"], f["locations"][0]["path"]) for f in broken["imports"]] == [
        ("non-canonical-import", import_file)]

    git(tree, "checkout", "-q", "--", ".")
    assert ssot("check", cwd=tree).code == 0
    assert ssot("check", copy_file, import_file, cwd=tree).code == 0
    reverted = validate(tree)
    assert reverted["exit"] == 0 and family_score(reverted)["score"] == 1.0
    hook = precommit(tree, copy_file, import_file)
    assert hook.returncode == 0, hook.stdout + hook.stderr
    assert "Passed" in hook.stdout


@pytest.mark.slow
def test_a_fixture_consolidated_into_a_conftest_is_tracked_and_guarded(tree: Path) -> None:
    run = ssot("migrate", "--family", "user_context", "--validate", "syntax", cwd=tree)
    assert run.code == 0, run.stdout + run.stderr
    git(tree, "add", "-A")
    git(tree, "commit", "-qm", "migrate user_context")
    assert ssot("check", "--update-baseline", cwd=tree).code == 0
    clean = validate(tree)
    (fam,) = [f for f in clean["families"] if f["id"] == "user_context"]
    assert fam["consolidated"] and fam["canonical"] == ["tests/conftest.py"] and fam["score"] == 1.0

    # paste the fixture back into a file the conftest serves (from before the migration)
    changed = git(tree, "diff", "--name-only", "HEAD~1", "HEAD", "--", "tests").split()
    source = next(rel for rel in changed if Path(rel).name.startswith("test_"))
    before = git(tree, "show", f"HEAD~1:{source}")
    node = next(n for n in ast.parse(before).body if isinstance(n, ast.FunctionDef) and n.name == "user_context")
    lines = before.splitlines(keepends=True)
    copy = "".join(lines[node.decorator_list[0].lineno - 1:node.end_lineno])
    target = next(r for r in changed if Path(r).name.startswith("test_") and r != source)
    (tree / target).write_text((tree / target).read_text() + "\n\n" + copy)

    run = ssot("check", "-v", cwd=tree)
    assert run.code == 1
    assert f"{target}:" in run.stdout and "copy-of-consolidated user_context" in run.stdout
    assert "the fixture user_context in tests/conftest.py serves this file" in run.stdout
    assert found(ssot("check", target, "--format", "json", cwd=tree).stdout) == {("copy-of-consolidated", target)}
    (fam,) = [f for f in validate(tree)["families"] if f["id"] == "user_context"]
    assert fam["score"] < 1.0 and [c["path"] for c in fam["copies_left"]] == [target]
