from __future__ import annotations

import dataclasses

import pytest

from ssot.model import ScanResult
from ssot.report import FORMATS, render
from ssot.report.common import member_counts, ranked, redundant_copies, redundant_count, totals


def test_ranked_by_duplicated_lines(result: ScanResult) -> None:
    assert [f.id for f in ranked(result.families)] == [
        "websocket_connection", "duplicated_test_class", "make_message", "user_context"]


def test_ties_break_on_variants_then_id(result: ScanResult) -> None:
    ws, msg, user, dup = result.families
    ws.classes[0].members = ws.classes[0].members[:1]  # A: 0 duplicated lines
    ws.classes[1].members = ws.classes[1].members[:1]  # B: 0
    assert (ws.duplicated_lines, msg.duplicated_lines) == (0, 12)
    msg.classes[0].members = msg.classes[0].members[:1]  # 0 lines, 2 variants
    dup.classes[0].members = dup.classes[0].members[:1]  # 0 lines, 1 variant
    user.classes[0].members = user.classes[0].members[:1]  # 0 lines, 1 variant
    assert [f.id for f in ranked(result.families)] == [
        "websocket_connection", "make_message", "duplicated_test_class", "user_context"]
    # then the family with more same-named definitions that are not copies comes first
    user.look_alikes = [*dup.look_alikes, *msg.look_alikes]
    assert [f.id for f in ranked([dup, user])] == ["user_context", "duplicated_test_class"]
    dup.look_alikes = list(user.look_alikes)
    assert [f.id for f in ranked([user, dup])] == ["duplicated_test_class", "user_context"]  # then id


def test_redundant_copies_skip_representatives_and_backups(result: ScanResult) -> None:
    ws = result.families[0]
    copies = redundant_copies(ws)
    assert [(c.definition.path, c.cls.id) for c in copies] == [
        ("tests/unit/test_alpha.py", "websocket_connection/A"),
        ("tests/unit/test_gamma.py", "websocket_connection/A"),
        ("tests/helpers/ws helper.py", "websocket_connection/A"),
        ("tests/websocket/test_epsilon.py", "websocket_connection/B"),
    ]
    assert {c.kept.location for c in copies} == {"tests/e2e/test_beta.py:8",
                                                 "tests/websocket/test_delta.py:20"}


def test_the_redundant_count_is_the_redundant_copies_counted(result: ScanResult) -> None:
    assert [redundant_count(f) for f in result.families] == [len(redundant_copies(f)) for f in result.families]
    ws = result.families[0]
    assert redundant_count(ws) == 4
    # a class only in backups: its representative is a backup, nothing live of it to remove
    cls = ws.classes[0]
    cls.members = [dataclasses.replace(d, in_backup=True) for d in cls.members]
    assert redundant_count(ws) == len(redundant_copies(ws)) == 1


def test_counts_and_totals(result: ScanResult) -> None:
    c = member_counts(result.families[0])
    assert (c.total, c.live, c.in_backup, c.nested) == (8, 7, 1, 1)
    t = totals(result)
    figures = (t.families, t.copies, t.redundant_copies, t.duplicated_lines, t.pytest_warnings)
    assert figures == (4, 17, 9, 167, 3)
    assert (t.commented_out, t.skipped) == (2, 2)


def test_render_dispatch(result: ScanResult) -> None:
    assert FORMATS == ("text", "json", "sarif", "markdown")
    assert render(result, "json").startswith("{")
    assert render(result, "markdown").startswith("# ssot scan report")
    assert '"version": "2.1.0"' in render(result, "sarif")
    with pytest.raises(ValueError, match="unknown report format 'html'"):
        render(result, "html")
