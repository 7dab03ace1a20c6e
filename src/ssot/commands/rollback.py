"""``ssot rollback [RUN] [--batch N] [--file PATH ...] [--force]``: undo a migration run.

Restores every file of the run (or of one batch, or the chosen files) byte for
byte from the journal and deletes the files the run created.  Exit codes
(docs/journal.md): 0 restored, or nothing to roll back; 1 refused, nothing
restored (a file was edited after the run wrote it: named, use --force; or the
run is still running); 2 usage (unknown run, batch or file).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from ssot.exitcodes import OK
from ssot.migrate.journal import RollbackRefused, RollbackResult, rollback, state_root


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
    parser.add_argument("--json", action="store_true",
                        help="print the result as JSON (schema ssot.rollback/1)")


def _progress(console: Console) -> tuple[Callable[[str], None] | None, Any]:
    """A spinner counting restored files, only on a terminal."""
    if not console.is_terminal:
        return None, None
    from rich.progress import Progress, SpinnerColumn, TextColumn

    progress = Progress(SpinnerColumn(), TextColumn("restoring: {task.completed} file(s) done"),
                        console=console, transient=True)
    task = progress.add_task("restore", total=None)
    return (lambda _path: progress.advance(task)), progress


def _report(console: Console, result: RollbackResult) -> None:
    verb = "would " if result.dry_run else ""
    forced = set(result.forced)

    def line(action: str, path: str, note: str = "") -> None:
        if path in forced:
            note += "  [red](edit overwritten)[/]"
        console.print(f"  {verb}{action:<8} {escape(path)}{note}")

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
        "files": f"{counted} file(s) of run {result.run_id}",
    }[result.scope]
    figures = (f"{len(result.restored)} file(s) restored, {len(result.deleted)} deleted, "
               f"{len(result.unchanged)} already as before")
    if result.dry_run:
        console.print(f"dry run, nothing changed; rolling back {what} would give: {figures}")
    else:
        console.print(f"rolled back {what}: {figures}; the run is now [bold]{escape(result.state or '?')}[/]")


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
    root = state_root(args.root)
    files = None if args.files is None else [from_cwd(root, f) for f in args.files]
    console = Console(highlight=False, soft_wrap=True)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    on_file, progress = (None, None) if args.json or args.dry_run else _progress(err)
    try:
        if progress is not None:
            progress.start()
        try:
            result = rollback(root, args.run, batch=args.batch, files=files, force=args.force,
                              dry_run=args.dry_run, on_file=on_file)
        finally:
            if progress is not None:
                progress.stop()
    except RollbackRefused as exc:
        if args.json:
            doc = {"schema": "ssot.rollback/1", "run": exc.run_id, "refused": True, "reason": str(exc),
                   "conflicts": [{"path": c.path, "reason": c.reason} for c in exc.conflicts]}
            sys.stdout.write(json.dumps(doc, indent=2) + "\n")
        else:
            err.print(f"ssot rollback: {escape(str(exc))}", style="red")
        return exc.exit_code
    if args.json:
        sys.stdout.write(json.dumps({**result.to_dict(), "refused": False}, indent=2) + "\n")
        return OK
    if result.scope == "none":
        console.print("nothing to roll back: no run has changes left (`ssot runs` lists the runs)")
        return OK
    _report(console, result)
    return OK
