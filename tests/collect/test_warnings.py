"""Warnings grouped by category and cause (the message with the names taken out)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ssot.collect.diagnose import message_template

from .conftest import run_ssot


@pytest.mark.parametrize(
    ("message", "template"),
    [
        (
            "cannot collect test class 'TestX' because it has a __init__ constructor (from: tests/a/test_x.py)",
            "cannot collect test class <name> because it has a __init__ constructor (from: <file>)",
        ),
        ("old('beta') is deprecated since 2.5; use new()", "old(<name>) is deprecated since <n>; use new()"),
        ("unclosed file /tmp/x/data.csv mode 'r'", "unclosed file <path> mode <name>"),
    ],
)
def test_message_template(message: str, template: str) -> None:
    assert message_template(message) == template


def test_other_warnings_are_grouped_by_cause(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "pyproject.toml").write_text(
        '[tool.pytest.ini_options]\ntestpaths = ["tests"]\npythonpath = ["."]\n', encoding="utf-8"
    )
    (tmp_path / "legacy.py").write_text(
        "import warnings\n\n\ndef old(name):\n"
        "    warnings.warn(f'old({name!r}) is deprecated since 2.5; use new()', DeprecationWarning, stacklevel=2)\n",
        encoding="utf-8",
    )
    for name in ("alpha", "beta", "gamma"):
        (tmp_path / "tests" / f"test_{name}.py").write_text(
            f"import legacy\n\nlegacy.old({name!r})\n\n\ndef test_{name}():\n    pass\n", encoding="utf-8"
        )
    (tmp_path / "tests" / "test_user.py").write_text(
        "import warnings\n\nwarnings.warn('set TZ', UserWarning)\n\n\ndef test_u():\n    pass\n", encoding="utf-8"
    )
    out = tmp_path / "p.json"
    proc = run_ssot("collect", "--json", str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    causes = {c["category"]: c for c in json.loads(out.read_text(encoding="utf-8"))["analysis"]["warning_causes"]}
    dep = causes["DeprecationWarning"]
    assert (dep["count"], dep["kind"], dep["template"]) == (
        3,
        "other",
        "old(<name>) is deprecated since <n>; use new()",
    )
    assert dep["share"] == pytest.approx(0.75)
    assert sorted(dep["examples"]) == ["tests/test_alpha.py:3", "tests/test_beta.py:3", "tests/test_gamma.py:3"]
    assert causes["UserWarning"]["count"] == 1 and causes["UserWarning"]["emitter"] == "tests/test_user.py:3"
    assert "DeprecationWarning: old(<name>) is deprecated" in proc.stdout
