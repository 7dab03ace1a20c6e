"""A class or function defined inside a test is made when the test runs, under the test's marks and fixtures,
and is usually what the test checks: such copies stay (``test-local``).  The same helper local to a fixture
migrates as before.

Seen on attrs: ``tests/test_slots.py`` defines ``@attr.s(slots=True) class A`` with a
``functools.cached_property`` inside seven tests marked ``skipif(not PY_3_8_PLUS)``; in a canonical module
the class would be made at import, on every Python, for every test.
"""

from __future__ import annotations

from pathlib import Path

from ssot import config
from ssot.app.migrate import MigrateRequest, migrate
from ssot.app.plan import make_plan
from ssot.exitcodes import OK
from ssot.migrate.plan import PlanOptions
from testkit import write_tree

LOCAL = '''
        class Recorder:
            def __init__(self, limit):
                self.limit = limit
                self.seen = []

            def record(self, item):
                if len(self.seen) >= self.limit:
                    raise OverflowError(item)
                self.seen.append(item)
                return len(self.seen)
'''


def module(n: int) -> str:
    indent = LOCAL.replace("\n        ", "\n    ")
    return f'''import unittest

import pytest


@pytest.fixture
def recorder():{indent}
    return Recorder(3)


def test_local_{n}():{indent}
    assert Recorder(1).record("a") == 1


class TestGroup{n}:
    def test_method(self):{LOCAL}
        assert Recorder(2).record("b") == 1

    def helper(self):{LOCAL}
        return Recorder(4)

    def test_uses(self, recorder):
        assert recorder.record("c") == 1 and self.helper().limit == 4


class Checks{n}(unittest.TestCase):  # collected whatever its name, as django's `...Tests` classes are
    def test_in_case(self):{LOCAL}
        self.assertEqual(Recorder(1).record("d"), 1)
'''


def project(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "proj", {
        "pyproject.toml": "[tool.ssot]\nmin_tokens = 1\n\n[tool.pytest.ini_options]\ntestpaths = ['tests']\n",
        "tests/__init__.py": "",
        **{f"tests/test_{n}.py": module(n) for n in range(3)},
    })


def test_copies_inside_tests_stay_and_copies_inside_fixtures_and_helpers_migrate(tmp_path: Path) -> None:
    root = project(tmp_path)
    planned = make_plan(config.load(root), PlanOptions())
    [family] = [f for f in planned.plan.families if f.name == "Recorder"]
    stays = {(b.definition.path, b.definition.qualname): b for b in family.blocked}
    for n in range(3):
        local = stays[(f"tests/test_{n}.py", f"test_local_{n}.<locals>.Recorder")]
        assert local.reason == "test-local" and f"inside the test test_local_{n}" in local.detail
        method = stays[(f"tests/test_{n}.py", f"TestGroup{n}.test_method.<locals>.Recorder")]
        assert method.reason == "test-local" and f"TestGroup{n}.test_method" in method.detail
        in_case = stays[(f"tests/test_{n}.py", f"Checks{n}.test_in_case.<locals>.Recorder")]
        assert in_case.reason == "test-local"
    moved = {(s.definition.path, s.definition.qualname) for s in family.steps}
    assert ("tests/test_1.py", "recorder.<locals>.Recorder") in moved
    assert ("tests/test_2.py", "TestGroup2.helper.<locals>.Recorder") in moved
    assert not {q for _, q in moved if ".test_" in q or q.startswith("test_")}

    migration = migrate(config.load(root), PlanOptions(), MigrateRequest(validate="tests"))
    assert migration.exit_code == OK, [(b.status, b.error) for b in migration.result.batches]
    text = (root / "tests" / "test_0.py").read_text(encoding="utf-8")
    assert text.count("class Recorder:") == 3  # the three inside tests, where they were
