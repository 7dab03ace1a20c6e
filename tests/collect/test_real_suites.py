"""``ssot collect`` on the shapes real suites have (issue 8, item 8): no false "never run" finding.

A small project written the way Flask, attrs or pydantic write their tests: route handlers named ``test*``
inside an app factory, fixtures named ``test_user``, classes made and returned by a function, data classes
named ``Test*``, a typing example that python_files does not select, a lost test outside the path asked for,
and an early stop with ``-x``.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from .conftest import run_pytest, run_ssot

FILES = {
    "pyproject.toml": '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n',
    "tests/__init__.py": "",
    "tests/conftest.py": """\
        import pytest


        @pytest.fixture
        def test_user():
            return {"name": "ann"}
        """,
    "tests/test_app.py": """\
        import pytest


        class App:
            def __init__(self):
                self.routes = {}

            def route(self, rule):
                def register(view):
                    self.routes[rule] = view
                    return view

                return register


        @pytest.fixture
        def app():
            app = App()

            @app.route("/test")
            def test_view():
                return "ok"

            @app.route("/other")
            def test_other():
                return "other"

            return app


        @pytest.fixture
        def test_client(app):
            return app.routes


        def make_tests(base):
            class TestGenerated(base):
                def test_generated(self):
                    assert self.value == 1

            return TestGenerated


        class Base:
            value = 1


        TestFromFactory = make_tests(Base)


        def test_routes(test_client, test_user):
            assert test_client["/test"]() == "ok" and test_user["name"] == "ann"


        def helper():
            def test_lost():
                assert False
        """,
    "tests/test_models.py": """\
        import enum
        from dataclasses import dataclass
        from typing import NamedTuple


        @dataclass
        class TestConfig:
            name: str = "x"


        class TestPoint(NamedTuple):
            x: int


        class TestKind(enum.Enum):
            A = 1


        def test_config():
            assert TestConfig().name == "x" and TestPoint(1).x == 1 and TestKind.A.value == 1
        """,
    "tests/typing_example.py": """\
        from dataclasses import dataclass


        def test(cls: type) -> None:
            dataclass(cls)
        """,
    "tests/other/__init__.py": "",
    "tests/other/test_other.py": """\
        def test_one():
            pass


        def outer():
            def test_hidden_elsewhere():
                pass
        """,
}


def write_project(root: Path, files: dict[str, str] = FILES) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def collect_json(root: Path, *args: str, pytest_args: tuple[str, ...] = ()) -> tuple[int, dict[str, Any]]:
    proc = run_ssot("collect", *args, "--json", "-", *(("--", *pytest_args) if pytest_args else ()), cwd=root)
    assert proc.stdout.strip(), proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def test_only_lost_tests_are_reported(tmp_path: Path) -> None:
    root = write_project(tmp_path)
    code, data = collect_json(root)
    a = data["analysis"]
    assert [(t["path"], t["line"], t["name"]) for t in a["never_run"]] == [
        ("tests/other/test_other.py", 6, "test_hidden_elsewhere"),
        ("tests/test_app.py", 56, "test_lost"),
    ]
    # the data types named Test* are named for what they are, each with what gives it its constructor
    causes = [c for c in a["warning_causes"] if c["kind"] == "data-class"]  # one per constructor (__init__, __new__)
    assert {n for c in causes for n in c["classes"]} == {"TestConfig", "TestPoint", "TestKind"}
    assert all(c["fixable"] for c in causes)
    fixes = " ".join(c["fix"] for c in causes)
    assert "@dataclass" in fixes and "NamedTuple" in fixes and "Enum" in fixes
    assert not [c for c in a["warning_causes"] if c["kind"] == "unknown-class"]
    assert code == 0


def test_only_the_paths_asked_for_are_reported(tmp_path: Path) -> None:
    root = write_project(tmp_path)
    _, data = collect_json(root, "tests/other")
    assert [t["path"] for t in data["analysis"]["never_run"]] == ["tests/other/test_other.py"]
    _, data = collect_json(root, "tests/test_app.py")
    assert [t["name"] for t in data["analysis"]["never_run"]] == ["test_lost"]


def test_fix_silences_the_data_classes_and_pytest_then_has_nothing_to_say(tmp_path: Path) -> None:
    root = write_project(tmp_path)
    proc = run_ssot("fix", "collection-warnings", "--apply", cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = (root / "tests/test_models.py").read_text(encoding="utf-8")
    assert text.count("__test__ = False") == 3
    assert "@dataclass\nclass TestConfig:\n    __test__ = False\n    name: str" in text
    after = run_pytest("-q", "-W", "error::pytest.PytestCollectionWarning", cwd=root)
    assert after.returncode == 0 and "4 passed" in after.stdout, after.stdout  # TestFromFactory's test too
    assert "warning" not in after.stdout.splitlines()[-1]


@pytest.mark.parametrize("stop", [["-x"], ["--maxfail=1"]])
def test_an_early_stop_is_reported_as_incomplete_with_what_was_not_collected(tmp_path: Path, stop: list[str]) -> None:
    files = {f"tests/test_{i}.py": "def test_a():\n    pass\n" for i in range(1, 6)}
    files["tests/test_2.py"] = "import not_installed_anywhere\n"
    root = write_project(tmp_path, files)
    code, data = collect_json(root, pytest_args=tuple(stop))
    m = data["measurement"]
    assert m["status"] == "stopped" and "stopping after 1 failures" in m["stop_reason"]
    assert code == 3  # PARTIAL, like any incomplete collection
    (d,) = [d for d in data["analysis"]["diagnoses"] if d["rule"] == "collection-stopped"]
    assert d["paths"] == ["tests/test_3.py", "tests/test_4.py", "tests/test_5.py"]
    assert "2 of about 5 test files collected" in d["title"]
    code, data = collect_json(root)  # without the stop: every file, and the error
    assert data["measurement"]["status"] == "collection-errors" and data["measurement"]["tests"] == 4


def test_doctest_modules_do_not_make_a_module_look_empty(tmp_path: Path) -> None:
    """--doctest-modules gives each file a second collector (DoctestModule) with no tests: not an empty module."""
    files = {
        "pyproject.toml": '[tool.pytest.ini_options]\ntestpaths = ["tests"]\naddopts = "--doctest-modules"\n',
        "tests/test_a.py": "def test_a():\n    pass\n\n\ndef test_b():\n    pass\n",
    }
    root = write_project(tmp_path, files)
    code, data = collect_json(root)
    assert code == 0 and data["measurement"]["tests"] == 2
    assert [e["path"] for e in data["measurement"]["files"]] == ["tests/test_a.py", "tests/test_a.py"]
    assert data["analysis"]["empty_modules"] == []
    assert not [d for d in data["analysis"]["diagnoses"] if d["rule"] == "empty-test-module"]


def test_classes_a_plugin_collects_are_not_lost(tmp_path: Path) -> None:
    """SQLAlchemy's plugin collects ``*Test`` classes through pytest_pycollect_makeitem: they are no finding."""
    files = {
        "pyproject.toml": '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n',
        "tests/conftest.py": """\
            import inspect

            import pytest


            def pytest_pycollect_makeitem(collector, name, obj):
                if inspect.isclass(obj) and name.endswith("Test"):
                    return pytest.Class.from_parent(collector, name=name)
                return None
            """,
        "tests/test_orm.py": """\
            class MergeTest:
                def test_merge(self):
                    pass

                def test_merge_again(self):
                    pass


            class Helpers:
                def test_never(self):
                    pass
            """,
    }
    root = write_project(tmp_path, files)
    code, data = collect_json(root)
    assert code == 0 and data["measurement"]["tests"] == 2
    (f,) = data["measurement"]["files"]
    assert f["names"] == ["test_merge", "test_merge_again"]
    assert [(t["container"], t["name"]) for t in data["analysis"]["never_run"]] == [("Helpers", "test_never")]


