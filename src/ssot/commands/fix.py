"""``ssot fix collection-warnings [PATH ...] [--apply]``: fix what ``ssot collect`` found.

Dry run by default: prints the diff and what it would do.  Exit codes
(docs/collect.md): 0 nothing left to do (or everything applied, or ``--exit-zero``);
1 (FOUND) changes pending in a dry run, or classes that need a human (tests hidden
in a helper, test classes it cannot revive); 3 (PARTIAL) files it could not read
or parse.
"""

from __future__ import annotations

import argparse

from ssot.app.fix import FIXES
from ssot.commands.common import add_project_arguments, project_config, relative_paths
from ssot.commands.options import add_json_alias, add_report_arguments, apply_json_alias, style_of


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
    add_report_arguments(parser, ("text", "json"), rules=False)
    add_json_alias(parser)
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
    from ssot.app.fix import FixRequest, fix
    from ssot.report.fix_report import FIX, FixReport
    from ssot.report.registry import render_report

    apply_json_alias(args, "fix")
    cfg = project_config(args, args.paths)
    request = FixRequest(what=args.what, paths=relative_paths(cfg, args.paths) if args.paths else [],
                         apply=args.apply, jobs=args.jobs)
    fixed = fix(cfg, request)
    code = fixed.exit_code(args.exit_zero)
    render_report(FixReport(fixed.result, args.apply, not args.no_diff, code), FIX.get(args.format), args.output,
                  style_of(args))
    return code
