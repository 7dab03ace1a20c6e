"""The diagnoses as rule modules producing ssot.model.Finding, and how the profile keeps them."""

from __future__ import annotations

import copy
import dataclasses
import shutil
import typing
from pathlib import Path
from typing import Any

from ssot.collect import rules
from ssot.collect.diagnose import analyse
from ssot.collect.profile import Profile
from ssot.model import Finding, Severity


def test_the_registry_holds_one_rule_per_id_each_with_a_severity() -> None:
    ids = [r.id for r in rules.RULES]
    assert len(ids) == len(set(ids)) == 11
    assert all(r.severity in typing.get_args(Severity) for r in rules.RULES)


def test_every_diagnosis_is_a_finding_of_a_registered_rule(small_profile: dict[str, Any]) -> None:
    profile = Profile.from_dict(small_profile["data"])
    assert profile.analysis is not None
    found = profile.analysis.diagnoses
    assert found and all(isinstance(f, Finding) for f in found)
    ids = {r.id for r in rules.RULES}
    prefixes = {f.rule.split(":")[0] for f in found}
    assert prefixes <= ids | {"heavy-conftest-import"}
    assert {"warning", "heavy-conftest-import", "empty-test-module"} <= prefixes
    for f, d in zip(found, small_profile["data"]["analysis"]["diagnoses"], strict=True):
        assert d["fingerprint"] == f.fingerprint and len(f.fingerprint) == 32
        assert d["paths"] == f.paths and d["title"] == f.message


def test_the_profile_round_trips_through_the_findings(small_profile: dict[str, Any]) -> None:
    data = small_profile["data"]
    assert Profile.from_dict(data).to_dict() == data


def test_a_version_1_profile_still_loads(small_profile: dict[str, Any]) -> None:
    data = copy.deepcopy(small_profile["data"])
    data["version"] = 1
    for d in data["analysis"]["diagnoses"]:
        del d["key"], d["fingerprint"]
    profile = Profile.from_dict(data)
    assert profile.analysis is not None
    titles = [f.message for f in profile.analysis.diagnoses]
    assert titles == [d["title"] for d in data["analysis"]["diagnoses"]]
    assert all(f.key == "" and f.fingerprint for f in profile.analysis.diagnoses)


def test_fingerprints_survive_moved_lines(small_profile: dict[str, Any], tmp_path: Path) -> None:
    """Blank lines pushed into the conftest move the heavy import's line, not its identity."""
    root = tmp_path / "suite"
    shutil.copytree(small_profile["root"], root, ignore=shutil.ignore_patterns(".ssot*", "__pycache__"))
    m = Profile.from_dict(small_profile["data"]).measurement
    m = dataclasses.replace(m, rootdir=str(root))

    def heavy(a: Any) -> Finding:
        (f,) = [f for f in a.diagnoses if f.rule == "heavy-conftest-import"]
        return f

    before = heavy(analyse(m))
    conftest = root / "tests" / "conftest.py"
    conftest.write_text("\n\n\n" + conftest.read_text(encoding="utf-8"), encoding="utf-8")
    after = heavy(analyse(m))
    assert (before.path, after.path) == ("tests/conftest.py", "tests/conftest.py")
    assert after.line == before.line + 3
    assert after.fingerprint == before.fingerprint
    fingerprints = [f.fingerprint for f in analyse(m).diagnoses]
    assert len(fingerprints) == len(set(fingerprints))  # each finding its own identity
