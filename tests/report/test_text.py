from __future__ import annotations

import io

from ssot.model import ScanResult
from ssot.report.registry import Style
from ssot.report.scan_report import SCAN


def _text(result: ScanResult, width: int = 200, verbosity: int = 0) -> str:
    out = io.StringIO()
    SCAN.get("text").report(result, out, Style(width=width, verbosity=verbosity))
    return out.getvalue()


def test_families_in_order_with_their_figures(result: ScanResult) -> None:
    out = _text(result)
    order = [out.index(f"\n{fid}  ") for fid in
             ("websocket_connection", "duplicated_test_class", "make_message", "user_context")]
    assert order == sorted(order)
    assert "websocket_connection  TestWebSocketConnection  (class)" in out
    assert ("8 copies (7 live, 1 in backups, 1 nested); 1 commented-out copy; 3 pytest warnings; "
            "1 same-named definition that is not a copy (left alone); 126 duplicated lines") in out
    # what is zero is not said (user_context has no look-alike, no backup copy)
    user = out.split("\nuser_context  ")[1].split("\n")[1]
    assert "same-named" not in user and "backups" not in user and "0 " not in user.replace("duplicated", "")


def test_equivalence_classes_in_words(result: ScanResult) -> None:
    out = _text(result)
    assert ("A  5 copies, kept at tests/e2e/test_beta.py:8 (names: MockWebSocketConnection, "
            "TestWebSocketConnection)") in out
    assert "B  2 copies, kept at tests/websocket/test_delta.py:20; superset of websocket_connection/A" in out
    assert "differs: adds method receive_json" in out
    assert "differs: get_messages is sync here" in out
    assert "differs: literal 'ts' is 'timestamp' here" in out


def test_overview_table_rows(result: ScanResult) -> None:
    out = _text(result)
    row = next(ln for ln in out.splitlines() if ln.strip().startswith("make_message ") and "function" in ln)
    # live, backup, variants, commented, pytest warnings, same-named look-alikes, duplicated lines
    assert row.split()[-7:] == ["4", "0", "2", "0", "0", "1", "12"]


def test_skipped_totals_and_stats(result: ScanResult) -> None:
    out = _text(result)
    assert "Skipped files (2)" in out
    assert "tests/broken/test_bad.py:3: SyntaxError: invalid syntax" in out
    assert "tests/broken/test_latin1.py: not valid UTF-8; re-encode it as UTF-8" in out
    assert ("Total: 4 families, 17 copies (16 live, 1 in backups, 1 nested), 9 redundant live copies, "
            "2 same-named definitions left alone, 167 duplicated lines, 3 pytest warnings, 2 commented-out copies, "
            "2 skipped files") in " ".join(out.split())
    assert ("Findings: backup-copy 1, commented-out-copy 1, duplicate-copy 1, "
            "pytest-uncollectable-class 2") in out
    assert "Scanned 48 files (40 parsed, 6 from cache), 97 definitions in 0.43 s" in out


def test_markup_in_names_is_printed_verbatim(result: ScanResult) -> None:
    result.skipped[0] = type(result.skipped[0])(path="tests/[bold]x.py", reason="bad [red]thing[/red]")
    out = _text(result)
    assert "tests/[bold]x.py: bad [red]thing[/red]" in out


def test_narrow_terminal_loses_nothing(result: ScanResult) -> None:
    out = _text(result, width=60)
    flat = " ".join(out.split())
    assert "kept at tests/websocket/test_delta.py:20; superset of websocket_connection/A" in flat
    assert "differs: adds method receive_json" in flat


def test_clean_scan(result: ScanResult) -> None:
    result.families, result.skipped, result.findings, result.commented_out = [], [], [], []
    out = _text(result)
    assert "No duplicated definitions found." in out and "Skipped files" not in out
    assert "Total: 0 families" in out and "Findings:" not in out
