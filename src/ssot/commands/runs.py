"""``ssot runs``: list migration runs and their state, or show one run in detail.

Exit codes: 0 listed (also when there are none), 2 usage (unknown run, bad
--root).  ``--json`` prints the ``ssot.runs/1`` document (docs/journal.md).
"""

from __future__ import annotations

import argparse
import json
import sys

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ssot.errors import SsotError
from ssot.exitcodes import OK
from ssot.migrate.journal import RunInfo, dismiss, list_runs, state_root
from ssot.migrate.runlog import local_time, resolve_run_dir

SCHEMA = "ssot.runs/1"
STATE_STYLE = {
    "running": "cyan",
    "interrupted": "bold red",
    "complete": "green",
    "failed": "red",
    "rolled back": "dim",
    "partly rolled back": "yellow",
    "dismissed": "dim",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run", nargs="?", metavar="RUN", help="show this run in detail (id or unique prefix)")
    parser.add_argument("--root", metavar="DIR",
                        help="project root (default: nearest folder holding .ssot/, else the current one)")
    parser.add_argument("--json", action="store_true", help="print the runs as JSON (schema ssot.runs/1)")
    parser.add_argument("--dismiss", action="store_true",
                        help="keep RUN's changes and stop warning about it (rollback skips it by default)")


def styled_state(state: str) -> str:
    return f"[{STATE_STYLE.get(state, 'default')}]{escape(state)}[/]"


def _table(console: Console, runs: list[RunInfo]) -> None:
    table = Table(box=None, pad_edge=False, header_style="bold")
    # ids and states are never cut (an id is for copy and paste); the rest may wrap
    table.add_column("RUN", no_wrap=True, min_width=max(len(r.id) for r in runs))
    table.add_column("STARTED")
    table.add_column("COMMAND")
    table.add_column("STATE", no_wrap=True, min_width=max(len(r.state) for r in runs))
    table.add_column("CHANGED", no_wrap=True)
    for run in reversed(runs):  # newest first
        table.add_row(escape(run.id), local_time(run.started, "%Y-%m-%d %H:%M"), escape(run.command),
                      styled_state(run.state), f"{len(run.changed)}/{len(run.files)}")
    console.print(table)


def _detail(console: Console, run: RunInfo) -> None:
    console.print(f"[bold]run {escape(run.id)}[/]  {styled_state(run.state)}")
    console.print(f"  command   ssot {escape(run.command)}   (pid {run.pid})")
    console.print(f"  started   {local_time(run.started)}")
    if run.finished:
        console.print(f"  finished  {local_time(run.finished)}")
    for key, value in sorted(run.meta.items()):
        shown = value if isinstance(value, str) else json.dumps(value)
        console.print(f"  {escape(str(key))}  {escape(shown)}")
    if run.batches:
        table = Table(box=None, pad_edge=False, header_style="bold", title_justify="left")
        for column in ("BATCH", "LABEL", "STATUS", "FILES"):
            table.add_column(column)
        for b in run.batches:
            table.add_row(str(b.number), escape(b.label), escape(b.status or "open"), str(len(b.files)))
        console.print()
        console.print(table)
    if run.files:
        console.print()
        changed = set(run.changed)
        for path in run.files:
            mark = "[yellow]changed [/]" if path in changed else "[dim]restored[/]"
            console.print(f"  {mark}  {escape(path)}")
    if run.changed and run.state != "running":
        console.print(f"\n{len(run.changed)} file(s) still changed; "
                      f"`ssot rollback {escape(run.id)}` restores them.")


def run(args: argparse.Namespace) -> int:
    root = state_root(args.root)
    # piped output is not cut at 80 columns: a run id must survive copy and paste
    console = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 200)
    if args.dismiss:
        if not args.run:
            raise SsotError("--dismiss needs the RUN to dismiss (see `ssot runs`)")
        info = dismiss(root, args.run)
        print(f"run {info.id} dismissed: its {len(info.changed)} changed file(s) are kept", file=sys.stderr)
        return OK
    runs = list_runs(root)
    if args.run:
        wanted = resolve_run_dir(root, args.run).name
        runs = [r for r in runs if r.id == wanted]
    if args.json:
        doc = {"schema": SCHEMA, "root": str(root), "runs": [r.to_dict() for r in runs]}
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
        return OK
    if not runs:
        console.print(f"no runs under {escape(str(root))}")
        return OK
    if args.run:
        _detail(console, runs[0])
    else:
        _table(console, runs)
    return OK
