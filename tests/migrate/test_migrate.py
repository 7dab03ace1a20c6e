"""plan and migrate end to end on a generated suite (30 files, every variant present)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import SSOT, run_pytest, ssot

WS = "TestWebSocketConnection"
CANONICAL = "tests/ssot_canonical/web_socket_connection.py"


def plan(root: Path, *args: str) -> dict:
    return json.loads(ssot(root, "plan", "--format", "json", *args).stdout)


def family(doc: dict, fid: str) -> dict:
    return next(f for f in doc["families"] if f["id"] == fid)


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not {".git", ".ssot", ".ssot_cache"} & set(p.relative_to(root).parts)}


def outcomes(root: Path) -> tuple[list[str], int]:
    """Passed test ids and the number of collection warnings of a full pytest run."""
    proc = run_pytest(root, "-rA", "-W", "default")
    passed = sorted(re.findall(r"^PASSED (\S+)", proc.stdout, re.M))
    warnings = len(re.findall(r"PytestCollectionWarning", proc.stdout))
    return passed, warnings


def test_plan_says_what_migrates_where_and_what_is_left_alone(tree: Path, suite30: tuple[Path, dict]) -> None:
    doc = plan(tree)
    assert doc["schema"] == "ssot-plan" and doc["schema_version"] == 1
    ws = family(doc, WS)
    names = {c["name"] for c in ws["canonical"]}
    assert names == {WS, f"{WS}WithReceiveJson", f"{WS}SyncGetMessages", f"{WS}WithSent"}
    assert {c["path"] for c in ws["canonical"]} == {CANONICAL}
    truth = suite30[1]
    live = [m for m in next(f for f in truth["families"] if f["id"] == "websocket_connection")["members"]
            if not m["in_backup"]]
    assert len(ws["migrates"]) == len(live)
    assert {m["path"] for m in ws["cannot_migrate"]} == {
        m["path"] for m in next(f for f in truth["families"] if f["id"] == "websocket_connection")["members"]
        if m["in_backup"]}
    assert all(m["reason"] == "backup" for m in ws["cannot_migrate"])
    nested = [m for m in ws["migrates"] if m["nested"]]
    assert nested and all(m["action"] == "local-import" for m in nested)
    aliased = [m for m in ws["migrates"] if m["name"] != WS]
    assert aliased and all(f" as {m['name']}" in m["becomes"] for m in aliased)
    reasons = {b["reason"] for f in doc["families"] for b in f["cannot_migrate"]}
    # (the duplicated real test class is a family of duplicated tests now: the scan reports it, plan leaves it out)
    assert {"swallowed-tests", "backup"} <= reasons
    fixture = family(doc, "user_context")
    assert [c["path"] for c in fixture["canonical"]] == ["tests/conftest.py"]
    assert doc["effect"]["collection_warnings_removed"] > 0 and doc["effect"]["lines_removed"] > 0
    md = ssot(tree, "plan", "--family", WS).stdout
    assert "## Family `TestWebSocketConnection` (class)" in md and "cannot migrate" in md


def test_phases_order_the_batches(tree: Path) -> None:
    with open(tree / "pyproject.toml", "a", encoding="utf-8") as fh:
        fh.write('\n[tool.ssot]\nphases = { mission_critical = ["tests/mission_critical/"], '
                 'unit = ["tests/unit/"] }\n')
    doc = plan(tree, "--family", WS, "--batch-size", "3")
    phases = [b["phase"] for b in doc["batches"]]
    assert phases[0] == "mission_critical" and phases == sorted(phases, key=["mission_critical", "unit",
                                                                            "other"].index)
    assert all(len(b["files"]) <= 3 for b in doc["batches"])
    for b in doc["batches"]:
        if b["phase"] == "mission_critical":
            assert all(f.startswith("tests/mission_critical/") for f in b["files"])


def test_migrate_consolidates_keeps_every_test_and_is_idempotent(tree: Path) -> None:
    passed_before, warnings_before = outcomes(tree)
    before = snapshot(tree)
    proc = ssot(tree, "migrate", "--family", WS, "--validate", "tests", "--commit")
    assert "changed" in proc.stdout  # the report
    assert git(tree, "status", "--porcelain") == ""  # --commit: one commit per batch
    assert "ssot migrate: batch 1" in git(tree, "log", "-1", "--format=%s")
    passed_after, warnings_after = outcomes(tree)
    assert passed_after == passed_before and len(passed_after) > 200
    assert warnings_after == 3 < warnings_before  # two swallowing helpers + the test class with __init__
    canonical = (tree / CANONICAL).read_text()
    for name in (WS, f"{WS}WithReceiveJson", f"{WS}SyncGetMessages", f"{WS}WithSent"):
        assert canonical.count(f"\nclass {name}:") == 1
    assert canonical.count("__test__ = False") == 4
    # no live copy left outside the canonical module and the backups
    scan = json.loads(ssot(tree, "scan", "--format", "json", check=False).stdout)
    for fam in scan["families"]:
        paths = {m["path"] for m in fam["members"]}
        if CANONICAL in paths:
            assert all(p == CANONICAL or p.startswith("backups/") for p in paths), fam["id"]
    # backups untouched; test classes and traps untouched
    after = snapshot(tree)
    assert all(after[p] == b for p, b in before.items() if p.startswith("backups/"))
    for j in range(3):
        p = f"tests/websocket/test_connection_protocol_{j}.py"
        assert after[p] == before[p]
    # every other family too, then once more: the second run changes nothing
    ssot(tree, "migrate", "--validate", "collect", "--commit")
    done = snapshot(tree)
    again = ssot(tree, "migrate", "--validate", "syntax")
    assert "nothing to migrate" in again.stdout
    assert snapshot(tree) == done
    assert git(tree, "status", "--porcelain") == ""
    assert outcomes(tree)[0] == passed_before


def test_fixtures_move_to_the_common_conftest(tree: Path) -> None:
    passed_before, _ = outcomes(tree)
    ssot(tree, "migrate", "--family", "user_context", "--family", "make_message", "--validate", "collect")
    conftest = (tree / "tests/conftest.py").read_text()
    assert conftest.count("def user_context(") == 1 and "import pytest" in conftest
    assert not [p for p in (tree / "tests").rglob("test_*.py") if "def user_context(" in p.read_text()]
    assert (tree / "tests/ssot_canonical/make_message.py").read_text().count("\ndef make_message") == 2
    assert outcomes(tree)[0] == passed_before


def test_dry_run_prints_diffs_and_changes_nothing(tree: Path, tmp_path: Path) -> None:
    before = snapshot(tree)
    proc = ssot(tree, "migrate", "--family", WS, "--dry-run", "--remove-commented")
    assert "+++ b/" + CANONICAL in proc.stdout and "-# REMOVED_SYNTAX_ERROR: class" in proc.stdout
    ssot(tree, "migrate", "--family", WS, "--dry-run", "--diff-dir", str(tmp_path / "diffs"))
    assert (tmp_path / "diffs" / (CANONICAL + ".diff")).is_file()
    assert snapshot(tree) == before and not (tree / ".ssot" / "runs").exists()


def test_dirty_files_are_refused_unless_allowed(tree: Path) -> None:
    victim = next(m["path"] for m in family(plan(tree), WS)["migrates"])
    with open(tree / victim, "a", encoding="utf-8") as fh:
        fh.write("\n# local edit\n")
    proc = ssot(tree, "migrate", "--family", WS, "--validate", "syntax", check=False)
    assert proc.returncode == 2 and victim in proc.stderr and "--allow-dirty" in proc.stderr
    ssot(tree, "migrate", "--family", WS, "--validate", "syntax", "--allow-dirty")
    assert (tree / victim).read_text().endswith("# local edit\n")


def test_incompatible_map_is_refused_then_forced_and_caught_by_validation(tree: Path) -> None:
    ws = family(plan(tree), WS)
    sync = next(c["class"] for c in ws["canonical"] if c["name"].endswith("SyncGetMessages"))
    base = next(c["class"] for c in ws["canonical"] if c["name"] == WS)
    refused = family(plan(tree, "--family", WS, "--map", f"{sync}={base}"), WS)
    assert {b["reason"] for b in refused["cannot_migrate"]
            if b["class"] == sync and not b["in_backup"]} == {"incompatible-variant"}
    before = snapshot(tree)
    proc = ssot(tree, "migrate", "--family", WS, "--map", f"{sync}={base}", "--force-map",
                "--validate", "tests", check=False)
    assert proc.returncode == 1
    assert "rolled_back" in proc.stdout and "passed before, failed now" in proc.stdout  # the report
    assert snapshot(tree) == before
    assert git(tree, "status", "--porcelain") == ""


def test_selective_rollback_and_refusal_of_edited_files(tree: Path) -> None:
    before = snapshot(tree)
    ssot(tree, "migrate", "--family", WS, "--validate", "syntax")
    after = snapshot(tree)
    changed = sorted(p for p in before if before[p] != after.get(p))
    one, other = changed[0], changed[1]
    ssot(tree, "rollback", "--file", one)
    now = snapshot(tree)
    assert now[one] == before[one]
    assert all(now[p] == after[p] for p in after if p != one)
    with open(tree / other, "a", encoding="utf-8") as fh:
        fh.write("# edited after the migration\n")
    refused = ssot(tree, "rollback", "--file", other, check=False)
    assert refused.returncode == 1 and other in (refused.stderr + refused.stdout)
    assert (tree / other).read_text().endswith("# edited after the migration\n")
    ssot(tree, "rollback", "--file", other, "--force")
    assert (tree / other).read_bytes() == before[other]


@pytest.mark.slow
def test_killed_migration_always_rolls_back_byte_for_byte(suite30: tuple[Path, dict], tmp_path: Path) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from journal.killharness import kill_and_rollback, kill_points, random_delays

    # --no-cache: the scan cache (.ssot_cache/, git-ignored) is not part of the tree being compared.
    # --batch-size 12: three batches (14, 13 and 8 writes; the first creates the canonical module and
    # its package's __init__.py), each written as one journal group; kills
    # land at every step of the first group, at the group boundaries of the others, between renames
    # spread over the whole run, after a group is confirmed, and at random moments
    command = [*SSOT, "migrate", "--family", WS, "--validate", "syntax", "--remove-commented", "--no-cache",
               "--batch-size", "12"]
    named = ["blob:1", "blobs:1", "record:1", "intent:1", "mkdir:1", "tmp:1",
             "replace:1", "replace:2", "replace:8", "replace:14", "write:14",
             "blobs:2", "record:2", "intent:2", "replace:15", "replace:23", "replace:27",
             "blobs:3", "replace:28", "replace:35", "write:35"]
    points = kill_points(writes=0, named=named, delays=random_delays(4, 0.5, 1.6, seed=7))
    results = [kill_and_rollback(suite30[0], tmp_path / p.name, command, p) for p in points]
    assert len(results) >= 20
    bad = [(r.point.name, r.differences, r.git_clean) for r in results if not (r.identical and r.git_clean)]
    assert not bad
    by_hook = [r for r in results if r.point.at is not None]
    assert all(r.run.killed for r in by_hook), [r.point.name for r in by_hook if not r.run.killed]
    after_a_rename = [r for r in by_hook if r.point.at.split(":")[0] in ("replace", "write")]
    assert all(r.changed_before_rollback and r.warned for r in after_a_rename)
    print(f"\nmigrate kill test: {len(results)}/{len(results)} kills rolled back byte-identical")


def test_plan_is_the_same_whether_files_are_analysed_in_parallel_or_not(
        tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ssot.config import load
    from ssot.migrate import plan as plan_mod
    from ssot.migrate.render import plan_to_dict
    from ssot.scanner.engine import scan

    cfg = load(tree)
    result = scan(config=cfg, use_cache=False)
    options = plan_mod.PlanOptions(remove_commented=True, merge_supersets=True)

    def build() -> tuple[dict, dict[str, str]]:
        plan_mod._NODE_FACTS.clear()
        p = plan_mod.build_plan(result, cfg, options, lambda rel: (tree / rel).read_bytes())
        return plan_to_dict(p), p.hashes

    serial = build()
    monkeypatch.setattr(plan_mod, "PARALLEL_MIN_FILES", 1)
    forked = []
    real = plan_mod._Files._parallel
    monkeypatch.setattr(plan_mod._Files, "_parallel", lambda self, items, n: forked.append(n) or real(self, items, n))
    parallel = build()
    assert forked and parallel == serial
    assert serial[0]["batches"] and len(serial[1]) >= 30
