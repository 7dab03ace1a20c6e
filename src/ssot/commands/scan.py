"""``ssot scan``: find duplicated helpers, fixtures and test classes."""

from __future__ import annotations

import argparse

from ssot.commands.common import add_project_arguments, progress_bar, project_config, relative_paths, write_output
from ssot.exitcodes import FOUND, OK, PARTIAL

FORMATS = ("text", "json", "sarif", "markdown")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (default: [tool.ssot] paths)")
    parser.add_argument("--format", choices=FORMATS, default="text", help="report format (default: text)")
    parser.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE instead of stdout")
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
    parser.add_argument("--exit-zero", action="store_true", help="exit 0 even when duplicates are found")


def run(args: argparse.Namespace) -> int:
    from ssot.errors import SsotError
    from ssot.report import print_text, render
    from ssot.scanner.engine import scan

    cfg = project_config(args, args.paths)
    if args.min_lines is not None and args.min_lines < 1:
        raise SsotError("--min-lines must be at least 1")
    if args.min_tokens is not None and args.min_tokens < 1:
        raise SsotError("--min-tokens must be at least 1")
    if args.jobs is not None and args.jobs < 0:
        raise SsotError("--jobs must be 0 (one per core) or more")
    cfg = cfg.with_overrides(
        exclude=[*cfg.exclude, *args.exclude] if args.exclude else None,
        min_lines=args.min_lines,
        min_tokens=args.min_tokens,
        all=args.scan_all,
        backup_globs=args.backup_globs,
    )
    paths = relative_paths(cfg, args.paths) if args.paths else None
    with progress_bar("scanning", not args.no_progress) as progress:
        # PATHs say where to look; what is scanned there is the test code unless --all says everything
        result = scan(paths, config=cfg, jobs=args.jobs or None, use_cache=not args.no_cache, progress=progress,
                      whole_tree=cfg.whole_tree)

    if args.format == "text":
        if args.output:  # written atomically like every other format; errors are usage errors
            import io

            from rich.console import Console

            buffer = io.StringIO()
            print_text(result, Console(file=buffer, width=120, no_color=True))
            write_output(args.output, buffer.getvalue())
        else:
            from rich.console import Console

            print_text(result, Console())
    else:
        write_output(args.output or "-", render(result, args.format))
    code = PARTIAL if result.partial else FOUND if result.families and not args.exit_zero else OK
    from ssot.history.record import record_scan

    record_scan(cfg, result, code)
    return code
