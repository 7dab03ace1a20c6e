"""Generated suites for the collect tests (make_suite.py from the shared corpus), built once per session."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent
SRC = HERE.parents[1] / "src"
MAKE_SUITE = Path(os.environ.get("SSOT_CORPUS", str(HERE.parents[2] / "shared" / "corpus"))) / "make_suite.py"

Suite = tuple[Path, dict[str, Any]]


def generate(out: Path, *args: str) -> dict[str, Any]:
    if not MAKE_SUITE.is_file():
        pytest.skip(f"make_suite.py not found at {MAKE_SUITE} (set SSOT_CORPUS)")
    subprocess.run([sys.executable, str(MAKE_SUITE), str(out), *args], check=True, capture_output=True)
    return json.loads(out.with_name(out.name + ".truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def suite_factory(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Suite]:
    """``suite_factory("--files", "30")`` -> (path, truth); built once per argument list; treat as read-only."""
    cache: dict[tuple[str, ...], Suite] = {}

    def make(*args: str) -> Suite:
        if args not in cache:
            out = tmp_path_factory.mktemp("suite") / "suite"
            cache[args] = (out, generate(out, *args))
        return cache[args]

    return make


@pytest.fixture(scope="session")
def small_suite(suite_factory: Callable[..., Suite]) -> Suite:
    return suite_factory("--files", "30")


@pytest.fixture
def writable_suite(small_suite: Suite, tmp_path: Path) -> Suite:
    """A private copy of the small suite that a test may change."""
    path, truth = small_suite
    copy = tmp_path / "suite"
    shutil.copytree(path, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy, truth


def run_ssot(*args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 300) -> Any:
    """``python -m ssot ARGS`` in ``cwd`` (a real process: exit code, stdout, stderr)."""
    full_env = dict(os.environ if env is None else env)
    full_env["PYTHONPATH"] = str(SRC) + (os.pathsep + full_env["PYTHONPATH"] if full_env.get("PYTHONPATH") else "")
    full_env.pop("VIRTUAL_ENV", None)
    full_env.setdefault("COLUMNS", "200")
    return subprocess.run(
        [sys.executable, "-m", "ssot", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_pytest(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(SRC) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="session")
def small_profile(small_suite: Suite, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """``ssot collect --json`` on the small suite, once: root, truth, JSON path and data, text report."""
    root, truth = small_suite
    out = tmp_path_factory.mktemp("profile") / "profile.json"
    proc = run_ssot("collect", "--json", str(out), cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return {
        "root": root,
        "truth": truth,
        "path": out,
        "data": json.loads(out.read_text(encoding="utf-8")),
        "report": proc.stdout,
    }
