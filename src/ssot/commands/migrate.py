"""``ssot migrate``: consolidate families into the canonical module, in validated, journaled batches.

Exit codes: 0 every batch done (or nothing to do); 1 a batch failed validation
(rolled back; the others as reported); 2 usage or tree state (dirty files, a
run in progress); 130 interrupted (``ssot rollback`` restores the tree).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ssot.commands.options import add_json_alias, add_output_arguments, apply_json_alias, style_of
from ssot.commands.plan import add_plan_arguments, planned
from ssot.exitcodes import OK

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress

    from ssot.app.migrate import MigrateRequest
    from ssot.migrate.plan import Batch, Plan


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_plan_arguments(parser)
    parser.add_argument("--dry-run", action="store_true", help="print unified diffs, change nothing")
    parser.add_argument("--diff-dir", metavar="DIR", help="with --dry-run: write one .diff per file into DIR")
    parser.add_argument("--validate", choices=("syntax", "collect", "tests"), default="tests",
                        help="after each batch: files compile / same tests collected / same outcomes "
                             "(default: tests)")
    parser.add_argument("--keep-going", action="store_true",
                        help="after a failing batch (rolled back), go on with the next one")
    parser.add_argument("--allow-dirty", action="store_true",
                        help="touch files with uncommitted git changes (the journal still covers them)")
    parser.add_argument("--commit", action="store_true", help="one git commit per batch")
    parser.add_argument("--accept-broken-baseline", action="store_true",
                        help="migrate although tests error or fail to collect before any change (those are "
                             "then not checked; the report lists them)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_output_arguments(parser, ("text", "json"))
    add_json_alias(parser)


def _batch_bar(console: Console) -> tuple[Progress, Callable[[Batch, int, int], None]]:
    """A progress bar per batch on ``console`` (a terminal), and the callback that moves it."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console,
                   transient=True)
    tasks: dict[int, TaskID] = {}

    def update(batch: Batch, done: int, total: int) -> None:
        if batch.number not in tasks:
            tasks[batch.number] = bar.add_task(f"batch {batch.label}", total=total)
        bar.update(tasks[batch.number], completed=done, total=total)

    return bar, update


def request_of(args: argparse.Namespace) -> MigrateRequest:
    """The ``migrate`` flags as the use case's typed request."""
    from ssot.app.migrate import MigrateRequest

    return MigrateRequest(
        dry_run=args.dry_run, diff_dir=Path(args.diff_dir) if args.diff_dir else None,
        validate=args.validate, keep_going=args.keep_going, allow_dirty=args.allow_dirty, commit=args.commit,
        accept_broken_baseline=args.accept_broken_baseline, use_cache=not args.no_cache,
    )


def _say_left_alone(plan: Plan, asked: bool, err: Console) -> None:
    """On standard error: the copies the plan leaves alone, and why."""
    for fam in plan.families:
        for b in fam.blocked:
            if b.reason != "backup" and (asked or fam.steps):
                err.print(f"[yellow]left alone[/] {b.definition.location} ({fam.id}): {b.reason}: {b.detail}",
                          markup=True)
        backups = sum(1 for b in fam.blocked if b.reason == "backup")
        if backups and fam.steps:
            err.print(f"{fam.id}: {backups} {'copy' if backups == 1 else 'copies'} under backup folders left "
                      "alone (--include-backups)")


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from ssot.app.migrate import check_request, record_migration, run_plan
    from ssot.migrate.render import MIGRATE, MigrateReport
    from ssot.report.registry import render_report, write_stdout

    apply_json_alias(args, "migrate")
    request = request_of(args)
    check_request(request)
    style = style_of(args)
    reporter = MIGRATE.get(args.format)
    err = Console(stderr=True, highlight=False, soft_wrap=True)

    def log(text: str) -> None:  # a line per phase and batch, as it happens (CI logs, pipes)
        if style.verbosity >= 0:
            print(f"ssot migrate: {text}", file=sys.stderr, flush=True)

    args.no_progress = args.no_progress or style.verbosity < 0
    cfg, made = planned(args, log)  # the one scan: the plan is run as it is, not made again
    if style.verbosity >= 0:
        _say_left_alone(made.plan, bool(args.families), err)
    if made.plan.batches and not args.no_progress and sys.stderr.isatty() and args.format == "text":
        bar, update = _batch_bar(err)
        with bar:
            migration = run_plan(cfg, made.plan, request, on_batch=update, log=log)
    else:
        migration = run_plan(cfg, made.plan, request, log=log)
    result = migration.result
    if migration.nothing:
        render_report(MigrateReport(migration.plan, result, args.dry_run, args.validate, nothing=migration.nothing),
                      reporter, args.output, style)
        return OK

    if args.dry_run and not args.diff_dir and args.format == "text" and not args.output:
        write_stdout("".join(result.diffs[rel] for rel in sorted(result.diffs)))
    render_report(MigrateReport(migration.plan, result, args.dry_run, args.validate, diff_dir=args.diff_dir),
                  reporter, args.output, style)
    code = migration.exit_code
    record_migration(cfg, migration, code)
    return code
