"""``ssot scan``: the scan a command asked for, and the findings it selected."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ssot.config import Config
from ssot.model import ScanResult, ScanStats
from ssot.report.common import DUPLICATE_RULE, RULES

if TYPE_CHECKING:
    from ssot.scanner.cache import CachedReport
    from ssot.scanner.engine import Progress

SCAN_RULES: tuple[str, ...] = tuple(RULES)  # the rule ids a scan reports findings under


@dataclass(frozen=True, slots=True)
class ScanRequest:
    """What to scan, on top of ``[tool.ssot]`` (``None``: as configured)."""

    paths: list[str] | None = None  # relative to the project root
    exclude: list[str] | None = None  # added to the configured globs
    min_lines: int | None = None
    min_tokens: int | None = None
    scan_all: bool | None = None  # library code too
    backup_globs: list[str] | None = None  # replace the configured ones
    jobs: int | None = None
    use_cache: bool = True


def scan_config(cfg: Config, request: ScanRequest) -> Config:
    """The configuration the scan runs with: ``cfg`` with the request's overrides."""
    return cfg.with_overrides(
        exclude=[*cfg.exclude, *request.exclude] if request.exclude else None,
        min_lines=request.min_lines, min_tokens=request.min_tokens, all=request.scan_all,
        backup_globs=request.backup_globs,
    )


def scan_project(cfg: Config, request: ScanRequest, progress: Progress | None = None) -> ScanResult:
    """Scan the project (``cfg`` as :func:`scan_config` made it): PATHs say where to look; what is
    scanned there is the test code unless ``scan_all`` (or the configuration) says everything."""
    from ssot.scanner.engine import scan

    return scan(request.paths, config=cfg, jobs=request.jobs or None, use_cache=request.use_cache,
                progress=progress, whole_tree=cfg.whole_tree)


def select_findings(result: ScanResult, wanted: Callable[[str], bool]) -> ScanResult:
    """``result`` with only the findings whose rule is ``wanted``, and only the families one of them is
    about (a family of variants with no exact copy counts as ``duplicate-copy``)."""
    findings = [f for f in result.findings if wanted(f.rule)]
    about = {f.family for f in findings if f.family}
    with_findings = {f.family for f in result.findings if f.family}
    families = [fam for fam in result.families
                if fam.id in about or (fam.id not in with_findings and wanted(DUPLICATE_RULE))]
    return replace(result, findings=findings, families=families)


def has_findings(result: ScanResult, filtered: bool) -> bool:
    """Whether the scan fails (exit 1): families or copied folders found; with ``--select``/``--ignore``, any
    finding selected."""
    return bool(result.families or result.copied_folders or (filtered and result.findings))


# -- the JSON report of an unchanged tree, written again without the result ----------------------

JSON_REPORT = "json"  # the format whose report the cache keeps (the one CI and the benchmarks write)


def unchanged_report(cfg: Config, request: ScanRequest) -> CachedReport | None:
    """The JSON report of the last scan, when :func:`scan_project` would return that scan's result
    again (nothing changed: the files, the settings, ssot itself); ``None`` otherwise."""
    if not request.use_cache:
        return None
    from ssot.scanner.cache import load_report
    from ssot.scanner.unchanged import unchanged_key

    key = unchanged_key(request.paths, config=cfg, whole_tree=cfg.whole_tree)
    return load_report(cfg.cache_path, JSON_REPORT, key) if key else None


def json_report(cfg: Config, request: ScanRequest, result: ScanResult) -> CachedReport:
    """The JSON report of ``result`` in the form :func:`unchanged_report` gives it back, kept in the cache
    (when the result came from it) for the next scan of the same tree."""
    from ssot.history.figures import scan_figures
    from ssot.history.record import report_digest
    from ssot.report.json_report import json_parts
    from ssot.scanner.cache import CachedReport, key_of, load_report, save_report, was_reused

    key = key_of(result) if request.use_cache else None
    kept = load_report(cfg.cache_path, JSON_REPORT, key) if key and was_reused(result) else None
    if kept is not None:  # the last result, taken again: its report is this one's (the stats aside)
        if kept.files != result.stats.files:
            kept = replace(kept, files=result.stats.files)
            save_report(cfg.cache_path, JSON_REPORT, kept)
        return kept
    head, tail = json_parts(result)
    report = CachedReport(key or "", head, tail, result.stats.files, result.stats.definitions,
                          tuple((f.name, f.value, f.scope) for f in scan_figures(result)), report_digest(head, tail),
                          len(result.families) + len(result.copied_folders), result.partial)
    if key:
        save_report(cfg.cache_path, JSON_REPORT, report)
    return report


def report_parts(report: CachedReport, stats: ScanStats) -> tuple[bytes, bytes, bytes]:
    """The whole JSON report: ``report`` with the stats of this run, in its three parts (written one after
    the other: the 11k-file suite's report is 297 MB, and joining them was a tenth of a rescan)."""
    from ssot.report.json_report import stats_json

    return report.head, stats_json(stats), report.tail


def rescan_stats(report: CachedReport, seconds: float) -> ScanStats:
    """The stats of a rescan that found nothing changed (what the engine's warm path reports)."""
    return ScanStats(files=report.files, parsed=0, cached=report.files, definitions=report.definitions,
                     seconds=seconds)
