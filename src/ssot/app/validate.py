"""``ssot validate``: measure the consolidation (compliance, canonical imports, collection and test figures)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ssot.config import Config
from ssot.scanner.engine import Progress

if TYPE_CHECKING:
    from ssot.app.compliance import Validation
    from ssot.app.test_outcomes import Comparison, Outcomes
    from ssot.collect.profile import Profile
    from ssot.model import ScanResult


@dataclass(frozen=True, slots=True)
class ValidateRequest:
    profile: Path | None = None  # collection profile of the tree now (default: the latest in the history)
    baseline_profile: Path | None = None  # recorded before the migration (default: the first in the history)
    run_tests: bool = False  # run the suite and compare each test's outcome with the tests baseline
    save_baseline: bool = False  # with run_tests: record this run as the tests baseline
    jobs: int | None = None  # scan workers
    use_cache: bool = True  # the scan's cache
    keep_rule: Callable[[str], bool] = field(default=lambda _rule: True)  # the import findings reported


@dataclass(frozen=True, slots=True)
class Validated:
    """The measures, the scan they came from, and the suite run now (``None``: not run)."""

    validation: Validation
    scan: ScanResult
    tests_now: Outcomes | None


def validate(cfg: Config, request: ValidateRequest, *, progress: Progress | None = None,
             saved: Callable[[Path, Outcomes], None] | None = None) -> Validated:
    """Scan ``cfg``'s project and measure it; ``saved`` hears where a tests baseline was written."""
    from ssot.app import test_outcomes
    from ssot.app.compliance import collection_figures, measure
    from ssot.app.guard import read_texts
    from ssot.files import discover
    from ssot.report.common import plural
    from ssot.scanner.engine import scan
    from ssot.scope import load_scope

    tests_now = tests_baseline = None
    if request.run_tests:
        tests_baseline = None if request.save_baseline else test_outcomes.load_baseline(cfg)
        tests_now = test_outcomes.run_suite(cfg)
        if request.save_baseline:
            path = test_outcomes.save_baseline(cfg, tests_now)
            if saved is not None:
                saved(path, tests_now)
    result = scan(None, config=cfg, jobs=request.jobs, use_cache=request.use_cache, progress=progress)
    files, _ = discover(cfg.root, cfg.paths, cfg.exclude)
    validation = measure(cfg, result, read_texts(cfg, files, load_scope(cfg.root).is_test_code))
    validation.imports = [f for f in validation.imports if request.keep_rule(f.rule)]
    baseline_profile: Path | Profile | None = request.baseline_profile
    profile: Path | Profile | None = request.profile
    if baseline_profile is None and profile is None:  # the first and the latest collection the history holds
        baseline_profile, profile = recorded_profiles(cfg)
    validation.figures, validation.notes = collection_figures(baseline_profile, profile)
    validation.add_tests(tests_comparison(cfg, tests_baseline, tests_now))
    if result.partial:
        validation.notes.append(f"{plural(len(result.skipped), 'file')} could not be read or parsed: "
                                "`ssot scan` lists them")
    return Validated(validation, result, tests_now)


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


def record_validation(cfg: Config, validated: Validated, exit_code: int) -> None:
    """The run's figures (and the suite's outcomes, when it ran) in the history."""
    from ssot.history.figures import validate_figures
    from ssot.history.record import record_run

    documents = None if validated.tests_now is None else {"tests": validated.tests_now.to_dict()}
    record_run(cfg, "validate", validate_figures(validated.validation), exit_code=exit_code, documents=documents)
