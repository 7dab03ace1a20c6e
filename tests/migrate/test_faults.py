"""Every way a batch can fail leaves the tree byte-identical to before the batch, and says so.

pytest that cannot start during validation, SIGINT and SIGTERM (sent from outside while pytest
validates, and landing in the middle of a journal group), an exception inside a rewrite and one
between two renames of a group: each is restored before ``ssot migrate`` exits, the message
says what was restored, and the journal is closed (no later command reports an interrupted run).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from .conftest import SSOT, ssot
from .test_migrate import WS, snapshot

RESTORED = "restored byte for byte"


def migrate(root: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*SSOT, "migrate", "--family", WS, "--no-cache", *args], cwd=root, capture_output=True,
                          text=True, check=False, env={**os.environ, **(env or {})})


def assert_closed(root: Path) -> None:
    """No run is left open: the next command does not warn about an interrupted run."""
    runs = ssot(root, "runs", check=False)
    assert "interrupted" not in (runs.stdout + runs.stderr)


def test_pytest_that_cannot_start_during_validation_restores_the_batch(tree: Path) -> None:
    # the suite runs before the change; once the canonical package exists its conftest cannot load
    # (pytest exits 4 before any test: "ImportError while loading conftest")
    conftest = tree / "tests" / "conftest.py"
    conftest.write_text(conftest.read_text() + "\nimport os as _os\nif _os.path.isdir(_os.path.join("
                        "_os.path.dirname(__file__), 'ssot_canonical')):\n    raise ImportError('cannot load')\n")
    before = snapshot(tree)
    proc = migrate(tree, "--validate", "collect")
    assert proc.returncode == 1, proc.stderr
    assert "pytest did not run" in proc.stderr and RESTORED in proc.stderr
    assert "the tree is as it was before the run" in proc.stderr
    assert snapshot(tree) == before
    assert_closed(tree)


@pytest.mark.parametrize("point", ["validate:1:INT", "replace:3:INT", "validate:1:TERM", "replace:5:TERM"])
def test_a_signal_during_a_batch_restores_it(tree: Path, point: str) -> None:
    before = snapshot(tree)
    proc = migrate(tree, "--validate", "syntax", env={"SSOT_TEST_SIGNAL_AT": point})
    name = point.rsplit(":", 1)[1]
    assert proc.returncode == 130, proc.stderr
    assert f"SIG{name}" in proc.stderr and RESTORED in proc.stderr
    assert snapshot(tree) == before
    assert_closed(tree)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_from_outside_while_pytest_validates_restores_the_batch(tree: Path, sig: int) -> None:
    before = snapshot(tree)
    proc = subprocess.Popen([*SSOT, "migrate", "--family", WS, "--no-cache", "--validate", "tests"], cwd=tree,
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    assert proc.stderr is not None
    lines: list[str] = []
    deadline = time.monotonic() + 120
    for line in proc.stderr:  # progress streams line by line: wait for the batch's validation
        lines.append(line)
        if "validating" in line:
            break
        assert time.monotonic() < deadline, "".join(lines)
    time.sleep(0.3)  # pytest is running
    proc.send_signal(sig)
    rest = proc.stderr.read()
    proc.wait(timeout=120)
    assert proc.returncode == 130, "".join(lines) + rest
    assert RESTORED in rest and signal.Signals(sig).name in rest
    assert snapshot(tree) == before
    assert_closed(tree)


@pytest.mark.parametrize("point", ["rewrite:3", "replace:4"])
def test_an_exception_inside_a_rewrite_restores_the_batch(tree: Path, point: str) -> None:
    before = snapshot(tree)
    proc = migrate(tree, "--validate", "syntax", env={"SSOT_TEST_RAISE_AT": point})
    assert proc.returncode == 70, proc.stderr
    assert "InjectedFault" in proc.stderr and RESTORED in proc.stderr
    assert "Traceback" not in proc.stderr
    assert snapshot(tree) == before
    assert_closed(tree)


def test_a_failure_in_a_later_batch_restores_that_batch_only(tree: Path) -> None:
    first = migrate(tree, "--validate", "syntax", "--batch-size", "4", "--dry-run", "--json")
    batches = json.loads(first.stdout)["batches"]
    assert len(batches) >= 2
    written_first = set(batches[0]["files"])
    before = snapshot(tree)
    proc = migrate(tree, "--validate", "syntax", "--batch-size", "4", env={"SSOT_TEST_SIGNAL_AT": "validate:2:INT"})
    assert proc.returncode == 130, proc.stderr
    assert "1 earlier batch(es) stay applied" in proc.stderr and "ssot rollback" in proc.stderr
    after = snapshot(tree)
    changed = {p for p in set(before) | set(after) if before.get(p) != after.get(p)}
    assert changed == written_first  # batch 1 stands, batch 2 is restored
    ssot(tree, "rollback")  # the whole run still rolls back
    assert snapshot(tree) == before


def test_a_failing_family_is_taken_out_and_the_rest_of_its_batch_stands(tree: Path) -> None:
    doc = json.loads(ssot(tree, "plan", "--format", "json", "--no-cache", "--family", WS).stdout)
    ws = next(f for f in doc["families"] if f["id"] == WS)
    sync = next(c["class"] for c in ws["canonical"] if c["name"].endswith("SyncGetMessages"))
    base = f"{WS}/A"
    before = snapshot(tree)
    # the wrong consolidation fails validation; make_message, in the same batch, is right
    proc = subprocess.run([*SSOT, "migrate", "--family", WS, "--family", "make_message", "--map", f"{sync}={base}",
                           "--force-map", "--no-cache", "--json"], cwd=tree, capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 1, proc.stderr
    run = json.loads(proc.stdout)
    assert run["failed_families"] == [WS]
    first = run["batches"][0]
    assert first["status"] == "rolled_back" and "passed before, failed now" in " ".join(first["failing"])
    # the failures are in files holding copies of both families: each is tried on its own
    standing = [r for r in first["retried"] if r["status"] == "ok"]
    assert [r["label"] for r in standing] == [f"all #1 without {WS}"] and first["excluded_families"] == [WS]
    after = snapshot(tree)
    changed = {p for p in set(before) | set(after) if before.get(p) != after.get(p)}
    assert changed == set(run["files_changed"]) == set(standing[0]["files"])
    assert "tests/ssot_canonical/make_message.py" in changed
    assert "tests/ssot_canonical/web_socket_connection.py" not in after
    # --exclude-family leaves it out from the start: the same families, nothing to roll back
    again = subprocess.run([*SSOT, "plan", "--format", "json", "--no-cache", "--family", WS, "--family",
                            "make_message", "--exclude-family", WS], cwd=tree, capture_output=True, text=True,
                           check=False)
    assert [f["id"] for f in json.loads(again.stdout)["families"]] == ["make_message"]


def test_sigterm_before_any_batch_says_nothing_was_written(tree: Path) -> None:
    before = snapshot(tree)
    proc = subprocess.Popen([*SSOT, "migrate", "--family", WS, "--no-cache", "--validate", "tests"], cwd=tree,
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    assert proc.stderr is not None
    for line in proc.stderr:  # the baseline is running: no journal yet
        if "baseline: pytest" in line:
            break
    time.sleep(0.3)
    proc.send_signal(signal.SIGTERM)
    rest = proc.stderr.read()
    proc.wait(timeout=120)
    assert proc.returncode == 130 and "nothing was written" in rest and "Traceback" not in rest, rest
    assert snapshot(tree) == before
