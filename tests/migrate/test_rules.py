"""What must hold on a real-looking project: library code untouched, identity kept, a home the
tests can import, a plan that is the run, a second run that finds nothing to do."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import run_pytest, ssot
from .test_migrate import snapshot


def plan(root: Path, *args: str) -> dict:
    return json.loads(ssot(root, "plan", "--no-cache", "--format", "json", *args).stdout)


def reasons(doc: dict) -> dict[tuple[str, str], str]:
    return {(b["path"], b["name"]): b["reason"] for f in doc["families"] for b in f["cannot_migrate"]}


def places(doc: dict) -> set[str]:
    """Every file the plan names a copy in: migrating, left alone, or a look-alike."""
    return {x["path"] for f in doc["families"]
            for x in (*f["migrates"], *f["cannot_migrate"], *f["look_alikes_left_alone"])}


def test_library_code_is_reported_never_rewritten_and_identity_is_kept(mini: Path) -> None:
    doc = plan(mini)
    why = reasons(doc)
    # the scan looks at test code by default: the library's look-alike exceptions are in no family at all
    assert not any(path.startswith("src/") for path in places(doc))
    assert why[("tests/test_b.py", "Crate")] == "distinct-identity"  # isinstance(x, Crate) would see Box
    assert why[("tests/test_a.py", "Box")] == "single-copy"
    written = {f for b in doc["batches"] for f in b["writes"]}
    assert not any(f.startswith("src/") for f in written)
    # tests/ is no package but holds a conftest.py: pytest puts tests/ on sys.path, so that is the base
    point = next(f for f in doc["families"] if f["id"] == "Point")
    assert point["module"] == "ssot_canonical.point"
    assert point["module_path"] == "tests/ssot_canonical/point.py"


def test_a_canonical_module_that_would_not_compile_is_refused_by_the_plan(mini: Path) -> None:
    # the closures in helpers, not in tests (which stay: test-local); helpers that differ, so only bump is a copy
    extra = {"test_c.py": "", "test_d.py": "    totals = {'seen': count, 'label': 'by two'}\n"
             "    for key in sorted(totals):\n        print(key, totals[key], sep='=')\n"}
    for name, more in extra.items():
        path = mini / "tests" / name
        text = path.read_text(encoding="utf-8")
        test = text.split("(", 1)[0].removeprefix("def ")
        path.write_text(text.replace(f"def {test}():", f"def helper_{test}():", 1) + more
                        + f"    return count\n\n\ndef {test}():\n    assert helper_{test}() == 2\n", encoding="utf-8")
    doc = plan(mini)
    bump = next(f for f in doc["families"] if f["id"] == "bump")
    assert not bump["migrates"] and {b["reason"] for b in bump["cannot_migrate"]} == {"canonical-broken"}
    assert "nonlocal" in bump["cannot_migrate"][0]["detail"]
    assert not any("test_c.py" in f for b in doc["batches"] for f in b["writes"])


def test_plan_dry_run_and_run_agree_and_a_second_run_changes_nothing(mini: Path) -> None:
    doc = plan(mini)
    dry = json.loads(ssot(mini, "migrate", "--no-cache", "--dry-run", "--json").stdout)
    assert [b["writes"] for b in doc["batches"]] == [b["files"] for b in dry["batches"]]
    assert doc["effect"]["files_touched"] == len(dry["files_changed"])
    library = {p: b for p, b in snapshot(mini).items() if p.startswith("src/")}
    proc = ssot(mini, "migrate", "--no-cache", "--json")  # default settings: --validate tests
    run = json.loads(proc.stdout)
    assert run["ok"] and run["files_changed"] == dry["files_changed"]
    after = snapshot(mini)
    assert {p: b for p, b in after.items() if p.startswith("src/")} == library
    assert not (mini / ".pytest_cache").exists()  # the project's --cache-clear ran; the cache went elsewhere
    distinct = subprocess.run([sys.executable, "-c", "import pkg; assert pkg.InvalidURL is not pkg.CookieConflict; "
                               "assert pkg.CookieConflict.__name__ == 'CookieConflict'"],
                              cwd=mini / "src", capture_output=True, text=True, check=False)
    assert distinct.returncode == 0, distinct.stderr
    assert run_pytest(mini).returncode == 0
    again = ssot(mini, "migrate", "--no-cache")
    assert "nothing to migrate" in again.stdout
    assert snapshot(mini) == after


@pytest.mark.parametrize(("value", "says"), [
    ("/abs/ssot", "an absolute path"),
    ("../outside", "outside the project root"),
    ("tests/my-helpers", "cannot be part of an import name"),
    ("src/pkg/shared", "library code that runs 1 import"),
])
def test_canonical_package_is_validated_and_the_error_names_the_fix(mini: Path, value: str, says: str) -> None:
    with open(mini / "pyproject.toml", "a", encoding="utf-8") as fh:
        fh.write(f'\n[tool.ssot]\ncanonical_package = "{value}"\n')
    proc = ssot(mini, "plan", "--no-cache", check=False)
    assert proc.returncode == 2
    assert says in proc.stderr and "tests/ssot_canonical" in proc.stderr and "Traceback" not in proc.stderr


def test_a_broken_baseline_stops_the_migration_unless_accepted(mini: Path) -> None:
    (mini / "tests" / "test_broken.py").write_text(
        "import pytest\n\n\n@pytest.fixture\ndef missing():\n    raise RuntimeError('no server')\n\n\n"
        "def test_needs_server(missing):\n    pass\n\n\nfrom test_a import Point  # noqa: E402\n")
    subprocess.run(["git", "add", "-A"], cwd=mini, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "b"], cwd=mini, check=True)
    before = snapshot(mini)
    proc = ssot(mini, "migrate", "--no-cache", check=False)
    assert proc.returncode == 1
    assert "broken before any change" in proc.stderr and "test_needs_server: error" in proc.stderr
    assert snapshot(mini) == before
    accepted = ssot(mini, "migrate", "--no-cache", "--accept-broken-baseline", check=False)
    assert accepted.returncode == 0, accepted.stderr
    assert "not checked" in accepted.stdout and "test_needs_server" in accepted.stdout  # the report


def test_a_symlinked_copy_is_left_alone_by_the_plan_and_the_run(mini: Path) -> None:
    (mini / "tests" / "test_e.py").symlink_to("test_b.py")
    doc = plan(mini)
    # a linked file is scanned once, under the path it is linked from: the link is no copy, never a member
    assert "tests/test_e.py" not in places(doc) and "tests/test_b.py" in places(doc)
    assert not any(f == "tests/test_e.py" for b in doc["batches"] for f in b["writes"])


def test_duplicated_tests_are_never_migrated(mini: Path) -> None:
    (mini / "tests" / "test_f.py").write_text((mini / "tests" / "test_c.py").read_text().replace(
        "def test_counter():", "def test_counter_again():"), encoding="utf-8")
    scanned = json.loads(ssot(mini, "scan", "--no-cache", "--format", "json", check=False).stdout)
    tests = [f["id"] for f in scanned.get("duplicated_tests", [])]
    assert tests, "the scan should report the duplicated test"
    doc = plan(mini)
    assert not {f["id"] for f in doc["families"]} & set(tests)
    assert not any(f == "tests/test_f.py" for b in doc["batches"] for f in b["writes"])
    refused = ssot(mini, "plan", "--family", tests[0], check=False)
    assert refused.returncode == 2 and "duplicated tests" in refused.stderr
