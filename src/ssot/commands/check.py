"""``ssot check``: the guard for CI and pre-commit; fails only on what is new since the baseline."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ssot.commands.common import add_project_arguments, progress_bar, project_config, relative_paths, write_output
from ssot.commands.options import add_report_arguments, rule_filter, style_of, wanted_rules
from ssot.exitcodes import FOUND, OK, PARTIAL

# more files than this (`pre-commit run --all-files`) are checked on a whole-tree scan, whose cache
# serves unchanged files: reading each named file again would cost more
MAX_FILES_ON_INDEX = 200


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from ssot.report.findings import FINDINGS

    parser.add_argument("files", nargs="*", metavar="FILE", help="check only these files, against the index "
                        "of the rest of the tree (what pre-commit passes); default: the whole tree")
    parser.add_argument("--update-baseline", action="store_true", help="accept every current finding: write "
                        "the baseline (.ssot-baseline.json) and exit 0")
    parser.add_argument("--baseline", metavar="FILE", help="the baseline file (default: ROOT/.ssot-baseline.json)")
    parser.add_argument("--diff-base", metavar="REF", help="check the files changed since the merge base of REF "
                        "and HEAD (committed, staged, unstaged and untracked)")
    parser.add_argument("--family-lines", type=int, default=1, metavar="N", help="report a new family only when "
                        "it duplicates at least N lines (default 1)")
    add_report_arguments(parser, FINDINGS.formats)
    add_project_arguments(parser)
    parser.add_argument("-j", "--jobs", type=int, metavar="N", help="scan worker processes (default: one per core)")
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write the scan cache and index")


def run(args: argparse.Namespace) -> int:
    from ssot.app.baseline import BASELINE_FILE, baseline_text, load_baseline
    from ssot.app.guard import RULES, check_files, check_tree, diff_files, judge
    from ssot.errors import SsotError
    from ssot.report.common import plural
    from ssot.report.findings import FINDINGS, FindingsReport
    from ssot.report.registry import render_report

    started = time.perf_counter()
    cfg = project_config(args, args.files)
    if args.update_baseline and (args.files or args.diff_base):
        raise SsotError("--update-baseline records the whole tree: it takes no FILE and no --diff-base")
    if args.family_lines < 1:
        raise SsotError("--family-lines must be at least 1")
    select, ignore = rule_filter(args, RULES)
    baseline_path = Path(args.baseline) if args.baseline else cfg.root / BASELINE_FILE
    style = style_of(args)

    only: list[str] | None = None
    if args.files or args.diff_base:
        only = [r for r in relative_paths(cfg, args.files) if r.endswith(".py")] if args.files else []
        if args.diff_base:
            only += diff_files(cfg, args.diff_base)
    observed = None
    skipped = 0  # files the scan could not read or parse
    mode = "tree"
    if only is not None and not args.no_cache and len(only) <= MAX_FILES_ON_INDEX:
        observed = check_files(cfg, only)
        mode = "files"
    if observed is None:  # the whole tree (or no index yet: build it)
        with progress_bar("checking", style.verbosity >= 0) as progress:
            observed, result = check_tree(cfg, use_cache=not args.no_cache, jobs=args.jobs, progress=progress)
        skipped = len(result.skipped)
        mode = "tree" if only is None else (
            "files (whole tree scanned)" if len(only) > MAX_FILES_ON_INDEX else "files (index built)")

    if args.update_baseline:
        entries = observed.accepted()
        write_output(str(baseline_path), baseline_text(entries))
        if style.verbosity >= 0:
            copies = sum(e.rule == "family-member" for e in entries)
            print(f"baseline written to {baseline_path}: {len(entries)} accepted findings "
                  f"({copies} copies of {len(observed.families)} families, {len(entries) - copies} others); "
                  "commit it")
        return OK

    baseline = load_baseline(baseline_path, None if args.no_cache else cfg.cache_path)
    findings = judge(observed, baseline, args.family_lines, only, wanted_rules(select, ignore))
    seconds = time.perf_counter() - started
    summary = []
    if baseline is None:
        summary.append(f"no baseline at {baseline_path}: every finding counts as new; "
                       "`ssot check --update-baseline` accepts the current state")
    checked = plural(len(only), "file") if only is not None else "the whole tree"
    verdict = plural(len(findings), "new finding") if findings else "no new findings"
    summary.append(f"ssot check: {verdict} in {checked} ({seconds:.2f}s)")
    if skipped:
        summary.append(f"{plural(skipped, 'file')} could not be read or parsed (exit 3 when nothing is new): "
                       "`ssot scan` lists them with the reason")
    report = FindingsReport("check", str(cfg.root), findings, RULES, summary, {
        "new_findings": len(findings), "files": None if only is None else len(only), "mode": mode,
        "baseline": str(baseline_path) if baseline is not None else None,
        "baseline_entries": sum(baseline.values()) if baseline is not None else 0,
        "index_files_reread": len(observed.stale), "seconds": round(seconds, 3)})
    render_report(report, FINDINGS.get(args.format), args.output, style)
    code = FOUND if findings and not args.exit_zero else PARTIAL if skipped else OK
    if only is None:  # a whole-tree check is a point of the history; a pre-commit check of a few files is not
        from collections import Counter

        from ssot.history.figures import check_figures
        from ssot.history.record import record_run

        record_run(cfg, "check", check_figures(len(findings), dict(Counter(f.rule for f in findings))),
                   exit_code=code, seconds=seconds)
    return code
