"""``ssot scan``: find duplicated helpers, fixtures and test classes."""

from __future__ import annotations

import argparse

from ssot.commands.common import add_project_arguments, progress_bar, project_config, relative_paths
from ssot.commands.options import add_report_arguments, rule_filter, style_of, wanted_rules
from ssot.exitcodes import FOUND, OK, PARTIAL

FORMATS = ("text", "json", "sarif", "markdown")  # ssot.report.scan_report.SCAN (not imported: start-up)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (default: [tool.ssot] paths)")
    add_report_arguments(parser, FORMATS)
    add_project_arguments(parser)
    parser.add_argument("--exclude", action="append", metavar="GLOB", help="gitignore-style glob to skip "
                        "(repeatable; adds to [tool.ssot] exclude)")
    parser.add_argument("--min-lines", type=int, metavar="N", help="ignore definitions shorter than N code lines")
    parser.add_argument("--min-tokens", type=int, metavar="N",
                        help="ignore definitions of fewer than N code tokens (default 30)")
    parser.add_argument("--all", action="store_true", default=None, dest="scan_all",
                        help="scan every Python file, library code too (default: the test code only)")
    parser.add_argument("--backup-glob", action="append", metavar="GLOB", dest="backup_globs",
                        help="folders holding stale copies (repeatable; replaces [tool.ssot] backup_globs)")
    parser.add_argument("-j", "--jobs", type=int, metavar="N", help="worker processes (default: one per core)")
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write the scan cache")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    from ssot.app.scan import SCAN_RULES, ScanRequest, has_findings, scan_config, scan_project, select_findings
    from ssot.errors import SsotError
    from ssot.history.record import record_scan
    from ssot.report.registry import render_report
    from ssot.report.scan_report import SCAN

    cfg = project_config(args, args.paths)
    if args.min_lines is not None and args.min_lines < 1:
        raise SsotError("--min-lines must be at least 1")
    if args.min_tokens is not None and args.min_tokens < 1:
        raise SsotError("--min-tokens must be at least 1")
    if args.jobs is not None and args.jobs < 0:
        raise SsotError("--jobs must be 0 (one per core) or more")
    select, ignore = rule_filter(args, SCAN_RULES)
    style = style_of(args)
    request = ScanRequest(paths=relative_paths(cfg, args.paths) if args.paths else None, exclude=args.exclude,
                          min_lines=args.min_lines, min_tokens=args.min_tokens,
                          scan_all=args.scan_all, backup_globs=args.backup_globs, jobs=args.jobs,
                          use_cache=not args.no_cache)
    cfg = scan_config(cfg, request)
    with progress_bar("scanning", not args.no_progress and style.verbosity >= 0) as progress:
        result = scan_project(cfg, request, progress)
    filtered = bool(select or ignore)
    shown = select_findings(result, wanted_rules(select, ignore)) if filtered else result
    render_report(shown, SCAN.get(args.format), args.output, style)
    code = PARTIAL if result.partial else FOUND if has_findings(shown, filtered) and not args.exit_zero else OK
    record_scan(cfg, result, code)
    return code

