"""Report formats of a scan, each a view of :class:`ssot.model.ScanResult`.

``render(result, fmt)`` returns the text of a file format (``json``,
``sarif``, ``markdown``); ``print_text(result, console)`` prints the default
terminal summary.  Shared ordering and wording live in :mod:`ssot.report.common`.
"""

from __future__ import annotations

from collections.abc import Callable

from ssot.model import ScanResult
from ssot.report.json_report import render_json
from ssot.report.markdown import render_markdown
from ssot.report.sarif import render_sarif
from ssot.report.text import print_text

RENDERERS: dict[str, Callable[[ScanResult], str]] = {
    "json": render_json,
    "sarif": render_sarif,
    "markdown": render_markdown,
}
FORMATS: tuple[str, ...] = ("text", *RENDERERS)

__all__ = ["FORMATS", "RENDERERS", "print_text", "render"]


def render(result: ScanResult, fmt: str) -> str:
    """The report of ``result`` in file format ``fmt`` (one of ``RENDERERS``)."""
    try:
        renderer = RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"unknown report format {fmt!r}: choose one of {', '.join(RENDERERS)}") from None
    return renderer(result)
