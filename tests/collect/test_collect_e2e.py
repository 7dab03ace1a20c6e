"""``ssot collect`` end to end on a generated 30-file suite, checked against the generator's ground truth."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from ssot.collect.pytestnames import matches_file
from ssot.collect.schema import profile_schema

from .conftest import run_ssot


@pytest.fixture
def collected(small_profile: dict[str, Any]) -> dict[str, Any]:
    return small_profile


def live_helper_files(truth: dict[str, Any]) -> set[str]:
    """Collected files whose module-level helper is named Test*: the ones pytest warns about."""
    fam = next(f for f in truth["families"] if f["id"] == "websocket_connection")
    return {
        m["path"]
        for m in fam["members"]
        if m["name"].startswith("Test")
        and not m["nested"]
        and not m["in_backup"]
        and matches_file(m["path"], ["test_*.py"])
    }


def test_profile_validates_against_the_schema(collected: dict[str, Any]) -> None:
    jsonschema.validate(collected["data"], profile_schema())
    assert collected["data"]["schema"] == "ssot-collect-profile" and collected["data"]["version"] == 2


def test_counts_match_the_ground_truth(collected: dict[str, Any]) -> None:
    m, truth = collected["data"]["measurement"], collected["truth"]["expected"]
    assert m["status"] == "ok"
    assert m["tests"] == truth["tests_collected"]
    assert len(m["warnings"]) == truth["collection_warnings"]
    assert sum(f["tests"] for f in m["files"]) == m["tests"]
    assert m["errors"] == [] and m["wall_seconds"] > 0 and m["cpu_seconds"] > 0 and m["peak_rss_bytes"] > 10**6


def test_warnings_split_into_three_causes(collected: dict[str, Any]) -> None:
    data, truth = collected["data"], collected["truth"]
    causes = {c["kind"]: c for c in data["analysis"]["warning_causes"]}
    assert set(causes) == {"helper-class", "hidden-tests", "test-class"}
    helpers = causes["helper-class"]
    assert helpers["count"] == truth["expected"]["collection_warnings"] - 3
    assert set(helpers["classes"]["TestWebSocketConnection"]) == live_helper_files(truth)
    assert helpers["fixable"] is True
    hidden = {h["path"] for h in truth["hidden_tests"] if h["name"] == "TestWebSocketConnection"}
    assert causes["hidden-tests"]["count"] == 2
    assert set(causes["hidden-tests"]["classes"]["TestWebSocketConnection"]) == hidden
    assert causes["hidden-tests"]["fixable"] is False
    assert causes["test-class"]["count"] == 1
    assert list(causes["test-class"]["classes"]) == ["TestLifecycleManager"]
    assert sum(c["count"] for c in causes.values()) == len(data["measurement"]["warnings"])
    assert sum(c["share"] for c in causes.values()) == pytest.approx(1.0)


def test_the_twelve_tests_that_never_run_are_named(collected: dict[str, Any]) -> None:
    root, truth = collected["root"], collected["truth"]
    never = collected["data"]["analysis"]["never_run"]
    assert len(never) == truth["expected"]["hidden_tests"] == 12
    per_file: dict[str, int] = {}
    for t in never:
        per_file[t["path"]] = per_file.get(t["path"], 0) + 1
        line = (root / t["path"]).read_text(encoding="utf-8").splitlines()[t["line"] - 1]
        assert re.match(rf"\s+def {t['name']}\(", line), (t, line)  # file, line and name are exact
    assert per_file == {h["path"]: h["hidden_tests"] for h in truth["hidden_tests"]}
    kinds = {t["kind"] for t in never}
    assert kinds == {"nested", "skipped-class"}
    empty = {e["path"]: e["defined_tests"] for e in collected["data"]["analysis"]["empty_modules"]}
    assert empty == {h["path"]: h["hidden_tests"] for h in truth["hidden_tests"]}


def test_time_breakdown_adds_up_and_names_the_slow_imports(collected: dict[str, Any]) -> None:
    data, root = collected["data"], collected["root"]
    m, a = data["measurement"], data["analysis"]
    parts = {e["key"]: e["seconds"] for e in a["breakdown"]}
    assert sum(parts.values()) == pytest.approx(m["wall_seconds"], abs=2e-3)
    assert all(v >= 0 for v in parts.values())
    assert {"startup", "imports:app", "test-modules", "items", "report"} <= set(parts)
    costs = {c["module"]: c for c in a["imports"]}
    backend = costs["app.backend"]
    assert 0.29 <= backend["seconds"] < 2.0 and backend["first_imported_by"] == "tests/conftest.py"
    assert a["imports"][0]["module"] == "app.backend"
    importers = sorted(
        str(p.relative_to(root))
        for p in (root / "tests").rglob("test_*.py")
        if "from app import analytics" in p.read_text(encoding="utf-8")
    )
    if importers:
        analytics = costs["app.analytics"]
        assert 0.095 <= analytics["seconds"] < 2.0 and analytics["first_imported_by"] in importers
        assert analytics["importers"] == len(importers)
        assert parts["imports:app"] >= 0.39
    rules = {d["rule"]: d for d in a["diagnoses"]}
    assert rules["heavy-conftest-import"]["paths"] == ["tests/conftest.py:2"]


def test_per_file_times_split_import_and_rest(collected: dict[str, Any]) -> None:
    m = collected["data"]["measurement"]
    collected_files = {f["path"] for f in m["files"]}
    assert len(collected_files) == 30 + 6
    for f in m["files"]:
        assert 0 <= f["import_seconds"] <= f["seconds"] + 1e-6
    assert all(not p.startswith("backups/") for p in collected_files)


def test_the_text_report(collected: dict[str, Any]) -> None:
    report = collected["report"]
    for needle in (
        "Where the time goes",
        "Slowest files",
        "Costliest imports",
        "Warnings by cause",
        "Tests that never run (12)",
        "collect nothing although they define tests (3)",
        "ssot fix collection-warnings --apply",
        "app.backend",
    ):
        assert needle in report, needle
    assert "\x1b[" not in report  # no colour codes when not a terminal


def test_load_explains_a_plugin_recorded_profile(collected: dict[str, Any], tmp_path: Path) -> None:
    """``pytest --ssot-profile`` writes a measurement only; ``ssot collect --load`` analyses it the same way."""
    data = dict(collected["data"], analysis=None)
    raw = tmp_path / "raw.json"
    raw.write_text(json.dumps(data), encoding="utf-8")
    out = tmp_path / "analysed.json"
    proc = run_ssot("collect", "--load", str(raw), "--json", str(out), cwd=collected["root"])
    assert proc.returncode == 0, proc.stderr
    again = json.loads(out.read_text(encoding="utf-8"))["analysis"]
    assert again["never_run"] == collected["data"]["analysis"]["never_run"]
    assert again["warning_causes"] == collected["data"]["analysis"]["warning_causes"]
