from __future__ import annotations

import hashlib
from pathlib import Path

import pytest


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A small project: three test files (one executable), one with non-UTF-8 bytes and CRLF."""
    root = tmp_path / "proj"
    (root / "tests" / "pkg").mkdir(parents=True)
    (root / "tests" / "test_a.py").write_bytes(b"class A:\n    pass\n")
    (root / "tests" / "test_b.py").write_bytes(b"class B:\n    pass\n")
    (root / "tests" / "test_b.py").chmod(0o755)
    (root / "tests" / "pkg" / "test_c.py").write_bytes(b"# -*- coding: latin-1 -*-\r\nx = '\xe9'\r\n")
    return root


def log_lines(path: Path) -> list[dict]:
    """A run's log as written on disk, one JSON object a line (read without ssot's parser)."""
    import json

    return [json.loads(line) for line in path.read_bytes().splitlines() if line.strip()]
