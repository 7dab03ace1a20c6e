"""``ssot report``: the history of the figures — each figure now, at the first record and the previous one.

Exit codes: 0 printed (also when the history holds no run yet), 2 usage (bad ``--since``, a
history file that cannot be read, ``--html`` with no run recorded).  ``--format json`` prints the
``ssot.report/1`` document; ``--html DIR`` also writes the dashboard (:mod:`ssot.report.dashboard`).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ssot.commands.common import add_project_arguments, project_config, write_output
from ssot.errors import SsotError
from ssot.exitcodes import OK
from ssot.history.figures import LABELS
from ssot.history.store import HistoryStore, Run
from ssot.history.trends import Trend, select_since, trends

SCHEMA = "ssot.report/1"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_project_arguments(parser)
    parser.add_argument("--since", metavar="DATE|REF",
                        help="only runs from this date (YYYY-MM-DD) or git ref's commit time on")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    parser.add_argument("-o", "--output", metavar="FILE", default="-", help="write the report here (default: stdout)")
    parser.add_argument("--html", metavar="DIR",
                        help="also write the dashboard, a self-contained DIR/index.html (works offline)")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="also the figures per family, phase and warning cause")


def run(args: argparse.Namespace) -> int:
    config = project_config(args)
    path = config.history_path
    if path is None:
        raise SsotError(f"{config.source or 'pyproject.toml'}: [tool.ssot] history = false: no history is kept")
    runs: list[Run] = []
    if path.is_file():
        with HistoryStore(path, create=False) as store:
            runs = store.runs()
    if args.since:
        runs = select_since(runs, args.since, config.root)
    series = trends(runs)
    if args.html:
        if not runs:
            raise SsotError(f"{path}: no runs recorded yet, so no dashboard; run a command such as 'ssot scan' first")
        from pathlib import Path

        from ssot.report.dashboard import load, write_dashboard

        data = load(config.root, path)
        if args.since:  # the same runs as the trends
            keep = {r.id for r in runs}
            data.runs = [r for r in data.runs if r.id in keep]
            data.trends = series
        page = write_dashboard(Path(args.html), data)
        print(f"dashboard written to {page}", file=sys.stderr)
    if args.format == "json":
        write_output(args.output, json.dumps(to_json(runs, series, str(path)), ensure_ascii=False) + "\n")
    else:
        write_output(args.output, render_text(runs, series, verbose=args.verbose, path=str(path)))
    return OK


def to_json(runs: list[Run], series: list[Trend], path: str) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "history": path,
        "runs": [{"id": r.id, "at": r.at, "command": r.command, "commit": r.commit, "branch": r.branch,
                  "exit_code": r.exit_code, "seconds": r.seconds} for r in runs],
        "figures": [{"name": t.name, "scope": t.scope, "label": LABELS.get(t.name, t.name), "first": t.first,
                     "previous": t.previous, "now": t.now,
                     "points": [{"run": p.run, "at": p.at, "value": p.value} for p in t.points]} for t in series],
    }


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.3g}" if abs(value) < 100 else f"{value:,.1f}"


def _change(t: Trend) -> str:
    if len(t.points) < 2:
        return ""
    delta = t.now - t.first
    if delta == 0:
        return "="
    sign = "+" if delta > 0 else "-"
    pct = f" ({delta / t.first:+.0%})" if t.first else ""
    return f"{sign}{_number(abs(delta))}{pct}"


def render_text(runs: list[Run], series: list[Trend], *, verbose: bool, path: str) -> str:
    from io import StringIO

    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    buffer = StringIO()
    console = Console(file=buffer, width=120, highlight=False, soft_wrap=False)
    if not runs:
        console.print(f"No runs recorded in {escape(path)} yet: every scan, collect, migrate, validate and check "
                      "adds one.")
        return buffer.getvalue()
    first, last = runs[0], runs[-1]
    console.print(f"[bold]{len(runs)} runs[/] from {escape(first.at[:16].replace('T', ' '))} to "
                  f"{escape(last.at[:16].replace('T', ' '))} UTC  ({escape(path)})")
    table = Table(box=None, pad_edge=False, header_style="bold")
    table.add_column("FIGURE", no_wrap=True)
    if verbose:
        table.add_column("SCOPE", no_wrap=True)
    for column in ("FIRST", "PREVIOUS", "NOW", "CHANGE"):
        table.add_column(column, justify="right", no_wrap=True)
    for t in series:
        if t.scope and not verbose:
            continue
        cells = [escape(LABELS.get(t.name, t.name))]
        if verbose:
            cells.append(escape(t.scope or "project"))
        cells += [_number(t.first), _number(t.previous), _number(t.now), _change(t)]
        table.add_row(*cells)
    console.print(table)
    return buffer.getvalue()
