"""The CLI as a user runs it (``testkit.run_cli``) on a copy of the bundled example suite (a git repository)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from testkit import REPO

EXAMPLE = REPO / "examples" / "chat_suite"


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    """The example suite in a fresh git repository (three families, pytest warnings, backups)."""
    root = tmp_path / "chat"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".ssot", ".ssot_cache", "__pycache__"))
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], cwd=root, check=True)
    subprocess.run([*git, "add", "-A"], cwd=root, check=True)
    subprocess.run([*git, "commit", "-qm", "suite"], cwd=root, check=True)
    return root
