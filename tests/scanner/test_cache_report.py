"""The warm JSON report: an unchanged tree's report written again from the cache, the same bytes as a cold scan's."""

from __future__ import annotations

import json
import os
import pickle
import re
import sqlite3
from pathlib import Path

import pytest

from ssot.scanner.cache import CACHE_VERSION, REPORT
from testkit import assert_no_traceback, run_cli, write_tree

from .test_cache import _Payload
from .test_commented import HELPER

STATS = re.compile(r'"stats": ?\{[^{}]*\}')


def project(root: Path, copies: int = 3) -> Path:
    files = {f"tests/test_{i}.py": "import asyncio\n\n\n" + HELPER for i in range(copies)}
    return write_tree(root, {"pyproject.toml": "[tool.ssot]\nmin_tokens = 1\n", **files})


def scan_bytes(root: Path, *extra: str, env: dict[str, str] | None = None) -> tuple[bytes, str]:
    """``ssot scan --format json -o FILE``: the bytes written and the standard error."""
    out = root.parent / f"{root.name}-report.json"
    run = run_cli("scan", ".", "--format", "json", "-o", out, "--no-progress", *extra, cwd=root, env=env)
    assert_no_traceback(run)
    assert run.code in (0, 1), run.stderr  # 1: families found (0 when a setting leaves none)
    return out.read_bytes(), run.stderr


def stats_of(report: bytes) -> dict[str, float]:
    stats: dict[str, float] = json.loads(report)["stats"]
    return stats


def without_stats(report: bytes) -> bytes:
    [found] = STATS.findall(report.decode("utf-8"))  # the one stats object (other objects hold no stats)
    return report.replace(found.encode("utf-8"), b'"stats":{}')


def test_an_unchanged_tree_gets_the_cold_scans_bytes_without_building_the_model(tmp_path: Path) -> None:
    root = project(tmp_path / "p")
    cold, _ = scan_bytes(root)
    # the importer's log: the warm scan imports none of the scanner's analysis (nothing is recomputed or loaded)
    warm, log = scan_bytes(root, env={"PYTHONPROFILEIMPORTTIME": "1"})
    assert "ssot.scanner.families" not in log and "ssot.scanner.engine" not in log
    assert "ssot.scanner.unchanged" in log  # the warm path did run
    assert without_stats(warm) == without_stats(cold)
    assert stats_of(cold)["parsed"] == 3 and stats_of(cold)["cached"] == 0
    assert (stats_of(warm)["parsed"], stats_of(warm)["cached"]) == (0, 3)
    # and a scan that reads and writes no cache at all writes the same
    fresh, _ = scan_bytes(root, "--no-cache")
    assert without_stats(fresh) == without_stats(cold)
    # standard output gets the same bytes as -o
    run = run_cli("scan", ".", "--format", "json", "--no-progress", cwd=root)
    assert run.code == 1 and without_stats(run.stdout.encode("utf-8")) == without_stats(cold)
    assert (root / ".ssot_cache" / REPORT.format("json")).is_file()


def test_a_changed_file_gives_a_fresh_report(tmp_path: Path) -> None:
    root = project(tmp_path / "p")
    first, _ = scan_bytes(root)
    scan_bytes(root)  # warm
    victim = root / "tests" / "test_2.py"
    victim.write_text(victim.read_text(encoding="utf-8").replace("messages_sent", "sent"), encoding="utf-8")
    after, _ = scan_bytes(root)
    assert stats_of(after)["parsed"] == 1
    assert without_stats(after) != without_stats(first)
    expected, _ = scan_bytes(root, "--no-cache")
    assert without_stats(after) == without_stats(expected)
    again, _ = scan_bytes(root)  # and that report is the one kept now
    assert without_stats(again) == without_stats(expected) and stats_of(again)["parsed"] == 0


