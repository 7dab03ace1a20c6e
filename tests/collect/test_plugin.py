"""The pytest plugin: inert without its option, complete with it, importable without ssot's dependencies."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import textwrap
from importlib import metadata
from pathlib import Path

import jsonschema
import pytest

from ssot.collect.schema import profile_schema

from .conftest import SRC, run_pytest

PLUGIN_ARGS = ("-p", "no:ssot", "-p", "ssot.collect.plugin")
PLUGIN_FILES = ["plugin.py", "recorder.py", "importtimer.py", "protocol.py", "__init__.py"]


def tiny_project(root: Path) -> Path:
    (root / "tests").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[tool.pytest.ini_options]\ntestpaths = ["tests"]\n', encoding="utf-8")
    (root / "slowdep.py").write_text("import time\ntime.sleep(0.05)\n", encoding="utf-8")
    (root / "tests" / "conftest.py").write_text(
        textwrap.dedent("""\
        import sys

        ACTIVE_AT_CONFTEST_IMPORT = any(type(f).__name__ == "ImportTimer" for f in sys.meta_path)


        def pytest_report_header(config):
            recorder = config.pluginmanager.get_plugin("ssot-collect-recorder")
            return f"ssot-state: timer={ACTIVE_AT_CONFTEST_IMPORT} recorder={recorder is not None}"
        """),
        encoding="utf-8",
    )
    (root / "tests" / "test_one.py").write_text(
        textwrap.dedent("""\
        import slowdep


        def test_a():
            assert slowdep


        class TestHelper:
            def __init__(self):
                pass
        """),
        encoding="utf-8",
    )
    return root


def test_inert_without_the_option(tmp_path: Path) -> None:
    root = tiny_project(tmp_path)
    proc = run_pytest(*PLUGIN_ARGS, cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ssot-state: timer=False recorder=False" in proc.stdout
    assert not list(root.rglob("*.json"))


def test_records_a_profile_with_the_option(tmp_path: Path) -> None:
    root = tiny_project(tmp_path)
    out = tmp_path / "prof" / "p.json"
    proc = run_pytest(*PLUGIN_ARGS, f"--ssot-profile={out}", cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ssot-state: timer=True recorder=True" in proc.stdout  # active before the conftests load
    data = json.loads(out.read_text(encoding="utf-8"))
    jsonschema.validate(data, profile_schema())
    m = data["measurement"]
    assert m["status"] == "ok" and m["complete"] is True and m["tests"] == 1
    assert m["clock"] in ("process", "plugin")
    marks = m["marks"]
    order = ["activated", "configured", "session_start", "collection_start", "collection_finish", "session_finish"]
    assert [marks[k] for k in order] == sorted(marks[k] for k in order)
    (f,) = m["files"]
    assert f["path"] == "tests/test_one.py" and f["tests"] == 1
    assert 0.05 <= f["import_seconds"] <= f["seconds"]  # the slow dependency is part of the file's import
    imports = {i["module"]: i for i in m["imports"]}
    assert imports["slowdep"]["parent"] == "test_one" or imports["slowdep"]["parent"].endswith("test_one")
    assert imports["slowdep"]["during"] == "tests/test_one.py"
    (w,) = m["warnings"]
    assert w["category"] == "PytestCollectionWarning" and w["path"] == "tests/test_one.py" and w["line"] == 8
    # the whole run, not only collection: the test ran and passed
    assert "1 passed" in proc.stdout


def test_import_time_warnings_and_import_errors_look_as_without_ssot(tmp_path: Path) -> None:
    """pytest's own locations for import-time warnings, and no frame of ssot's in an import error's traceback."""
    root = tiny_project(tmp_path)
    (root / "olddep.py").write_text(
        "import warnings\nwarnings.warn('olddep is deprecated', DeprecationWarning, stacklevel=2)\n", encoding="utf-8"
    )
    (root / "brokendep.py").write_text("X = 1\nraise RuntimeError('brokendep cannot start')\n", encoding="utf-8")
    (root / "tests" / "test_old.py").write_text("import os\nimport olddep\n\ndef test_b():\n    pass\n")
    (root / "tests" / "test_broken.py").write_text("import brokendep\n\ndef test_c():\n    pass\n")
    plain = run_pytest("--collect-only", "-q", cwd=root)
    out = tmp_path / "p.json"
    with_ssot = run_pytest(*PLUGIN_ARGS, "--collect-only", "-q", f"--ssot-profile={out}", cwd=root)
    data = json.loads(out.read_text(encoding="utf-8"))["measurement"]
    (w,) = [w for w in data["warnings"] if "olddep" in w["message"]]
    assert (w["path"], w["line"]) == ("tests/test_old.py", 2)  # the import line, as pytest alone says
    assert "tests/test_old.py:2: DeprecationWarning: olddep is deprecated" in with_ssot.stdout
    assert "importtimer" not in with_ssot.stdout + with_ssot.stderr
    assert str(SRC) not in with_ssot.stdout + with_ssot.stderr

    def traceback_of(text: str) -> str:
        return text[
            text.index("ImportError while importing")
            if "ImportError while" in text
            else text.index("ERROR collecting tests/test_broken.py") :
        ].split("short test summary")[0]

    assert traceback_of(with_ssot.stdout) == traceback_of(plain.stdout)
    assert "brokendep.py:2: in <module>" in traceback_of(with_ssot.stdout)


