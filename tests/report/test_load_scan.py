"""load_scan: a saved scan report back into a ScanResult, checked against scan.schema.json."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import jsonschema
import pytest

from ssot.errors import SsotError
from ssot.model import ScanResult
from ssot.report.json_report import load_scan, render_json, scan_schema, to_dict
from ssot.report.schema_check import first_error
from ssot.scanner import engine

REALCODE = Path("/work/realcode")


def test_round_trip_gives_the_same_json(result: ScanResult, tmp_path: Path) -> None:
    text = render_json(result)
    again = load_scan(text)
    assert isinstance(again, ScanResult)
    assert render_json(again) == text
    saved = tmp_path / "scan.json"
    saved.write_text(text, encoding="utf-8")
    assert render_json(load_scan(saved)) == text
    assert render_json(load_scan(str(saved))) == text
    assert sorted(f.id for f in again.families) == sorted(f.id for f in result.families)


@pytest.mark.parametrize("project", ["attrs", "pydantic"])
def test_round_trip_on_a_real_project(project: str, tmp_path: Path) -> None:
    if not (REALCODE / project).is_dir():
        pytest.skip(f"{REALCODE / project} is not fetched (../shared/realcode/fetch.py)")
    tree = tmp_path / project
    shutil.copytree(REALCODE / project, tree, symlinks=True)
    text = render_json(engine.scan(root=tree, use_cache=False, jobs=1))
    assert json.loads(text)["families"], "a real project with no duplicated helpers proves little"
    assert render_json(load_scan(text)) == text


def _mutations(data: dict) -> list[dict]:
    out = []
    for change in (
        lambda d: d.pop("families"),
        lambda d: d.__setitem__("partial", "no"),
        lambda d: d["families"][0]["members"][0].__setitem__("line", "12"),
        lambda d: d["families"][0]["members"][0].__setitem__("kind", "module"),
        lambda d: d["families"][0].__setitem__("surprise", 1),
        lambda d: d["stats"].__setitem__("seconds", -1),
        lambda d: d["families"][0]["members"][0].pop("equivalence"),
        lambda d: d["findings"][0].__setitem__("severity", "fatal"),
        lambda d: d.__setitem__("partial", True),  # still valid
    ):
        d = copy.deepcopy(data)
        change(d)
        out.append(d)
    return out


def test_the_checker_agrees_with_jsonschema(result: ScanResult) -> None:
    schema = scan_schema()
    validator = jsonschema.Draft7Validator(schema)
    cases = [to_dict(result), *_mutations(to_dict(result))]
    verdicts = [(first_error(d, schema) is None, validator.is_valid(d)) for d in cases]
    assert [mine for mine, _ in verdicts] == [theirs for _, theirs in verdicts]
    assert sum(ok for ok, _ in verdicts) == 2  # the original and the one valid change


def test_errors_name_the_file_the_place_and_the_fix(result: ScanResult, tmp_path: Path) -> None:
    bad = tmp_path / "scan.json"
    bad.write_text('{"schema_version": 1,\n "root": ', encoding="utf-8")
    with pytest.raises(SsotError, match=rf"^{bad}: not JSON \(.* at line 2 column \d+\); write it again with "
                                        r"`ssot scan --format json -o FILE`$"):
        load_scan(bad)
    data = to_dict(result)
    data["families"][0]["members"][0]["line"] = "12"
    bad.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(SsotError, match=r"scan.json: not an ssot scan report: \$\.families\[0\]\.members\[0\]\.line: "
                                        r"expected integer, found string '12'; write it again"):
        load_scan(bad)
    data["schema_version"] = 99
    with pytest.raises(SsotError, match="scan report schema version 99; this ssot reads version 1"):
        load_scan(json.dumps(data))
    with pytest.raises(SsotError, match=r"missing.json: cannot read the scan report"):
        load_scan(tmp_path / "missing.json")
    with pytest.raises(SsotError, match=r"the key 'schema_version' is missing"):
        load_scan("{}")
