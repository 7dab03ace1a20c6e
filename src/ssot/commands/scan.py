"""``ssot scan``: find duplicated helpers, fixtures and test classes."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from ssot.commands.common import add_project_arguments, progress_bar, project_config, relative_paths
from ssot.commands.options import add_report_arguments, rule_filter, style_of, wanted_rules
from ssot.exitcodes import FOUND, OK, PARTIAL

if TYPE_CHECKING:
    from ssot.app.scan import ScanRequest
    from ssot.config import Config
    from ssot.model import ScanStats
    from ssot.report.registry import Style
    from ssot.scanner.cache import CachedReport

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
    import time

    from ssot.app.scan import SCAN_RULES, ScanRequest, scan_config, unchanged_report
    from ssot.errors import SsotError

    started = time.perf_counter()
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
    filtered = bool(select or ignore)
    whole_json = args.format == "json" and not filtered  # the report the cache keeps, written again as it was
    if whole_json:
        kept = unchanged_report(cfg, request)
        if kept is not None:
            return _write_json(cfg, kept, None, args, time.perf_counter() - started)
    return _scan(cfg, request, args, style, select, ignore, whole_json)


def _scan(cfg: Config, request: ScanRequest, args: argparse.Namespace, style: Style, select: list[str],
          ignore: list[str], whole_json: bool) -> int:
    from ssot.app.scan import has_findings, json_report, scan_project, select_findings
    from ssot.history.record import record_scan
    from ssot.report.registry import render_report
    from ssot.report.scan_report import SCAN

    with progress_bar("scanning", not args.no_progress and style.verbosity >= 0) as progress:
        result = scan_project(cfg, request, progress)
    if whole_json:
        return _write_json(cfg, json_report(cfg, request, result), result.stats, args, result.stats.seconds)
    filtered = bool(select or ignore)
    shown = select_findings(result, wanted_rules(select, ignore)) if filtered else result
    render_report(shown, SCAN.get(args.format), args.output, style)
    code = PARTIAL if result.partial else FOUND if has_findings(shown, filtered) and not args.exit_zero else OK
    record_scan(cfg, result, code)
    return code


def _write_json(cfg: Config, report: CachedReport, stats: ScanStats | None, args: argparse.Namespace,
                seconds: float) -> int:
    """Write the JSON report (``stats`` None: of a rescan that found nothing changed) and record the run."""
    from ssot.app.scan import report_parts, rescan_stats
    from ssot.history.record import record_scan_report

    data = report_parts(report, stats or rescan_stats(report, seconds))
    _deliver(data, args.output)
    code = PARTIAL if report.partial else FOUND if report.families and not args.exit_zero else OK
    record_scan_report(cfg, report.figures, data, report.digest, seconds, code)
    return code


def _deliver(data: bytes | tuple[bytes, ...], output: str | None) -> None:
    """To ``-o FILE`` (atomically), else to standard output (a reader gone away is not an error)."""
    from ssot.report.output import write_output
    from ssot.report.registry import silence_stdout

    if output and output != "-":
        write_output(output, data)
        return
    try:
        write_output("-", data)
        sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()
