"""The figures each command contributes to the history, read off the model it produced.

Nothing here measures or estimates: every value is a field of a scan result or a collection
profile.  Figure names are stable (the dashboard and ``ssot report --format json`` use them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ssot.history.store import Figure

if TYPE_CHECKING:
    from ssot.app.compliance import Validation
    from ssot.collect.profile import Profile
    from ssot.migrate.execute import RunResult
    from ssot.model import ScanResult

# name -> what it means, in words (``ssot report`` prints these)
LABELS: dict[str, str] = {
    "families": "families of duplicated code",
    "live_copies": "live copies in families",
    "redundant_copies": "redundant copies (what consolidation removes)",
    "duplicated_lines": "duplicated lines",
    "commented_out": "commented-out copies",
    "backup_copies": "copies in backup folders",
    "pytest_warning_helpers": "Test* helpers pytest warns about",
    "skipped_files": "files skipped (unreadable, syntax errors)",
    "scan_seconds": "scan time (s)",
    "tests_collected": "tests collected",
    "collection_seconds": "collection wall time (s)",
    "collection_cpu_seconds": "collection CPU time (s)",
    "collection_peak_bytes": "collection peak memory (bytes)",
    "warnings": "collection warnings",
    "never_run": "tests that never run",
    "collection_errors": "collection errors",
    "compliance": "SSOT compliance (%)",
    "non_canonical_imports": "non-canonical imports",
    "tests_passing": "tests passing",
    "migrated_files": "files migrated",
    "migration_lines_removed": "lines removed by migrations",
    "migration_batches": "migration batches that stood",
    "migration_batches_failed": "migration batches rolled back",
    "migration_failed_families": "families taken out of a migration",
    "check_new_findings": "new findings (check)",
}


def scan_figures(result: ScanResult) -> list[Figure]:
    """The scan's totals (the ones every report prints), and per family its live copies and duplicated lines."""
    from ssot.report.common import member_counts, totals

    t = totals(result)
    out = [
        Figure("families", t.families),
        Figure("live_copies", t.live_copies),
        Figure("redundant_copies", t.redundant_copies),
        Figure("duplicated_lines", t.duplicated_lines),
        Figure("commented_out", t.commented_out),
        Figure("backup_copies", t.backup_copies),
        Figure("pytest_warning_helpers", t.pytest_warnings),
        Figure("skipped_files", t.skipped),
        Figure("scan_seconds", result.stats.seconds),
    ]
    for f in result.families:
        scope = f"family:{f.id}"
        out.append(Figure("live_copies", member_counts(f).live, scope))
        out.append(Figure("duplicated_lines", f.duplicated_lines, scope))
    return out


def collect_figures(profile: Profile) -> list[Figure]:
    """Tests, time, memory and warnings of one measured collection; warnings also per cause."""
    m = profile.measurement
    out = [
        Figure("tests_collected", m.tests),
        Figure("collection_seconds", m.wall_seconds),
        Figure("warnings", len(m.warnings)),
        Figure("collection_errors", len(m.errors)),
    ]
    if m.cpu_seconds is not None:
        out.append(Figure("collection_cpu_seconds", m.cpu_seconds))
    if m.peak_rss_bytes is not None:
        out.append(Figure("collection_peak_bytes", m.peak_rss_bytes))
    if profile.analysis is not None:
        out.append(Figure("never_run", len(profile.analysis.never_run)))
        for cause in profile.analysis.warning_causes:
            out.append(Figure("warnings", cause.count, f"cause:{cause.template}"))
    return out


def migrate_figures(result: RunResult) -> list[Figure]:
    """What a (non dry) migration run changed, and how its batches ended."""
    batches = [b for top in result.batches for b in (top, *top.retried)]
    return [
        Figure("migrated_files", len(result.files_changed)),
        Figure("migration_lines_removed", result.lines_removed),
        Figure("migration_batches", sum(1 for b in batches if b.status == "ok")),
        Figure("migration_batches_failed", sum(1 for b in batches if b.status in ("rolled_back", "failed"))),
        Figure("migration_failed_families", len(result.failed_families)),
    ]


def validate_figures(validation: Validation) -> list[Figure]:
    """Compliance (over every tracked family, per family and per phase) and the canonical-import check, in %;
    tests passing in the run of the suite it measured (``--run-tests``, or the latest recorded one), with the
    baseline's figure and how many of the baseline's passing tests no longer pass."""
    out = [Figure("non_canonical_imports", len(validation.imports))]
    if validation.score_all.score is not None:
        out.append(Figure("compliance", round(100 * validation.score_all.score, 2)))
    for fam in validation.families:
        if fam.share.score is not None:
            out.append(Figure("compliance", round(100 * fam.share.score, 2), f"family:{fam.id}"))
    for phase, share in validation.phases.items():
        if share.score is not None:
            out.append(Figure("compliance", round(100 * share.score, 2), f"phase:{phase}"))
    if validation.tests is not None:
        out.append(Figure("tests_passing", validation.tests.now.passing))
        if validation.tests.baseline is not None:
            out.append(Figure("tests_passing", validation.tests.baseline.passing, "baseline"))
            out.append(Figure("tests_passing", len(validation.tests.no_longer_passing), "no_longer_passing"))
    return out


def check_figures(new_findings: int, by_rule: dict[str, int]) -> list[Figure]:
    """How many findings ``ssot check`` reported as new, in all and per rule."""
    return [Figure("check_new_findings", new_findings),
            *(Figure("check_new_findings", n, f"rule:{rule}") for rule, n in sorted(by_rule.items()))]
