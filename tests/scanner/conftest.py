"""Shared helpers of the scanner tests: writing small trees, running the CLI, generated suites.

The generated suites come from the shared corpus beside the repository
(``<repo>/../shared/corpus``, where CI clones it); each is generated once per
test session into a temporary folder.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import sysconfig
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType

import pytest

from ssot.model import ScanResult
from testkit import SHARED_CORPUS, corpus_script, write_tree


def make_suite(dest: Path, *args: str) -> tuple[Path, dict]:
    """Generate a suite with the shared corpus generator; return it and its ground truth."""
    subprocess.run([sys.executable, str(corpus_script("make_suite.py")), str(dest), *args], check=True,
                   capture_output=True)
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


REPO = Path(__file__).resolve().parents[2]


def real_python_files(stdlib_step: int) -> list[Path]:
    """Real code nobody wrote for ssot: every ``stdlib_step``-th module of the standard library (its tests
    and packages' top modules too), and every module of this repository."""
    lib = Path(sysconfig.get_paths()["stdlib"])
    stdlib = sorted(p for p in [*lib.glob("*.py"), *lib.glob("test/*.py"), *lib.glob("*/*.py")]
                    if "site-packages" not in p.parts)
    ours = sorted(p for top in ("src", "tests", "benchmarks") for p in (REPO / top).rglob("*.py"))
    return stdlib[::stdlib_step] + ours


def built_accelerator(name: str) -> ModuleType:
    """The C accelerator ``ssot.scanner.<name>``: its tests skip where it was not built, except in CI,
    where it must have been (a skip there would hide a broken build)."""
    if os.environ.get("CI"):
        return importlib.import_module(f"ssot.scanner.{name}")
    return pytest.importorskip(f"ssot.scanner.{name}")
