"""Append a command's figures to the project's history (``[tool.ssot] history``).

Recording never fails the command it follows: a history that cannot be written is a warning
on standard error naming the file and the fix, and the command's own result stands.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ssot.config import Config
from ssot.history.store import Figure, HistoryError, HistoryStore
from ssot.migrate.runlog import STATE_DIR, ensure_gitignore

if TYPE_CHECKING:
    from ssot.collect.profile import Profile
    from ssot.model import ScanResult

_GIT_ENV = {"GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}


def git_head(root: Path) -> tuple[str | None, str | None]:
    """``(commit, branch)`` of the work tree holding ``root``; ``None`` for each outside git."""
    try:
        proc = subprocess.run(["git", "rev-parse", "HEAD", "--abbrev-ref", "HEAD"], cwd=root,
                              env={**os.environ, **_GIT_ENV}, capture_output=True, text=True, timeout=10,
                              check=False)
    except (OSError, subprocess.SubprocessError):
        return None, None
    lines = proc.stdout.split()
    if proc.returncode != 0 or len(lines) != 2:
        return None, None
    commit, branch = lines
    return commit, (None if branch == "HEAD" else branch)  # "HEAD": a detached head has no branch


def record_run(config: Config, command: str, figures: Iterable[Figure], *, exit_code: int | None = None,
               seconds: float | None = None, documents: Mapping[str, Any] | None = None) -> int | None:
    """Record one run in the configured history; return its id, or ``None`` when history is off or failed."""
    path = config.history_path
    if path is None:
        return None
    commit, branch = git_head(config.root)
    try:
        _ignore_folder(path)
        with HistoryStore(path) as store:
            return store.record(command, figures, commit=commit, branch=branch, root=str(config.root),
                                exit_code=exit_code, seconds=seconds, documents=documents)
    except HistoryError as exc:
        print(f"ssot {command}: warning: history not recorded: {exc} "
              "(set [tool.ssot] history = false to keep none)", file=sys.stderr)
        return None


def _ignore_folder(path: Path) -> None:
    """A history inside ssot's state folder (``.ssot/``) keeps that folder out of ``git status``."""
    folder = path.parent
    if folder.name == STATE_DIR:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            ensure_gitignore(folder)
        except OSError:
            pass  # the store's own open reports what is wrong with the folder


def record_scan(config: Config, result: ScanResult, exit_code: int) -> int | None:
    """A scan's figures and its whole JSON report (the dashboard's families table)."""
    from ssot.history.figures import scan_figures
    from ssot.report.json_report import to_dict

    return record_run(config, "scan", scan_figures(result), exit_code=exit_code, seconds=result.stats.seconds,
                      documents={"scan": to_dict(result)})


def record_collect(config: Config, profile: Profile, exit_code: int) -> int | None:
    """A measured collection's figures and its profile (the dashboard's before/after)."""
    from ssot.history.figures import collect_figures

    return record_run(config, "collect", collect_figures(profile), exit_code=exit_code,
                      seconds=profile.measurement.wall_seconds, documents={"collect": profile.to_dict()})
