"""Issue 4 acceptance: SIGKILL a journaled multi-file rewrite anywhere; rollback restores every byte.

A real process (``rewrite_driver.py``, journaled writes through ``Journal``) is
killed after each k-th file write, at each internal step of a write (blob,
record, mkdir, intent, temporary file, replace), inside an in-process batch
rollback, and at random moments.  After every kill the next ``ssot`` command
warns about the interrupted run, ``ssot rollback`` exits 0, and the tree is
byte-identical to before (modes and folders included) with ``git status`` clean.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .killharness import (
    SSOT,
    KillPoint,
    Outcome,
    git_clean,
    kill_and_rollback,
    kill_points,
    make_tree_repo,
    random_delays,
    run_killed,
    snapshot,
)

DRIVER = Path(__file__).with_name("rewrite_driver.py")
WRITES = 14  # 12 rewrites + the canonical module created + the obsolete file deleted
NAMED = ["blob:1", "blob:6", "record:1", "record:9", "mkdir:1", "intent:1", "intent:8",
         "tmp:1", "tmp:5", "tmp:13", "replace:1", "replace:3"]  # 13 writes make temp files
SEED = 20261125
# --many: each batch is one Journal.write_many group (5, 5 and 4 writes): 13 originals go to blobs
# (the canonical module is new), 13 temporary files (the delete makes none); a kill lands in every
# group between "blobs durable" and its record lines, after the records, after the announcements,
# between any two renames, and after each group's "done" lines
NAMED_MANY = ["blob:1", "blob:5", "blob:13", "blobs:1", "blobs:2", "blobs:3", "record:1", "record:2",
              "record:3", "intent:1", "intent:2", "intent:3", "mkdir:1", "tmp:1", "tmp:6", "tmp:13",
              *(f"replace:{k}" for k in range(1, WRITES + 1)), "write:5", "write:10", "write:14"]


def suite_files() -> dict[str, bytes]:
    files: dict[str, bytes] = {"pyproject.toml": b"[project]\nname = 'demo'\n", "tests/__init__.py": b""}
    for i in range(10):
        files[f"tests/test_mod{i:02d}.py"] = (
            f"import pytest\n\n\nclass Helper{i}:\n    value = {i}\n\n\ndef test_{i}():\n"
            f"    assert Helper{i}.value == {i}\n"
        ).encode()
    files["tests/pkg/test_crlf.py"] = b"# -*- coding: latin-1 -*-\r\nclass H:\r\n    s = '\xe9t\xe9'\r\n"
    files["tests/obsolete.py"] = b"class Old:\n    pass\n"
    return files


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("kill") / "template"
    return make_tree_repo(root, suite_files(), executable=["tests/test_mod03.py"])


def command(*extra: str) -> list[str]:
    return [sys.executable, str(DRIVER), "{root}", "--batch-size", "4", *extra]


def check(outcome: Outcome, *, must_kill: bool) -> None:
    label = outcome.point.name
    if must_kill:
        assert outcome.run.killed, f"{label}: the hook did not kill the driver ({outcome.run.stderr})"
    assert outcome.rollback_rc == 0, f"{label}: rollback exit {outcome.rollback_rc}: {outcome.rollback}"
    assert outcome.identical, f"{label}: tree differs after rollback: {outcome.differences}"
    if outcome.git_clean is not None:
        assert outcome.git_clean, f"{label}: git status not clean after rollback"
    if outcome.run.killed and outcome.changed_before_rollback and outcome.unfinished:
        assert outcome.warned, f"{label}: the next ssot command did not report the interrupted run"


@pytest.mark.skipif(not hasattr(__import__("signal"), "SIGKILL"), reason="needs SIGKILL")
def test_sigkill_at_every_write_and_every_step(template: Path, tmp_path: Path) -> None:
    """After each k-th write and at each internal step: rollback gives the tree back byte for byte."""
    points = kill_points(WRITES, NAMED)
    assert len(points) >= 20
    outcomes = [kill_and_rollback(template, tmp_path / p.name, command(), p) for p in points]
    for outcome in outcomes:
        check(outcome, must_kill=True)
    # the kills hit the tree in the middle of the run, not only before or after it
    assert sum(o.changed_before_rollback for o in outcomes) >= WRITES
    print(f"\nkill test: {len(outcomes)}/{len(outcomes)} kills rolled back byte-identical")


@pytest.mark.skipif(not hasattr(__import__("signal"), "SIGKILL"), reason="needs SIGKILL")
def test_sigkill_at_every_step_of_grouped_writes(template: Path, tmp_path: Path) -> None:
    """Journal.write_many (one group per batch, as ``ssot migrate`` writes): a kill between the
    originals becoming durable and their record lines, between any two renames, anywhere else."""
    points = kill_points(0, NAMED_MANY)
    outcomes = [kill_and_rollback(template, tmp_path / p.name, command("--many"), p) for p in points]
    for outcome in outcomes:
        check(outcome, must_kill=True)
    by_name = {o.point.name: o for o in outcomes}
    # before the first rename nothing in the tree changed; after it, something did
    assert not by_name["at-intent-1"].changed_before_rollback
    assert all(by_name[f"at-replace-{k}"].changed_before_rollback for k in range(1, WRITES + 1))
    print(f"\ngrouped-write kill test: {len(outcomes)}/{len(outcomes)} kills rolled back byte-identical")


@pytest.mark.skipif(not hasattr(__import__("signal"), "SIGKILL"), reason="needs SIGKILL")
@pytest.mark.parametrize("mode", ["single", "many"])
def test_sigkill_during_an_in_process_batch_rollback(template: Path, tmp_path: Path, mode: str) -> None:
    # batch 2 "fails validation" and is rolled back in-process; kill inside that rollback too
    points = [KillPoint("restore-1", at="restore:1"), KillPoint("restore-3", at="restore:3"),
              KillPoint("write-after-restore", after_writes=11)]
    extra = ("--many",) if mode == "many" else ()
    for p in points:
        outcome = kill_and_rollback(template, tmp_path / p.name, command("--fail-batch", "2", *extra), p)
        check(outcome, must_kill=True)


@pytest.mark.skipif(not hasattr(__import__("signal"), "SIGKILL"), reason="needs SIGKILL")
def test_sigkill_at_random_moments(template: Path, tmp_path: Path) -> None:
    # calibrate: when does the driver start writing, and when does it end, on this machine
    calib = tmp_path / "calibrate"
    shutil.copytree(template, calib, symlinks=True)
    start = time.perf_counter()
    proc = subprocess.Popen([a.replace("{root}", str(calib)) for a in command("--pause", "0.02")],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    proc.stdout.readline()  # the run id: the journal has begun
    began = time.perf_counter() - start
    proc.communicate(timeout=120)
    ended = time.perf_counter() - start
    assert proc.returncode == 0
    delays = random_delays(8, began, ended, SEED)
    outcomes = [
        kill_and_rollback(template, tmp_path / p.name, command("--pause", "0.02"), p)
        for p in kill_points(0, delays=delays)
    ]
    for outcome in outcomes:
        check(outcome, must_kill=False)
    assert any(o.run.killed and o.changed_before_rollback for o in outcomes), (
        f"no random kill landed mid-run (window {began:.3f}-{ended:.3f}s)")
    killed = sum(o.run.killed for o in outcomes)
    print(f"\nrandom kills: {killed} killed mid-run of {len(outcomes)}, all rolled back byte-identical")


def test_uninterrupted_run_then_rollback_is_byte_identical(template: Path, tmp_path: Path) -> None:
    outcome = kill_and_rollback(template, tmp_path / "whole", command(), KillPoint("none"),
                                check_warning=False)
    assert outcome.run.returncode == 0, outcome.run.stderr
    assert outcome.changed_before_rollback
    check(outcome, must_kill=False)
    assert outcome.rollback["scope"] == "run"
    assert "tests/ssot_canonical/helpers.py" in outcome.rollback["deleted"]
    assert "tests/obsolete.py" in outcome.rollback["restored"]


@pytest.mark.skipif(not hasattr(__import__("signal"), "SIGKILL"), reason="needs SIGKILL")
@pytest.mark.parametrize("restore_point", ["restore:1", "restore:4"])
def test_sigkill_during_ssot_rollback_then_rollback_again(template: Path, tmp_path: Path,
                                                          restore_point: str) -> None:
    work = tmp_path / "tree"
    shutil.copytree(template, work, symlinks=True)
    before = snapshot(work)
    driver = [a.replace("{root}", str(work)) for a in command()]
    first = run_killed(driver, work, KillPoint("w7", after_writes=7))
    assert first.killed
    second = run_killed([*SSOT, "rollback"], work, KillPoint("r", at=restore_point))
    assert second.killed, second.stderr
    assert snapshot(work) != before
    third = subprocess.run([*SSOT, "rollback"], cwd=work, capture_output=True, text=True, check=False)
    assert third.returncode == 0, third.stderr
    assert snapshot(work) == before
    assert git_clean(work) in (True, None)


@pytest.mark.skipif(not hasattr(__import__("signal"), "SIGKILL"), reason="needs SIGKILL")
def test_a_kill_between_the_logged_end_and_the_marker_is_a_finished_run(template: Path, tmp_path: Path) -> None:
    """The run logged its end and died before writing ``finished``: it ended, so no command
    calls it interrupted, and a rollback still restores every byte."""
    point = KillPoint("at-finish-1", at="finish:1")
    outcome = kill_and_rollback(template, tmp_path / "finish", command(), point)
    check(outcome, must_kill=True)
    assert outcome.changed_before_rollback and not outcome.unfinished
    assert not outcome.warned
    assert outcome.rollback.get("state") == "rolled back", outcome.rollback
