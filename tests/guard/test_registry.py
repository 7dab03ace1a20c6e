"""The reporter registry: styles from --color and NO_COLOR, one render_report, unknown formats."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from ssot.errors import SsotError
from ssot.model import Finding, Location
from ssot.report.findings import FINDINGS, FindingsReport
from ssot.report.registry import make_style, render_report


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_color_auto_follows_the_terminal_and_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert make_style("auto", stream=Tty()).color
    assert not make_style("auto", stream=io.StringIO()).color  # a pipe
    assert not make_style("auto", stream=Tty(), to_file=True).color  # -o FILE
    monkeypatch.setenv("NO_COLOR", "1")
    assert not make_style("auto", stream=Tty()).color
    assert make_style("always", stream=Tty()).color  # an explicit flag wins over NO_COLOR
    monkeypatch.setenv("NO_COLOR", "")  # set but empty: no effect (no-color.org)
    assert make_style("auto", stream=Tty()).color
    assert not make_style("never", stream=Tty()).color


def test_width_is_the_terminal_or_120(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    assert make_style(stream=Tty()).width == 200
    assert make_style(stream=io.StringIO()).width == 200  # said explicitly, as pytest reads it
    monkeypatch.delenv("COLUMNS")
    assert make_style(stream=io.StringIO()).width == 120


def _report() -> FindingsReport:
    f = Finding("copy-of-consolidated", "tests/test_a.py", 3, "a copy", "fam", "error", fix="delete it",
                key="class:A", related=(Location("pkg/canon.py", 1, note="canonical A"),))
    return FindingsReport("check", "/root", [f], {"copy-of-consolidated": "x"}, ["1 new finding"])


def test_render_report_writes_a_file_atomically(tmp_path: Path) -> None:
    out = tmp_path / "sub" / "report.md"
    render_report(_report(), FINDINGS.get("markdown"), str(out), make_style(to_file=True))
    text = out.read_text()
    assert "| `copy-of-consolidated` | `tests/test_a.py:3` | a copy | delete it |" in text
    assert [p.name for p in out.parent.iterdir()] == ["report.md"]  # no temporary file left


def test_unknown_format_is_a_usage_error() -> None:
    with pytest.raises(SsotError, match="--format html: findings reports are text, json, sarif, markdown"):
        FINDINGS.get("html")


def test_text_lines(capsys: pytest.CaptureFixture[str]) -> None:
    render_report(_report(), FINDINGS.get("text"), None, make_style(verbosity=1))
    assert capsys.readouterr().out.splitlines() == [
        "tests/test_a.py:3: copy-of-consolidated a copy", "    fix: delete it",
        "    see pkg/canon.py:1 (canonical A)", "1 new finding"]
