"""``ssot validate``: SSOT compliance per family and phase, canonical imports, collection against a baseline."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ssot.commands.common import add_project_arguments, progress_bar, project_config
from ssot.commands.options import add_report_arguments, rule_filter, selected, style_of
from ssot.exitcodes import FOUND, OK, PARTIAL

if TYPE_CHECKING:
    from ssot.app.test_outcomes import Comparison, Outcomes
    from ssot.collect.profile import Profile
    from ssot.config import Config


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from ssot.report.validate_report import VALIDATE

    parser.add_argument("--profile", type=Path, metavar="FILE", help="collection profile of the tree now "
                        "(`ssot collect --format json -o FILE`)")
    parser.add_argument("--baseline-profile", type=Path, metavar="FILE", help="collection profile recorded "
                        "before the migration, to compare with")
    parser.add_argument("--run-tests", action="store_true", help="run the project's test suite and compare each "
                        "test's outcome with the tests baseline (.ssot/tests-baseline.json)")
    parser.add_argument("--save-baseline", action="store_true", help="with --run-tests: record this run as the "
                        "tests baseline (before a migration)")
    parser.add_argument("--min-compliance", type=float, metavar="SHARE", help="exit 1 below this compliance "
                        "(0 to 1; default: [tool.ssot] min_compliance, 0)")
    add_report_arguments(parser, VALIDATE.formats)
    add_project_arguments(parser)
    parser.add_argument("-j", "--jobs", type=int, metavar="N", help="scan worker processes (default: one per core)")
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write the scan cache")


def run(args: argparse.Namespace) -> int:
    from ssot.app.compliance import collection_figures, measure
    from ssot.app.guard import read_texts
    from ssot.app.validate_rules import RULES
    from ssot.errors import SsotError
    from ssot.files import discover
    from ssot.report.common import plural
    from ssot.report.registry import render_report
    from ssot.report.validate_report import VALIDATE
    from ssot.scanner.engine import scan
    from ssot.scope import load_scope

    cfg = project_config(args)
    if args.min_compliance is not None:
        if not 0 <= args.min_compliance <= 1:
            raise SsotError("--min-compliance must be a share between 0 and 1, such as 0.95")
        cfg = cfg.with_overrides(min_compliance=args.min_compliance)
    for flag, path in (("--profile", args.profile), ("--baseline-profile", args.baseline_profile)):
        if path is not None and not path.is_file():
            raise SsotError(f"{flag} {path}: no such file; record one with `ssot collect --format json -o {path}`")
    if args.save_baseline and not args.run_tests:
        raise SsotError("--save-baseline records a run of the suite: add --run-tests")
    select, ignore = rule_filter(args, RULES)
    style = style_of(args)
    tests_now = tests_baseline = None
    if args.run_tests:
        from ssot.app import test_outcomes

        tests_baseline = None if args.save_baseline else test_outcomes.load_baseline(cfg)
        tests_now = test_outcomes.run_suite(cfg)
        if args.save_baseline:
            saved = test_outcomes.save_baseline(cfg, tests_now)
            if style.verbosity >= 0:
                print(f"tests baseline written to {saved}: {tests_now.passing} of {len(tests_now.outcomes)} tests "
                      "passing", file=sys.stderr)
    with progress_bar("validating", style.verbosity >= 0) as progress:
        result = scan(None, config=cfg, jobs=args.jobs, use_cache=not args.no_cache, progress=progress)
    files, _ = discover(cfg.root, cfg.paths, cfg.exclude)
    validation = measure(cfg, result, read_texts(cfg, files, load_scope(cfg.root).is_test_code))
    validation.imports = selected(validation.imports, select, ignore)
    baseline_profile, profile = args.baseline_profile, args.profile
    if baseline_profile is None and profile is None:  # the first and the latest collection the history holds
        baseline_profile, profile = recorded_profiles(cfg)
    validation.figures, validation.notes = collection_figures(baseline_profile, profile)
    validation.add_tests(tests_comparison(cfg, tests_baseline, tests_now))
    if result.partial:
        validation.notes.append(f"{plural(len(result.skipped), 'file')} could not be read or parsed: "
                                "`ssot scan` lists them")
    render_report(validation, VALIDATE.get(args.format), args.output, style)
    code = FOUND if validation.failed and not args.exit_zero else PARTIAL if result.partial else OK
    from ssot.history.figures import validate_figures
    from ssot.history.record import record_run

    documents = None if tests_now is None else {"tests": tests_now.to_dict()}
    record_run(cfg, "validate", validate_figures(validation), exit_code=code, documents=documents)
    return code


def tests_comparison(cfg: Config, baseline: Outcomes | None, now: Outcomes | None) -> Comparison | None:
    """The suite run now (or the latest run the history holds) against the tests baseline; None: not measured."""
    from ssot.app.test_outcomes import compare, latest_recorded, load_baseline

    if now is None:
        now = latest_recorded(cfg)
        if now is None:
            return None
        baseline = load_baseline(cfg)
    return compare(baseline, now)


def recorded_profiles(cfg: Config) -> tuple[Profile | None, Profile | None]:
    """The first and the latest collection profiles in the history (``None`` for what is not there)."""
    from ssot.collect.profile import Profile
    from ssot.history.store import HistoryError, HistoryStore

    path = cfg.history_path
    if path is None or not path.is_file():
        return None, None
    try:
        with HistoryStore(path, create=False) as store:
            docs = store.documents("collect")
    except HistoryError:
        return None, None
    if len(docs) < 2:
        return None, (Profile.from_dict(docs[-1][1], str(path)) if docs else None)
    return Profile.from_dict(docs[0][1], str(path)), Profile.from_dict(docs[-1][1], str(path))
