"""Generated suites for the plan/migrate tests (made once per session, copied per test)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

MAKE_SUITE = Path(os.environ.get("SSOT_CORPUS") or Path(__file__).parents[3] / "shared" / "corpus") / "make_suite.py"
SSOT = [sys.executable, "-m", "ssot.cli"]


def generate(base: Path, name: str, *args: str) -> tuple[Path, dict]:
    if not MAKE_SUITE.exists():
        pytest.skip(f"make_suite.py not found at {MAKE_SUITE} (clone the shared corpus beside the repository)")
    out = base / name
    subprocess.run([sys.executable, str(MAKE_SUITE), str(out), *args], check=True, capture_output=True)
    return out, json.loads((base / f"{name}.truth.json").read_text())


@pytest.fixture(scope="session")
def suite30(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """30 test files, seed 1: every websocket variant (base, superset, sync_get, renamed) is present."""
    return generate(tmp_path_factory.mktemp("suites"), "s30", "--files", "30", "--seed", "1", "--git",
                    "--heavy-ms", "0")


@pytest.fixture
def tree(suite30: tuple[Path, dict], tmp_path: Path) -> Path:
    dest = tmp_path / "suite"
    shutil.copytree(suite30[0], dest, symlinks=True)
    return dest


def ssot(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([*SSOT, *args], cwd=root, capture_output=True, text=True, check=False)
    if check and proc.returncode not in (0,):
        raise AssertionError(f"ssot {' '.join(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return proc


def run_pytest(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The project's suite with its own options; the cache kept out of the tree."""
    with tempfile.TemporaryDirectory(prefix="pytest-cache-") as cache:
        return subprocess.run([sys.executable, "-m", "pytest", "-q", "-o", f"cache_dir={cache}", *args], cwd=root,
                              capture_output=True, text=True, check=False,
                              env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})


collect_ignore = ["projects"]  # small projects the tests copy and migrate, with suites of their own
PROJECTS = Path(__file__).parent / "projects"


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    """A library with look-alike public exceptions, and tests with helpers worth (and not worth) merging."""
    dest = tmp_path / "mini"
    shutil.copytree(PROJECTS / "mini", dest)
    subprocess.run(["git", "init", "-q"], cwd=dest, check=True)
    subprocess.run(["git", "add", "-A"], cwd=dest, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init"], cwd=dest,
                   check=True)
    return dest
