"""A method that uses ``super()`` without arguments (or ``__class__``) works only where it is defined in its
class body: imported into the class from a canonical module it raises ``RuntimeError: super(): __class__
cell not found``.  Such copies stay (``needs-its-class``); the others of the same classes migrate.

Seen on django: ``tests/admin_scripts/tests.py`` repeats ``def setUp(self): super().setUp(); ...``."""

from __future__ import annotations

from pathlib import Path

from ssot import config
from ssot.app.migrate import MigrateRequest, migrate
from ssot.exitcodes import OK
from ssot.migrate.plan import PlanOptions
from testkit import write_tree

CLASS = '''
import unittest


class Base(unittest.TestCase):
    def setUp(self):
        self.ready = True


class Test{n}(Base):
    def setUp(self):
        super().setUp()
        self.settings = {{"apps": ["auth", "contenttypes"], "debug": False}}
        self.settings["name"] = "alternate_settings"

    def kind_of(self, value):
        kinds = {{"int": int, "str": str}}
        for name, kind in kinds.items():
            if isinstance(value, kind):
                return name
        return "other"

    def label(self):
        parts = [__class__.__name__, self.settings["name"]]
        parts.append("ready" if self.ready else "waiting")
        return "-".join(parts)

    def test_it(self):
        assert self.ready and self.settings["apps"] == ["auth", "contenttypes"]
        assert self.kind_of(1) == "int" and self.label().startswith("Test")
{own}
'''

# what makes each class its own (so that its methods are the copies, not the whole class)
OWN = [
    "    def test_sum(self):\n        values = [1, 2, 3, 4]\n        assert sum(values) == 10\n"
    "        assert max(values) == 4 and min(values) == 1\n        assert sorted(values, reverse=True)[0] == 4\n",
    "    def test_text(self):\n        words = 'a b c'.split()\n        assert len(words) == 3\n"
    "        assert '-'.join(words) == 'a-b-c'\n        assert words[::-1] == ['c', 'b', 'a']\n",
    "    def test_mapping(self):\n        table = dict(zip('xyz', range(3)))\n        assert table['z'] == 2\n"
    "        assert list(table) == ['x', 'y', 'z']\n        assert sum(table.values()) == 3\n",
]


def test_methods_that_need_their_class_cell_stay_and_the_rest_migrate(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "proj", {
        "pyproject.toml": "[tool.ssot]\nmin_tokens = 1\n\n[tool.pytest.ini_options]\ntestpaths = ['tests']\n",
        "tests/__init__.py": "",
        **{f"tests/test_{n}.py": CLASS.format(n=n, own=OWN[n]) for n in range(3)},
    })
    migration = migrate(config.load(root), PlanOptions(), MigrateRequest(validate="tests"))
    blocked = {(f.name, b.reason) for f in migration.plan.families for b in f.blocked}
    moved = {f.name for f in migration.plan.families if f.steps}
    assert ("setUp", "needs-its-class") in blocked and ("label", "needs-its-class") in blocked
    assert "setUp" not in moved and "label" not in moved
    assert "kind_of" in moved
    assert migration.exit_code == OK, [(b.status, b.error) for b in migration.result.batches]  # the tests still pass
    text = (root / "tests" / "test_0.py").read_text(encoding="utf-8")
    assert "super().setUp()" in text and "def kind_of" not in text
