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


# -- inherited set-up (issue 8, item 9) ------------------------------------------------------------------


def test_the_base_setup_method_is_called_first_and_super_init_goes() -> None:
    f = fix('''\
        class Base:
            def setup_method(self, method):
                self.db = "db"


        class TestOrders(Base):
            def __init__(self):
                """Per-test state."""
                super().__init__()
                self.orders = []

            def test_empty(self):
                assert self.orders == [] and self.db == "db"
        ''')
    (a,) = f.actions
    assert a.action == "revive" and "calls the inherited Base.setup_method first" in a.message
    assert f.after.decode().splitlines()[6:10] == [
        "    def setup_method(self, method):",
        '        """Per-test state."""',
        "        super().setup_method(method)",
        "        self.orders = []",
    ]


@pytest.mark.parametrize(
    ("base", "call"),
    [
        ("class Base:\n    def setup_method(self):\n        self.db = 1\n", "super().setup_method()"),
        ("class Base:\n    def setUp(self):\n        self.db = 1\n", "super().setUp()"),
        (
            "class Root:\n    def setup_method(self, method=None):\n        self.db = 1\n\n"
            "class Base(Root):\n    pass\n",
            "super().setup_method(method)",
        ),
    ],
)
def test_the_inherited_setup_is_called_even_without_super_init(base: str, call: str) -> None:
    f = fix(
        base + "\n\nclass TestA(Base):\n    def __init__(self):\n        self.x = 1\n\n    def test_a(self):\n"
        "        assert self.db == 1\n"
    )
    (a,) = [x for x in f.actions if x.qualname == "TestA"]
    assert a.action == "revive"
    after = f.after.decode()
    signature = "(self, method)" if "(method)" in call else "(self)"
    assert f"def setup_method{signature}:\n        {call}\n        self.x = 1" in after


def test_a_base_without_setup_keeps_the_plain_rename_and_super_init_is_dropped() -> None:
    f = fix(
        "class Base:\n    value = 1\n\n\nclass TestA(Base):\n    def __init__(self):\n        super(TestA, self)"
        ".__init__()\n\n    def test_a(self):\n        pass\n"
    )
    assert f.after.decode() == (
        "class Base:\n    value = 1\n\n\nclass TestA(Base):\n    def setup_method(self):\n        pass\n\n"
        "    def test_a(self):\n        pass\n"
    )


@pytest.mark.parametrize(
    ("src", "why"),
    [
        (
            "from somelib import Base\n\nclass TestA(Base):\n    def __init__(self):\n        self.x = 1\n"
            "    def test_a(self):\n        pass\n",
            "its base Base is defined where ssot cannot read it",
        ),
        (
            "class Base:\n    def __init__(self):\n        self.y = 2\n\nclass TestA(Base):\n    def __init__(self):\n"
            "        super().__init__()\n    def test_a(self):\n        pass\n",
            "its base Base (tests/test_x.py) has a __init__ too",
        ),
        (
            "class Base:\n    pass\n\nclass TestA(Base):\n    def __init__(self):\n        super().__init__(3)\n"
            "    def test_a(self):\n        pass\n",
            "passes arguments to the base's __init__",
        ),
    ],
)
def test_what_would_lose_inherited_setup_is_reported(src: str, why: str) -> None:
    f = fix(src)
    (a,) = [x for x in f.actions if x.qualname == "TestA"]
    assert a.action == "report" and why in a.message, a.message
    assert f.after == f.before


def test_a_base_imported_from_the_project_is_read(tmp_path: Path) -> None:
    (tmp_path / "tests" / "helpers").mkdir(parents=True)
    (tmp_path / "tests" / "__init__.py").write_text("")
    (tmp_path / "tests" / "helpers" / "__init__.py").write_text("")
    (tmp_path / "tests" / "helpers" / "bases.py").write_text(
        "class DbBase:\n    def setup_method(self, method):\n        self.db = {'ready': True}\n"
    )
    (tmp_path / "tests" / "test_orders.py").write_text(
        "from .helpers.bases import DbBase as Base\n\n\nclass TestOrders(Base):\n    def __init__(self):\n"
        "        super().__init__()\n        self.orders = []\n\n    def test_ready(self):\n"
        "        assert self.db['ready'] and self.orders == []\n"
    )
    (tmp_path / "tests" / "test_abs.py").write_text(
        "from tests.helpers.bases import DbBase\n\n\nclass TestAbs(DbBase):\n    def __init__(self):\n"
        "        self.n = 0\n\n    def test_ready(self):\n        assert self.db['ready'] and self.n == 0\n"
    )
    before = run_pytest("-q", cwd=tmp_path)
    assert "2 warnings in" in before.stdout and "passed" not in before.stdout, before.stdout
    result = fix_collection_warnings(tmp_path, apply=True)
    assert sorted(a.action for a in result.actions) == ["revive", "revive"], [a.message for a in result.actions]
    assert "super().setup_method(method)" in (tmp_path / "tests" / "test_orders.py").read_text()
    after = run_pytest("-q", cwd=tmp_path)
    assert after.returncode == 0 and "2 passed" in after.stdout and "warning" not in after.stdout, after.stdout


# -- through the journal -----------------------------------------------------------------------------------


def test_apply_is_a_journaled_run_that_rollback_undoes(writable_suite: Suite) -> None:
    root, _ = writable_suite
    before = {p: p.read_bytes() for p in root.rglob("*.py")}
    applied = run_ssot("fix", "collection-warnings", "--apply", "--json", cwd=root)
    result = json.loads(applied.stdout)
    run_id = result["run"]
    assert run_id and result["written"]
    changed = {p for p, data in before.items() if p.read_bytes() != data}
    assert {str(p.relative_to(root)) for p in changed} == set(result["written"])

    runs = json.loads(run_ssot("runs", "--json", cwd=root).stdout)
    (run,) = runs["runs"]
    assert (run["id"], run["command"], run["state"]) == (run_id, "fix", "complete")
    assert sorted(run["changed"]) == sorted(result["written"])

    back = run_ssot("rollback", cwd=root)
    assert back.returncode == 0, back.stdout + back.stderr
    assert {p: p.read_bytes() for p in root.rglob("*.py")} == before  # byte for byte
    assert json.loads(run_ssot("runs", "--json", cwd=root).stdout)["runs"][0]["state"] == "rolled back"


def test_a_file_changed_between_plan_and_write_stops_the_batch_and_restores_it(writable_suite: Suite) -> None:
    import ssot.rewrite.collection_warnings as cw
    from ssot.errors import SsotError

    root, _ = writable_suite
    before = {p: p.read_bytes() for p in root.rglob("*.py")}
    planned = fix_collection_warnings(root, apply=False).changed
    assert len(planned) > 2
    victim = root / planned[-1].path
    victim.write_bytes(victim.read_bytes() + b"# edited meanwhile\n")
    with pytest.raises(SsotError, match="nothing was changed"):
        cw.write_through_journal(root, planned)
    expected = dict(before)
    expected[victim] = before[victim] + b"# edited meanwhile\n"
    assert {p: p.read_bytes() for p in root.rglob("*.py")} == expected


def test_only_calls_of_the_base_init_are_dropped() -> None:
    f = fix(
        "class Base:\n    pass\n\n\nclass TestA(Base):\n    def __init__(self):\n        Base.__init__(self)\n"
        "        self.conn = Conn()\n        self.conn.__init__()\n\n    def test_a(self):\n        pass\n"
    )
    assert f.after.decode().splitlines()[5:8] == [
        "    def setup_method(self):",
        "        self.conn = Conn()",
        "        self.conn.__init__()",
    ]
