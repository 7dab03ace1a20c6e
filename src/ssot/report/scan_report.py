"""The reporters of ``ssot scan``, by format: text (rich), JSON, SARIF, Markdown, over one ``ScanResult``."""

from __future__ import annotations

from typing import TextIO

from ssot.model import ScanResult
from ssot.report.registry import Registry, Style


class TextReporter:
    format = "text"

    def report(self, data: ScanResult, out: TextIO, style: Style) -> None:
        """The summary; with ``-q`` one line per finding instead (``path:line: rule message``)."""
        if style.verbosity < 0:
            from ssot.report.findings import finding_lines

            for f in data.findings:
                out.write("\n".join(finding_lines(f, style)) + "\n")
            return
        from ssot.report.console import write_rich
        from ssot.report.text import print_text

        write_rich(out, style, lambda console: print_text(data, console, style.verbosity))


class FileFormatReporter:
    """A format whose text ``ssot.report.render`` makes (the same text whatever the style)."""

    def __init__(self, fmt: str) -> None:
        self.format = fmt

    def report(self, data: ScanResult, out: TextIO, style: Style) -> None:
        from ssot.report import render

        out.write(render(data, self.format))


SCAN = Registry[ScanResult]("scan", {r.format: r for r in (
    TextReporter(), FileFormatReporter("json"), FileFormatReporter("sarif"), FileFormatReporter("markdown"))})
