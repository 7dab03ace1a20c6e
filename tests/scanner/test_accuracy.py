"""Acceptance: `ssot scan --format json` scored by the corpus's own score_scan.py.

Family and equivalence precision and recall >= 0.99, commented-out recall >=
0.95 and no trap merged, on the default suite and on ``--seed 7 --files 1500``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from testkit import assert_no_traceback, run_cli

from .conftest import score

SUITES = ["default_suite", "seed7_suite"]


@pytest.fixture(scope="module", params=SUITES)
def scored(request: pytest.FixtureRequest) -> tuple[dict, dict, dict]:
    suite, truth = request.getfixturevalue(request.param)
    report = suite.with_name(suite.name + ".scan.json")
    run = run_cli("scan", suite.name, "--format", "json", "--no-cache", "--output", report, cwd=suite.parent)
    assert_no_traceback(run)
    assert run.code == 1, run.stderr  # duplicates found
    scan = json.loads(report.read_text(encoding="utf-8"))
    return score(suite.with_name(suite.name + ".truth.json"), report), scan, truth


def test_family_and_equivalence_precision_and_recall(scored: tuple[dict, dict, dict]) -> None:
    scores, _, truth = scored
    for level in ("family", "equivalence"):
        assert scores[level]["precision"] >= 0.99, scores
        assert scores[level]["recall"] >= 0.99, scores
    # every planted pair was looked at: the truth is not empty
    assert scores["family"]["true_pairs"] > 10_000 and len(truth["families"]) == 4


def test_commented_out_recall_and_no_trap_merged(scored: tuple[dict, dict, dict]) -> None:
    scores, scan, truth = scored
    assert scores["commented_out_recall"] >= 0.95, scores
    assert scores["trap_merges"] == 0, scores
    assert len(truth["traps"]) > 0
    # every commented-out copy of the helper is linked to the helper's family
    planted = {(c["path"], c["line"]) for c in truth["commented_out"]}
    linked = {(c["path"], c["line"]): c["family"] for c in scan["commented_out"]}
    helper = next(f for f in truth["families"] if f["id"] == "websocket_connection")["members"][0]
    [ws] = [f["id"] for f in scan["families"]
            if any((m["path"], m["line"]) == (helper["path"], helper["line"]) for m in f["members"])]
    assert {linked.get(k) for k in planted} == {ws}


def test_every_planted_member_is_found_with_its_kind_and_qualname(scored: tuple[dict, dict, dict]) -> None:
    _, scan, truth = scored
    found = {(m["path"], m["line"]): m for f in scan["families"] for m in f["members"]}
    for family in truth["families"]:
        for m in family["members"]:
            got = found.get((m["path"], m["line"]))
            assert got is not None, m
            assert (got["qualname"], got["kind"], got["nested"], got["in_backup"]) == (
                m["qualname"], m["kind"], m["nested"], m["in_backup"]), m


def test_scan_of_the_default_suite_names_the_variants(default_suite: tuple[Path, dict]) -> None:
    from ssot.scanner.engine import scan

    suite, _ = default_suite
    result = scan(root=suite, use_cache=False)
    [ws] = [f for f in result.families if f.name == "TestWebSocketConnection" and len(f.classes) == 4]
    wording = sorted(d for c in ws.classes[1:] for d in c.differences)
    assert "adds method receive_json" in wording
    assert "get_messages is sync here" in wording
    assert "attribute messages_sent renamed to sent" in wording
    superset = next(c for c in ws.classes if c.differences == ["adds method receive_json"])
    assert superset.superset_of == [ws.classes[0].id]
    [mm] = [f for f in result.families if f.name == "make_message"]
    assert [c.differences for c in mm.classes] == [[], ["literal 'timestamp' is 'ts' here"]]
