"""`ssot scan` on the command line: exit codes, --output, and every format parseable."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from testkit import REPO, assert_no_traceback, run_cli, write_tree

from .test_commented import HELPER

DUPLICATED = {
    "pyproject.toml": "[tool.ssot]\n",
    "tests/test_a.py": "import asyncio\n\n\n" + HELPER,
    "tests/test_b.py": "import asyncio\n\n\n" + HELPER,
    "tests/unit/test_c.py": "def helper(a):\n    b = a + 1\n    c = b * 2\n    return c\n",
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_tree(tmp_path, DUPLICATED)


def test_exit_0_when_nothing_is_duplicated(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pyproject.toml": "[tool.ssot]\n", "tests/test_a.py": "import asyncio\n\n\n" + HELPER})
    run = run_cli("scan", ".", "--no-progress", cwd=tmp_path)
    assert_no_traceback(run)
    assert run.code == 0
    assert "No duplicated definitions found" in run.stdout


def test_exit_1_when_duplicates_are_found(project: Path) -> None:
    run = run_cli("scan", "--no-progress", cwd=project)  # default paths: [tool.ssot] paths = ["."]
    assert_no_traceback(run)
    assert run.code == 1
    assert "TestWebSocketConnection  (class)" in run.stdout and "kept at tests/test_a.py:4" in run.stdout
    assert run_cli("scan", "--exit-zero", "--no-progress", cwd=project).code == 0


def test_exit_3_when_partial_even_with_duplicates(project: Path) -> None:
    # a third copy of the helper, broken inside: the scan parses it (it has copies) and cannot
    broken = HELPER.replace("        self._closed = True\n", "        self._closed = (True\n")
    write_tree(project, {"tests/test_broken.py": "import asyncio\n\n\n" + broken})
    run = run_cli("scan", ".", "--format", "json", "--no-progress", cwd=project)
    assert_no_traceback(run)
    assert run.code == 3
    report = run.json()
    assert report["partial"] is True and len(report["families"]) == 1
    line = 4 + broken.splitlines().index("        self._closed = (True")
    assert [(s["path"], s["line"] is not None) for s in report["skipped"]] == [("tests/test_broken.py", True)]
    assert report["skipped"][0]["line"] >= line
    # --exit-zero silences duplicates, never a partial scan
    assert run_cli("scan", ".", "--exit-zero", "--no-progress", cwd=project).code == 3


@pytest.mark.parametrize(("args", "message"), [
    (["--format", "yaml"], "invalid choice: 'yaml'"),
    (["no/such/dir"], "no/such/dir: no such file or directory"),
    ([".", "missing.py"], "missing.py: no such file or directory"),
    (["--min-lines", "0"], "--min-lines must be at least 1"),
    (["--jobs", "-2"], "--jobs must be 0"),
    (["--root", "no-such-root"], "--root no-such-root: not a directory"),
    (["--config", "nope.toml"], "--config nope.toml: no such file"),
    (["--no-such-flag"], "unrecognized arguments: --no-such-flag"),
])
def test_exit_2_on_usage_errors(project: Path, args: list[str], message: str) -> None:
    run = run_cli("scan", *args, cwd=project)
    assert_no_traceback(run)
    assert run.code == 2
    assert message in run.stderr
    assert run.stdout == ""


def test_paths_are_scanned_from_the_nearest_project(project: Path) -> None:
    run = run_cli("scan", "tests/unit", "--format", "json", "--no-cache", cwd=project)
    assert run.code == 0
    report = run.json()
    assert report["root"] == str(project.resolve()) and report["stats"]["files"] == 1
    # from elsewhere, with --root, or given two folders of a tree without a pyproject.toml
    assert run_cli("scan", "--root", project, "--no-cache", cwd=REPO).code == 1
    (project / "pyproject.toml").unlink()
    run = run_cli("scan", "tests/unit", "tests/test_a.py", "tests/test_b.py", "--format", "json", "--no-cache",
                  cwd=project)
    assert_no_traceback(run)
    assert run.code == 1 and run.json()["root"] == str((project / "tests").resolve())


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "markdown"])
def test_output_file_is_written_and_stdout_is_empty(project: Path, fmt: str) -> None:
    out = project / "reports" / "new" / f"scan.{fmt}"
    run = run_cli("scan", ".", "--format", fmt, "--output", out, "--no-progress", cwd=project)
    assert_no_traceback(run)
    assert run.code == 1
    assert run.stdout == ""
    text = out.read_text(encoding="utf-8")
    assert "TestWebSocketConnection" in text
    assert sorted(p.name for p in out.parent.iterdir()) == [out.name]  # no temporary file left behind


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_unwritable_output_is_a_usage_error(project: Path, fmt: str) -> None:
    (project / "taken").mkdir()
    run = run_cli("scan", ".", "--format", fmt, "--output", "taken", "--no-progress", cwd=project)
    assert_no_traceback(run)
    assert run.code == 2
    assert "cannot write taken" in run.stderr


def test_json_is_parseable_and_valid_against_its_schema(project: Path) -> None:
    import jsonschema

    report = run_cli("scan", ".", "--format", "json", "--no-progress", cwd=project).json()
    schema = json.loads((REPO / "src" / "ssot" / "report" / "scan.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(report, schema)
    [family] = report["families"]
    assert {(m["path"], m["line"]) for m in family["members"]} == {("tests/test_a.py", 4), ("tests/test_b.py", 4)}


def test_sarif_is_parseable_and_points_at_the_copies(project: Path) -> None:
    log = json.loads(run_cli("scan", ".", "--format", "sarif", "--no-progress", cwd=project).stdout)
    assert log["version"] == "2.1.0"
    locations = {(loc["physicalLocation"]["artifactLocation"]["uri"], loc["physicalLocation"]["region"]["startLine"])
                 for r in log["runs"][0]["results"] if r["ruleId"] == "duplicate-copy" for loc in r["locations"][:1]}
    assert locations == {("tests/test_b.py", 4)}


def test_markdown_is_parseable(project: Path) -> None:
    from markdown_it import MarkdownIt

    text = run_cli("scan", ".", "--format", "markdown", "--no-progress", cwd=project).stdout
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    assert any(t.type == "heading_open" for t in tokens)
    assert any(t.type == "table_open" for t in tokens)
    inline = " ".join(t.content for t in tokens if t.type == "inline")
    assert "TestWebSocketConnection" in inline and "tests/test_b.py" in inline


def test_version() -> None:
    from ssot import __version__

    run = run_cli("--version", cwd=REPO)
    assert run.code == 0 and run.stdout.strip() == f"ssot {__version__}"


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "sarif"])
def test_file_names_that_are_not_utf8(project: Path, fmt: str) -> None:
    name = b"test_caf\xe9.py"
    with open(os.path.join(os.fsencode(project / "tests"), name), "wb") as fh:
        fh.write((project / "tests" / "test_a.py").read_bytes())
    strict = {"PYTHONIOENCODING": "utf-8:strict"}
    out = project / f"report.{fmt}"
    for run in (run_cli("scan", ".", "--format", fmt, "--no-progress", cwd=project, env=strict),
                run_cli("scan", ".", "--format", fmt, "-o", out, "--no-progress", cwd=project, env=strict)):
        assert_no_traceback(run)
        assert run.code == 1
    if fmt == "sarif":  # a URI: the name's bytes percent-encoded
        assert b"test_caf%E9.py" in out.read_bytes()
    elif fmt != "text":  # the terminal summary names only the kept copies
        assert b"caf\xe9" in out.read_bytes()  # the name's own bytes, as ls shows them
