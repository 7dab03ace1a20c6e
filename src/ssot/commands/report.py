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
from ssot.exitcodes import OK


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from ssot.report.history_report import REPORTERS

    add_project_arguments(parser)
    parser.add_argument("--since", metavar="DATE|REF",
                        help="only runs from this date (YYYY-MM-DD), or recorded at this git ref or after it")
    parser.add_argument("--html", metavar="DIR",
                        help="also write the dashboard, a self-contained DIR/index.html (works offline)")
    add_output_arguments(parser, REPORTERS.formats)


def run(args: argparse.Namespace) -> int:
    from ssot.app.history import history_view, write_history_dashboard
    from ssot.report.history_report import REPORTERS
    from ssot.report.registry import render_report

    config = project_config(args)
    view = history_view(config, args.since)
    if args.html:
        page = write_history_dashboard(config, view, Path(args.html))
        print(f"dashboard written to {page}", file=sys.stderr)
    render_report(view, REPORTERS.get(args.format), args.output, style_of(args))
    return OK
