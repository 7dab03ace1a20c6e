"""``ssot fix collection-warnings``: LibCST, every other byte kept, dry run by default."""

from __future__ import annotations

import hashlib
import json
import textwrap
from pathlib import Path

import pytest

from ssot.pytest_config import PytestConfig
from ssot.rewrite.collection_warnings import fix_collection_warnings, fix_source

from .conftest import Suite, run_pytest, run_ssot

PCFG = PytestConfig()


def fix(src: str, newline: str = "\n", encoding: str = "utf-8"):  # type: ignore[no-untyped-def]
    text = textwrap.dedent(src).replace("\n", newline)
    return fix_source(text.encode(encoding), "tests/test_x.py", PCFG)


def test_a_helper_gets_dunder_test_false_after_its_docstring_and_nothing_else_changes() -> None:
    src = """\
        import asyncio


        class TestWebSocketConnection:
            # copied from the websocket suite; keep in sync
            \'\'\'Real WebSocket connection for testing instead of mocks.\'\'\'

            def __init__(self):
                self.messages_sent = []   # odd   spacing kept

            async def send_json(self, message: dict):
                self.messages_sent.append(message)


        def test_send():
            assert asyncio
        """
    f = fix(src)
    (a,) = f.actions
    assert (a.action, a.qualname, a.line) == ("silence", "TestWebSocketConnection", 4)
    before, after = f.before.decode().splitlines(), f.after.decode().splitlines()
    assert after == [*before[:6], "    __test__ = False", *before[6:]]


def test_helpers_without_docstring_and_one_liners() -> None:
    f = fix("class TestHelper:\n    def __init__(self):\n        pass\n\n\nclass TestTiny: __new__ = object.__new__\n")
    assert f.after.decode() == (
        "class TestHelper:\n    __test__ = False\n    def __init__(self):\n        pass\n\n\n"
        "class TestTiny: __new__ = object.__new__\n"
    )  # __new__ as an attribute: no def
    g = fix("class TestTiny:\n    def __new__(cls): return object.__new__(cls)\n")
    assert g.after.decode() == (
        "class TestTiny:\n    __test__ = False\n    def __new__(cls): return object.__new__(cls)\n"
    )


def test_a_real_test_class_is_revived_with_setup_method() -> None:
    f = fix('''\
        class TestLifecycleManager:
            """Startup phases."""

            def __init__(self):
                self.manager = {"phases": ["init"]}

            def test_phase_init(self):
                assert self.manager["phases"].index("init") >= 0
        ''')
    (a,) = f.actions
    assert a.action == "revive" and a.tests == ["test_phase_init"]
    assert "have never run before" in a.message
    assert f.after.decode() == f.before.decode().replace("def __init__(self):", "def setup_method(self):")


@pytest.mark.parametrize(
    ("src", "why"),
    [
        (
            "class TestA:\n    def __init__(self, db):\n        self.db = db\n    def test_a(self):\n        pass\n",
            "takes parameters (db)",
        ),
        (
            "class TestA:\n    def __init__(self):\n        pass\n    def setup_method(self):\n        pass\n"
            "    def test_a(self):\n        pass\n",
            "already has a setup_method",
        ),
        (
            "class Base:\n    def __init__(self):\n        pass\n\n"
            "class TestA(Base):\n    def test_a(self):\n        pass\n",
            "inherited",
        ),
        (
            "class TestConn:\n    def __init__(self):\n        pass\n\n        def test_hidden():\n            pass\n",
            "hides 1 test inside TestConn.__init__ (lines 5)",
        ),
        (
            "class TestBase:\n    def __init__(self):\n        pass\n\nclass TestChild(TestBase):\n"
            "    __test__ = True\n    def test_a(self):\n        pass\n",
            "TestChild inherit from it",
        ),
    ],
)
def test_what_it_cannot_revive_it_reports_and_leaves_alone(src: str, why: str) -> None:
    f = fix(src)
    assert f.actions and all(a.action == "report" for a in f.actions)
    assert any(why in a.message for a in f.actions)
    assert f.after == f.before


