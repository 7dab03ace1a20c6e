"""``ssot collect`` reports like every command: --format json -o FILE writes the profile, --json FILE is the
old spelling of it (and still prints the text report), --exit-zero keeps a failing collection at 0."""

from __future__ import annotations

import json
import os
from pathlib import Path

from testkit import assert_no_traceback
from testkit import run_cli as ssot


def test_format_json_writes_the_profile_and_load_reads_it_back(suite: Path) -> None:
    profile = suite.parent / "profile.json"
    run = ssot("collect", "--format", "json", "-o", profile, cwd=suite)
    assert_no_traceback(run)
    assert run.code == 0 and run.stdout == ""
    doc = json.loads(profile.read_text(encoding="utf-8"))
    assert doc["schema"] == "ssot-collect-profile" and doc["measurement"]["tests"] == 7
    text = ssot("collect", "--load", profile, cwd=suite)
    assert text.code == 0 and "7 tests collected" in text.stdout
    assert "PytestCollectionWarning" in text.stdout
    quiet = ssot("collect", "--load", profile, "-q", "-o", suite.parent / "report.txt", cwd=suite)
    assert quiet.stdout == "" and "7 tests collected" in (suite.parent / "report.txt").read_text()

    old = suite.parent / "old.json"
    legacy = ssot("collect", "--json", old, cwd=suite)
    assert legacy.code == 0
    assert f"ssot collect: warning: --json {old} is deprecated; use --format json -o {old}" in legacy.stderr
    assert "7 tests collected" in legacy.stdout and f"profile written to {old}" in legacy.stdout
    assert json.loads(old.read_text(encoding="utf-8"))["schema"] == "ssot-collect-profile"
    mask = os.umask(0o022)
    os.umask(mask)
    assert old.stat().st_mode & 0o777 == 0o666 & ~mask == profile.stat().st_mode & 0o777  # not 0600


def test_exit_zero_when_no_test_is_collected(suite: Path) -> None:
    none = ssot("collect", "--", "-k", "no_such_test_anywhere", cwd=suite)
    assert_no_traceback(none)
    assert none.code == 1, none.stdout + none.stderr
    assert ssot("collect", "--exit-zero", "--", "-k", "no_such_test_anywhere", cwd=suite).code == 0
