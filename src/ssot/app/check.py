"""``ssot check``: what is new since the committed baseline, in the whole tree or in a few files.

:mod:`ssot.app.guard` observes the copies and judges them; this module decides how to observe
(the named files on the index, or a whole-tree scan) and reads or writes the baseline.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ssot.config import Config

if TYPE_CHECKING:
    from ssot.app.baseline import Accepted, BaselineCounts
    from ssot.app.guard import Observed
    from ssot.model import Finding
    from ssot.scanner.engine import Progress

# more files than this (`pre-commit run --all-files`) are checked on a whole-tree scan, whose cache
# serves unchanged files: reading each named file again would cost more
MAX_FILES_ON_INDEX = 200


@dataclass(frozen=True, slots=True)
class CheckRequest:
    files: list[str] | None = None  # relative to the root; None: the whole tree
    diff_base: str | None = None  # also the files changed since the merge base of this ref and HEAD
    baseline: Path | None = None  # default: ROOT/.ssot-baseline.json
    family_lines: int = 1  # a new family counts from this many duplicated lines
    keep_rule: Callable[[str], bool] = field(default=lambda _rule: True)  # the findings reported
    jobs: int | None = None  # scan workers
    use_cache: bool = True  # the scan's cache and the check's index


@dataclass(frozen=True, slots=True)
class Observation:
    """The copies and findings seen, how (``mode``), and in which files (``only``: None is the whole tree)."""

    observed: Observed
    only: list[str] | None
    mode: str  # "tree", "files", "files (index built)", "files (whole tree scanned)"
    skipped: int  # files the scan could not read or parse


@dataclass(frozen=True, slots=True)
class Checked:
    """What is new: the findings, and the baseline they were judged against (``None``: no baseline yet)."""

    observation: Observation
    findings: list[Finding]
    baseline_path: Path
    baseline: BaselineCounts | None


def baseline_path(cfg: Config, request: CheckRequest) -> Path:
    from ssot.app.baseline import BASELINE_FILE

    return request.baseline if request.baseline is not None else cfg.root / BASELINE_FILE


def files_asked(cfg: Config, request: CheckRequest) -> list[str] | None:
    """The Python files the request names, and those changed since ``diff_base``; None: the whole tree."""
    from ssot.app.check_files import diff_files

    if request.files is None and not request.diff_base:
        return None
    only = [r for r in request.files or [] if r.endswith(".py")]
    if request.diff_base:
        only += diff_files(cfg, request.diff_base)
    return only


def observe_files(cfg: Config, request: CheckRequest, only: list[str] | None) -> Observation | None:
    """The files ``only`` names, read against the index of the rest; None when the index cannot serve (no
    index yet, the cache off, or too many files)."""
    from ssot.app.check_files import check_files

    if only is None or not request.use_cache or len(only) > MAX_FILES_ON_INDEX:
        return None
    observed = check_files(cfg, only)
    return None if observed is None else Observation(observed, only, "files", observed.skipped)


def observe_tree(cfg: Config, request: CheckRequest, only: list[str] | None,
                 progress: Progress | None = None) -> Observation:
    """A whole-tree scan (which also writes the index); findings are then judged in ``only`` when it is given."""
    from ssot.app.guard import check_tree

    observed, result = check_tree(cfg, use_cache=request.use_cache, jobs=request.jobs, progress=progress)
    mode = "tree" if only is None else (
        "files (whole tree scanned)" if len(only) > MAX_FILES_ON_INDEX else "files (index built)")
    return Observation(observed, only, mode, len(result.skipped))


def judge_observation(cfg: Config, request: CheckRequest, observation: Observation) -> Checked:
    """What of ``observation`` is new since the baseline."""
    from ssot.app.baseline import load_baseline
    from ssot.app.guard import judge
    from ssot.app.sqlite_cache import CacheError

    path = baseline_path(cfg, request)
    baseline = load_baseline(path, cfg.cache_path if request.use_cache else None)
    try:
        findings = judge(observation.observed, baseline, request.family_lines, observation.only, request.keep_rule)
    except CacheError:  # the kept counts (or the index's rows) damaged while read: the files themselves
        if observation.observed.stored is not None:
            observation = observe_tree(cfg, request, observation.only)
        baseline = load_baseline(path, None)
        findings = judge(observation.observed, baseline, request.family_lines, observation.only, request.keep_rule)
    return Checked(observation, findings, path, baseline)


def check(cfg: Config, request: CheckRequest, progress: Progress | None = None) -> Checked:
    """What is new since the baseline in what the request names (on the index when it serves)."""
    only = files_asked(cfg, request)
    observation = observe_files(cfg, request, only) or observe_tree(cfg, request, only, progress)
    return judge_observation(cfg, request, observation)


def accept_all(cfg: Config, request: CheckRequest, progress: Progress | None = None) \
        -> tuple[Observation, list[Accepted]]:
    """Every current finding of the whole tree, as the baseline accepts it (:func:`~ssot.app.baseline.baseline_text`
    writes it)."""
    from ssot.errors import SsotError

    if request.files is not None or request.diff_base:
        raise SsotError("a baseline records the whole tree: the request names files")
    observation = observe_tree(cfg, request, None, progress)
    return observation, observation.observed.accepted()


def record_check(cfg: Config, checked: Checked, exit_code: int, seconds: float) -> None:
    """A whole-tree check is a point of the history; a pre-commit check of a few files is not."""
    if checked.observation.only is not None:
        return
    from ssot.history.figures import check_figures
    from ssot.history.record import record_run

    findings = checked.findings
    record_run(cfg, "check", check_figures(len(findings), dict(Counter(f.rule for f in findings))),
               exit_code=exit_code, seconds=seconds)
