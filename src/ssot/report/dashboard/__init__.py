"""The HTML dashboard: ``ssot report --html DIR`` writes one self-contained ``index.html``.

It reads the history store (trends, the latest scan, the first and latest collection) and the
migration journal; it computes no finding of its own.
"""

from __future__ import annotations

from pathlib import Path

from ssot.report.dashboard.data import DashboardData, load
from ssot.report.dashboard.page import render

__all__ = ["DashboardData", "load", "render", "write_dashboard"]


def write_dashboard(directory: Path, data: DashboardData) -> Path:
    """Write ``directory/index.html`` atomically; return its path."""
    from ssot.report.output import write_output

    target = directory / "index.html"
    write_output(str(target), render(data))
    return target
