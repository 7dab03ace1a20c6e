"""``ssot scan``: the scan a command asked for, and the findings it selected."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from ssot.config import Config
from ssot.model import ScanResult
from ssot.report.common import DUPLICATE_RULE, RULES
from ssot.scanner.engine import Progress, scan

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
    """Whether the scan fails (exit 1): families found; with ``--select``/``--ignore``, any finding selected."""
    return bool(result.families or (filtered and result.findings))