def test_a_timeout_after_the_files_were_collected_says_where_and_concludes_nothing_about_them(tmp_path: Path) -> None:
    """SymPy's suite: hypothesis's pytest_collection_modifyitems parsed every module until the timeout."""
    files = {
        "pyproject.toml": '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n',
        "tests/conftest.py": "import time\n\n\ndef pytest_collection_modifyitems(items):\n    time.sleep(60)\n",
        "tests/test_a.py": "def test_a():\n    pass\n",
    }
    root = write_project(tmp_path, files)
    proc = run_ssot("collect", "--timeout", "4", "--json", "-", cwd=root)
    data = json.loads(proc.stdout)
    assert proc.returncode == 3 and data["measurement"]["status"] == "timeout"
    (d,) = [d for d in data["analysis"]["diagnoses"] if d["rule"] == "collection-timeout"]
    assert d["title"].endswith("stuck at tests/conftest.py:5")
    where = "after pytest had collected 1 file, in tests/conftest.py:5 pytest_collection_modifyitems()"
    assert d["detail"].startswith(where)
    assert data["analysis"]["empty_modules"] == [] and data["analysis"]["never_run"] == []


def test_a_module_whose_tests_are_all_deselected_is_not_empty(tmp_path: Path) -> None:
    """SymPy deselects its @slow tests: test_laplace.py collects items, all deselected; it is not empty."""
    files = {
        "pyproject.toml": '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n',
        "tests/conftest.py": """\
            def pytest_collection_modifyitems(config, items):
                slow = [i for i in items if i.name.startswith("test_slow")]
                items[:] = [i for i in items if i not in slow]
                config.hook.pytest_deselected(items=slow)
            """,
        "tests/test_fast.py": "def test_fast():\n    pass\n",
        "tests/test_laplace.py": "def test_slow_a():\n    pass\n\n\ndef test_slow_b():\n    pass\n",
    }
    root = write_project(tmp_path, files)
    code, data = collect_json(root)
    assert code == 0 and data["measurement"]["tests"] == 1 and data["measurement"]["deselected"] == 2
    assert data["analysis"]["empty_modules"] == []
