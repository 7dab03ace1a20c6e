"""The ``ssot`` command ends its process without tearing down the heap (:mod:`ssot.heap`): what it
writes must still all be there, and its exit code must be the command's."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from testkit import CLIENT, write_tree

HELPER = CLIENT


def _ssot(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ssot", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def test_a_scan_writes_its_whole_report_and_exits_with_its_code(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pyproject.toml": "[tool.ssot]\nmin_tokens = 1\n",
                          **{f"tests/test_{k}.py": HELPER for k in range(40)}})
    proc = _ssot("scan", ".", "--format", "json", "--no-progress", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr  # families found
    data = json.loads(proc.stdout)  # all of it: the buffered output was flushed before the hard exit
    assert [f["name"] for f in data["families"]] == ["Client"]
    assert len(data["families"][0]["members"]) == 40
    # the history was recorded (its database is closed before the process ends)
    again = _ssot("scan", ".", "--format", "json", "--no-progress", "-o", "report.json", cwd=tmp_path)
    assert again.returncode == 1, again.stderr
    assert json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["families"][0]["name"] == "Client"
    runs = _ssot("report", "--format", "json", cwd=tmp_path)
    assert runs.returncode == 0, runs.stderr
    assert [r["command"] for r in json.loads(runs.stdout)["runs"]] == ["scan", "scan"]


def test_an_error_exit_code_and_message_survive(tmp_path: Path) -> None:
    proc = _ssot("scan", "missing-folder", "--format", "json", cwd=tmp_path)
    assert proc.returncode not in (0, 1)
    assert "missing-folder" in proc.stderr + proc.stdout
    version = _ssot("--version", cwd=tmp_path)
    assert version.returncode == 0 and version.stdout.strip()
