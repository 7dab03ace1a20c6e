"""The incremental cache: warm scans read nothing, a touched file only is re-read, bad caches are ignored."""

from __future__ import annotations

import json
import os
import pickle
import shutil
from pathlib import Path

import pytest

from ssot.report import render
from ssot.scanner.cache import CACHE_VERSION
from ssot.scanner.engine import scan
from testkit import assert_no_traceback, run_cli

from .conftest import scan_tree
from .test_commented import HELPER


@pytest.fixture
def suite(default_suite: tuple[Path, dict], tmp_path: Path) -> Path:
    """A private copy of the default suite (the cache is written into it)."""
    src, _ = default_suite
    dest = tmp_path / "suite"
    shutil.copytree(src, dest)
    return dest


def without_stats(report: dict) -> dict:
    return {k: v for k, v in report.items() if k != "stats"}


def cli_json(root: Path, *extra: str) -> dict:
    run = run_cli("scan", ".", "--format", "json", "--no-progress", *extra, cwd=root)
    assert_no_traceback(run)
    assert run.code == 1, run.stderr
    return run.json()


def test_warm_rescan_parses_nothing_and_reports_the_same(suite: Path) -> None:
    cold = cli_json(suite)
    assert (suite / ".ssot_cache" / "scan.pickle").is_file()
    warm = cli_json(suite)
    files = cold["stats"]["files"]
    assert files > 400
    assert (cold["stats"]["parsed"], cold["stats"]["cached"]) == (files, 0)
    assert (warm["stats"]["parsed"], warm["stats"]["cached"]) == (0, files)
    assert without_stats(warm) == without_stats(cold)
    # the warm path proper: the last result is read back whole (every class it holds is allowed)
    from ssot.scanner.cache import ScanCache

    index = ScanCache.load_meta(suite / ".ssot_cache")
    assert index is not None and ScanCache.load_last(suite / ".ssot_cache", index[2]) is not None
    # the cache never shows up in a scan and is ignored by git
    assert (suite / ".ssot_cache" / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"


def test_touching_one_file_rereads_only_that_file(suite: Path) -> None:
    cold = scan(root=suite, jobs=1)
    victim = suite / next(iter(cold.families[0].members)).path
    st = victim.stat()
    os.utime(victim, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    touched = scan(root=suite, jobs=1)
    assert (touched.stats.parsed, touched.stats.cached) == (1, cold.stats.files - 1)
    assert without_stats(json.loads(render(touched, "json"))) == without_stats(json.loads(render(cold, "json")))
    again = scan(root=suite, jobs=1)
    assert again.stats.parsed == 0


def test_editing_a_helper_changes_the_result(suite: Path) -> None:
    cold = scan(root=suite, jobs=1)
    ws = cold.families[0]
    member = next(d for d in ws.classes[0].members if not d.nested and not d.in_backup)
    path = suite / member.path
    lines = path.read_text(encoding="utf-8").split("\n")
    # add a method after the last line of the class
    lines.insert(member.end_line, "\n    def reset(self):\n        self.messages_sent = []")
    path.write_text("\n".join(lines), encoding="utf-8")
    warm = scan(root=suite, jobs=1)
    assert warm.stats.parsed == 1
    [moved] = [c for f in warm.families for c in f.classes
               if any((d.path, d.line) == (member.path, member.line) for d in c.members)]
    assert len(moved.members) == 1
    assert moved.differences == ["adds method reset"]
    assert len(warm.families[0].classes[0].members) == len(ws.classes[0].members) - 1


def test_deleted_file_leaves_the_result(suite: Path) -> None:
    cold = scan(root=suite, jobs=1)
    gone = cold.families[0].members[0]
    (suite / gone.path).unlink()
    warm = scan(root=suite, jobs=1)
    assert warm.stats.parsed == 0 and warm.stats.files == cold.stats.files - 1
    assert all(d.path != gone.path for f in warm.families for d in f.members)
    assert not warm.skipped


def test_config_changes_apply_without_rereading(suite: Path) -> None:
    first = cli_json(suite)
    lower = cli_json(suite, "--min-lines", "1")
    assert lower["stats"]["parsed"] == 0
    assert lower["definitions"] > first["definitions"]


@pytest.mark.parametrize("content", [
    b"not a pickle at all",
    b"",
    pickle.dumps(("an old format",)),
    pickle.dumps(("scan-0-old", {}, {})),
    pickle.dumps((CACHE_VERSION, {}, {}))[:-7],  # truncated
])
def test_corrupted_cache_is_ignored_and_rewritten(tmp_path: Path, content: bytes) -> None:
    files = {f"tests/test_{i}.py": "import asyncio\n\n\n" + HELPER for i in range(3)}
    cold = scan_tree(tmp_path, files, use_cache=True)
    assert cold.stats.parsed == 3
    (tmp_path / ".ssot_cache" / "scan.pickle").write_bytes(content)
    run = run_cli("scan", ".", "--format", "json", "--no-progress", cwd=tmp_path)
    assert_no_traceback(run)
    assert run.code == 1
    report = json.loads(run.stdout)
    assert report["stats"]["parsed"] == 3
    assert len(report["families"]) == 1 and len(report["families"][0]["members"]) == 3
    assert scan(root=tmp_path, jobs=1).stats.parsed == 0  # rewritten, usable again


def test_no_cache_reads_and_writes_nothing(tmp_path: Path) -> None:
    files = {f"tests/test_{i}.py": "import asyncio\n\n\n" + HELPER for i in range(2)}
    write = scan_tree(tmp_path, files, use_cache=False)
    assert write.stats.parsed == 2
    assert not (tmp_path / ".ssot_cache").exists()
    run = run_cli("scan", ".", "--no-cache", "--format", "json", cwd=tmp_path)
    assert run.code == 1 and not (tmp_path / ".ssot_cache").exists()


def test_two_projects_scanned_in_one_process(tmp_path: Path) -> None:
    """Memos outlive a scan; a second project sharing their code must still get every fingerprint."""
    for name in ("one", "two", "three"):
        files = {f"tests/test_{i}.py": "import asyncio\n\n\n" + HELPER for i in range(2)}
        result = scan_tree(tmp_path / name, files, use_cache=False)
        assert [len(f.members) for f in result.families] == [2]
        assert result.families[0].classes[0].fingerprint in result.fingerprints


def test_files_with_syntax_errors_stay_reported_on_a_warm_scan(tmp_path: Path) -> None:
    files = {f"tests/test_{i}.py": "import asyncio\n\n\n" + HELPER for i in range(2)}
    # a third copy of the helper with an error inside: it has copies, so the scan parses it, and cannot
    broken = HELPER.replace("        return self.messages_sent.copy()", "        return f'{}'")
    files["tests/test_broken.py"] = "import asyncio\n\n\n" + broken
    line = 4 + broken.splitlines().index("        return f'{}'")
    cold = scan_tree(tmp_path, files, use_cache=True)
    warm = scan(root=tmp_path, jobs=1)
    assert warm.stats.parsed == 0
    for result in (cold, warm):
        assert [(s.path, s.line) for s in result.skipped] == [("tests/test_broken.py", line)]
        assert "f-string" in result.skipped[0].reason
    run = run_cli("scan", ".", "--no-progress", cwd=tmp_path)
    assert run.code == 3 and f"tests/test_broken.py:{line}" in run.stdout


class _Payload:
    """Unpickling this runs a command: what a crafted cache committed to a repository would do."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (f"touch {self.marker}",))


def test_a_crafted_cache_runs_no_code(tmp_path: Path) -> None:
    """The cache sits in the scanned tree; loading it must never run code from it."""
    files = {f"tests/test_{i}.py": "import asyncio\n\n\n" + HELPER for i in range(2)}
    scan_tree(tmp_path, files, use_cache=True)
    marker = tmp_path.parent / f"{tmp_path.name}-pwned"
    (tmp_path / ".ssot_cache" / "scan.pickle").write_bytes(
        pickle.dumps((CACHE_VERSION, {"tests/test_0.py": _Payload(marker)}, {}))
    )
    run = run_cli("scan", ".", "--format", "json", "--no-progress", cwd=tmp_path)
    assert_no_traceback(run)
    assert not marker.exists()
    assert run.code == 1 and json.loads(run.stdout)["stats"]["parsed"] == 2  # ignored and rebuilt


def test_entries_pickle_as_their_fields_and_come_back_equal() -> None:
    """Entries and extracts pickle as their fields in order (``__reduce__``), not through the slotted
    dataclasses' generic state: every field must come back, through the cache's own unpickler."""
    import dataclasses
    import io
    import pickle

    from ssot.scanner.cache import Entry, _SafeUnpickler
    from ssot.scanner.extract import Extractor, FileExtract

    text = "class A:\n    def f(self):\n        return 1\n\n\ndef g():\n    return 2\n"
    ex = Extractor().extract(text)
    ex = dataclasses.replace(ex, error=("bad", 3), generated=True, parsed=False, done=frozenset({1, 5}),
                             commented=[(1, 2, "h", "function", "d")], bindings=(("os", "import:os"),))
    entry = Entry(12, 34, "digest", ex)
    back = _SafeUnpickler(io.BytesIO(pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL))).load()
    assert back == entry
    assert all(getattr(back.extract, f.name) == getattr(ex, f.name) for f in dataclasses.fields(FileExtract))
