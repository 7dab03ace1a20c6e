"""``ssot fix collection-warnings [PATH ...] [--apply]``: fix what ``ssot collect`` found.

Dry run by default: prints the diff and what it would do.  Exit codes
(docs/collect.md): 0 nothing left to do (or everything applied); 1 (FOUND)
changes pending in a dry run, or classes that need a human (tests hidden in a
helper, test classes it cannot revive); 3 (PARTIAL) files it could not read
or parse.
"""

from __future__ import annotations

import argparse
import json
import sys

from ssot.commands.common import add_project_arguments, project_config, relative_paths
from ssot.exitcodes import FOUND, OK, PARTIAL

FIXES = {"collection-warnings": "PytestCollectionWarning about Test* classes with __init__"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "what",
        choices=sorted(FIXES),
        metavar="WHAT",
        help="what to fix: " + "; ".join(f"{k} ({v})" for k, v in FIXES.items()),
    )
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="files or folders (default: pytest's testpaths, else the project root)",
    )
    parser.add_argument("--apply", action="store_true", help="write the changes (default: show the diff only)")
    parser.add_argument("--no-diff", action="store_true", help="do not print the diff, only what changes")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=None,
        metavar="N",
        help="worker processes (default: [tool.ssot] jobs, 0 = one per core)",
    )
    add_project_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.markup import escape

    from ssot.rewrite.collection_warnings import fix_collection_warnings

    cfg = project_config(args, args.paths)
    paths = relative_paths(cfg, args.paths) if args.paths else []
    jobs = args.jobs if args.jobs is not None else cfg.jobs
    if jobs < 0:
        from ssot.errors import SsotError

        raise SsotError(f"--jobs {jobs}: must be 0 (one per core) or more")
    result = fix_collection_warnings(cfg.root, paths, apply=args.apply, jobs=jobs)
    silenced, revived, reported = result.of("silence"), result.of("revive"), result.of("report")
    pending = bool(result.changed) and not args.apply
    code = PARTIAL if result.skipped else FOUND if (pending or reported) else OK
    if args.json:
        sys.stdout.write(
            json.dumps(
                {
                    "applied": args.apply,
                    "scanned": result.scanned,
                    "changed": [f.path for f in result.changed],
                    "written": result.written,
                    "run": result.run_id,
                    "actions": [a.to_dict() for a in result.actions],
                    "skipped": [{"path": p, "reason": r} for p, r in result.skipped],
                    "exit_code": code,
                },
                indent=1,
            )
            + "\n"
        )
        return code
    out = Console(highlight=False, soft_wrap=True, no_color=not sys.stdout.isatty())
    if not args.no_diff and not args.apply:
        for f in result.changed:
            sys.stdout.write(f.diff())
    for a in revived:
        out.print(f"[green]revived[/] {a.path}:{a.line} {a.qualname}: {escape(a.message)}")
    for a in reported:
        out.print(f"[yellow]left alone[/] {a.path}:{a.line} {a.qualname}: {escape(a.message)}")
    if silenced:
        files = len({a.path for a in silenced})
        names = sorted({a.qualname for a in silenced})
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        out.print(
            f"[green]silenced[/] {len(silenced)} helper classes ({shown}) in {files} files with `__test__ = False`"
        )
    for path, reason in result.skipped:
        out.print(f"[red]skipped[/] {path}: {escape(reason)}")
    verb = "changed" if args.apply else "would change"
    out.print(
        f"{len(result.changed)} of {result.scanned} test files {verb}"
        + ("" if args.apply or not result.changed else "; run with --apply to write them")
    )
    if revived and args.apply:
        n = sum(len(a.tests) for a in revived)
        out.print(f"{n} tests that never ran before will run from now on")
    if result.run_id:
        out.print(f"run {result.run_id} (`ssot runs` lists it; `ssot rollback {result.run_id}` undoes it)")
    return code
