"""The little git ``ssot migrate`` needs: is this a work tree, which files are dirty, commit a batch.

Paths in and out are POSIX paths relative to ``root`` (which may be a
sub-folder of the repository).  Pathspecs are literal, so a file named
``test_[a].py`` means that file.  Outside git, or without a git binary,
:func:`is_git_repo` is False and migrate relies on the journal alone.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

from ssot.errors import SsotError

_ENV = {"GIT_LITERAL_PATHSPECS": "1", "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}


class GitError(SsotError):
    """git failed; the message carries what git said."""


def _git(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    try:
        proc = subprocess.run(
            ["git", *args], cwd=root, env={**os.environ, **_ENV}, capture_output=True, timeout=300,
            check=False,
        )
    except FileNotFoundError as exc:
        raise GitError("git is not installed (or not on PATH)") from exc
    except (OSError, subprocess.SubprocessError) as exc:
        raise GitError(f"git {args[0]} failed: {exc}") from exc
    if check and proc.returncode != 0:
        said = proc.stderr.decode(errors="replace").strip() or proc.stdout.decode(errors="replace").strip()
        raise GitError(f"git {args[0]} failed in {root}: {said}")
    return proc


def is_git_repo(root: Path) -> bool:
    """True when ``root`` is inside a git work tree (and git is installed)."""
    try:
        proc = _git(Path(root), "rev-parse", "--is-inside-work-tree", check=False)
    except GitError:
        return False
    return proc.returncode == 0 and proc.stdout.strip() == b"true"


def _prefix(root: Path) -> str:
    """``root`` relative to the top of its repository, "" or ending in "/"."""
    return _git(root, "rev-parse", "--show-prefix").stdout.decode().strip()


def dirty_files(root: Path, files: Sequence[str]) -> list[str]:
    """The ``files`` with uncommitted changes: modified, staged, deleted or untracked.

    Ignored files are not reported (git cannot restore them either way, and the
    journal covers them).  Returns paths relative to ``root``, in the order given.
    """
    if not files:
        return []
    root = Path(root)
    prefix = _prefix(root)
    proc = _git(root, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", *files)
    dirty: set[str] = set()
    fields = proc.stdout.split(b"\0")
    i = 0
    while i < len(fields):
        entry = fields[i]
        i += 1
        if len(entry) < 4:
            continue
        status, path = entry[:2], entry[3:].decode("utf-8", "surrogateescape")
        if status[:1] in (b"R", b"C"):  # rename/copy: the source follows as its own field
            source = fields[i].decode("utf-8", "surrogateescape")
            i += 1
            dirty.add(source)
        dirty.add(path)
    rel = {p[len(prefix):] if prefix and p.startswith(prefix) else p for p in dirty}  # top-relative
    return [f for f in files if f in rel]


def commit(root: Path, files: Sequence[str], message: str) -> str | None:
    """Commit exactly ``files`` (additions, changes, deletions) with ``message``.

    Other staged changes are left staged and out of the commit.  Returns the
    new commit's hash, or None when those files have nothing to commit.
    """
    root = Path(root)
    listed = _git(root, "ls-files", "-z", "--", *files).stdout  # paths relative to root, like ours
    known = set(listed.decode("utf-8", "surrogateescape").split("\0"))
    paths = [f for f in files if f in known or (root / f).exists()]
    if not paths:
        return None
    _git(root, "add", "-A", "--", *paths)
    staged = _git(root, "diff", "--cached", "--quiet", "--", *paths, check=False)
    if staged.returncode == 0:
        return None
    _git(root, "commit", "--quiet", "-m", message, "--", *paths)
    return _git(root, "rev-parse", "HEAD").stdout.decode().strip()
