"""A hand-built scan result shaped like a scan of a generated suite.

Four families (a helper class with three variants, a helper function, a
fixture, a real test class copied into three files), commented-out copies,
skipped files and findings of every kind a report must render.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ssot.model import (
    CommentedCopy,
    Definition,
    EquivalenceClass,
    Family,
    Finding,
    Fingerprint,
    ScanResult,
    ScanStats,
    SkippedFile,
)

HERE = Path(__file__).parent
SHARED_CORPUS = Path(os.environ.get("SSOT_CORPUS") or HERE.parents[2] / "shared" / "corpus")


def score_scan(truth: Path, scan: Path, minimum: float) -> tuple[int, dict]:
    """Run the corpus's own scorer on a JSON report: ``(exit code, scores)``."""
    proc = subprocess.run([sys.executable, str(SHARED_CORPUS / "score_scan.py"), str(truth), str(scan),
                           "--min-precision", str(minimum), "--min-recall", str(minimum)],
                          capture_output=True, text=True, check=False)
    return proc.returncode, json.loads(proc.stdout)


def _d(path: str, line: int, size: int, name: str, kind: str = "class", fp: str = "fpA",
       **kw: object) -> Definition:
    start = kw.pop("start_line", line)
    qualname = kw.pop("qualname", name)
    collected = kw.pop("collected", path.split("/")[-1].startswith("test_"))
    return Definition(path=path, line=line, start_line=start, end_line=start + size - 1,  # type: ignore[arg-type]
                      qualname=qualname, name=name, kind=kind, fingerprint=fp, collected=collected, **kw)


def _fp(digest: str, kind: str, source: str) -> Fingerprint:
    return Fingerprint(digest=digest, kind=kind, source=source, statements=source.count("\n") + 1,  # type: ignore[arg-type]
                       shape=(1, 2, 3), tokens=frozenset({"messages"}))


