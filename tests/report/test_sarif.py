from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import jsonschema
import pytest

from ssot.model import ScanResult, ScanStats
from ssot.report import render
from ssot.report.sarif import to_sarif

SCHEMA = Path(__file__).with_name("sarif-schema-2.1.0.json")


@cache
def _validator() -> jsonschema.Draft4Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)


def validate_sarif(log: dict) -> None:
    _validator().validate(log)


def _locations(log: dict, rule: str) -> list[tuple[str, int]]:
    out = []
    for r in log["runs"][0]["results"]:
        if r["ruleId"] == rule:
            region = r["locations"][0]["physicalLocation"]
            out.append((region["artifactLocation"]["uri"], region["region"]["startLine"]))
    return out


def test_valid_sarif_2_1_0(result: ScanResult) -> None:
    log = json.loads(render(result, "sarif"))
    validate_sarif(log)
    assert log["version"] == "2.1.0"


def test_the_official_schema_catches_a_broken_log(result: ScanResult) -> None:
    log = to_sarif(result)
    log["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        validate_sarif(log)


def test_one_result_per_redundant_live_copy(result: ScanResult) -> None:
    log = to_sarif(result)
    # every live member but each class's kept copy; backups excluded; URIs percent-encoded
    assert sorted(_locations(log, "duplicate-copy")) == sorted([
        ("tests/unit/test_alpha.py", 12), ("tests/unit/test_gamma.py", 41),
        ("tests/helpers/ws%20helper.py", 5),
        ("tests/websocket/test_epsilon.py", 22),
        ("tests/unit/test_m1.py", 4), ("tests/unit/test_m2.py", 4),
        ("tests/unit/conftest.py", 7),
        ("tests/performance/test_p1.py", 30), ("tests/performance/test_p2.py", 30),
    ])
    alpha = next(r for r in log["runs"][0]["results"] if r["ruleId"] == "duplicate-copy")
    kept = alpha["relatedLocations"][0]["physicalLocation"]
    assert kept["artifactLocation"]["uri"] == "tests/e2e/test_beta.py" and kept["region"]["startLine"] == 8
    assert alpha["locations"][0]["physicalLocation"]["region"] == {"startLine": 12, "endLine": 40}
    assert alpha["properties"] == {"family": "websocket_connection", "equivalence": "websocket_connection/A",
                                   "qualname": "TestWebSocketConnection", "size": 30}


def test_findings_become_results_and_win_over_derived_copies(result: ScanResult) -> None:
    log = to_sarif(result)
    results = log["runs"][0]["results"]
    assert len(results) == 9 + 4  # 9 redundant copies + 5 findings, one of which is also a redundant copy
    m2 = [r for r in results if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
          == "tests/unit/test_m2.py"]
    assert len(m2) == 1 and m2[0]["message"]["text"].startswith("make_message is a copy |")
    assert sorted(_locations(log, "pytest-uncollectable-class")) == [
        ("tests/unit/test_alpha.py", 12), ("tests/websocket/test_delta.py", 20)]
    notes = [r for r in results if r["level"] == "note"]
    assert {r["ruleId"] for r in notes} == {"commented-out-copy", "backup-copy"}


def test_rules_and_rule_indexes(result: ScanResult) -> None:
    driver = to_sarif(result)["runs"][0]["tool"]["driver"]
    ids = [r["id"] for r in driver["rules"]]
    assert {"duplicate-copy", "pytest-uncollectable-class", "commented-out-copy", "backup-copy"} <= set(ids)
    assert len(ids) == len(set(ids))
    for r in to_sarif(result)["runs"][0]["results"]:
        assert ids[r["ruleIndex"]] == r["ruleId"]


def test_unknown_finding_rule_gets_a_descriptor(result: ScanResult) -> None:
    from ssot.model import Finding

    result.findings.append(Finding(rule="slow-import", path="tests/conftest.py", line=1, message="slow"))
    log = to_sarif(result)
    validate_sarif(log)
    assert "slow-import" in [r["id"] for r in log["runs"][0]["tool"]["driver"]["rules"]]


def test_skipped_files_are_notifications_and_root_is_the_base(result: ScanResult) -> None:
    run = to_sarif(result)["runs"][0]
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert [n["message"]["text"] for n in notes] == ["skipped: SyntaxError: invalid syntax",
                                                      "skipped: not valid UTF-8; re-encode it as UTF-8"]
    assert "region" not in notes[1]["locations"][0]["physicalLocation"]  # no line known
    assert run["originalUriBaseIds"] == {"SRCROOT": {"uri": "file:///tmp/suite/"}}


@pytest.mark.parametrize(("root", "uri"), [
    ("/srv/my repo", "file:///srv/my%20repo/"),
    ("C:\\work\\suite", "file:///C:/work/suite/"),
    ("relative/dir", None),
])
def test_root_uri(root: str, uri: str | None) -> None:
    empty = ScanResult(root=root, families=[], commented_out=[], skipped=[], findings=[], fingerprints={},
                       stats=ScanStats())
    log = to_sarif(empty)
    validate_sarif(log)
    assert log["runs"][0]["results"] == []
    assert log["runs"][0].get("originalUriBaseIds", {}).get("SRCROOT", {}).get("uri") == uri
