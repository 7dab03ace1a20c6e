"""``ssot collect``: profile pytest's collection (or explain a recorded profile), and compare it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ssot.collect.compare import Comparison
from ssot.collect.profile import Profile
from ssot.config import Config
from ssot.errors import SsotError

# with a baseline, collect twice and keep the faster run: the first run after an edit rewrites the
# bytecode caches of the changed files, and one noisy run should not read as a regression
COMPARE_REPEAT = 2


@dataclass(frozen=True, slots=True)
class CollectRequest:
    paths: list[str] = field(default_factory=list)  # what pytest collects (default: its testpaths)
    pytest_args: list[str] = field(default_factory=list)
    python: str | None = None  # the interpreter that runs the tests
    repeat: int | None = None  # collections, the fastest kept (default 1; COMPARE_REPEAT with a baseline)
    load: Path | None = None  # explain this recorded profile instead of running pytest
    compare: Path | None = None  # a baseline profile to compare with
    top: int = 10  # rows per table of the report


@dataclass(frozen=True, slots=True)
class Collection:
    """A profile, its comparison with the baseline (when asked), and how many rows a table shows."""

    profile: Profile
    comparison: Comparison | None = None
    top: int = 10

    @property
    def regressed(self) -> bool:
        return bool(self.comparison and self.comparison.regressed)


def profile_collection(cfg: Config, request: CollectRequest,
                       while_running: Callable[[], None] | None = None) -> Collection:
    """Collect (or load), analyse, and compare with the baseline; ``while_running`` runs while pytest does."""
    from ssot.collect.compare import compare
    from ssot.collect.run import analyse_recorded, collect

    if request.load is not None:
        if request.paths or request.pytest_args:
            raise SsotError("--load explains a recorded profile: it takes no PATH and no pytest arguments")
        profile = analyse_recorded(request.load, cfg)
    else:
        repeat = request.repeat or (COMPARE_REPEAT if request.compare is not None else 1)
        profile = collect(request.paths, request.pytest_args, root=cfg.root, config=cfg, python=request.python,
                          repeat=repeat, while_running=while_running)
    if request.compare is None:
        return Collection(profile, None, request.top)
    baseline = analyse_recorded(request.compare, cfg)
    return Collection(profile, compare(baseline, profile, cfg.collect_slowdown, top=request.top), request.top)
