from __future__ import annotations

import re

from ssot.model import Definition, EquivalenceClass, Family, ScanResult
from ssot.report import render


def _section(md: str, heading: str) -> str:
    start = md.index(heading)
    nxt = md.find("\n#", start + len(heading))
    return md[start:nxt if nxt != -1 else None]


def _rows(block: str) -> list[list[str]]:
    """Cells of the markdown table rows in ``block`` (header and rule lines excluded)."""
    lines = [ln for ln in block.splitlines() if ln.startswith("|")]
    return [[c.strip() for c in re.split(r"(?<!\\)\|", ln)[1:-1]] for ln in lines[2:]]


def test_families_ranked_by_duplicated_lines(result: ScanResult) -> None:
    md = render(result, "markdown")
    headings = re.findall(r"^### (\S+)", md, re.M)
    assert headings == ["websocket_connection", "duplicated_test_class", "make_message", "user_context"]
    overview = _rows(_section(md, "## Families"))[:4]
    assert [r[-1] for r in overview] == ["126", "24", "12", "5"]
    ws = overview[0]
    # name, kind, live, in backups, nested, variants, commented, pytest warnings
    assert ws[1:9] == ["`TestWebSocketConnection`", "class", "7", "1", "1", "3", "1", "3"]
    assert ws[0] == "[websocket_connection](#websocket_connection-testwebsocketconnection)"
    assert [r[9] for r in overview] == ["1", "1", "1", "0"]  # same name, not a copy (left alone)


def test_look_alikes_listed(result: ScanResult) -> None:
    ws = _section(render(result, "markdown"), "### websocket_connection")
    assert "1 same-named definition that is not a copy (left alone)." in ws
    block = ws.split("1 same-named definition left alone: same name, not a copy</summary>")[1]
    assert _rows(block) == [["tests/unit/test_trap.py:5", "`TestWebSocketConnection`", "class"]]


def test_family_section_has_classes_and_every_copy(result: ScanResult) -> None:
    ws = _section(render(result, "markdown"), "### websocket_connection")
    tables = ws.split("<details>")
    classes = _rows(tables[0])
    assert classes[1] == ["B", "2", "TestWebSocketConnection", "tests/websocket/test_delta.py:20",
                          "adds method receive_json", "websocket_connection/A"]
    assert classes[2][4] == "get_messages is sync here" and classes[2][5] == "–"
    copies = _rows(tables[1])
    assert len(copies) == 8
    flags = {r[0]: r[4] for r in copies}
    assert flags["tests/e2e/test_beta.py:8"] == "kept"
    assert flags["backups/issue_450_migration/tests/unit/test_alpha.py:12"] == "backup, pytest warning"
    assert flags["tests/unit/test_gamma.py:41"] == "nested"
    assert flags["tests/helpers/ws helper.py:5"] == "not collected"
    assert "Commented-out copies: tests/unit/test_gamma.py:3" in ws


def test_skipped_findings_and_orphan_comments(result: ScanResult) -> None:
    md = render(result, "markdown")
    assert "> **Partial scan**: 2 files were skipped" in md
    assert _rows(_section(md, "## Skipped files")) == [
        ["tests/broken/test_bad.py:3", "SyntaxError: invalid syntax"],
        ["tests/broken/test_latin1.py", "not valid UTF-8; re-encode it as UTF-8"]]
    assert _rows(_section(md, "## Commented-out code in no family")) == [
        ["tests/e2e/test_beta.py:60", "`old_helper`", "function", "5"]]
    findings = _rows(_section(md, "## Findings"))
    assert len(findings) == 5
    # a pipe in a message is escaped, so the row keeps its five cells
    assert findings[-1][4] == "make_message is a copy \\| import it from tests/unit/test_m0.py"


def test_empty_scan(result: ScanResult) -> None:
    empty = ScanResult(root="/r", families=[], commented_out=[], skipped=[], findings=[], fingerprints={},
                       stats=result.stats)
    md = render(empty, "markdown")
    assert "No duplicated definitions found." in md
    assert "Partial scan" not in md and "## Skipped files" not in md and "## Findings" not in md


def test_cells_never_break_the_table(result: ScanResult) -> None:
    odd = Definition(path="tests/a|b.py", line=3, start_line=3, end_line=4, qualname="weird", name="weird",
                     kind="function", fingerprint="x")
    cls = EquivalenceClass(id="weird/A", fingerprint="x", members=[odd, odd])
    result.families = [Family(id="weird", name="weird", kind="function", classes=[cls])]
    cls_b = EquivalenceClass(id="weird/B", fingerprint="y", members=[odd], differences=["line one\nline two"])
    result.families[0].classes.append(cls_b)
    md = render(result, "markdown")
    classes, copies = _section(md, "### weird").split("<details>")
    assert [len(row) for row in _rows(classes)] == [6, 6]
    assert [len(row) for row in _rows(copies)] == [5, 5, 5]
    assert "line one line two" in md and "tests/a\\|b.py:3" in md
