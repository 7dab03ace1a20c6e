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
from ssot.history.store import Document, Figure, HistoryError, HistoryStore
from ssot.migrate.runlog import STATE_DIR, ensure_gitignore

if TYPE_CHECKING:
    from ssot.collect.profile import Profile
    from ssot.model import ScanResult

_GIT_ENV = {"GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}


def git_head(root: Path) -> tuple[str | None, str | None]:
    """``(commit, branch)`` of the work tree holding ``root``; ``None`` for each outside git."""
    if "GIT_DIR" not in os.environ and not any(os.path.lexists(folder / ".git")
                                               for folder in (root.resolve(), *root.resolve().parents)):
        return None, None  # no work tree around it: no need to ask git (a process of its own)
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


def report_digest(head: bytes, tail: bytes) -> str:
    """What a scan's JSON report says, its stats left out (``head`` and ``tail`` of
    :func:`ssot.report.json_report.json_parts`): the history stores a report once per digest."""
    import hashlib

    h = hashlib.blake2b(head, digest_size=16)
    h.update(b"\0")
    h.update(tail)
    return h.hexdigest()


def record_scan(config: Config, result: ScanResult, exit_code: int) -> int | None:
    """A scan's figures and its whole JSON report (the dashboard's families table; stored only when it
    differs from the latest one stored)."""
    from ssot.history.figures import scan_figures
    from ssot.report.json_report import json_parts, stats_json

    head, tail = json_parts(result)
    document = Document(head + stats_json(result.stats) + tail, report_digest(head, tail))
    return record_run(config, "scan", scan_figures(result), exit_code=exit_code, seconds=result.stats.seconds,
                      documents={"scan": document})


def record_scan_report(config: Config, figures: Iterable[tuple[str, float, str]], data: bytes | tuple[bytes, ...],
                       digest: str, seconds: float, exit_code: int) -> int | None:
    """A scan recorded from its JSON report as written (``data``, of :func:`report_digest` ``digest``) and
    the figures :func:`~ssot.history.figures.scan_figures` read off its result (the time is this run's)."""
    rows = [Figure(name, seconds if (name, scope) == ("scan_seconds", "") else value, scope)
            for name, value, scope in figures]
    return record_run(config, "scan", rows, exit_code=exit_code, seconds=seconds,
                      documents={"scan": Document(data, digest)})


def record_collect(config: Config, profile: Profile, exit_code: int) -> int | None:
    """A measured collection's figures and its profile (the dashboard's before/after)."""
    from ssot.history.figures import collect_figures

    return record_run(config, "collect", collect_figures(profile), exit_code=exit_code,
                      seconds=profile.measurement.wall_seconds, documents={"collect": profile.to_dict()})
