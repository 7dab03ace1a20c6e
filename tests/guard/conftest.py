"""Helpers of the check/validate tests: small projects written by hand, the CLI in a subprocess, SARIF's schema."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
SRC = REPO / "src"
SARIF_SCHEMA = REPO / "tests" / "report" / "sarif-schema-2.1.0.json"


def corpus_script(name: str) -> Path:
    """A script of the shared corpus (tests/conftest.py sets SSOT_CORPUS); skips the test when it is absent."""
    script = Path(os.environ.get("SSOT_CORPUS") or REPO.parent / "shared" / "corpus") / name
    if not script.is_file():
        pytest.skip(f"the shared corpus is not at {script.parent} (clone it beside the repository, or set "
                    "SSOT_CORPUS)")
    return script


def write_tree(root: Path, files: Mapping[str, str]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(content), encoding="utf-8")
    return root


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def cli_env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")]))}
    env.pop("NO_COLOR", None)
    env.update(extra)
    return env


def ssot(*args: str | Path, cwd: Path, env: Mapping[str, str] | None = None, timeout: float = 300) -> Run:
    """``python -m ssot ARGS`` as a user runs it."""
    proc = subprocess.run([sys.executable, "-m", "ssot", *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          env={**cli_env(), **(env or {})}, timeout=timeout, check=False)
    assert "Traceback" not in proc.stderr, proc.stderr
    return Run(proc.returncode, proc.stdout, proc.stderr)


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True, env=env).stdout


@cache
def _sarif_validator() -> Any:
    import jsonschema

    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator(schema)


def validate_sarif(log: dict) -> None:
    _sarif_validator().validate(log)


HELPER = '''
class TestWebSocketConnection:
    """In-memory connection."""

    def __init__(self):
        self.sent = []
        self.closed = False

    async def send_json(self, message):
        if self.closed:
            raise RuntimeError("closed")
        self.sent.append(message)

    async def close(self):
        self.closed = True
'''

OTHER = '''
def make_message(kind, payload=None):
    message = {"type": kind}
    if payload:
        message["payload"] = payload
    message["id"] = len(str(payload))
    return message
'''


def module_text(n: int, *helpers: str) -> str:
    body = "".join(helpers)
    return f"import pytest\n{body}\n\ndef test_{n}():\n    assert {n} == {n}\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """Three test files sharing a helper class, two sharing a helper function; no canonical package yet."""
    root = tmp_path / "proj"
    write_tree(root, {
        "pyproject.toml": "[tool.ssot]\n\n[tool.pytest.ini_options]\ntestpaths = ['tests']\n",
        "tests/__init__.py": "",
        "tests/test_a.py": module_text(1, HELPER, OTHER),
        "tests/test_b.py": module_text(2, HELPER, OTHER),
        "tests/test_c.py": module_text(3, HELPER),
        "tests/test_d.py": module_text(4),
    })
    return root