def test_a_file_touched_with_the_same_content_keeps_the_report(tmp_path: Path) -> None:
    root = project(tmp_path / "p")
    first, _ = scan_bytes(root)
    victim = root / "tests" / "test_1.py"
    st = victim.stat()
    os.utime(victim, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    touched, _ = scan_bytes(root)
    assert stats_of(touched)["parsed"] == 1 and without_stats(touched) == without_stats(first)
    again, log = scan_bytes(root, env={"PYTHONPROFILEIMPORTTIME": "1"})
    assert "ssot.scanner.families" not in log and without_stats(again) == without_stats(first)


@pytest.mark.parametrize(("setting", "options"), [
    ("min-lines", ("--min-lines", "40")),
    ("a new file", ()),
    ("pytest's python_files", ()),
])
def test_a_changed_setting_gives_a_fresh_report(tmp_path: Path, setting: str, options: tuple[str, ...]) -> None:
    root = project(tmp_path / "p")
    first, _ = scan_bytes(root)
    if setting == "a new file":
        write_tree(root, {"tests/test_9.py": "import asyncio\n\n\n" + HELPER})
    if setting == "pytest's python_files":  # collected flags and the test scope follow it
        write_tree(root, {"pytest.ini": "[pytest]\npython_files = check_*.py\n"})
    after, _ = scan_bytes(root, *options)
    expected, _ = scan_bytes(root, "--no-cache", *options)
    assert without_stats(after) == without_stats(expected)
    assert without_stats(after) != without_stats(first)


def test_select_and_other_formats_are_scanned_as_before(tmp_path: Path) -> None:
    root = project(tmp_path / "p")
    scan_bytes(root)
    run = run_cli("scan", ".", "--format", "json", "--select", "commented-out", "--no-progress", cwd=root)
    assert_no_traceback(run)
    assert run.code == 0 and run.json()["families"] == []
    run = run_cli("scan", ".", "--format", "sarif", "--no-progress", cwd=root)
    assert run.code == 1 and json.loads(run.stdout)["runs"]


def test_exit_zero_and_exit_codes_follow_the_kept_report(tmp_path: Path) -> None:
    root = project(tmp_path / "p")
    scan_bytes(root)
    run = run_cli("scan", ".", "--format", "json", "--exit-zero", "--no-progress", cwd=root)
    assert run.code == 0 and stats_of(run.stdout.encode("utf-8"))["parsed"] == 0


def test_a_kept_report_of_another_version_or_key_is_not_used(tmp_path: Path) -> None:
    root = project(tmp_path / "p")
    cold, _ = scan_bytes(root)
    kept = root / ".ssot_cache" / REPORT.format("json")
    version, data = pickle.loads(kept.read_bytes())
    assert version == CACHE_VERSION
    forged = (data[0], data[1].replace(b'"families"', b'"forged"', 1), *data[2:])
    kept.write_bytes(pickle.dumps(("scan-0-an-older-ssot", forged)))
    older, _ = scan_bytes(root)
    assert b'"forged"' not in older and without_stats(older) == without_stats(cold)
    kept.write_bytes(pickle.dumps((CACHE_VERSION, ("another key", *forged[1:]))))
    other, _ = scan_bytes(root)
    assert b'"forged"' not in other and without_stats(other) == without_stats(cold)


@pytest.mark.parametrize("content", [b"", b"junk", pickle.dumps((CACHE_VERSION, ("k",)))])
def test_a_broken_kept_report_is_ignored(tmp_path: Path, content: bytes) -> None:
    root = project(tmp_path / "p")
    cold, _ = scan_bytes(root)
    (root / ".ssot_cache" / REPORT.format("json")).write_bytes(content)
    again, _ = scan_bytes(root)
    assert without_stats(again) == without_stats(cold)


@pytest.mark.parametrize("field", [1, 2, 3, 4, 5, 7])  # head, tail, files, definitions, figures, families
def test_a_kept_report_of_the_right_key_but_ill_formed_is_ignored(tmp_path: Path, field: int) -> None:
    root = project(tmp_path / "p")
    cold, _ = scan_bytes(root)
    kept = root / ".ssot_cache" / REPORT.format("json")
    version, data = pickle.loads(kept.read_bytes())
    junk = {1: "text, not bytes", 2: None, 3: "many", 4: None, 5: (("families", "one", ""),), 7: True}[field]
    kept.write_bytes(pickle.dumps((version, (*data[:field], junk, *data[field + 1:]))))
    again, _ = scan_bytes(root)
    assert without_stats(again) == without_stats(cold)


@pytest.mark.parametrize("part", ["stamp", "a path with a NUL", "files", "whole", "all of it"])
def test_an_ill_formed_kept_discovery_is_ignored(tmp_path: Path, part: str) -> None:
    root = project(tmp_path / "p")
    scan_bytes(root)
    _age(root)
    scan_bytes(root)
    cold, _ = scan_bytes(root)
    kept = root / ".ssot_cache" / "tree.pickle"
    version, (settings, stamp, files, whole) = pickle.loads(kept.read_bytes())
    assert version == CACHE_VERSION and stamp and files
    forged: tuple[object, ...] = {
        "stamp": (settings, "not a stamp", files, whole),
        "a path with a NUL": (settings, (("a\0b", 1), *stamp), files, whole),
        "files": (settings, stamp, (1, 2), whole),
        "whole": (settings, stamp, files, "yes"),
        "all of it": (),
    }[part]
    kept.write_bytes(pickle.dumps((version, forged)))
    again, _ = scan_bytes(root)
    assert without_stats(again) == without_stats(cold)


@pytest.mark.parametrize("part", [REPORT.format("json"), "tree.pickle", "scan-result.pickle", "scan-last.pickle"])
def test_a_crafted_cache_part_runs_no_code(tmp_path: Path, part: str) -> None:
    root = project(tmp_path / "p")
    cold, _ = scan_bytes(root)
    marker = tmp_path / "pwned"
    (root / ".ssot_cache" / part).write_bytes(pickle.dumps((CACHE_VERSION, _Payload(marker))))
    again, _ = scan_bytes(root)
    assert not marker.exists()
    assert without_stats(again) == without_stats(cold)


def test_a_failed_write_leaves_the_old_report(tmp_path: Path) -> None:
    """Nothing half-written: an output that cannot be replaced keeps its old bytes, the error names it."""
    root = project(tmp_path / "p")
    cold, _ = scan_bytes(root)
    target = tmp_path / "p-report.json"
    blocker = tmp_path / "p-report.json.d"
    blocker.mkdir()
    run = run_cli("scan", ".", "--format", "json", "-o", blocker, "--no-progress", cwd=root)
    assert_no_traceback(run)
    assert run.code != 0 and str(blocker) in run.stderr
    assert target.read_bytes() == cold


def test_every_warm_scan_is_recorded_and_its_report_stored_once(tmp_path: Path) -> None:
    root = project(tmp_path / "p")
    for _ in range(3):
        scan_bytes(root)
    con = sqlite3.connect(root / ".ssot" / "history.db")
    runs = [r for (r,) in con.execute("SELECT id FROM runs WHERE command = 'scan' ORDER BY id")]
    assert len(runs) == 3
    families = {v for (v,) in con.execute("SELECT value FROM figures WHERE name = 'families' AND scope = ''")}
    assert families == {1.0}
    seconds = [v for (v,) in con.execute("SELECT value FROM figures WHERE name = 'scan_seconds' ORDER BY run_id")]
    assert len(seconds) == 3 and seconds[1] != seconds[0]  # each run's own time
    assert con.execute("SELECT COUNT(*) FROM documents").fetchone()[0] == 1
    con.close()
    # the dashboard finds the report, as the latest run's
    from ssot.report.dashboard.data import load

    data = load(root, root / ".ssot" / "history.db")
    assert data.scan_run == runs[-1] and data.scan is not None
    assert [f["id"] for f in data.scan["families"]] == [f["id"] for f in json.loads(scan_bytes(root)[0])["families"]]


def _age(root: Path, seconds: int = 60) -> None:
    """Every folder and file of the tree as if written ``seconds`` ago (the folder stamp trusts no change
    made in the last two seconds: a second change in the same clock tick would not show)."""
    import time

    past = time.time_ns() - seconds * 1_000_000_000
    for folder, _, files in os.walk(root):
        for name in files:
            os.utime(os.path.join(folder, name), ns=(past, past))
        os.utime(folder, ns=(past, past))


def test_the_last_discovery_is_reused_while_no_folder_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ssot.app.scan import ScanRequest, scan_config
    from ssot.config import load
    from ssot.scanner import unchanged

    root = project(tmp_path / "p")
    write_tree(root, {"tests/data/notes.txt": "no Python here\n"})
    scan_bytes(root)
    _age(root)
    scan_bytes(root)  # the files' new times in the cache
    cfg = scan_config(load(root), ScanRequest())
    first = unchanged.unchanged_key(config=cfg)  # discovers, and keeps what it found with the folders' stamp
    assert first is not None and (root / ".ssot_cache" / "tree.pickle").is_file()

    def no_discovery(*args: object) -> None:
        raise AssertionError("discovered again")

    with monkeypatch.context() as m:
        m.setattr(unchanged, "discovered", no_discovery)
        assert unchanged.unchanged_key(config=cfg) == first
    # a file added where there was no Python file yet: its folder changed, so the files are discovered again
    write_tree(root, {"tests/data/test_late.py": "import asyncio\n\n\n" + HELPER})
    assert unchanged.unchanged_key(config=cfg) is None
    after, _ = scan_bytes(root)
    expected, _ = scan_bytes(root, "--no-cache")
    assert b"tests/data/test_late.py" in after and without_stats(after) == without_stats(expected)


@pytest.mark.parametrize("change", ["a .gitignore edited", "a folder added", "a file removed"])
def test_the_folder_stamp_sees_what_changes_the_files_found(tmp_path: Path, change: str) -> None:
    root = project(tmp_path / "p", copies=4)
    write_tree(root, {".gitignore": "# nothing\n"})
    scan_bytes(root)
    _age(root)
    scan_bytes(root)  # the files' new times in the cache
    scan_bytes(root)  # nothing changed: the stamp is kept now
    assert (root / ".ssot_cache" / "tree.pickle").is_file()
    ignore = root / ".gitignore"
    if change == "a .gitignore edited":  # the same size, the folder untouched: only the file's time says so
        ignore.write_text("test_3.py\n", encoding="utf-8")
    elif change == "a folder added":
        write_tree(root, {"tests/more/test_more.py": "import asyncio\n\n\n" + HELPER})
    else:
        (root / "tests" / "test_3.py").unlink()
    after, _ = scan_bytes(root)
    expected, _ = scan_bytes(root, "--no-cache")
    assert without_stats(after) == without_stats(expected)
    if change in ("a .gitignore edited", "a file removed"):
        assert b"tests/test_3.py" not in after and stats_of(after)["files"] == 3
    if change == "a folder added":
        assert b"tests/more/test_more.py" in after and stats_of(after)["files"] == 5


def test_a_git_work_tree_around_the_project_is_seen(tmp_path: Path) -> None:
    """git's rules decide what a scan of a work tree finds (here an ignore file above the project), and
    no folder inside the project changes when the work tree appears around it."""
    import shutil
    import subprocess

    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    root = project(tmp_path / "outer" / "p", copies=4)
    scan_bytes(root)
    _age(tmp_path)
    scan_bytes(root)
    scan_bytes(root)
    assert (root / ".ssot_cache" / "tree.pickle").is_file()
    subprocess.run(["git", "init", "-q", str(tmp_path / "outer")], check=True)
    (tmp_path / "outer" / ".gitignore").write_text("test_3.py\n", encoding="utf-8")
    after, _ = scan_bytes(root)
    expected, _ = scan_bytes(root, "--no-cache")
    assert without_stats(after) == without_stats(expected)
    assert b"tests/test_3.py" not in after


def _no_discovery(monkeypatch: pytest.MonkeyPatch) -> None:
    from ssot.scanner import unchanged

    def no_discovery(*args: object) -> None:
        raise AssertionError("discovered again")

    monkeypatch.setattr(unchanged, "discovered", no_discovery)


def _key(root: Path) -> str | None:
    from ssot.app.scan import ScanRequest, scan_config
    from ssot.config import load
    from ssot.scanner import unchanged

    # as ``ssot scan .`` asks (the paths named and the scope are part of what a kept discovery is for)
    cfg = scan_config(load(root), ScanRequest(paths=["."]))
    return unchanged.unchanged_key(["."], config=cfg, whole_tree=cfg.whole_tree)


def test_the_first_scan_keeps_a_discovery_the_next_one_uses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cold scan makes ``.ssot_cache/`` and ``.ssot/`` beside the files it found (the root's time moves,
    and it moved less than two seconds before): the next scan still needs no discovery of its own."""
    root = project(tmp_path / "p")
    scan_bytes(root)
    assert (root / ".ssot_cache" / "tree.pickle").is_file() and (root / ".ssot").is_dir()
    with monkeypatch.context() as m:
        _no_discovery(m)
        assert _key(root) is not None


def test_a_file_saved_through_a_rename_keeps_the_discovery(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Editors save by writing a temporary file and renaming it over the old one: the folder's time moves,
    its listing does not, and the files found are the same."""
    root = project(tmp_path / "p")
    scan_bytes(root)
    _age(root)
    scan_bytes(root)
    target = root / "tests" / "test_1.py"
    tmp = root / "tests" / ".test_1.py.swp"
    tmp.write_text(target.read_text(encoding="utf-8") + "\nLIMIT = 3\n", encoding="utf-8")
    os.replace(tmp, target)
    with monkeypatch.context() as m:
        _no_discovery(m)
        assert _key(root) is None  # a file changed: not the last result, but no discovery to tell it
    after, _ = scan_bytes(root)
    expected, _ = scan_bytes(root, "--no-cache")
    assert without_stats(after) == without_stats(expected)


def test_a_second_change_in_the_same_clock_tick_is_seen(tmp_path: Path) -> None:
    """A stamp taken right after a change cannot trust the folder's time (a second change in the same tick
    leaves it as it was): the listing decides."""
    import time

    from ssot.scanner.unchanged import _holds, tree_stamp

    root = project(tmp_path / "p")
    (root / "tests" / "test_9.py").write_text("x = 1\n", encoding="utf-8")  # a change just now
    stamp = tree_stamp(root, ["."])
    assert stamp is not None and stamp[0] <= time.time_ns()
    assert _holds(root, stamp)
    folder = root / "tests"
    before = os.stat(folder).st_mtime_ns
    (folder / "test_10.py").write_text("y = 2\n", encoding="utf-8")  # the second change...
    os.utime(folder, ns=(before, before))  # ...in the same tick: the folder's time as it was
    assert not _holds(root, stamp)
    (folder / "test_10.py").unlink()
    os.utime(folder, ns=(before, before))
    assert _holds(root, stamp)
