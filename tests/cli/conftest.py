"""The CLI as a user runs it: a copy of the bundled example suite (a git repository), and ``ssot`` in a
subprocess with the source tree on the path."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
SRC = REPO / "src"
EXAMPLE = REPO / "examples" / "chat_suite"


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str


def env(**extra: str) -> dict[str, str]:
    out = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")]))}
    for name in ("COLUMNS", "NO_COLOR", "FORCE_COLOR", "VIRTUAL_ENV"):
        out.pop(name, None)
    return {**out, **extra}


def ssot(*args: str | Path, cwd: Path, extra_env: Mapping[str, str] | None = None,
         preexec_fn: Callable[[], Any] | None = None, stdout: Any = subprocess.PIPE) -> Run:
    proc = subprocess.run([sys.executable, "-m", "ssot", *map(str, args)], cwd=cwd, stdout=stdout,
                          stderr=subprocess.PIPE, text=True, env=env(**(extra_env or {})), timeout=300,
                          preexec_fn=preexec_fn, check=False)
    return Run(proc.returncode, proc.stdout or "", proc.stderr)


def no_traceback(run: Run) -> None:
    assert "Traceback" not in run.stderr and "Exception ignored" not in run.stderr, run.stderr
    assert "internal error" not in run.stderr, run.stderr


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
