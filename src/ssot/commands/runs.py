"""``ssot runs``: list migration runs and their state, or show one run in detail.

Exit codes: 0 listed (also when there are none), 2 usage (unknown run, bad
--root).  ``--format json`` prints the ``ssot.runs/1`` document (docs/journal.md).
"""

from __future__ import annotations

import argparse
import sys

from ssot.commands.options import add_json_alias, add_output_arguments, apply_json_alias, style_of
from ssot.errors import SsotError
from ssot.exitcodes import OK


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run", nargs="?", metavar="RUN", help="show this run in detail (id or unique prefix)")
    parser.add_argument("--root", metavar="DIR",
                        help="project root (default: nearest folder holding .ssot/, else the current one)")
    add_output_arguments(parser, ("text", "json"))
    add_json_alias(parser)
    parser.add_argument("--dismiss", action="store_true",
                        help="keep RUN's changes and stop warning about it (rollback skips it by default)")


def run(args: argparse.Namespace) -> int:
    from ssot.app.runs import dismiss_run, show_runs
    from ssot.migrate.journal import state_root
    from ssot.report.journal_report import RUNS
    from ssot.report.registry import render_report

    apply_json_alias(args, "runs")
    root = state_root(args.root)
    if args.dismiss:
        if not args.run:
            raise SsotError("--dismiss needs the RUN to dismiss (see `ssot runs`)")
        info = dismiss_run(root, args.run)
        n = len(info.changed)
        print(f"run {info.id} dismissed: its {n} changed {'file is' if n == 1 else 'files are'} kept",
              file=sys.stderr)
        return OK
    render_report(show_runs(root, args.run), RUNS.get(args.format), args.output, style_of(args))
    return OK
