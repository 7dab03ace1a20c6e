"""Shared helpers of the scanner tests: writing small trees, running the CLI, generated suites.

The generated suites come from the shared corpus beside the repository
(``<repo>/../shared/corpus``, where CI clones it); each is generated once per
test session into a temporary folder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from ssot.model import ScanResult

REPO = Path(__file__).resolve().parents[2]
SHARED_CORPUS = Path(os.environ.get("SSOT_CORPUS") or REPO.parent / "shared" / "corpus")
SRC = REPO / "src"


def write_tree(root: Path, files: Mapping[str, str | bytes]) -> Path:
    """Write ``files`` (relative path -> text, dedented, or raw bytes) under ``root``."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content), encoding="utf-8")
    return root


@dataclass
class CliRun:
    code: int
    stdout: str
    stderr: str

    def json(self) -> dict:
        return json.loads(self.stdout)


def cli_env() -> dict[str, str]:
    path = os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": path}
    env.pop("COLUMNS", None)
    return env


def run_cli(*args: str | Path, cwd: Path, preexec_fn: Callable[[], None] | None = None,
            timeout: float = 120, env: Mapping[str, str] | None = None) -> CliRun:
    """``python -m ssot ARGS`` in a subprocess, as a user would run it."""
    proc = subprocess.run([sys.executable, "-m", "ssot", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, errors="surrogateescape", env={**cli_env(), **(env or {})},
                          timeout=timeout, preexec_fn=preexec_fn, check=False)
    return CliRun(proc.returncode, proc.stdout, proc.stderr)


def assert_no_traceback(run: CliRun) -> None:
    assert "Traceback" not in run.stderr, run.stderr
    assert "internal error" not in run.stderr, run.stderr


def make_suite(dest: Path, *args: str) -> tuple[Path, dict]:
    """Generate a suite with the shared corpus generator; return it and its ground truth."""
    generator = SHARED_CORPUS / "make_suite.py"
    if not generator.is_file():
        pytest.skip(f"the shared corpus is not beside the repository: {generator} is missing")
    subprocess.run([sys.executable, str(generator), str(dest), *args], check=True, capture_output=True)
    truth = json.loads(dest.with_name(dest.name + ".truth.json").read_text(encoding="utf-8"))
    return dest, truth


def score(truth: Path, scan_json: Path) -> dict:
    """Scores of a JSON scan report by the corpus's own scorer (no thresholds: the test asserts them)."""
    proc = subprocess.run([sys.executable, str(SHARED_CORPUS / "score_scan.py"), str(truth), str(scan_json)],
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout)


@pytest.fixture(scope="session")
def default_suite(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """The corpus's default suite (400 test files), generated once per session."""
    return make_suite(tmp_path_factory.mktemp("default") / "suite")


@pytest.fixture(scope="session")
def seed7_suite(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """``--seed 7 --files 1500``, generated once per session."""
    return make_suite(tmp_path_factory.mktemp("seed7") / "suite", "--seed", "7", "--files", "1500")


@pytest.fixture(scope="session")
def broken_suite(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """The default suite with ``--broken 4``: two files with syntax errors, two failing imports."""
    return make_suite(tmp_path_factory.mktemp("broken") / "suite", "--broken", "4")


def scan_tree(root: Path, files: Mapping[str, str | bytes] | None = None, **kwargs: object) -> ScanResult:
    """Write ``files`` under ``root`` (a project of its own) and scan it through the API, no cache."""
    from ssot.scanner.engine import scan

    if not (root / "pyproject.toml").exists():
        # min_tokens = 1: these trees test grouping on small definitions; min_tokens has tests of its own
        write_tree(root, {"pyproject.toml": "[tool.ssot]\nmin_tokens = 1\n"})
    write_tree(root, files or {})
    kwargs.setdefault("use_cache", False)
    kwargs.setdefault("jobs", 1)
    return scan(root=root, **kwargs)  # type: ignore[arg-type]