def build_result() -> ScanResult:
    ws = "TestWebSocketConnection"
    ws_a = EquivalenceClass(
        id="websocket_connection/A",
        fingerprint="ws-base",
        members=[
            _d("tests/unit/test_alpha.py", 12, 30, ws, fp="ws-base", has_init=True, start_line=11),
            _d("tests/e2e/test_beta.py", 8, 30, "MockWebSocketConnection", fp="ws-base"),
            _d("tests/unit/test_gamma.py", 41, 30, ws, fp="ws-base", nested=True,
               qualname="ws_fixture.<locals>.TestWebSocketConnection"),
            _d("backups/issue_450_migration/tests/unit/test_alpha.py", 12, 30, ws, fp="ws-base",
               has_init=True, in_backup=True, start_line=11),
            _d("tests/helpers/ws helper.py", 5, 30, ws, fp="ws-base"),
        ],
    )
    ws_b = EquivalenceClass(
        id="websocket_connection/B",
        fingerprint="ws-superset",
        members=[
            _d("tests/websocket/test_delta.py", 20, 36, ws, fp="ws-superset", has_init=True),
            _d("tests/websocket/test_epsilon.py", 22, 36, ws, fp="ws-superset"),
        ],
        differences=["adds method receive_json"],
        superset_of=["websocket_connection/A"],
    )
    ws_c = EquivalenceClass(
        id="websocket_connection/C",
        fingerprint="ws-sync",
        members=[_d("tests/integration/test_zeta.py", 15, 30, "WebSocketTestConnection", fp="ws-sync")],
        differences=["get_messages is sync here"],
    )
    ws_commented = CommentedCopy(path="tests/unit/test_gamma.py", line=3, end_line=9, name=ws, kind="class",
                                 fingerprint="ws-base", family="websocket_connection")
    # a look-alike: same name, unrelated code (the scan kept it out of both families named like it)
    trap = _d("tests/unit/test_trap.py", 5, 8, ws, fp="trap")
    websocket = Family(id="websocket_connection", name=ws, kind="class", classes=[ws_a, ws_b, ws_c],
                       commented=[ws_commented], look_alikes=[trap])

    msg_a = EquivalenceClass(
        id="make_message/A",
        fingerprint="msg-base",
        members=[_d(f"tests/unit/test_m{i}.py", 4, 6, "make_message", kind="function", fp="msg-base")
                 for i in range(3)],
    )
    msg_b = EquivalenceClass(
        id="make_message/B",
        fingerprint="msg-ts",
        members=[_d("tests/e2e/test_m9.py", 4, 7, "make_message", kind="function", fp="msg-ts")],
        differences=["literal 'ts' is 'timestamp' here"],
    )
    message = Family(id="make_message", name="make_message", kind="function", classes=[msg_a, msg_b],
                     look_alikes=[_d("tests/e2e/test_trap2.py", 3, 4, "make_message", kind="function",
                                     fp="trap2")])

    user = Family(id="user_context", name="user_context", kind="fixture", classes=[EquivalenceClass(
        id="user_context/A",
        fingerprint="user",
        members=[_d("tests/unit/conftest.py", 7, 5, "user_context", kind="fixture", fp="user", start_line=6),
                 _d("tests/e2e/conftest.py", 9, 5, "user_context", kind="fixture", fp="user", start_line=8)],
    )])

    dup_test = Family(id="duplicated_test_class", name=ws, kind="class", classes=[EquivalenceClass(
        id="duplicated_test_class/A",
        fingerprint="dup-test",
        members=[_d(f"tests/performance/test_p{i}.py", 30, 12, ws, fp="dup-test", test_methods=3)
                 for i in range(3)],
    )], look_alikes=[trap])

    orphan = CommentedCopy(path="tests/e2e/test_beta.py", line=60, end_line=64, name="old_helper",
                           kind="function", fingerprint="orphan")
    findings = [
        Finding(rule="pytest-uncollectable-class", path="tests/unit/test_alpha.py", line=12,
                message="TestWebSocketConnection has __init__: pytest cannot collect it",
                family="websocket_connection"),
        Finding(rule="pytest-uncollectable-class", path="tests/websocket/test_delta.py", line=20,
                message="TestWebSocketConnection has __init__: pytest cannot collect it",
                family="websocket_connection"),
        Finding(rule="commented-out-copy", path="tests/unit/test_gamma.py", line=3,
                message="commented-out copy of TestWebSocketConnection", family="websocket_connection",
                severity="note"),
        Finding(rule="backup-copy", path="backups/issue_450_migration/tests/unit/test_alpha.py", line=12,
                message="stale copy under backups/", family="websocket_connection", severity="note"),
        # the scan's own duplicate-copy finding for a copy the SARIF view also derives: it must win
        Finding(rule="duplicate-copy", path="tests/unit/test_m2.py", line=4,
                message="make_message is a copy | import it from tests/unit/test_m0.py",
                family="make_message"),
    ]
    fingerprints = {
        "ws-base": _fp("ws-base", "class", "class _:\n    def __init__(self):\n        self.messages = []"),
        "ws-superset": _fp("ws-superset", "class", "class _:\n    def receive_json(self):\n        pass"),
        "ws-sync": _fp("ws-sync", "class", "class _:\n    def get_messages(self):\n        pass"),
        "msg-base": _fp("msg-base", "function", "def _(kind):\n    return {'type': kind, 'ts': 0}"),
        "msg-ts": _fp("msg-ts", "function", "def _(kind):\n    return {'type': kind, 'timestamp': 0}"),
        "user": _fp("user", "fixture", "@pytest.fixture\ndef _():\n    return {'id': 1}"),
        "dup-test": _fp("dup-test", "class", "class _:\n    def test_a(self):\n        pass"),
        "orphan": _fp("orphan", "function", "def _():\n    pass"),
        "unused": _fp("unused", "function", "def _():\n    return 1"),
    }
    return ScanResult(
        root="/tmp/suite",
        families=[websocket, message, user, dup_test],
        commented_out=[ws_commented, orphan],
        skipped=[SkippedFile(path="tests/broken/test_bad.py", reason="SyntaxError: invalid syntax", line=3),
                 SkippedFile(path="tests/broken/test_latin1.py",
                             reason="not valid UTF-8; re-encode it as UTF-8")],
        findings=findings,
        fingerprints=fingerprints,
        stats=ScanStats(files=48, parsed=40, cached=6, definitions=97, seconds=0.4321),
        definitions=97,
    )


@pytest.fixture
def result() -> ScanResult:
    return build_result()
