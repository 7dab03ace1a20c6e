"""Which files a command looks at, and reading them safely.

Discovery asks git when the root is inside a work tree (``git ls-files``
honours every ignore rule git does); elsewhere it walks the tree and applies
``.gitignore`` files with pathspec.  Virtual environments, build folders and
caches are skipped; directory symlinks are never followed, so a symlink loop
cannot trap the walk.  Reading decodes like Python does (BOM, PEP 263 coding
line) and turns every failure into a reason a user can act on.
"""

from __future__ import annotations

import io
import os
import stat
import subprocess
import tokenize
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pathspec

from ssot.errors import ConfigError

# folder names never worth scanning
SKIP_DIRS = frozenset({
    ".git", ".hg", ".svn", ".tox", ".nox", ".venv", "venv", ".mypy_cache", ".pytest_cache",
    ".ruff_cache", ".ssot_cache", "__pycache__", "node_modules", "build", "dist", "site-packages",
    ".eggs", "__pypackages__",
})


def gitignore_spec(lines: Iterable[str], lenient: bool = False) -> pathspec.PathSpec:
    """Patterns with .gitignore semantics (used for ignore files, excludes, backup and phase globs).

    A pattern pathspec cannot read (a lone ``!``) is a :class:`~ssot.errors.ConfigError` naming it;
    ``lenient`` (a project's own ``.gitignore`` files): it is left out, as git leaves it out.
    """
    lines = list(lines)
    try:
        return pathspec.GitIgnoreSpec.from_lines(lines)
    except ValueError as exc:  # (pathspec's pattern errors are ValueErrors)
        if not lenient:
            raise ConfigError(f"invalid .gitignore-style pattern: {exc}; fix or remove it") from None
    kept = []
    for line in lines:
        try:
            pathspec.GitIgnoreSpec.from_lines([line])
        except ValueError:
            continue
        kept.append(line)
    return pathspec.GitIgnoreSpec.from_lines(kept)


def _skip_dir_name(parent: str, name: str) -> bool:
    return (
        name in SKIP_DIRS
        or name.endswith(".egg-info")
        or os.path.exists(os.path.join(parent, name, "pyvenv.cfg"))  # any virtual environment
    )


@dataclass(frozen=True, slots=True)
class Source:
    """A file's text, ready for the scanner."""

    text: str
    digest: str  # of the raw bytes


class UnreadableFile(Exception):
    """The file cannot be read or decoded; ``str(exc)`` says why and how to fix it."""


def _git_files(root: Path) -> list[str] | None:
    """Files git would track under ``root`` (tracked + untracked, not ignored).

    None outside git, and when the enclosing repository ignores ``root`` itself.
    """
    try:
        proc = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", "."],
            cwd=root, capture_output=True, timeout=60, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    try:  # a project the enclosing repository ignores (a generated tree, say): git lists none of it
        ignored = subprocess.run(["git", "check-ignore", "-q", "--", "."], cwd=root, capture_output=True,
                                 timeout=60, check=False).returncode == 0
    except (OSError, subprocess.SubprocessError):
        ignored = False
    if ignored:
        return None
    names = proc.stdout.decode("utf-8", "surrogateescape").split("\0")
    return [n for n in names if n]


def _walk(root: Path, top: Path | None = None, suffix: str = "") -> Iterator[str]:
    """Walk ``top`` (default: ``root``) honouring the .gitignore files from ``root`` down (pathspec).

    Yields paths relative to ``root`` (only names ending with ``suffix``); the .gitignore files of
    the folders above ``top`` apply too, as they do for git.
    """
    specs: list[tuple[str, pathspec.PathSpec]] = []

    def load(folder: Path, rel_dir: str) -> None:
        try:
            lines = (folder / ".gitignore").read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return
        specs.append((rel_dir, gitignore_spec(lines, lenient=True)))

    def ignored(rel: str, is_dir: bool) -> bool:
        for base, spec in specs:
            if rel.startswith(base) and spec.match_file(rel[len(base):] + ("/" if is_dir else "")):
                return True
        return False

    top = top or root
    above = top.relative_to(root).parts
    for i, name in enumerate(above):
        rel_dir = "".join(part + "/" for part in above[:i])
        load(root / rel_dir, rel_dir)
        if ignored(rel_dir + name, True):
            return
    root_text = os.path.join(str(root), "")
    for dirpath, dirnames, filenames in os.walk(top, followlinks=False):
        # plain strings, not Path objects: this loop runs once per folder of the tree
        rel_dir = dirpath[len(root_text):].replace(os.sep, "/") if dirpath != str(root) else ""
        rel_dir = rel_dir + "/" if rel_dir else ""
        if ".gitignore" in filenames:
            load(Path(dirpath), rel_dir)
        dirnames[:] = sorted(
            d for d in dirnames
            if not _skip_dir_name(dirpath, d) and not ignored(rel_dir + d, True)
        )
        for f in sorted(filenames):
            if f.endswith(suffix) and not ignored(rel_dir + f, False):
                yield rel_dir + f


def _in_venv(root: Path, rel: str, memo: dict[str, bool]) -> bool:
    """Whether a folder above ``rel`` is a virtual environment (git lists an unignored one)."""
    parts = rel.split("/")[:-1]
    for i in range(1, len(parts) + 1):
        folder = "/".join(parts[:i])
        if folder not in memo:
            memo[folder] = (root / folder / "pyvenv.cfg").exists()
        if memo[folder]:
            return True
    return False


