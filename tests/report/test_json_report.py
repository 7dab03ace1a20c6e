from __future__ import annotations

import copy
import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from ssot.model import SCHEMA_VERSION, ScanResult
from ssot.report import render
from ssot.report.json_report import to_dict

from .conftest import SHARED_CORPUS, score_scan


def _schema() -> dict:
    return json.loads(resources.files("ssot.report").joinpath("scan.schema.json").read_text(encoding="utf-8"))


def validate_scan_json(data: dict) -> None:
    jsonschema.Draft7Validator.check_schema(_schema())
    jsonschema.Draft7Validator(_schema()).validate(data)


def test_valid_against_the_documented_schema(result: ScanResult) -> None:
    data = json.loads(render(result, "json"))
    validate_scan_json(data)
    assert data["schema_version"] == SCHEMA_VERSION


def test_schema_rejects_a_member_without_equivalence(result: ScanResult) -> None:
    data = to_dict(result)
    del data["families"][0]["members"][0]["equivalence"]
    with pytest.raises(jsonschema.ValidationError, match="equivalence"):
        validate_scan_json(data)


def test_contract_fields_of_members_and_commented_copies(result: ScanResult) -> None:
    data = json.loads(render(result, "json"))
    assert [f["id"] for f in data["families"]] == [
        "websocket_connection", "make_message", "user_context", "duplicated_test_class"]  # result order
    ws = data["families"][0]
    assert len(ws["members"]) == 8
    alpha = ws["members"][0]
    assert {k: alpha[k] for k in ("path", "line", "qualname", "kind", "equivalence")} == {
        "path": "tests/unit/test_alpha.py", "line": 12, "qualname": "TestWebSocketConnection",
        "kind": "class", "equivalence": "websocket_connection/A"}
    nested = next(m for m in ws["members"] if m["nested"])
    assert nested["qualname"] == "ws_fixture.<locals>.TestWebSocketConnection"
    assert [m["equivalence"] for m in ws["members"]].count("websocket_connection/B") == 2
    assert {(c["path"], c["line"]) for c in data["commented_out"]} == {
        ("tests/unit/test_gamma.py", 3), ("tests/e2e/test_beta.py", 60)}
    assert ws["commented"] == [{"path": "tests/unit/test_gamma.py", "line": 3}]


def test_member_flags_and_classes(result: ScanResult) -> None:
    ws = to_dict(result)["families"][0]
    by_loc = {(m["path"], m["line"]): m for m in ws["members"]}
    alpha = by_loc[("tests/unit/test_alpha.py", 12)]
    assert alpha["pytest_warning"] is True and alpha["size"] == 30 and alpha["start_line"] == 11
    assert by_loc[("tests/e2e/test_beta.py", 8)]["pytest_warning"] is False  # not named Test*
    assert by_loc[("tests/helpers/ws helper.py", 5)]["collected"] is False
    assert by_loc[("backups/issue_450_migration/tests/unit/test_alpha.py", 12)]["in_backup"] is True
    # exactly the kept copy of each class is marked representative (live, not nested, first path)
    assert sorted(loc for loc, m in by_loc.items() if m["representative"]) == [
        ("tests/e2e/test_beta.py", 8), ("tests/integration/test_zeta.py", 15),
        ("tests/websocket/test_delta.py", 20)]
    b = ws["classes"][1]
    assert b == {"id": "websocket_connection/B", "fingerprint": "ws-superset", "size": 2,
                 "names": ["TestWebSocketConnection"],
                 "representative": {"path": "tests/websocket/test_delta.py", "line": 20},
                 "differences": ["adds method receive_json"], "superset_of": ["websocket_connection/A"],
                 "cosmetic": [], "bindings": {}}
    assert ws["counts"] == {"total": 8, "live": 7, "in_backup": 1, "nested": 1, "commented_out": 1,
                            "look_alikes": 1}
    assert ws["look_alikes"] == [{"path": "tests/unit/test_trap.py", "line": 5,
                                  "qualname": "TestWebSocketConnection", "name": "TestWebSocketConnection",
                                  "kind": "class", "fingerprint": "trap", "in_backup": False}]
    assert ws["duplicated_lines"] == 126 and ws["pytest_warnings"] == 3


