"""Reporters for a list of findings (``ssot check``): text, JSON, SARIF, Markdown.

Text is one line per finding, as ruff and flake8 print them
(``path:line: rule message``), the fix and related places under it with
``-v``, and a summary unless ``-q``.  JSON is schema ``ssot-findings``
(docs/check.md); SARIF carries ``partialFingerprints`` so code scanning keeps a
finding's identity across commits.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, TextIO

from ssot import __version__
from ssot.model import Finding
from ssot.report.registry import Registry, Style, paint

SCHEMA = "ssot-findings"
VERSION = 1
_COLORS = {"error": "red", "warning": "yellow", "note": "cyan"}


@dataclass(slots=True)
class FindingsReport:
    command: str
    root: str
    findings: list[Finding]  # what the command fails on
    rules: dict[str, str]  # rule id -> one-line description
    summary: list[str] = field(default_factory=list)  # closing lines, in plain words
    figures: dict[str, Any] = field(default_factory=dict)  # the same, as numbers (JSON)


def finding_lines(f: Finding, style: Style) -> list[str]:
    where = paint(f"{f.path}:{f.line}:", "bold", style)
    lines = [f"{where} {paint(f.rule, _COLORS.get(f.severity, ''), style)} {f.message}"]
    if style.verbosity > 0:
        if f.fix:
            lines.append(f"    fix: {f.fix}")
        lines += [f"    {paint('see', 'dim', style)} {r.path}:{r.line}" + (f" ({r.note})" if r.note else "")
                  for r in f.related]
    return lines


class TextReporter:
    format = "text"

    def report(self, data: FindingsReport, out: TextIO, style: Style) -> None:
        for f in data.findings:
            out.write("\n".join(finding_lines(f, style)) + "\n")
        if style.verbosity >= 0:
            for line in data.summary:
                out.write(line + "\n")


def finding_json(f: Finding) -> dict[str, Any]:
    return {
        "rule": f.rule, "severity": f.severity, "message": f.message, "fix": f.fix, "family": f.family,
        "fingerprint": f.fingerprint, "key": f.key,
        "locations": [{"path": loc.path, "line": loc.line, "end_line": loc.end_line, "note": loc.note}
                      for loc in f.locations],
    }


class JsonReporter:
    format = "json"

    def report(self, data: FindingsReport, out: TextIO, style: Style) -> None:
        doc = {"schema": SCHEMA, "version": VERSION, "tool": f"ssot {__version__}", "command": data.command,
               "root": data.root, "findings": [finding_json(f) for f in data.findings], "figures": data.figures}
        out.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


class SarifReporter:
    format = "sarif"

    def report(self, data: FindingsReport, out: TextIO, style: Style) -> None:
        from ssot.report.sarif import findings_log

        out.write(json.dumps(findings_log(data.findings, data.root, data.rules), indent=2, ensure_ascii=False)
                  + "\n")


def md_cell(text: object) -> str:
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


class MarkdownReporter:
    format = "markdown"

    def report(self, data: FindingsReport, out: TextIO, style: Style) -> None:
        out.write(f"## ssot {data.command}\n\n")
        if data.findings:
            out.write("| rule | where | what | fix |\n|---|---|---|---|\n")
            for f in data.findings:
                out.write(f"| `{md_cell(f.rule)}` | `{md_cell(f'{f.path}:{f.line}')}` | {md_cell(f.message)} "
                          f"| {md_cell(f.fix or '')} |\n")
            out.write("\n")
        for line in data.summary:
            out.write(f"{md_cell(line)}\n\n")


FINDINGS = Registry[FindingsReport]("findings", {r.format: r for r in (
    TextReporter(), JsonReporter(), SarifReporter(), MarkdownReporter())})
