"""The default plan on a copy of attrs, read as its maintainers would read it.

attrs's duplicated definitions are classes made inside its tests (``@attr.s(slots=True) class A`` with a
``functools.cached_property``, in seven tests marked ``skipif(not PY_3_8_PLUS)``): each is what its test
checks, made when the test runs.  Moving them into a canonical module would make them at import, on every
Python; so nothing migrates, each copy says why, and no file changes.  ``benchmarks/realcode_migrate.py``
runs the whole check (library bytes, public names, every test's outcome) on attrs, flask and httpx.

Needs attrs's sdist (``/work/realcode/attrs``); skipped, saying so, when it is missing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ssot import config
from ssot.app.migrate import MigrateRequest, migrate
from ssot.app.plan import make_plan
from ssot.migrate.plan import PlanOptions

ATTRS = Path("/work/realcode/attrs")


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.py"))}


@pytest.mark.slow
def test_the_default_plan_on_attrs_leaves_classes_made_inside_tests_where_they_are(tmp_path: Path) -> None:
    if not ATTRS.is_dir():
        pytest.skip("attrs sdist not at /work/realcode/attrs (../shared/realcode/fetch.py --only attrs)")
    root = tmp_path / "attrs"
    shutil.copytree(ATTRS, root, symlinks=True, ignore=shutil.ignore_patterns(".ssot", ".ssot_cache"))
    before = snapshot(root)
    planned = make_plan(config.load(root), PlanOptions())
    [a] = [f for f in planned.plan.families if f.name == "A" and any(
        b.definition.path == "tests/test_slots.py" for b in f.blocked)]
    assert len(a.blocked) >= 15 and not a.steps
    assert {b.reason for b in a.blocked} == {"test-local"}
    assert all(b.definition.qualname.startswith("test_slots_") for b in a.blocked)
    assert not [s for f in planned.plan.families for s in f.steps]
    migration = migrate(config.load(root), PlanOptions(), MigrateRequest(validate="syntax"))
    assert migration.nothing and snapshot(root) == before
