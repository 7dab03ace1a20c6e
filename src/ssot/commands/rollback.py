"""``ssot rollback [RUN] [--batch N] [--file PATH ...] [--force]``: undo a migration run.

Restores every file of the run (or of one batch, or the chosen files) byte for
byte from the journal and deletes the files the run created.  Exit codes
(docs/journal.md): 0 restored, or nothing to roll back; 1 refused, nothing
restored (a file was edited after the run wrote it: named, use --force; or the
run is still running); 2 usage (unknown run, batch or file).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ssot.commands.options import add_json_alias, add_output_arguments, apply_json_alias, style_of
from ssot.migrate.journal import state_root

if TYPE_CHECKING:
    from rich.console import Console


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run", nargs="?", metavar="RUN",
                        help="run id or unique prefix (default: the latest interrupted run, "
                             "else the latest run with changes not rolled back)")
    parser.add_argument("--batch", type=int, metavar="N", help="roll back only batch N of the run")
    parser.add_argument("--file", dest="files", action="extend", nargs="+", metavar="PATH",
                        help="roll back only these files (relative to the current folder, or absolute)")
    parser.add_argument("--force", action="store_true",
                        help="also overwrite files edited after the run wrote them")
    parser.add_argument("--dry-run", action="store_true", help="say what would be restored, change nothing")
    parser.add_argument("--root", metavar="DIR",
                        help="project root (default: nearest folder holding .ssot/, else the current one)")
    add_output_arguments(parser, ("text", "json"))
    add_json_alias(parser)


def _progress(console: Console) -> tuple[Callable[[str], None] | None, Any]:
    """A spinner counting restored files, only on a terminal."""
    if not console.is_terminal:
        return None, None
    from rich.progress import Progress, SpinnerColumn, TextColumn

    progress = Progress(SpinnerColumn(), TextColumn("restoring: {task.completed} file(s) done"),
                        console=console, transient=True)
    task = progress.add_task("restore", total=None)
    return (lambda _path: progress.advance(task)), progress


def from_cwd(root: Path, path: str) -> str:
    """A --file argument: relative to the current folder when that lands inside the root,
    else taken as relative to the root (e.g. with --root from elsewhere)."""
    candidate = Path(path)
    if not candidate.is_absolute():
        candidate = (Path.cwd() / candidate).resolve()
        if not candidate.is_relative_to(root):
            return path
    return str(candidate)


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.markup import escape

    from ssot.app.rollback import RollbackRequest, exit_code, roll_back
    from ssot.report.journal_report import ROLLBACK
    from ssot.report.registry import render_report

    apply_json_alias(args, "rollback")
    style = style_of(args)
    reporter = ROLLBACK.get(args.format)
    root = state_root(args.root)
    request = RollbackRequest(run=args.run, batch=args.batch,
                              files=None if args.files is None else [from_cwd(root, f) for f in args.files],
                              force=args.force, dry_run=args.dry_run)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    quiet = args.format != "text" or args.dry_run or style.verbosity < 0
    on_file, progress = (None, None) if quiet else _progress(err)
    if progress is not None:
        progress.start()
    try:
        outcome = roll_back(root, request, on_file=on_file)
    finally:
        if progress is not None:
            progress.stop()
    if outcome.refused is not None and args.format == "text":  # an error: said on standard error
        err.print(f"ssot rollback: {escape(str(outcome.refused))}", style="red")
    else:
        render_report(outcome, reporter, args.output, style)
    return exit_code(outcome)
