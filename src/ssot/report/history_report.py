"""Reporters of ``ssot report``: the trends of the recorded figures as text and JSON (schema ``ssot.report/1``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

from ssot.history.figures import LABELS
from ssot.history.store import Run
from ssot.history.trends import Trend
from ssot.report.registry import Registry, Style

if TYPE_CHECKING:
    from rich.console import Console

SCHEMA = "ssot.report/1"


@dataclass(frozen=True, slots=True)
class HistoryView:
    """What ``ssot report`` shows: the selected runs and the trend of each figure across them."""

    history: str  # the database's path
    runs: list[Run]
    trends: list[Trend]


def number(value: float | None) -> str:
    if value is None:
        return "-"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.3g}" if abs(value) < 100 else f"{value:,.1f}"


def change(t: Trend) -> str:
    """The change from the first record to now, with its share of the first value."""
    if len(t.points) < 2:
        return ""
    delta = t.now - t.first
    if delta == 0:
        return "="
    pct = f" ({delta / t.first:+.0%})" if t.first else ""
    return f"{'+' if delta > 0 else '-'}{number(abs(delta))}{pct}"


class TextReporter:
    format = "text"

    def report(self, data: HistoryView, out: TextIO, style: Style) -> None:
        from ssot.report.console import write_rich

        write_rich(out, style, lambda console: _draw(console, data, style))


def _draw(console: Console, data: HistoryView, style: Style) -> None:
    from rich.markup import escape
    from rich.table import Table

    from ssot.report.console import name_column, print_fitted

    if not data.runs:
        console.print(f"No runs recorded in {escape(data.history)} yet: every scan, collect, migrate, validate "
                      "and check adds one.")
        return
    verbose = style.verbosity > 0
    shown = [t for t in data.trends if verbose or not t.scope]
    first, last = data.runs[0], data.runs[-1]
    if style.verbosity >= 0:
        console.print(f"[bold]{len(data.runs)} runs[/] from {escape(first.at[:16].replace('T', ' '))} to "
                      f"{escape(last.at[:16].replace('T', ' '))} UTC  ({escape(data.history)})")
    # never cut a name or a number: the table widens past the terminal rather than fold them
    table = Table(box=None, pad_edge=False, header_style="bold")
    name_column(table, "FIGURE", [LABELS.get(t.name, t.name) for t in shown])
    if verbose:
        name_column(table, "SCOPE", [t.scope or "project" for t in shown])
    figures = [[number(t.first), number(t.previous), number(t.now), change(t)] for t in shown]
    for i, column in enumerate(("FIRST", "PREVIOUS", "NOW", "CHANGE")):
        name_column(table, column, [row[i] for row in figures], justify="right")
    for t, numbers in zip(shown, figures, strict=True):
        row = [escape(LABELS.get(t.name, t.name))]
        if verbose:
            row.append(escape(t.scope or "project"))
        table.add_row(*row, *numbers)
    print_fitted(console, table)


class JsonReporter:
    format = "json"

    def report(self, data: HistoryView, out: TextIO, style: Style) -> None:
        out.write(json.dumps(to_json(data), ensure_ascii=False) + "\n")


def to_json(data: HistoryView) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "history": data.history,
        "runs": [{"id": r.id, "at": r.at, "command": r.command, "commit": r.commit, "branch": r.branch,
                  "exit_code": r.exit_code, "seconds": r.seconds} for r in data.runs],
        "figures": [{"name": t.name, "scope": t.scope, "label": LABELS.get(t.name, t.name), "first": t.first,
                     "previous": t.previous, "now": t.now,
                     "points": [{"run": p.run, "at": p.at, "value": p.value} for p in t.points]}
                    for t in data.trends],
    }


REPORTERS: Registry[HistoryView] = Registry("history", {"text": TextReporter(), "json": JsonReporter()})
