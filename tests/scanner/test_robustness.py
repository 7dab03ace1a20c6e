"""Robustness: the ``--broken 4`` suite plus hand-made hostile files.

No traceback, every bad file named with its reason, exit code 3 (partial),
and every good file still scanned.  BOM, CRLF, tabs and a latin-1 file with a
coding line are good files.  The unreadable file is read by an unprivileged
process: when the tests run as root (CI), the scan runs as ``nobody`` or, when
``nobody`` cannot run this Python, as root without the capabilities that
bypass file permissions.
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ssot.model import ScanResult
from ssot.scanner.engine import scan
from testkit import assert_no_traceback, cli_env, run_cli

from .conftest import score
from .test_commented import HELPER

HOSTILE = "tests/hostile"
HELPER_LINE = 4  # the class line of HELPER in every good hostile file below


def good_files() -> dict[str, bytes]:
    head = "import asyncio\n\n\n"
    src = head + HELPER + "\n\ndef test_uses_it():\n    assert TestWebSocketConnection().is_connected\n"
    tabs = src.replace("        ", "\t\t").replace("    ", "\t")
    latin = "# -*- coding: latin-1 -*-\nimport asyncio\n\n" + HELPER
    latin += '\n\ndef test_caf\u00e9():\n    assert "caf\u00e9"\n'
    lines = [f"def test_case_{i}():\n    value = {i} * 3\n    assert value == {i * 3}\n\n\n" for i in range(70_000)]
    huge = src + "\n\n" + "".join(lines)
    return {
        f"{HOSTILE}/test_bom.py": b"\xef\xbb\xbf" + src.encode(),
        f"{HOSTILE}/test_crlf.py": src.replace("\n", "\r\n").encode(),
        f"{HOSTILE}/test_tabs.py": tabs.encode(),
        f"{HOSTILE}/test_latin1_coding.py": latin.encode("latin-1"),
        f"{HOSTILE}/test_huge.py": huge.encode(),
    }


# path -> what the reason must say
BAD_CONTENT = {
    f"{HOSTILE}/test_latin1_no_coding.py": (b'import os\n\nNAME = "caf\xe9"\n', "not valid utf-8 at line 3"),
    f"{HOSTILE}/test_nul.py": (b"import os\n\n\nx = 1\x00\n", "NUL byte at line 4"),
    # copied (so the scan parses it) and too deeply nested to fingerprint
    **{f"{HOSTILE}/test_deep_chain_{i}.py": (b"def helper():\n    return " + b" + ".join([b"1"] * 1500) + b"\n",
                                           "nested too deeply") for i in (1, 2)},
    # a copy of the suite's helper, broken inside: the scan must parse it (it has copies) and cannot
    f"{HOSTILE}/test_broken_copy.py": (b"import asyncio\n\n\nclass TestWebSocketConnection:\n"
                                       b"    def __init__(self):\n        self.messages_sent = [\n"
                                       b"        self.is_connected = True\n        self._closed = False\n\n"
                                       b"    async def send_json(self, message: dict):\n"
                                       b"        if self._closed:\n"
                                       b"            raise RuntimeError(\"WebSocket is closed\")\n"
                                       b"        self.messages_sent.append(message)\n", "syntax error"),
}
BAD_LINKS = {
    f"{HOSTILE}/test_loop_a.py": "symlink loop",
    f"{HOSTILE}/test_loop_b.py": "symlink loop",
    f"{HOSTILE}/test_dangling.py": "broken symlink",
}
FIFO = (f"{HOSTILE}/test_fifo.py", "not a regular file")
UNREADABLE = (f"{HOSTILE}/test_unreadable.py", "permission denied")
# syntax errors in code with no copy anywhere: the text is scanned as it stands, nothing is skipped
SYNTAX = ("tests/unit/test_broken_0.py", "tests/unit/test_broken_2.py")


@dataclass
class Hostile:
    root: Path
    truth: dict
    bad: dict[str, str]  # path -> expected part of its reason


def _world_readable(root: Path) -> None:
    for dirpath, _, filenames in os.walk(root):
        os.chmod(dirpath, 0o755)
        for name in filenames:
            path = os.path.join(dirpath, name)
            if not os.path.islink(path) and stat.S_ISREG(os.lstat(path).st_mode):
                os.chmod(path, 0o644)


@pytest.fixture(scope="module")
def hostile(broken_suite: tuple[Path, dict]) -> Iterator[Hostile]:
    """A copy of the broken suite plus hostile files, world-readable but for the unreadable file.

    It lives in a fresh folder under the system temp dir (pytest's own are private to their
    owner), so that an unprivileged user can read it.
    """
    suite, truth = broken_suite
    base = Path(tempfile.mkdtemp(prefix="ssot-hostile-"))
    root = base / "suite"
    shutil.copytree(suite, root, symlinks=True)
    for rel, data in good_files().items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    bad: dict[str, str] = {}
    for rel, (data, reason) in BAD_CONTENT.items():
        (root / rel).write_bytes(data)
        bad[rel] = reason
    os.symlink("test_loop_b.py", root / HOSTILE / "test_loop_a.py")
    os.symlink("test_loop_a.py", root / HOSTILE / "test_loop_b.py")
    os.symlink("no_such_file.py", root / HOSTILE / "test_dangling.py")
    bad.update(BAD_LINKS)
    os.mkfifo(root / FIFO[0])
    bad[FIFO[0]] = FIFO[1]
    _world_readable(base)
    yield Hostile(root, truth, bad)
    shutil.rmtree(base, ignore_errors=True)


def _as_nobody() -> Callable[[], None] | None:
    try:
        import pwd

        nobody = pwd.getpwnam("nobody")
    except (ImportError, KeyError):
        return None

    def drop() -> None:
        os.setgroups([])
        os.setgid(nobody.pw_gid)
        os.setuid(nobody.pw_uid)

    try:
        probe = subprocess.run([sys.executable, "-c", "import ssot.cli, rich, pathspec"], preexec_fn=drop,
                               env=cli_env(), capture_output=True, check=False)
    except OSError:  # this Python is not executable by nobody (under /root, say)
        return None
    return drop if probe.returncode == 0 else None


def _without_dac_capabilities() -> Callable[[], None] | None:
    """Root without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH: file permissions apply to it."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None

    def drop() -> None:
        for cap in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH; PR_CAPBSET_DROP = 24
            if libc.prctl(24, cap, 0, 0, 0) != 0:
                raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")

    with tempfile.NamedTemporaryFile() as fh:
        os.chmod(fh.name, 0)
        probe = subprocess.run([sys.executable, "-c", f"open({fh.name!r}).close()"], preexec_fn=drop,
                               capture_output=True, check=False)
    return drop if probe.returncode != 0 and b"PermissionError" in probe.stderr else None


