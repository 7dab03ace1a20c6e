"""``ssot collect [PATH ...] [-- PYTEST ARGS]``: what follows ``--`` goes to pytest untouched."""

from __future__ import annotations

import glob
import json
import os
import subprocess
import sys

import pytest

from ssot.cli import build_parser

from .conftest import SRC

CASES = [
    (["collect", "tests", "--", "-k", "websocket", "--json", "x"], ["tests"], ["-k", "websocket", "--json", "x"], None),
    (["collect", "--", "-x"], [], ["-x"], None),
    (["collect", "a", "b", "--json", "out.json"], ["a", "b"], [], "out.json"),
    (["collect", "--json", "o.json", "tests", "--", "--", "-q"], ["tests"], ["--", "-q"], "o.json"),
]


@pytest.mark.parametrize(("argv", "paths", "pytest_args", "json_out"), CASES)
def test_split(argv: list[str], paths: list[str], pytest_args: list[str], json_out: str | None) -> None:
    ns = build_parser("collect").parse_args(argv)
    assert (ns.paths, ns.pytest_args, ns.json) == (paths, pytest_args, json_out)


def other_pythons() -> list[str]:
    found = set()
    for pattern in ("/root/.pyenv/versions/3.1[0-9]*/bin/python3", "/usr/bin/python3.1[0-9]"):
        found.update(glob.glob(pattern))
    here = os.path.realpath(sys.executable)
    return sorted(p for p in found if os.path.realpath(p) != here)


@pytest.mark.parametrize("python", other_pythons() or [pytest.param(None, marks=pytest.mark.skip("no other 3.1x"))])
def test_split_on_other_pythons(python: str) -> None:
    """argparse changed its handling of ``--`` across versions; the split must not."""
    code = (
        "import json, sys, types; sys.modules.setdefault('tomli', types.ModuleType('tomli')); "
        "from ssot.cli import build_parser; "
        "out = [(ns.paths, ns.pytest_args) for ns in (build_parser('collect').parse_args(a) "
        "for a in json.loads(sys.argv[1]))]; print(json.dumps(out))"
    )
    argvs = [c[0] for c in CASES]
    proc = subprocess.run(
        [python, "-c", code, json.dumps(argvs)],
        env=dict(os.environ, PYTHONPATH=str(SRC)),
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0 and "ModuleNotFoundError" in proc.stderr:
        pytest.skip(f"{python}: {proc.stderr.strip().splitlines()[-1]}")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == [[c[1], c[2]] for c in CASES]
