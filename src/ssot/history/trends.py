"""Trends: each figure now, at the first record, and at the previous one."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

from ssot.errors import SsotError
from ssot.history.store import Run


@dataclass(frozen=True, slots=True)
class Point:
    run: int
    at: str
    command: str
    value: float
    commit: str | None = None


@dataclass(slots=True)
class Trend:
    """The series of one figure (name and scope) across the runs that recorded it."""

    name: str
    scope: str
    points: list[Point] = field(default_factory=list)

    @property
    def now(self) -> float:
        return self.points[-1].value

    @property
    def first(self) -> float:
        return self.points[0].value

    @property
    def previous(self) -> float | None:
        return self.points[-2].value if len(self.points) > 1 else None


def trends(runs: Sequence[Run]) -> list[Trend]:
    """One trend per (name, scope): project-wide figures first, each scope in the order of ``LABELS``."""
    by_key: dict[tuple[str, str], Trend] = {}
    for run in runs:
        for (name, scope), value in run.figures.items():
            t = by_key.get((name, scope))
            if t is None:
                t = by_key[(name, scope)] = Trend(name, scope)
            t.points.append(Point(run.id, run.at, run.command, value, run.commit))
    from ssot.history.figures import LABELS

    known = {name: i for i, name in enumerate(LABELS)}
    return sorted(by_key.values(), key=lambda t: (t.scope != "", t.scope, known.get(t.name, len(known)), t.name))


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ][\d:.]+)?(Z|[+-]\d{2}:?\d{2})?$")


def select_since(runs: Sequence[Run], value: str, root: Path) -> list[Run]:
    """``--since DATE|REF``: runs from a date or time (UTC) on, or runs recorded at REF or a commit after it.

    A ref is exact, not a commit time: the runs kept are those whose commit is REF itself or one that
    HEAD reaches and REF does not (``git rev-list REF..HEAD``).
    """
    if _DATE.match(value):
        cutoff = _as_utc(value)
        return [r for r in runs if _as_utc(r.at) >= cutoff]
    commits = _git_lines(root, value, "rev-parse", "--verify", "-q", f"{value}^{{commit}}")
    commits += _git_lines(root, value, "rev-list", f"{value}..HEAD")
    keep = set(commits)
    return [r for r in runs if r.commit in keep]


def _as_utc(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            d = date.fromisoformat(value[:10])
        except ValueError:
            raise SsotError(f"--since {value}: not a date (YYYY-MM-DD) nor a time (YYYY-MM-DDTHH:MM)") from None
        parsed = datetime(d.year, d.month, d.day)
    return parsed.replace(tzinfo=timezone.utc) if parsed.tzinfo is None else parsed.astimezone(timezone.utc)


def _git_lines(root: Path, value: str, *args: str) -> list[str]:
    try:
        proc = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        raise SsotError(f"--since {value}: not a date (YYYY-MM-DD) and git could not be run: {exc}") from None
    if proc.returncode != 0:
        raise SsotError(f"--since {value}: not a date (YYYY-MM-DD) nor a git ref of {root}")
    return proc.stdout.split()
