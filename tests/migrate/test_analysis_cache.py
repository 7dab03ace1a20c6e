"""The plan keeps each file's analysis between runs (``<cache_dir>/plan-analysis.pickle``): the same bytes
and the same questions get the stored answer, anything else is analysed again."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from ssot import config
from ssot.app.plan import make_plan
from ssot.migrate.analysis_cache import CACHE_FILE, CACHE_VERSION, AnalysisCache
from ssot.migrate.plan import PlanOptions, _Analysis
from ssot.migrate.render import plan_to_dict
from testkit import small_project


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return small_project(tmp_path / "proj")


def plan_doc(root: Path, use_cache: bool = True) -> dict:
    return plan_to_dict(make_plan(config.load(root), PlanOptions(check_import=False), use_cache=use_cache).plan)


def blocked(doc: dict) -> set[tuple[str, str]]:
    return {(b["path"], b["reason"]) for f in doc["families"] for b in f["cannot_migrate"]}


def poison(root: Path, rel: str, reason: str) -> None:
    """Give every analysis of ``rel`` in the cache the answer ``reason`` (the plan can only show it from there)."""
    cache = AnalysisCache(config.load(root).cache_path)
    entries = cache._entries
    key, info = entries[rel]
    info.analyses = {where: _Analysis(reason, "from the cache") for where in info.analyses}
    cache.put(rel, key, info)
    cache.save()


def test_a_second_plan_is_the_same_and_reads_the_cache(project: Path) -> None:
    first = plan_doc(project)
    assert (config.load(project).cache_path / CACHE_FILE).is_file()
    assert plan_doc(project) == first
    assert not blocked(first)
    poison(project, "tests/test_b.py", "local-dependency")
    assert ("tests/test_b.py", "local-dependency") in blocked(plan_doc(project))  # the stored answer was used


def test_an_edited_file_is_analysed_again(project: Path) -> None:
    plan_doc(project)
    poison(project, "tests/test_b.py", "local-dependency")
    test_b = project / "tests" / "test_b.py"
    test_b.write_text(test_b.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert ("tests/test_b.py", "local-dependency") not in blocked(plan_doc(project))


def test_no_cache_neither_reads_nor_writes_it(project: Path) -> None:
    plan_doc(project)
    poison(project, "tests/test_b.py", "local-dependency")
    stored = (config.load(project).cache_path / CACHE_FILE).read_bytes()
    doc = plan_doc(project, use_cache=False)
    assert not blocked(doc)
    assert (config.load(project).cache_path / CACHE_FILE).read_bytes() == stored


class _Runs:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return os.system, ("echo pwned > pwned.txt",)


@pytest.mark.parametrize("content", [
    b"not a pickle",
    pickle.dumps(("plan-analysis-0-old", {})),
    pickle.dumps((CACHE_VERSION, {"tests/test_b.py": (("x", ()), _Runs())})),
], ids=["damaged", "another-version", "foreign-class"])
def test_a_cache_that_does_not_load_is_ignored_and_rebuilt(project: Path, content: bytes) -> None:
    expected = plan_doc(project, use_cache=False)
    path = config.load(project).cache_path / CACHE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    assert plan_doc(project) == expected
    assert not (project / "pwned.txt").exists()
    assert AnalysisCache(path.parent).get("tests/test_b.py", ("x", ())) is None
    assert path.read_bytes() != content  # rebuilt
