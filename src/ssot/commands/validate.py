"""``ssot validate``: SSOT compliance per family and phase, canonical imports, collection against a baseline."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ssot.commands.common import add_project_arguments, progress_bar, project_config
from ssot.commands.options import add_report_arguments, rule_filter, style_of, wanted_rules
from ssot.exitcodes import FOUND, OK, PARTIAL

if TYPE_CHECKING:
    from ssot.app.test_outcomes import Outcomes


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
    from ssot.app.validate import ValidateRequest, record_validation, validate
    from ssot.app.validate_rules import RULES
    from ssot.errors import SsotError
    from ssot.report.registry import render_report
    from ssot.report.validate_report import VALIDATE

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
    request = ValidateRequest(profile=args.profile, baseline_profile=args.baseline_profile, run_tests=args.run_tests,
                              save_baseline=args.save_baseline, jobs=args.jobs, use_cache=not args.no_cache,
                              keep_rule=wanted_rules(select, ignore))

    def saved(path: Path, outcomes: Outcomes) -> None:
        if style.verbosity >= 0:
            print(f"tests baseline written to {path}: {outcomes.passing} of {len(outcomes.outcomes)} tests "
                  "passing", file=sys.stderr)

    with progress_bar("validating", style.verbosity >= 0) as progress:
        validated = validate(cfg, request, progress=progress, saved=saved)
    validation = validated.validation
    render_report(validation, VALIDATE.get(args.format), args.output, style)
    code = FOUND if validation.failed and not args.exit_zero else PARTIAL if validated.scan.partial else OK
    record_validation(cfg, validated, code)
    return code
