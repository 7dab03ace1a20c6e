"""Scan a small generated suite and check every report format against its contract."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from ssot.model import ScanResult
from ssot.report import print_text, render

from .conftest import SHARED_CORPUS, score_scan
from .test_json_report import validate_scan_json
from .test_sarif import validate_sarif

pytestmark = pytest.mark.skipif(not (SHARED_CORPUS / "make_suite.py").exists(),
                                reason="shared corpus not beside the repo")


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ScanResult]:
    engine = pytest.importorskip("ssot.scanner.engine")
    base = tmp_path_factory.mktemp("e2e")
    suite = base / "suite"
    subprocess.run([sys.executable, str(SHARED_CORPUS / "make_suite.py"), str(suite), "--files", "30"],
                   check=True, capture_output=True)
    return base, engine.scan(root=suite, use_cache=False, jobs=1)


def test_json_scores_against_the_ground_truth(scanned: tuple[Path, ScanResult]) -> None:
    base, result = scanned
    text = render(result, "json")
    validate_scan_json(json.loads(text))
    (base / "scan.json").write_text(text, encoding="utf-8")
    code, score = score_scan(base / "suite.truth.json", base / "scan.json", 0.99)
    assert code == 0, score
    assert score["trap_merges"] == 0 and score["commented_out_recall"] >= 0.99


def test_sarif_valid_with_one_result_per_redundant_copy(scanned: tuple[Path, ScanResult]) -> None:
    _, result = scanned
    log = json.loads(render(result, "sarif"))
    validate_sarif(log)
    results = log["runs"][0]["results"]
    live_redundant = sum(1 for f in result.families for c in f.classes for d in c.members
                         if not d.in_backup and d is not c.representative)
    assert live_redundant > 0
    assert sum(r["ruleId"] == "duplicate-copy" for r in results) == live_redundant
    # every finding of the scan is there once
    keys = {(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
             r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in results}
    assert {(f.rule, f.path, f.line) for f in result.findings} <= keys
    assert len(keys) == len(results)


def test_text_shows_the_top_families_and_markdown_covers_every_family(scanned: tuple[Path, ScanResult]) -> None:
    from ssot.report.common import ranked
    from ssot.report.text import TOP_DETAILS

    _, result = scanned
    console = Console(file=io.StringIO(), width=160, record=True, color_system=None)
    print_text(result, console)
    out = console.export_text()
    md = render(result, "markdown")
    assert result.families
    helpers = ranked([f for f in result.families if f.category == "helper"])
    for f in helpers[:TOP_DETAILS]:  # the text report details the largest helper families, no more
        named = "" if f.id == f.name else f"  {f.name}"
        assert f"\n{f.id}{named}  ({f.kind})" in out
    for f in helpers[TOP_DETAILS:]:
        assert f"\n{f.id}  ({f.kind})" not in out
    if len(helpers) > TOP_DETAILS:
        assert "--format json has everything" in out
    for f in result.families:
        assert f"### {f.id} {f.name}" in md
