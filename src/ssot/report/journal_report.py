"""Reporters of the journal's commands: ``ssot runs`` (``RUNS``) and ``ssot rollback`` (``ROLLBACK``).

Text is rich (a table of runs, one run in detail, what a rollback restored); JSON is
``ssot.runs/1`` and ``ssot.rollback/1`` (docs/journal.md).  Run ids and states are
never cut: an id is for copy and paste.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ssot.report.common import plural
from ssot.report.console import name_column, print_fitted, write_rich
from ssot.report.registry import Registry, Style

if TYPE_CHECKING:
    from ssot.migrate.journal import RollbackRefused, RollbackResult, RunInfo

RUNS_SCHEMA = "ssot.runs/1"
ROLLBACK_SCHEMA = "ssot.rollback/1"
STATE_STYLE = {
    "running": "cyan",
    "interrupted": "bold red",
    "complete": "green",
    "failed": "red",
    "rolled back": "dim",
    "partly rolled back": "yellow",
    "dismissed": "dim",
}


@dataclass(frozen=True, slots=True)
class RunsView:
    root: str
    runs: list[RunInfo]
    detail: bool  # one run asked for by id: shown in full


def styled_state(state: str) -> str:
    return f"[{STATE_STYLE.get(state, 'default')}]{escape(state)}[/]"


def _table(console: Console, runs: list[RunInfo]) -> None:
    from ssot.migrate.runlog import local_time

    newest = list(reversed(runs))
    table = Table(box=None, pad_edge=False, header_style="bold")
    name_column(table, "RUN", [r.id for r in newest])
    table.add_column("STARTED", no_wrap=True)
    table.add_column("COMMAND")
    name_column(table, "STATE", [r.state for r in newest])
    table.add_column("CHANGED", no_wrap=True)
    for run in newest:
        table.add_row(escape(run.id), local_time(run.started, "%Y-%m-%d %H:%M"), escape(run.command),
                      styled_state(run.state), f"{len(run.changed)}/{len(run.files)}")
    print_fitted(console, table)


def _detail(console: Console, run: RunInfo) -> None:
    from ssot.migrate.runlog import local_time

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
        table.add_column("BATCH")
        name_column(table, "LABEL", [b.label for b in run.batches])
        table.add_column("STATUS", no_wrap=True)
        table.add_column("FILES")
        for b in run.batches:
            table.add_row(str(b.number), escape(b.label), escape(b.status or "open"), str(len(b.files)))
        console.print()
        print_fitted(console, table)
    if run.files:
        console.print()
        changed = set(run.changed)
        for path in run.files:
            mark = "[yellow]changed [/]" if path in changed else "[dim]restored[/]"
            console.print(f"  {mark}  {escape(path)}")
    if run.changed and run.state != "running":
        console.print(f"\n{plural(len(run.changed), 'file')} still changed; "
                      f"`ssot rollback {escape(run.id)}` restores them.")


class RunsText:
    format = "text"

    def report(self, data: RunsView, out: TextIO, style: Style) -> None:
        def draw(console: Console) -> None:
            if not data.runs:
                console.print(f"no runs under {escape(data.root)}")
            elif data.detail:
                _detail(console, data.runs[0])
            else:
                _table(console, data.runs)

        write_rich(out, style, draw)


class RunsJson:
    format = "json"

    def report(self, data: RunsView, out: TextIO, style: Style) -> None:
        doc = {"schema": RUNS_SCHEMA, "root": data.root, "runs": [r.to_dict() for r in data.runs]}
        out.write(json.dumps(doc, indent=2) + "\n")


RUNS = Registry[RunsView]("runs", {r.format: r for r in (RunsText(), RunsJson())})


@dataclass(frozen=True, slots=True)
class RollbackOutcome:
    """A rollback done (``result``) or refused (``refused``: nothing restored)."""

    result: RollbackResult | None = None
    refused: RollbackRefused | None = None


def _rollback_lines(console: Console, result: RollbackResult, style: Style) -> None:
    if result.scope == "none":
        console.print("nothing to roll back: no run has changes left (`ssot runs` lists the runs)")
        return
    verb = "would " if result.dry_run else ""
    forced = set(result.forced)

    def line(action: str, path: str, note: str = "") -> None:
        if path in forced:
            note += "  [red](edit overwritten)[/]"
        console.print(f"  {verb}{action:<8} {escape(path)}{note}")

    if style.verbosity >= 0:
        for path in result.restored:
            line("restore", path)
        for path in result.deleted:
            line("delete", path, "  [dim](created by the run)[/]")
        for path in result.removed_dirs:
            console.print(f"  removed  {escape(path)}/  [dim](empty folder created by the run)[/]")
    counted = len(result.restored) + len(result.deleted) + len(result.unchanged)
    what = {
        "run": f"run {result.run_id}",
        "batch": f"batch {result.batch} of run {result.run_id}",
        "files": f"{plural(counted, 'file')} of run {result.run_id}",
    }[result.scope]
    figures = (f"{plural(len(result.restored), 'file')} restored, {len(result.deleted)} deleted, "
               f"{len(result.unchanged)} already as before")
    if result.dry_run:
        console.print(f"dry run, nothing changed; rolling back {what} would give: {figures}")
    else:
        console.print(f"rolled back {what}: {figures}; the run is now [bold]{escape(result.state or '?')}[/]")


class RollbackText:
    format = "text"

    def report(self, data: RollbackOutcome, out: TextIO, style: Style) -> None:
        result = data.result  # a refusal is an error: the command says it on standard error
        if result is not None:
            write_rich(out, style, lambda console: _rollback_lines(console, result, style))


class RollbackJson:
    format = "json"

    def report(self, data: RollbackOutcome, out: TextIO, style: Style) -> None:
        exc = data.refused
        if exc is not None:
            doc = {"schema": ROLLBACK_SCHEMA, "run": exc.run_id, "refused": True, "reason": str(exc),
                   "conflicts": [{"path": c.path, "reason": c.reason} for c in exc.conflicts]}
        else:
            assert data.result is not None
            doc = {**data.result.to_dict(), "refused": False}
        out.write(json.dumps(doc, indent=2) + "\n")


ROLLBACK = Registry[RollbackOutcome]("rollback", {r.format: r for r in (RollbackText(), RollbackJson())})
