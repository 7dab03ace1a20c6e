"""What every part of the analysis reads: one measurement, the facts read from its test files,
and the pieces computed from them before any rule runs (:class:`RuleInput`)."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

from ssot.collect.profile import EmptyModule, ImportCost, Measurement, NeverRunTest, WarningCause
from ssot.collect.static import FileFacts

FIX_COMMAND = "ssot fix collection-warnings --apply"


@dataclass
class Context:
    m: Measurement
    root: Path
    python_files: list[str]
    python_classes: list[str]
    python_functions: list[str]
    facts: dict[str, FileFacts]
    importers: dict[str, set[str]]  # module -> test files and conftests importing it at module level
    static_errors: list[str]
    test_paths: set[str]
    test_dirs: set[str]

    @property
    def wall(self) -> float:
        return max(self.m.wall_seconds, 1e-9)


@dataclass
class RuleInput:
    """A rule's input: the context and the analysis parts the profile keeps beside the findings."""

    ctx: Context
    imports: list[ImportCost]
    causes: list[WarningCause]
    tests_by_cause: dict[str, int]
    never_run: list[NeverRunTest]
    empty: list[EmptyModule]
    asked: list[str] | None  # the folders and files pytest was asked to collect (None: all of it)
    backup_globs: list[str]

    @property
    def m(self) -> Measurement:
        return self.ctx.m


@functools.lru_cache(maxsize=4096)
def is_venv(folder: str) -> bool:
    return os.path.exists(os.path.join(folder, "pyvenv.cfg"))


def n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"
