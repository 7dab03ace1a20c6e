"""What the test areas share: small trees written by hand, ``ssot`` run in a subprocess as a user runs
it, git with a fixed identity, and the shared corpus's scripts.

Imported as ``testkit`` (this folder is on ``sys.path`` because ``tests/`` is not a package); each
area's conftest re-exports what its tests use.
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
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src"
SHARED_CORPUS = Path(os.environ.get("SSOT_CORPUS") or REPO.parent / "shared" / "corpus")
NO_CORPUS = f"the shared corpus is not at {SHARED_CORPUS} (clone it beside the repository, or set SSOT_CORPUS)"
# what would change a report's look between machines: a fixed width, colour asked or refused, a venv
USER_ENV = ("COLUMNS", "NO_COLOR", "FORCE_COLOR", "VIRTUAL_ENV")


def corpus_script(name: str) -> Path:
    """``make_suite.py`` or ``score_scan.py`` of the shared corpus; skips the test when it is absent."""
    script = SHARED_CORPUS / name
    if not script.is_file():
        pytest.skip(NO_CORPUS)
    return script


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
    """How ``ssot`` exited and what it printed."""

    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def cli_env(**extra: str) -> dict[str, str]:
    """The environment ``ssot`` runs in: this checkout's source first on the path, none of :data:`USER_ENV`."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")]))}
    for name in USER_ENV:
        env.pop(name, None)
    return {**env, **extra}


def run_cli(*args: str | Path, cwd: Path, env: Mapping[str, str] | None = None, timeout: float = 300,
            preexec_fn: Callable[[], Any] | None = None, stdout: Any = subprocess.PIPE) -> CliRun:
    """``python -m ssot ARGS`` in a subprocess (``env`` on top of :func:`cli_env`)."""
    proc = subprocess.run([sys.executable, "-m", "ssot", *map(str, args)], cwd=cwd, stdout=stdout,
                          stderr=subprocess.PIPE, text=True, errors="surrogateescape",
                          env=cli_env(**(env or {})), timeout=timeout, preexec_fn=preexec_fn, check=False)
    return CliRun(proc.returncode, proc.stdout or "", proc.stderr)


def assert_no_traceback(run: CliRun) -> None:
    """A user never sees a traceback, an internal error or a warning from interpreter shutdown."""
    for sign in ("Traceback", "internal error", "Exception ignored"):
        assert sign not in run.stderr, run.stderr


def git(cwd: Path, *args: str) -> str:
    """``git ARGS`` in ``cwd`` with a fixed author; its output (fails the test when git fails)."""
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True, env=env).stdout


# a small helper class, copied as it is into the trees of the cache and rescan tests
CLIENT = '''
class Client:
    def __init__(self, url):
        self.url = url
        self.sent = []

    def send(self, message):
        self.sent.append((self.url, message))
        return len(self.sent)
'''

# a small project's pieces: a helper class pytest cannot collect (``__init__``), a helper function, a test
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
    """A test module holding ``helpers`` and one passing test, ``test_{n}``."""
    body = "".join(helpers)
    return f"import pytest\n{body}\n\ndef test_{n}():\n    assert {n} == {n}\n"


def small_project(root: Path) -> Path:
    """Two families in a project of its own: ``HELPER`` in three test files, ``OTHER`` in two of them."""
    return write_tree(root, {
        "pyproject.toml": "[tool.ssot]\n\n[tool.pytest.ini_options]\ntestpaths = ['tests']\n",
        "tests/__init__.py": "",
        "tests/test_a.py": module_text(1, HELPER, OTHER),
        "tests/test_b.py": module_text(2, HELPER, OTHER),
        "tests/test_c.py": module_text(3, HELPER),
    })