def test_everything_else_in_the_model(result: ScanResult) -> None:
    data = to_dict(result)
    assert data["root"] == "/tmp/suite" and data["partial"] is True and data["definitions"] == 97
    assert data["stats"] == {"files": 48, "parsed": 40, "cached": 6, "definitions": 97, "seconds": 0.432}
    assert data["skipped"][0] == {"path": "tests/broken/test_bad.py", "line": 3,
                                  "reason": "SyntaxError: invalid syntax"}
    assert data["skipped"][1]["line"] is None
    assert len(data["findings"]) == 5 and data["findings"][2]["severity"] == "note"
    assert data["totals"]["findings"] == {"backup-copy": 1, "commented-out-copy": 1, "duplicate-copy": 1,
                                          "pytest-uncollectable-class": 2}
    assert data["totals"]["look_alikes"] == 2  # distinct: one trap looks like two families
    assert data["totals"]["redundant_copies"] == 9 and data["totals"]["duplicated_lines"] == 126 + 12 + 5 + 24
    # the normalised code of every class and commented copy, and nothing unreferenced
    assert set(data["fingerprints"]) == {"ws-base", "ws-superset", "ws-sync", "msg-base", "msg-ts", "user",
                                         "dup-test", "orphan"}
    assert data["fingerprints"]["ws-sync"]["source"].startswith("class _:")


def test_deterministic_output(result: ScanResult) -> None:
    first = render(result, "json")
    again = render(copy.deepcopy(result), "json")
    assert first == again
    data = json.loads(first)
    assert list(data) == sorted(data)
    assert list(data["families"][0]["members"][0]) == sorted(data["families"][0]["members"][0])


@pytest.mark.skipif(not (SHARED_CORPUS / "score_scan.py").exists(),
                    reason="shared corpus not beside the repo")
def test_scores_perfectly_against_matching_truth(result: ScanResult, tmp_path: Path) -> None:
    """score_scan.py (the contract's own checker) reads the report and agrees with a hand-written truth."""
    truth = {"families": [
        {"id": "ws", "members": [
            {"path": p, "line": line, "variant": v} for p, line, v in [
                ("tests/unit/test_alpha.py", 12, "base"), ("tests/e2e/test_beta.py", 8, "base"),
                ("tests/unit/test_gamma.py", 41, "base"),
                ("backups/issue_450_migration/tests/unit/test_alpha.py", 12, "base"),
                ("tests/helpers/ws helper.py", 5, "base"), ("tests/websocket/test_delta.py", 20, "superset"),
                ("tests/websocket/test_epsilon.py", 22, "superset"),
                ("tests/integration/test_zeta.py", 15, "sync")]]},
        {"id": "msg", "members": [
            *({"path": f"tests/unit/test_m{i}.py", "line": 4, "variant": "base"} for i in range(3)),
            {"path": "tests/e2e/test_m9.py", "line": 4, "variant": "ts"}]},
        {"id": "user", "members": [{"path": "tests/unit/conftest.py", "line": 7, "variant": "base"},
                                   {"path": "tests/e2e/conftest.py", "line": 9, "variant": "base"}]},
        {"id": "dup", "members": [{"path": f"tests/performance/test_p{i}.py", "line": 30, "variant": "base"}
                                  for i in range(3)]},
    ], "commented_out": [{"path": "tests/unit/test_gamma.py", "line": 3}], "traps": []}
    (tmp_path / "truth.json").write_text(json.dumps(truth))
    (tmp_path / "scan.json").write_text(render(result, "json"))
    code, score = score_scan(tmp_path / "truth.json", tmp_path / "scan.json", 1.0)
    assert code == 0, score
    assert score["family"]["found_pairs"] == score["family"]["true_pairs"] == 28 + 6 + 1 + 3
    assert score["equivalence"]["true_pairs"] == 10 + 1 + 3 + 1 + 3


def test_documented_example_matches_the_schema() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "scan-json.md").read_text(encoding="utf-8")
    example = doc.split("### Example (abridged)", 1)[1].split("```json", 1)[1].split("```", 1)[0]
    validate_scan_json(json.loads(example))


def _json_bytes(data: object) -> bytes:
    """The documented encoding, written by the standard library."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return text.encode("utf-8", "surrogateescape")


def test_the_report_is_the_documented_bytes(result: ScanResult) -> None:
    # orjson writes the report; what it writes must be what json would, byte for byte
    text = render(result, "json")
    assert text.encode() == _json_bytes(json.loads(text)) + b"\n"


def test_what_orjson_refuses_is_written_by_json_as_the_same_bytes() -> None:
    from ssot.report.json_report import _dumps

    undecodable = {"source": "x = '\udcff'", "line": 2**70, "é": ["\u2028", "\x00"]}  # a lone surrogate: a file's byte
    assert _dumps(undecodable) == _json_bytes(undecodable)
    assert b"\xff" in _dumps(undecodable)  # written back as the byte it was read from
    plain = {"b": [1, 2.5, None, True], "a": {"z": "ü", "y": "\x1f"}}
    assert _dumps(plain) == _json_bytes(plain)