def test_classes_pytest_does_not_see_are_untouched() -> None:
    src = """\
        import pytest
        import unittest


        @pytest.fixture
        def ws():
            class TestWebSocketConnection:
                def __init__(self):
                    pass
            return TestWebSocketConnection()


        class MockWebSocketConnection:
            def __init__(self):
                pass


        class TestAlreadyQuiet:
            __test__ = False

            def __init__(self):
                pass


        class TestCaseStyle(unittest.TestCase):
            def __init__(self, *args):
                super().__init__(*args)
        """
    f = fix(src)
    assert f.actions == [] and f.after == f.before


def test_crlf_and_encodings_are_kept() -> None:
    src = "# -*- coding: latin-1 -*-\nclass TestH:\n    '''caf\u00e9'''\n    def __init__(self):\n        pass\n"
    f = fix(src, newline="\r\n", encoding="latin-1")
    assert f.after == f.before.replace(b"'''\r\n", b"'''\r\n    __test__ = False\r\n", 1)
    assert "café".encode("latin-1") in f.after


def test_idempotent(writable_suite: Suite) -> None:
    root, _ = writable_suite
    first = fix_collection_warnings(root, apply=True)
    assert first.written
    second = fix_collection_warnings(root, apply=False)
    assert second.changed == [] and {a.action for a in second.actions} == {"report"}


def digest(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*.py")):
        if "__pycache__" not in p.parts:
            h.update(p.read_bytes())
    return h.hexdigest()


def test_cli_dry_run_then_apply_then_pytest(writable_suite: Suite) -> None:
    root, truth = writable_suite
    helpers = truth["expected"]["collection_warnings"] - 3
    before = digest(root)
    dry = run_ssot("fix", "collection-warnings", cwd=root)
    assert dry.returncode == 1, dry.stdout + dry.stderr
    assert digest(root) == before  # a dry run writes nothing
    assert dry.stdout.count("+    __test__ = False") == helpers
    assert "+    def setup_method(self):" in dry.stdout and "-    def __init__(self):" in dry.stdout
    assert f"{helpers + 1} of " in dry.stdout and "--apply" in dry.stdout

    applied = run_ssot("fix", "collection-warnings", "--apply", "--json", cwd=root)
    assert applied.returncode == 1  # two helpers hide tests: left for a human
    result = json.loads(applied.stdout)
    actions = [a["action"] for a in result["actions"]]
    assert actions.count("silence") == helpers and actions.count("revive") == 1 and actions.count("report") == 2
    hidden = {h["path"] for h in truth["hidden_tests"] if h["name"] == "TestWebSocketConnection"}
    assert {a["path"] for a in result["actions"] if a["action"] == "report"} == hidden
    assert len(result["written"]) == helpers + 1

    ran = run_pytest("-q", cwd=root)
    expected = truth["expected"]["tests_collected"] + 5
    assert f"{expected} passed, 2 warnings" in ran.stdout, ran.stdout[-2000:]
    again = run_ssot("collect", "--json", "-", cwd=root)
    m = json.loads(again.stdout)
    assert m["measurement"]["tests"] == expected and len(m["measurement"]["warnings"]) == 2
    assert {c["kind"] for c in m["analysis"]["warning_causes"]} == {"hidden-tests"}
    assert len(m["analysis"]["never_run"]) == 7


def test_cli_paths_limit_the_fix(writable_suite: Suite) -> None:
    root, _ = writable_suite
    target = "tests/integration/test_lifecycle_manager.py"
    proc = run_ssot("fix", "collection-warnings", target, "--apply", cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 of 1 test files changed" in proc.stdout and "5 tests that never ran before" in proc.stdout
    assert "def setup_method(self):" in (root / target).read_text(encoding="utf-8")


def test_parallel_planning_gives_the_same_result(small_suite: Suite, monkeypatch: pytest.MonkeyPatch) -> None:
    import ssot.rewrite.collection_warnings as cw

    root, _ = small_suite
    serial = fix_collection_warnings(root, jobs=1)
    monkeypatch.setattr(cw, "_PARALLEL_MIN_FILES", 1)
    parallel = fix_collection_warnings(root, jobs=2)
    assert serial.scanned == parallel.scanned
    assert [(f.path, f.after) for f in sorted(serial.files, key=lambda f: f.path)] == [
        (f.path, f.after) for f in sorted(parallel.files, key=lambda f: f.path)
    ]