def discover(root: Path, paths: Iterable[str | Path], exclude: Iterable[str] = (),
             suffix: str = ".py") -> tuple[list[str], list[tuple[str, str]]]:
    """Python files under ``paths`` as POSIX paths relative to ``root``.

    Returns the files and a list of ``(path, reason)`` for paths given that do
    not exist.  Explicitly named files are always included.
    """
    root = root.resolve()
    excluded = gitignore_spec(exclude)
    missing: list[tuple[str, str]] = []
    git: list[str] | None = None
    git_checked = False
    out: set[str] = set()
    venvs: dict[str, bool] = {}
    for p in paths:
        target = (root / p) if not Path(p).is_absolute() else Path(p)
        try:
            rel = target.resolve().relative_to(root).as_posix() if target.exists() else None
        except ValueError:
            rel = None
            missing.append((str(p), f"outside the project root {root}"))
            continue
        if rel is None:
            missing.append((str(p), "no such file or directory"))
            continue
        rel = "" if rel == "." else rel
        if target.is_file():
            out.add(rel)
            continue
        if not git_checked:
            git, git_checked = _git_files(root), True
        prefix = rel + "/" if rel else ""
        names: Iterable[str]
        if git is not None:  # tracked files deleted from the work tree are not "found"
            names = (n for n in git if n.startswith(prefix) and os.path.lexists(root / n))
        else:
            names = _walk(root, root / rel, suffix)
        for n in names:
            if n.endswith(suffix) and not any(
                part in SKIP_DIRS or part.endswith(".egg-info") for part in n.split("/")[:-1]
            ) and not (git is not None and _in_venv(root, n, venvs)):
                out.add(n)
    files = sorted(f for f in out if not excluded.match_file(f))
    return files, missing


DEFAULT_VENDOR_DIRS = ("_vendor", "vendor", "vendored", "third_party", "extern")


def in_vendored(rel: str, vendor_dirs: Iterable[str]) -> bool:
    """Whether ``rel`` lies under a folder of vendored code (someone else's, copied in)."""
    names = set(vendor_dirs)
    return any(part in names for part in rel.split("/")[:-1])


def distinct_files(root: Path, files: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """One path per file: a symlink or hard link to a file already listed is dropped.

    Returns the kept paths and ``(dropped, kept path it is the same file as)``.  Only links
    inside the list dedupe: a tree made of hard links to folders outside it is scanned as usual.
    A symlink is dropped in favour of its target; between hard links the first path wins.
    """
    seen: dict[tuple[int, int], str] = {}
    kept: list[str] = []
    dropped: list[tuple[str, str]] = []
    links: list[tuple[str, tuple[int, int]]] = []
    root_text = str(root)
    for rel in files:
        path = os.path.join(root_text, rel)
        try:
            st = os.stat(path)
            is_link = os.path.islink(path)
        except OSError:
            kept.append(rel)  # reading it says what is wrong
            continue
        key = (st.st_dev, st.st_ino)
        if is_link:
            links.append((rel, key))
            continue
        if st.st_nlink > 1 and key in seen:
            dropped.append((rel, seen[key]))
            continue
        seen[key] = rel
        kept.append(rel)
    for rel, key in links:  # symlinks last: the real path wins whatever the order
        if key in seen:
            dropped.append((rel, seen[key]))
        else:
            seen[key] = rel
            kept.append(rel)
    kept.sort()
    return kept, dropped


def read_source(path: Path, max_bytes: int) -> Source:
    """Read and decode a Python file the way the interpreter would, or raise UnreadableFile."""
    return read_bytes_and_source(path, max_bytes)[1]


def read_bytes_and_source(path: Path, max_bytes: int) -> tuple[bytes, Source]:
    """The file's bytes, and its text decoded the way the interpreter would (or UnreadableFile)."""
    import hashlib

    try:
        st = os.stat(path)
    except FileNotFoundError:
        reason = "broken symlink" if os.path.islink(path) else "vanished during the scan"
        raise UnreadableFile(f"{reason}; nothing to read") from None
    except OSError as exc:
        raise UnreadableFile(_os_reason(exc)) from None
    if not stat.S_ISREG(st.st_mode):
        raise UnreadableFile("not a regular file (device, FIFO or socket); exclude it")
    if st.st_size > max_bytes:
        raise UnreadableFile(
            f"{st.st_size} bytes, over max_file_bytes={max_bytes}; raise [tool.ssot] max_file_bytes to scan it"
        )
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        raise UnreadableFile("vanished during the scan; nothing to read") from None
    except OSError as exc:
        raise UnreadableFile(_os_reason(exc)) from None
    digest = hashlib.blake2b(data, digest_size=16).hexdigest()
    return data, Source(decode(data), digest)


def decode(data: bytes) -> str:
    """Bytes to text as Python reads source: BOM, coding line, universal newlines."""
    if b"\0" in data:
        at = data.index(b"\0")
        line = data.count(b"\n", 0, at) + 1
        raise UnreadableFile(f"contains a NUL byte at line {line}; Python cannot compile it: remove the byte")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        raise UnreadableFile(f"bad coding line: {exc.msg}") from None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise UnreadableFile(
            f"not valid {encoding} at line {line} (byte 0x{data[exc.start]:02x}); "
            "re-encode the file as UTF-8 or add a PEP 263 coding line such as '# -*- coding: latin-1 -*-'"
        ) from None
    except LookupError:
        raise UnreadableFile(f"unknown encoding {encoding!r} in its coding line") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _os_reason(exc: OSError) -> str:
    import errno

    if exc.errno == errno.ELOOP:
        return "symlink loop; remove the link or exclude it"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied; make it readable or exclude it"
    if exc.errno == errno.EISDIR:
        return "is a directory"
    return f"cannot read it: {exc.strerror or exc}"
