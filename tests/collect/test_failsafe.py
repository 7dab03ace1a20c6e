"""Every way collection can go wrong gives a clear report and an exit code, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import run_ssot


def project(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text('[tool.pytest.ini_options]\ntestpaths = ["tests"]\n', encoding="utf-8")
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def no_traceback(proc: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout, proc.stdout + proc.stderr


def test_pytest_missing_in_the_target_interpreter(tmp_path: Path) -> None:
    venv = tmp_path / "bare"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    root = project(tmp_path / "p", {"tests/test_a.py": "def test_a():\n    pass\n"})
    proc = run_ssot("collect", "--python", str(python), cwd=root)
    assert proc.returncode == 2
    assert f"pytest is not installed in {python}" in proc.stderr
    assert "--python" in proc.stderr  # says what to do
    no_traceback(proc)


def test_the_project_venv_is_found_and_used(tmp_path: Path) -> None:
    root = project(tmp_path / "p", {"tests/test_a.py": "def test_a():\n    pass\n"})
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / ".venv")], check=True)
    proc = run_ssot("collect", cwd=root)
    assert proc.returncode == 2 and ".venv" in proc.stderr  # ROOT/.venv was chosen (and has no pytest)
    no_traceback(proc)


def test_a_conftest_that_raises(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        {
            "tests/conftest.py": "import os\n\nraise RuntimeError('DATABASE_URL is not set')\n",
            "tests/test_a.py": "def test_a():\n    pass\n",
        },
    )
    out = tmp_path / "p.json"
    proc = run_ssot("collect", "--json", str(out), cwd=root)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "a conftest raised" in proc.stdout
    assert "tests/conftest.py:3" in proc.stdout and "RuntimeError: DATABASE_URL is not set" in proc.stdout
    m = json.loads(out.read_text(encoding="utf-8"))["measurement"]
    assert m["status"] == "conftest-error"
    assert m["errors"] == [
        {
            "path": "tests/conftest.py",
            "nodeid": None,
            "stage": "conftest",
            "exc_type": "RuntimeError",
            "message": "DATABASE_URL is not set",
            "line": 3,
        }
    ]
    no_traceback(proc)


def test_a_collection_that_hangs_is_stopped_and_located(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        {
            "tests/conftest.py": "",
            "tests/test_a.py": "def test_a():\n    pass\n",
            "tests/test_stuck.py": "import time\n\nwhile True:\n    time.sleep(0.05)\n",
        },
    )
    out = tmp_path / "p.json"
    start = time.monotonic()
    proc = run_ssot("collect", "--timeout", "3", "--json", str(out), cwd=root)
    assert time.monotonic() - start < 30
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "did not finish" in proc.stdout
    m = json.loads(out.read_text(encoding="utf-8"))["measurement"]
    assert m["status"] == "timeout" and m["complete"] is False
    assert m["hang"]["collecting"] == "tests/test_stuck.py"
    assert m["hang"]["stack"][-1]["path"] == "tests/test_stuck.py" and m["hang"]["stack"][-1]["line"] in (3, 4)
    assert 3 <= m["wall_seconds"] < 20
    no_traceback(proc)


def test_a_suite_with_zero_tests(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        {
            "tests/test_helpers.py": "def helper():\n    return 1\n",
            "tests/checks.py": "def test_in_a_file_pytest_skips():\n    assert True\n",
        },
    )
    out = tmp_path / "p.json"
    proc = run_ssot("collect", "--json", str(out), cwd=root)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "no tests collected" in proc.stdout
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["measurement"]["status"] == "no-tests"
    (never,) = data["analysis"]["never_run"]
    assert (never["path"], never["name"], never["kind"]) == (
        "tests/checks.py",
        "test_in_a_file_pytest_skips",
        "unmatched-file",
    )
    no_traceback(proc)


def test_broken_files_are_listed_with_their_errors(suite_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root, truth = suite_factory("--files", "20", "--broken", "4")
    out = tmp_path / "p.json"
    proc = run_ssot("collect", "--json", str(out), cwd=root)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    m = json.loads(out.read_text(encoding="utf-8"))["measurement"]
    assert m["status"] == "collection-errors"
    errors = {e["path"]: e for e in m["errors"]}
    assert set(errors) == set(truth["expected"]["broken_files"])
    for path, e in errors.items():
        text = (root / path).read_text(encoding="utf-8")
        if "missing_module" in text:
            assert (e["exc_type"], e["message"]) == ("ModuleNotFoundError", "No module named 'app.missing_module'")
        else:
            assert e["exc_type"] == "SyntaxError" and e["line"] == 1
        assert path in proc.stdout
    assert m["tests"] == truth["expected"]["tests_collected"]
    no_traceback(proc)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["collect", "--", "--no-such-pytest-option"], "pytest rejected the arguments"),
        (["collect", "no/such/dir"], "no/such/dir: no such file or directory"),
        (["collect", "--python", "/no/such/python"], "no such interpreter"),
        (["collect", "--timeout", "0"], "must be a number of seconds"),
    ],
)
def test_usage_errors(tmp_path: Path, args: list[str], needle: str) -> None:
    root = project(tmp_path, {"tests/test_a.py": "def test_a():\n    pass\n"})
    proc = run_ssot(*args, cwd=root)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert needle in proc.stderr
    no_traceback(proc)


def test_load_rejects_what_is_not_a_profile(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    for text, needle in (
        ("{not json", "not JSON"),
        ('{"schema": "other"}', "not an ssot collection profile"),
        ('{"schema": "ssot-collect-profile", "version": 99}', "version 99 is not supported"),
        ('{"schema": "ssot-collect-profile", "version": 1, "measurement": {}}', "malformed"),
    ):
        bad.write_text(text, encoding="utf-8")
        proc = run_ssot("collect", "--load", str(bad), cwd=tmp_path)
        assert proc.returncode == 2 and needle in proc.stderr, (text, proc.stderr)
        no_traceback(proc)


def test_a_folder_conftest_that_raises_during_collection(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        {
            "tests/test_ok.py": "def test_ok():\n    pass\n",
            "tests/unit/conftest.py": "x = 1\nraise ImportError('no fixtures for you')\n",
            "tests/unit/test_u.py": "def test_u():\n    pass\n",
        },
    )
    out = tmp_path / "p.json"
    proc = run_ssot("collect", "--json", str(out), cwd=root)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    m = json.loads(out.read_text(encoding="utf-8"))["measurement"]
    assert m["status"] == "collection-errors" and m["tests"] == 1
    (e,) = m["errors"]
    assert (e["path"], e["line"], e["exc_type"], e["message"]) == (
        "tests/unit/conftest.py",
        2,
        "ImportError",
        "no fixtures for you",
    )
    assert "tests/unit/conftest.py:2" in proc.stdout
    no_traceback(proc)


def test_skipped_modules_and_deselected_tests(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        {
            "tests/test_docker.py": "import pytest\n\npytest.skip('needs docker', allow_module_level=True)\n",
            "tests/test_optional.py": "import pytest\n\npytest.importorskip('no_such_optional_dependency')\n",
            "tests/test_a.py": "def test_alpha():\n    pass\n\n\ndef test_beta():\n    pass\n",
        },
    )
    out = tmp_path / "p.json"
    proc = run_ssot("collect", "--json", str(out), "--", "-k", "alpha", cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    m = json.loads(out.read_text(encoding="utf-8"))["measurement"]
    assert (m["tests"], m["deselected"]) == (1, 1)
    skipped = {s["path"]: s["reason"] for s in m["skipped"]}
    assert skipped["tests/test_docker.py"] == "needs docker"
    assert "no_such_optional_dependency" in skipped["tests/test_optional.py"]
    assert "Skipped modules (2)" in proc.stdout and "(1 deselected)" in proc.stdout
    no_traceback(proc)