def unprivileged() -> Callable[[], None] | None:
    """A preexec function under which a mode-000 file cannot be read (None: not needed)."""
    if os.geteuid() != 0:
        return None
    drop = _as_nobody() or _without_dac_capabilities()
    if drop is None:
        pytest.skip("running as root, and neither 'nobody' nor a capability drop can make a file unreadable")
    return drop


@pytest.fixture(scope="module")
def cli_scan(hostile: Hostile) -> Iterator[tuple[int, dict, str]]:
    """``ssot scan --format json`` of the hostile tree by an unprivileged process."""
    preexec = unprivileged()
    target = hostile.root / UNREADABLE[0]
    target.write_text("import os\n\n\ndef helper_never_read():\n    return os.sep\n", encoding="utf-8")
    os.chmod(target, 0)
    try:
        run = run_cli("scan", ".", "--format", "json", "--no-cache", "--no-progress", cwd=hostile.root,
                      preexec_fn=preexec)
        text_run = run_cli("scan", ".", "--no-cache", "--no-progress", cwd=hostile.root, preexec_fn=preexec)
    finally:
        target.unlink()
    assert_no_traceback(run)
    assert_no_traceback(text_run)
    yield run.code, run.json(), text_run.stdout + text_run.stderr


def expected_bad(hostile: Hostile) -> dict[str, str]:
    return {**hostile.bad, UNREADABLE[0]: UNREADABLE[1]}


def test_exit_code_says_partial(cli_scan: tuple[int, dict, str]) -> None:
    code, report, _ = cli_scan
    assert code == 3
    assert report["partial"] is True


def test_every_bad_file_is_named_with_its_reason(hostile: Hostile, cli_scan: tuple[int, dict, str]) -> None:
    _, report, text = cli_scan
    skipped = {s["path"]: s for s in report["skipped"]}
    bad = expected_bad(hostile)
    assert set(skipped) == set(bad)
    for path, reason in bad.items():
        assert reason in skipped[path]["reason"], (path, skipped[path])
        assert path in text  # the terminal report names it too
    assert skipped[f"{HOSTILE}/test_broken_copy.py"]["line"] is not None
    assert not set(SYNTAX) & set(skipped)  # a syntax error where nothing is copied changes nothing found


def test_all_good_files_are_still_scanned(hostile: Hostile, cli_scan: tuple[int, dict, str],
                                          tmp_path: Path) -> None:
    _, report, _ = cli_scan
    # every planted definition of the suite is found, scored by the corpus's own scorer
    (tmp_path / "scan.json").write_text(json.dumps(report), encoding="utf-8")
    truth = tmp_path / "truth.json"
    truth.write_text(json.dumps(hostile.truth), encoding="utf-8")
    scores = score(truth, tmp_path / "scan.json")
    assert scores["family"]["recall"] == 1.0 and scores["equivalence"]["recall"] == 1.0, scores
    # and the good hostile files (BOM, CRLF, tabs, latin-1, 5 MB) hold one copy each of the
    # same helper: one equivalence class of exactly these files
    members = {(m["path"], m["line"]): m["equivalence"] for f in report["families"] for m in f["members"]}
    [helper_class] = {members.get((rel, HELPER_LINE)) for rel in good_files()}
    assert helper_class is not None
    assert sorted(path for (path, _), eq in members.items() if eq == helper_class) == sorted(good_files())
    python_files = sum(1 for p in hostile.root.rglob("*.py") if not p.is_dir()) + 1
    assert report["stats"]["files"] == python_files  # the unreadable file is gone now: + 1


def _delete_on_first_progress(path: Path) -> Callable[[int, int], None]:
    def progress(done: int, total: int) -> None:
        if path.exists():  # the first call comes after discovery, before any file is read
            path.unlink()
    return progress


@pytest.mark.parametrize("jobs", [1, 2])
def test_file_deleted_during_the_scan(hostile: Hostile, jobs: int) -> None:
    """Discovery lists the file, it is deleted, then the scan reads: skipped as vanished, scan goes on."""
    victim = hostile.root / HOSTILE / f"test_vanishing_{jobs}.py"
    victim.write_bytes(good_files()[f"{HOSTILE}/test_bom.py"])
    result: ScanResult = scan(root=hostile.root, use_cache=False, jobs=jobs,
                              progress=_delete_on_first_progress(victim))
    assert not victim.exists()
    skipped = {s.path: s.reason for s in result.skipped}
    rel = victim.relative_to(hostile.root).as_posix()
    assert "vanished during the scan" in skipped[rel]
    assert set(skipped) == {*hostile.bad, rel}
    assert result.partial
    members = {(d.path, d.line) for f in result.families for d in f.members}
    assert all((g, HELPER_LINE) in members for g in good_files())
