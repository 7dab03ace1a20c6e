"""``ssot check``: the guard for CI and pre-commit; fails only on what is new since the baseline."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ssot.app.check import baseline_path
from ssot.commands.common import add_project_arguments, progress_bar, project_config, relative_paths
from ssot.commands.options import add_report_arguments, rule_filter, style_of, wanted_rules
from ssot.exitcodes import FOUND, OK, PARTIAL
from ssot.report.output import write_output


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
    from ssot.app.baseline import baseline_text, remember_written
    from ssot.app.check import (
        CheckRequest,
        accept_all,
        files_asked,
        judge_observation,
        observe_files,
        observe_tree,
        record_check,
    )
    from ssot.app.guard import RULES
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
    style = style_of(args)
    request = CheckRequest(files=relative_paths(cfg, args.files) if args.files else None, diff_base=args.diff_base,
                           baseline=Path(args.baseline) if args.baseline else None, family_lines=args.family_lines,
                           keep_rule=wanted_rules(select, ignore), jobs=args.jobs, use_cache=not args.no_cache)

    if args.update_baseline:
        with progress_bar("checking", style.verbosity >= 0) as progress:
            whole, entries = accept_all(cfg, request, progress)
        path = baseline_path(cfg, request)
        data = baseline_text(entries).encode("utf-8", "surrogateescape")
        write_output(str(path), data)
        if request.use_cache:  # the next check (the first pre-commit) need not parse it
            remember_written(path, data, entries, cfg.cache_path)
        if style.verbosity >= 0:
            copies = sum(e.rule == "family-member" for e in entries)
            print(f"baseline written to {path}: {len(entries)} accepted findings "
                  f"({copies} copies of {len(whole.observed.families)} families, {len(entries) - copies} "
                  "others); commit it")
        return OK

    only = files_asked(cfg, request)
    observation = observe_files(cfg, request, only)
    if observation is None:  # the whole tree (or no index yet: build it)
        with progress_bar("checking", style.verbosity >= 0) as progress:
            observation = observe_tree(cfg, request, only, progress)
    checked = judge_observation(cfg, request, observation)
    seen, findings, baseline = checked.observation, checked.findings, checked.baseline
    seconds = time.perf_counter() - started
    summary = []
    if baseline is None:
        summary.append(f"no baseline at {checked.baseline_path}: every finding counts as new; "
                       "`ssot check --update-baseline` accepts the current state")
    checked_what = plural(len(seen.only), "file") if seen.only is not None else "the whole tree"
    verdict = plural(len(findings), "new finding") if findings else "no new findings"
    summary.append(f"ssot check: {verdict} in {checked_what} ({seconds:.2f}s)")
    if seen.skipped:
        summary.append(f"{plural(seen.skipped, 'file')} could not be read or parsed (exit 3 when nothing is new): "
                       "`ssot scan` lists them with the reason")
    report = FindingsReport("check", str(cfg.root), findings, RULES, summary, {
        "new_findings": len(findings), "files": None if seen.only is None else len(seen.only), "mode": seen.mode,
        "baseline": str(checked.baseline_path) if baseline is not None else None,
        "baseline_entries": baseline.total() if baseline is not None else 0,
        "index_files_reread": len(seen.observed.stale), "seconds": round(seconds, 3)})
    render_report(report, FINDINGS.get(args.format), args.output, style)
    code = FOUND if findings and not args.exit_zero else PARTIAL if seen.skipped else OK
    record_check(cfg, checked, code, seconds)
    return code
