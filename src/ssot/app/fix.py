"""``ssot fix``: rewrite what ``ssot collect`` found (the ``PytestCollectionWarning`` of ``Test*`` helpers)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from ssot.config import Config
from ssot.errors import SsotError
from ssot.exitcodes import FOUND, OK, PARTIAL

if TYPE_CHECKING:  # LibCST is imported when a fix runs, not when the command line is parsed
    from ssot.rewrite.collection_warnings import FixResult

What = Literal["collection-warnings"]
FIXES: dict[str, str] = {"collection-warnings": "PytestCollectionWarning about Test* classes with __init__"}


@dataclass(frozen=True, slots=True)
class FixRequest:
    what: What = "collection-warnings"
    paths: list[str] = field(default_factory=list)  # relative to the root (default: pytest's testpaths)
    apply: bool = False  # write the changes through the journal (default: a dry run)
    jobs: int | None = None  # worker processes (None: [tool.ssot] jobs; 0: one per core)


@dataclass(frozen=True, slots=True)
class Fixed:
    """What a fix changed (or would change: not ``applied``)."""

    result: FixResult
    applied: bool

    @property
    def pending(self) -> bool:
        """A dry run with changes to write."""
        return bool(self.result.changed) and not self.applied

    @property
    def needs_human(self) -> bool:
        """Classes it left alone: tests hidden in a helper, test classes it cannot revive."""
        return bool(self.result.of("report"))

    def exit_code(self, exit_zero: bool = False) -> int:
        """3 files it could not read or parse; 1 changes pending or classes left alone (unless
        ``exit_zero``); else 0."""
        if self.result.skipped:
            return PARTIAL
        return FOUND if (self.pending or self.needs_human) and not exit_zero else OK


def fix(cfg: Config, request: FixRequest) -> Fixed:
    """Plan the fix under the request's paths; with ``apply``, write it as one journaled run."""
    from ssot.rewrite.collection_warnings import fix_collection_warnings

    if request.what not in FIXES:
        raise SsotError(f"{request.what}: nothing to fix by that name; the fixes are {', '.join(sorted(FIXES))}")
    jobs = request.jobs if request.jobs is not None else cfg.jobs
    if jobs < 0:
        raise SsotError(f"--jobs {jobs}: must be 0 (one per core) or more")
    return Fixed(fix_collection_warnings(cfg.root, request.paths, apply=request.apply, jobs=jobs), request.apply)
