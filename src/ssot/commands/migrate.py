"""``ssot migrate``: consolidate families into the canonical module, in validated, journaled batches.

Exit codes: 0 every batch done (or nothing to do); 1 a batch failed validation
(rolled back; the others as reported); 2 usage or tree state (dirty files, a
run in progress); 130 interrupted (``ssot rollback`` restores the tree).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ssot.commands.plan import add_plan_arguments, planned
from ssot.exitcodes import FOUND, OK

STYLES = {"ok": "green", "dry_run": "cyan", "rolled_back": "red", "skipped": "yellow"}


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
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")


def run(args: argparse.Namespace) -> int:
    import json

    from rich.console import Console

    from ssot.migrate.execute import ExecOptions, execute
    from ssot.migrate.render import plan_to_dict

    if args.diff_dir and not args.dry_run:
        from ssot.errors import SsotError

        raise SsotError("--diff-dir needs --dry-run")
    err = Console(stderr=True, highlight=False, soft_wrap=True)

    def log(text: str) -> None:  # a line per phase and batch, as it happens (CI logs, pipes)
        print(f"ssot migrate: {text}", file=sys.stderr, flush=True)

    cfg, made = planned(args, log)
    plan = made.plan
    for fam in plan.families:
        for b in fam.blocked:
            if b.reason != "backup" and (args.families or fam.steps):
                err.print(f"[yellow]left alone[/] {b.definition.location} ({fam.id}): {b.reason}: {b.detail}",
                          markup=True)
        backups = sum(1 for b in fam.blocked if b.reason == "backup")
        if backups and fam.steps:
            err.print(f"{fam.id}: {backups} copies under backup folders left alone (--include-backups)")
    if not plan.batches:
        notes = "; ".join(f"{f.id}: {f.note}" for f in plan.families if f.note) or "no families"
        print(f"nothing to migrate ({notes})")
        return OK
    options = ExecOptions(
        dry_run=args.dry_run, diff_dir=Path(args.diff_dir) if args.diff_dir else None,
        validate=args.validate, keep_going=args.keep_going, allow_dirty=args.allow_dirty,
        commit=args.commit, timeout=cfg.collect_timeout, accept_broken_baseline=args.accept_broken_baseline,
    )
    show_bar = not args.no_progress and sys.stderr.isatty() and not args.json
    progress_cb = None
    bar = None
    if show_bar:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=err,
                       transient=True)
        tasks: dict[int, int] = {}

        def progress_cb(batch, done, total):  # type: ignore[no-untyped-def]
            if batch.number not in tasks:
                tasks[batch.number] = bar.add_task(f"batch {batch.label}", total=total)
            bar.update(tasks[batch.number], completed=done, total=total)

    meta = {"families": [f.id for f in plan.families if f.steps], "validate": args.validate,
            "batches": len(plan.batches)}
    if bar is not None:
        with bar:
            result = execute(plan, options, progress_cb, meta, log)
    else:
        result = execute(plan, options, None, meta, log)

    if args.dry_run and not args.diff_dir and not args.json:
        for rel in sorted(result.diffs):
            sys.stdout.write(result.diffs[rel])
    if args.json:
        summary = {
            "schema": "ssot-migrate", "schema_version": 1, "run_id": result.run_id, "dry_run": args.dry_run,
            "ok": result.ok, "files_changed": result.files_changed, "lines_removed": result.lines_removed,
            "collection_warnings_removed": result.warnings_removed,
            "rewrite_seconds": round(result.rewrite_seconds, 3), "rewritten_files": result.rewritten_files,
            "validation_seconds": round(result.pytest_seconds, 3),
            "batches": [{"number": b.number, "label": b.label, "status": b.status, "files": b.files,
                         "lines_removed": b.lines_removed, "failing": b.failing, "skipped": b.skipped,
                         "commit": b.commit, "excluded_families": b.excluded,
                         "retried": [{"label": r.label, "status": r.status, "files": r.files,
                                      "failing": r.failing} for r in b.retried]}
                        for b in result.batches],
            "failed_families": sorted(result.failed_families),
            "not_checked": result.unchecked,
            "plan": plan_to_dict(plan),
        }
        sys.stdout.write(json.dumps(summary, indent=2) + "\n")
    else:
        for b in result.batches:
            style = STYLES.get(b.status, "default")
            err.print(f"[{style}]batch {b.label}: {b.status}[/] ({len(b.files)} files, "
                      f"{b.lines_removed} lines removed)", markup=True)
            for f in b.failing[:20]:
                err.print(f"    {f}", markup=False)
            if len(b.failing) > 20:
                err.print(f"    ... and {len(b.failing) - 20} more", markup=False)
            for s in b.skipped:
                err.print(f"    skipped: {s}", markup=False)
            for r in b.retried:
                err.print(f"  [{STYLES.get(r.status, 'default')}]retried {r.label}: {r.status}[/] "
                          f"({len(r.files)} files)", markup=True)
                for f in r.failing[:10]:
                    err.print(f"    {f}", markup=False)
        if result.failed_families:
            err.print(f"families taken out after failing validation: {', '.join(sorted(result.failed_families))} "
                      "(rolled back; fix them, or --exclude-family them)", markup=False)
        if result.unchecked:
            err.print(f"not checked (broken before the migration, --accept-broken-baseline): "
                      f"{len(result.unchecked)}: " + "; ".join(result.unchecked[:10]), markup=False)
        verb = "would change" if args.dry_run else "changed"
        undo = f"; run {result.run_id} (`ssot rollback {result.run_id}` undoes it)" if result.run_id else ""
        err.print(f"{verb} {len(result.files_changed)} files, {result.lines_removed} lines removed, "
                  f"{result.warnings_removed} collection warnings removed; "
                  f"rewrite {result.rewrite_seconds:.2f}s ({result.rewritten_files} files), "
                  f"validation {result.pytest_seconds:.2f}s{undo}", markup=False)
        if args.diff_dir:
            err.print(f"diffs written to {args.diff_dir}", markup=False)
    code = OK if result.ok else FOUND
    if not args.dry_run:
        from ssot.history.figures import migrate_figures
        from ssot.history.record import record_run

        record_run(cfg, "migrate", migrate_figures(result), exit_code=code,
                   seconds=result.rewrite_seconds + result.pytest_seconds)
    return code
