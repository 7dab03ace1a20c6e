"""``ssot report``: the history of the figures — each figure now, at the first record and the previous one.

Exit codes: 0 printed (also when the history holds no run yet), 2 usage (bad ``--since``, a
history file that cannot be read, ``--html`` with no run recorded).  ``--format json`` prints the
``ssot.report/1`` document; ``--html DIR`` also writes the dashboard (:mod:`ssot.report.dashboard`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ssot.commands.common import add_project_arguments, project_config
from ssot.commands.options import add_output_arguments, style_of
from ssot.errors import SsotError
from ssot.exitcodes import OK
from ssot.history.store import HistoryStore, Run
from ssot.history.trends import select_since, trends
from ssot.report.history_report import REPORTERS, HistoryView
from ssot.report.registry import render_report


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_project_arguments(parser)
    parser.add_argument("--since", metavar="DATE|REF",
                        help="only runs from this date (YYYY-MM-DD), or recorded at this git ref or after it")
    parser.add_argument("--html", metavar="DIR",
                        help="also write the dashboard, a self-contained DIR/index.html (works offline)")
    add_output_arguments(parser, REPORTERS.formats)


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
    view = HistoryView(str(path), runs, trends(runs))
    if args.html:
        if not runs:
            raise SsotError(f"{path}: no runs recorded yet, so no dashboard; run a command such as 'ssot scan' first")
        from ssot.report.dashboard import load, write_dashboard

        data = load(config.root, path)
        keep = {r.id for r in runs}  # --since applies to the dashboard too
        data.runs, data.trends = [r for r in data.runs if r.id in keep], view.trends
        page = write_dashboard(Path(args.html), data)
        print(f"dashboard written to {page}", file=sys.stderr)
    render_report(view, REPORTERS.get(args.format), args.output, style_of(args))
    return OK