def test_a_test_run_stopped_by_x_is_not_a_stopped_collection(tmp_path: Path) -> None:
    root = tiny_project(tmp_path)
    (root / "tests" / "test_fails.py").write_text("def test_f():\n    assert False\n\ndef test_g():\n    pass\n")
    out = tmp_path / "p.json"
    proc = run_pytest(*PLUGIN_ARGS, "-x", f"--ssot-profile={out}", cwd=root)
    assert proc.returncode == 1 and "stopping after 1 failures" in proc.stdout, proc.stdout
    m = json.loads(out.read_text(encoding="utf-8"))["measurement"]
    assert m["status"] == "ok" and m["stop_reason"] is None and m["tests"] == 3


def test_entry_point_records_without_dash_p(tmp_path: Path) -> None:
    eps = [ep for ep in metadata.entry_points(group="pytest11") if ep.name == "ssot"]
    if not eps:
        pytest.skip("ssot is not installed in this environment (no pytest11 entry point)")
    assert eps[0].value == "ssot.collect.plugin"
    root = tiny_project(tmp_path)
    out = tmp_path / "p.json"
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--collect-only", "-q", f"--ssot-profile={out}"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["measurement"]["tests"] == 1


def test_works_where_ssot_dependencies_are_missing(tmp_path: Path) -> None:
    """The plugin runs in the target's interpreter: no rich, libcst, pathspec, tomli, nor the rest of ssot."""
    root = tiny_project(tmp_path)
    out = tmp_path / "p.json"
    script = textwrap.dedent(f"""\
        import sys

        BLOCKED = {{"rich", "libcst", "pathspec", "jsonschema"}}
        if sys.version_info >= (3, 11):
            BLOCKED.add("tomli")  # pytest itself reads pyproject.toml with it on 3.10

        class Blocker:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in BLOCKED:
                    raise ModuleNotFoundError(f"blocked: {{name}}", name=name)
                return None

        sys.meta_path.insert(0, Blocker())
        import pytest
        code = pytest.main(["-p", "no:cacheprovider", "-p", "no:ssot", "-p", "ssot.collect.plugin",
                            "--collect-only", "-q", {str(out)!r}.join(["--ssot-profile=", ""])])
        loaded = sorted(m for m in sys.modules if m == "ssot" or m.startswith("ssot."))
        print("SSOT-MODULES", ",".join(loaded))
        sys.exit(int(code))
        """)
    env = dict(os.environ, PYTHONPATH=str(SRC))
    proc = subprocess.run(
        [sys.executable, "-c", script], cwd=root, capture_output=True, text=True, env=env, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["measurement"]["tests"] == 1
    loaded = next(line for line in proc.stdout.splitlines() if line.startswith("SSOT-MODULES")).split(" ", 1)[1]
    assert set(loaded.split(",")) == {
        "ssot",
        "ssot.collect",
        "ssot.collect.plugin",
        "ssot.collect.recorder",
        "ssot.collect.importtimer",
        "ssot.collect.protocol",
        "ssot.errors",  # both standard library only: the profile is written through the one atomic writer
        "ssot.fsio",
    }


@pytest.mark.parametrize("name", PLUGIN_FILES)
def test_plugin_side_parses_as_python_3_8(name: str) -> None:
    """Target projects may run older interpreters than ssot needs; the plugin side must stay 3.8 syntax."""
    source = (SRC / "ssot" / "collect" / name).read_text(encoding="utf-8")
    ast.parse(source, feature_version=(3, 8))
    tree = ast.parse(source)
    for node in ast.walk(tree):  # run-time uses of 3.9+ APIs
        if isinstance(node, ast.Attribute):
            assert node.attr not in ("removeprefix", "removesuffix"), f"{name}:{node.lineno} uses 3.9+ str API"
