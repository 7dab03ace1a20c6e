"""Report formats of a scan, each a view of :class:`ssot.model.ScanResult`.

``render(result, fmt)`` returns the text of a file format (``json``,
``sarif``, ``markdown``); ``print_text(result, console)`` prints the default
terminal summary.  Shared ordering and wording live in :mod:`ssot.report.common`.

The format modules are imported on first use: importing one module of this
package (``ssot.report.registry`` for ``ssot check``) does not import rich and
every scan format with it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ssot.model import ScanResult

FORMATS: tuple[str, ...] = ("text", "json", "sarif", "markdown")

__all__ = ["FORMATS", "RENDERERS", "print_text", "render"]


def _renderers() -> dict[str, Callable[[ScanResult], str]]:
    from ssot.report.json_report import render_json
    from ssot.report.markdown import render_markdown
    from ssot.report.sarif import render_sarif

    return {"json": render_json, "sarif": render_sarif, "markdown": render_markdown}


def __getattr__(name: str) -> Any:
    if name == "RENDERERS":
        return _renderers()
    if name == "print_text":
        from ssot.report.text import print_text

        return print_text
    raise AttributeError(f"module 'ssot.report' has no attribute {name!r}")


def render(result: ScanResult, fmt: str) -> str:
    """The report of ``result`` in file format ``fmt`` (one of ``RENDERERS``)."""
    renderers = _renderers()
    try:
        renderer = renderers[fmt]
    except KeyError:
        raise ValueError(f"unknown report format {fmt!r}: choose one of {', '.join(renderers)}") from None
    return renderer(result)
