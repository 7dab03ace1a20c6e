"""``ssot.collect.collect()``: run, measure and analyse one collection (the API behind ``ssot collect``)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ssot.collect.driver import CollectRequest, find_python, run_collection
from ssot.config import Config, load
from ssot.errors import SsotError

if TYPE_CHECKING:
    from ssot.collect.profile import Measurement, Profile
    from ssot.collect.static import Prefetch

# statuses after which running again cannot give a better figure
_FINAL = frozenset({"timeout", "conftest-error", "interrupted", "usage-error"})


def resolve_paths(paths: Sequence[str], root: Path, cwd: Path | None = None) -> list[str]:
    """Paths given on the command line, as pytest run from ``root`` needs them; missing ones are an error."""
    cwd = cwd or Path.cwd()
    out = []
    for raw in paths:
        file_part, sep, rest = raw.partition("::")
        target = (cwd / file_part).resolve() if not os.path.isabs(file_part) else Path(file_part)
        if not target.exists():
            raise SsotError(f"{file_part}: no such file or directory")
        try:
            rel = target.relative_to(root).as_posix() or "."
        except ValueError:
            rel = str(target)
        out.append(rel + sep + rest)
    return out


def collect(
    paths: Sequence[str] = (),
    pytest_args: Sequence[str] = (),
    *,
    root: Path | str | None = None,
    config: Config | None = None,
    python: str | None = None,
    timeout: float | None = None,
    repeat: int = 1,
    top: int = 50,
    while_running: Callable[[], None] | None = None,
) -> Profile:
    """Run pytest's collection (``repeat`` times, keeping the fastest) and return the analysed profile.

    ``while_running``: called once, while the first collection runs (e.g. to import a renderer).
    """
    cfg = config or load(root)
    project = Path(root).resolve() if root is not None else cfg.root
    req = CollectRequest(
        root=project,
        python=find_python(project, python),
        paths=resolve_paths(paths, project),
        pytest_args=list(pytest_args),
        timeout=timeout if timeout is not None else cfg.collect_timeout,
    )
    prefetch: list[Prefetch] = []

    def meanwhile() -> None:
        # read the test files while pytest collects them: the static analysis then costs no wall time
        from ssot.collect.static import Prefetch, predict_test_files
        from ssot.pytest_config import load_pytest_config

        pcfg = load_pytest_config(project)
        paths_ = req.paths or pcfg.testpaths or ["."]
        predicted = predict_test_files(project, paths_, pcfg.python_files, pcfg.norecursedirs)
        prefetch.append(Prefetch(project, predicted, pcfg.python_classes, pcfg.python_functions).start())
        import ssot.collect.diagnose  # noqa: F401  (imported now rather than after the run)

        if while_running is not None:
            while_running()

    best: Measurement | None = None
    try:
        for i in range(max(1, repeat)):
            m = run_collection(req, meanwhile if i == 0 else None)
            if best is None or m.wall_seconds < best.wall_seconds:
                best = m
            if m.status in _FINAL:
                best = m
                break
    except BaseException:
        for p in prefetch:
            p.cancel()
        raise
    assert best is not None
    from ssot.collect.diagnose import build

    return build(best, backup_globs=cfg.backup_globs, top=top, prefetched=prefetch[0].finish() if prefetch else None)


def analyse_recorded(path: Path, config: Config | None = None, top: int = 50) -> Profile:
    """A profile written earlier (``--json`` or ``pytest --ssot-profile``), analysed if it is not yet."""
    from ssot.collect.diagnose import build
    from ssot.collect.profile import Profile

    profile = Profile.load(path)
    if profile.analysis is None:
        cfg = config or load(Path(profile.measurement.rootdir))
        profile = build(profile.measurement, backup_globs=cfg.backup_globs, top=top)
    return profile
