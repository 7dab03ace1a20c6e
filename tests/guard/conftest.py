"""Helpers of the check/validate tests: a small project written by hand, the CLI in a subprocess, SARIF's schema."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from testkit import REPO, CliRun, module_text, run_cli, small_project, write_tree

SARIF_SCHEMA = REPO / "tests" / "report" / "sarif-schema-2.1.0.json"


def ssot(*args: str | Path, cwd: Path, env: Mapping[str, str] | None = None, timeout: float = 300) -> CliRun:
    """``python -m ssot ARGS`` as a user runs it; never a traceback."""
    run = run_cli(*args, cwd=cwd, env=env, timeout=timeout)
    assert "Traceback" not in run.stderr, run.stderr
    return run


@cache
def _sarif_validator() -> Any:
    import jsonschema

    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator(schema)


def validate_sarif(log: dict) -> None:
    _sarif_validator().validate(log)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """Three test files sharing a helper class, two sharing a helper function, one with neither."""
    return write_tree(small_project(tmp_path / "proj"), {"tests/test_d.py": module_text(4)})
