"""Finding the tree a command works on, and telling the user about interrupted runs."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ssot.errors import SsotError
from ssot.migrate.journal.layout import find_root, local_time, runs_dir

if TYPE_CHECKING:
    from ssot.migrate.journal.runs import RunInfo


def state_root(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The tree whose runs a command works on: ``--root``, else the nearest folder
    at or above the current one holding ``.ssot/runs``, else the current folder."""
    if explicit is not None:
        root = Path(explicit)
        if not root.is_dir():
            raise SsotError(f"--root {explicit}: no such folder")
        return root.resolve()
    return find_root(Path.cwd()) or Path.cwd().resolve()


def interrupted_message(run: RunInfo) -> str:
    return (
        f"ssot: warning: run {run.id} (`ssot {run.command}`, started {local_time(run.started)}) was "
        f"interrupted and left {run.left_behind}. Run `ssot rollback` to restore them byte for byte, "
        f"or `ssot runs {run.id}` for details."
    )


def warn_if_interrupted(root: Path, console_or_stream: Any = None) -> None:
    """Tell the user about interrupted runs that left files changed (every command calls this).

    ``console_or_stream``: a rich Console, a text stream, or None for stderr.
    Never fails: a damaged journal is reported by ``ssot runs``/``rollback`` instead.
    """
    from ssot.migrate.journal.runs import interrupted_runs  # (a tree with no runs never gets here from the CLI)

    try:
        runs = [r for r in interrupted_runs(Path(root)) if r.pending]
    except (SsotError, OSError, ValueError, KeyError):
        return
    out: Any = sys.stderr if console_or_stream is None else console_or_stream
    for run in runs:
        text = interrupted_message(run)
        if hasattr(out, "write"):  # a text stream
            out.write(text + "\n")
        else:  # a rich Console
            out.print(text, style="yellow", markup=False, highlight=False)


def warn_for_cli(
    command: str | None, root: str | os.PathLike[str] | None = None, out: TextIO | None = None
) -> None:
    """The hook ``ssot.cli`` calls before every command but ``rollback`` (which acts on it)."""
    if command in (None, "rollback"):
        return
    try:
        base = Path(root) if isinstance(root, (str, os.PathLike)) else find_root(Path.cwd())
    except OSError:
        return
    if base is not None and runs_dir(base).is_dir():
        warn_if_interrupted(base, out)
