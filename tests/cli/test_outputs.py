"""Every command that reports takes the same output options: --format, -o, -q/-v, --color."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from testkit import CliRun, assert_no_traceback
from testkit import run_cli as ssot

ANSI = re.compile(r"\x1b\[[0-9;]*m")

# command line, the exit code it gives on the example suite
REPORTING = [
    (["scan", "--no-cache", "--no-progress"], 1),
    (["plan", "--no-cache"], 0),
    (["migrate", "--no-cache", "--dry-run", "--validate", "syntax"], 0),
    (["fix", "collection-warnings"], 1),
    (["runs"], 0),
    (["rollback", "--dry-run"], 0),
    (["check", "--no-cache"], 1),
    (["validate", "--no-cache"], 0),
    (["report"], 0),
]


def ids(cases: list[tuple[list[str], int]]) -> list[str]:
    return [" ".join(c[0][:2]) for c in cases]


@pytest.mark.parametrize(("argv", "code"), REPORTING, ids=ids(REPORTING))
def test_json_to_stdout_and_to_a_file_are_the_same_document(suite: Path, argv: list[str], code: int) -> None:
    printed = ssot(*argv, "--format", "json", cwd=suite)
    assert_no_traceback(printed)
    assert printed.code == code, printed.stderr
    doc = json.loads(printed.stdout)  # nothing but the document on stdout
    out = suite.parent / "out" / "report.json"
    written = ssot(*argv, "--format", "json", "-o", out, cwd=suite)
    assert written.code == code and written.stdout == ""
    again = json.loads(out.read_text(encoding="utf-8"))
    volatile = {"seconds", "rewrite_seconds", "validation_seconds", "stats", "figures", "generated", "runs"}
    assert {k: v for k, v in again.items() if k not in volatile} == {k: v for k, v in doc.items()
                                                                      if k not in volatile}


@pytest.mark.parametrize(("argv", "code"), REPORTING, ids=ids(REPORTING))
def test_text_quiet_and_verbose(suite: Path, argv: list[str], code: int) -> None:
    normal = ssot(*argv, cwd=suite)
    quiet = ssot(*argv, "-q", cwd=suite)
    verbose = ssot(*argv, "-v", cwd=suite)
    for run in (normal, quiet, verbose):
        assert_no_traceback(run)
        assert run.code == code, run.stderr
        assert not ANSI.search(run.stdout)  # a pipe: no colour
    assert len(quiet.stdout) <= len(normal.stdout) <= len(verbose.stdout)


def test_quiet_scan_is_one_line_per_finding(suite: Path) -> None:
    run = ssot("scan", "--no-cache", "-q", cwd=suite)
    assert run.code == 1
    lines = run.stdout.splitlines()
    assert lines and all(re.match(r"^\S+\.py:\d+: [a-z-]+ ", line) for line in lines), run.stdout


def test_verbose_scan_details_every_family(suite: Path) -> None:
    out = ssot("scan", "--no-cache", "-v", cwd=suite).stdout
    for family in ("TestWebSocketConnection  (class)", "user_context  (fixture)", "make_message  (function)"):
        assert f"\n{family}\n" in out


def test_color_always_never_and_no_color(suite: Path) -> None:
    assert ANSI.search(ssot("scan", "--no-cache", "--color", "always", cwd=suite).stdout)
    assert not ANSI.search(ssot("scan", "--no-cache", "--color", "never", cwd=suite).stdout)
    # on a terminal, auto colours unless NO_COLOR is set
    for extra, coloured in (({}, True), ({"NO_COLOR": "1"}, False)):
        import pty

        leader, follower = pty.openpty()
        run = ssot("check", "--no-cache", "-q", "--color", "auto", cwd=suite, stdout=follower,
                   env={"TERM": "xterm", **extra})  # a few lines: they fit the terminal's buffer
        os.close(follower)
        text = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            text += chunk
        os.close(leader)
        assert run.code == 1 and b"new-family" in text
        assert bool(ANSI.search(text.decode())) == coloured, (extra, text)


def test_report_files_get_the_umask_mode(suite: Path) -> None:
    out = suite.parent / "modes"
    for mask, mode in ((0o022, 0o644), (0o027, 0o640)):
        target = out / f"scan-{mask:o}.json"
        run = ssot("scan", "--no-cache", "--format", "json", "-o", target, cwd=suite,
                   preexec_fn=lambda m=mask: os.umask(m))
        assert run.code == 1, run.stderr
        assert target.stat().st_mode & 0o777 == mode
    assert sorted(p.name for p in out.iterdir()) == ["scan-22.json", "scan-27.json"]  # no temporary file left


@pytest.mark.parametrize(("argv", "code"), [(["scan", "--no-cache"], 1), (["scan", "--no-cache", "-v"], 1),
                                           (["fix", "collection-warnings"], 1), (["plan", "--no-cache"], 0),
                                           (["runs"], 0)])
def test_a_closed_pipe_keeps_the_exit_code(suite: Path, argv: list[str], code: int) -> None:
    reader, writer = os.pipe()
    os.close(reader)  # `ssot scan | head -0`: the reader is gone before the first line
    try:
        run = ssot(*argv, cwd=suite, stdout=writer)
    finally:
        os.close(writer)
    assert_no_traceback(run)
    assert run.code == code, run.stderr
    assert "Broken pipe" not in run.stderr


def test_unwritable_output_names_the_file(suite: Path) -> None:
    (suite / "blocker").write_text("a file, not a folder")
    for argv in (["plan", "--no-cache"], ["runs"], ["scan", "--no-cache"]):
        run = ssot(*argv, "-o", suite / "blocker" / "report.txt", cwd=suite)
        assert_no_traceback(run)
        assert run.code == 2 and "cannot write" in run.stderr and "blocker/report.txt" in run.stderr


def no_plural_slip(text: str) -> list[str]:
    return re.findall(r"(?<![\d.,])\b1 (?:copies|files|families|batches|tests|warnings|definitions|classes)\b",
                      text)


def test_plain_words(suite: Path) -> None:
    outputs = [ssot(*argv, "-v", cwd=suite).stdout for argv, _ in REPORTING]
    outputs.append(ssot("migrate", "--no-cache", "--dry-run", "--validate", "syntax", cwd=suite).stderr)
    for text in outputs:
        assert not no_plural_slip(text), no_plural_slip(text)
        assert "traps avoided" not in text and "kept out" not in text


def test_renderers_use_no_jargon() -> None:
    from testkit import SRC

    renderers = [*(SRC / "ssot" / "report").rglob("*.py"), SRC / "ssot" / "collect" / "render.py",
                 SRC / "ssot" / "migrate" / "render.py"]
    for path in renderers:
        text = path.read_text(encoding="utf-8")
        assert "traps avoided" not in text and "look-alikes kept out" not in text, path
        assert "cop{'y'" not in text, path  # plural() says it


def test_deprecated_spellings_still_work_and_say_so(suite: Path) -> None:
    old = ssot("runs", "--json", cwd=suite)
    assert old.code == 0 and json.loads(old.stdout)["schema"] == "ssot.runs/1"
    assert "ssot runs: warning: --json is deprecated; use --format json" in old.stderr
    assert len(old.stderr.strip().splitlines()) == 1
    fix = ssot("fix", "collection-warnings", "--json", cwd=suite)
    assert fix.code == 1 and json.loads(fix.stdout)["exit_code"] == 1 and "deprecated" in fix.stderr
    migrate = ssot("migrate", "--no-cache", "--dry-run", "--validate", "syntax", "--json", cwd=suite)
    assert migrate.code == 0 and json.loads(migrate.stdout)["dry_run"] is True
    assert "ssot migrate: warning: --json is deprecated; use --format json" in migrate.stderr
    rollback = ssot("rollback", "--json", cwd=suite)
    assert rollback.code == 0 and json.loads(rollback.stdout)["refused"] is False


def test_nothing_to_migrate_is_still_json(suite: Path) -> None:
    run = ssot("migrate", "--no-cache", "--family", "user_context", "--exclude-family", "user_context",
               "--format", "json", cwd=suite)
    assert_no_traceback(run)
    doc = json.loads(run.stdout)
    assert doc["batches"] == [] and doc["nothing_to_migrate"]


def test_help_shows_the_new_spellings_only(suite: Path) -> None:
    for command in ("migrate", "fix", "runs", "rollback", "collect"):
        helptext = ssot(command, "--help", cwd=suite).stdout
        assert "--format" in helptext and "-o FILE, --output FILE" in helptext
        assert "--json" not in helptext, command


def _rules(run: CliRun) -> set[str]:
    return {line.split()[1] for line in run.stdout.splitlines()}


def test_select_ignore_and_exit_zero_on_scan(suite: Path) -> None:
    everything = ssot("scan", "--no-cache", "-q", cwd=suite)
    assert _rules(everything) == {"duplicate-copy", "backup-copy", "commented-out-copy",
                                  "pytest-uncollectable-class"}
    only = ssot("scan", "--no-cache", "-q", "--select", "pytest", cwd=suite)
    assert only.code == 1 and _rules(only) == {"pytest-uncollectable-class"}
    rest = ssot("scan", "--no-cache", "-q", "--ignore", "pytest-uncollectable-class,backup-copy", cwd=suite)
    assert _rules(rest) == {"duplicate-copy", "commented-out-copy"}
    text = ssot("scan", "--no-cache", "--select", "pytest-uncollectable-class", cwd=suite).stdout
    assert "No duplicated definitions found" in text and "pytest-uncollectable-class 4" in text
    assert "Other findings (4)" in text and "tests/unit/test_messages.py:15: pytest-uncollectable-class" in text
    assert ssot("scan", "--no-cache", "--exit-zero", cwd=suite).code == 0
    typo = ssot("scan", "--no-cache", "--select", "duplicat-copy", cwd=suite)
    assert typo.code == 2 and "--select duplicat-copy: no such rule" in typo.stderr


def test_exit_zero_on_fix(suite: Path) -> None:
    assert ssot("fix", "collection-warnings", cwd=suite).code == 1
    assert ssot("fix", "collection-warnings", "--exit-zero", cwd=suite).code == 0


def test_plan_text_says_each_reason_once(suite: Path) -> None:
    run = ssot("plan", "--no-cache", "--format", "text", cwd=suite)
    assert run.code == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].startswith("TestWebSocketConnection (class): 4 copies to tests/ssot_canonical/")
    assert "  left alone: 1 copy, backup: under a backup folder; --include-backups to migrate" in lines
    assert lines[-1].startswith("plan: 3 families to migrate in 2 batches into tests/ssot_canonical: 8 files")
    verbose = ssot("plan", "--no-cache", "--format", "text", "-v", cwd=suite).stdout
    assert "-> from tests.ssot_canonical" in verbose  # each copy and the import that replaces it
