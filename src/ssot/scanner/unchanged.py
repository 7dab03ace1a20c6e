"""Whether the last scan's result still holds: the files a scan reads, and the key of what a result depends on.

A rescan that finds every file as it was (size and modification time, as the cache's index
recorded them) and every setting the same returns the last result without reading any file;
``ssot scan --format json`` goes further and writes the last report again without loading the
result (:func:`unchanged_key`).  This module imports none of the scanner's analysis, so that a
rescan with nothing changed does not pay for importing it.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

from ssot.config import Config
from ssot.files import discover, distinct_files, in_vendored
from ssot.fsio import RACY_NS
from ssot.model import SkippedFile
from ssot.pytest_config import PytestConfig, load_pytest_config
from ssot.scanner.cache import ScanCache, TreeStamp, ensure_cache_dir, load_tree, save_tree
from ssot.scope import TestScope


def discovered(paths: Sequence[str | Path] | None, config: Config, whole_tree: bool | None) \
        -> tuple[list[str], list[SkippedFile], bool, PytestConfig]:
    """The files a scan reads (one path per file, vendored folders left out), the paths named that are
    missing, whether the whole tree is scanned and pytest's configuration (the test code's scope)."""
    rootp = config.root
    files, missing = discover(rootp, [str(p) for p in (paths or config.paths)], config.exclude)
    files = [f for f in files if not in_vendored(f, config.vendor_dirs)]
    files, _links = distinct_files(rootp, files)
    whole = whole_tree if whole_tree is not None else (config.whole_tree or paths is not None)
    return files, [SkippedFile(p, reason) for p, reason in missing], whole, load_pytest_config(rootp)


def result_key(config: Config, whole: bool, files: dict[str, tuple[str, bool]], skipped: list[SkippedFile],
               pytest_cfg: PytestConfig) -> str:
    """What a result depends on: every file's content (``rel -> (digest, parsed)``) and every setting the
    assembly reads, pytest's included (which files are test code, which definitions pytest collects)."""
    h = hashlib.blake2b(digest_size=16)
    h.update(repr((str(config.root), config.min_lines, config.min_tokens, whole, config.backup_globs,
                   sorted((s.path, s.reason) for s in skipped), pytest_cfg)).encode("utf-8", "surrogateescape"))
    for rel in sorted(files):
        digest, parsed = files[rel]
        h.update(f"{rel}\0{digest}\0{parsed}\n".encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def unchanged_key(paths: Sequence[str | Path] | None = None, *, config: Config,
                  whole_tree: bool | None = None) -> str | None:
    """The key of the last scan's result (:func:`ssot.scanner.cache.key_of`) when
    :func:`ssot.scanner.engine.scan` with these arguments would return that result as it is; ``None``
    otherwise.  Reads only the cache's small index, not the result.
    """
    if ScanCache.load_meta(config.cache_path) is None:  # no last result (a first scan): nothing to discover
        return None
    files, skipped, whole, pytest_cfg = scan_files(paths, config, whole_tree)
    return last_key(config, whole, files, skipped, pytest_cfg)


def scan_files(paths: Sequence[str | Path] | None, config: Config, whole_tree: bool | None,
               create: bool = False) -> tuple[list[str], list[SkippedFile], bool, PytestConfig]:
    """What :func:`discovered` finds: from the last discovery while the folders under the scanned paths
    and the ``.gitignore`` files hold what they held then (:func:`tree_stamp`), else from a discovery now,
    kept with its stamp beside the cache for the next scan (``create``: the cache's folder is made for it,
    as a scan that writes the cache does)."""
    settings = repr((str(config.root), sorted(str(p) for p in paths) if paths else None, config.paths, config.exclude,
                     config.vendor_dirs, whole_tree, config.whole_tree))
    kept = load_tree(config.cache_path)
    if kept is not None and kept[0] == settings and _holds(config.root, kept[1]):
        _, _, kept_files, kept_whole = kept
        return list(kept_files), [], kept_whole, load_pytest_config(config.root)
    if create:
        ensure_cache_dir(config.cache_path)  # (before the stamp: making it changes its parent folder)
    stamp = tree_stamp(config.root, [str(p) for p in (paths or config.paths)])  # before the discovery
    files, skipped, whole, pytest_cfg = discovered(paths, config, whole_tree)
    if stamp is not None and not skipped:  # (a path named that is missing: no stamp)
        save_tree(config.cache_path, (settings, stamp, tuple(files), whole))
    return files, skipped, whole, pytest_cfg


# when it was taken (ns); per folder and .gitignore: its path relative to the root, its mtime_ns (-1: absent)
# and what it holds (a folder's listing, a .gitignore's content) as a digest
Stamp = TreeStamp


def _is_gitignore(path: str) -> bool:
    return os.path.basename(path) == ".gitignore"


def _content(path: str) -> str:
    """What a stamped path holds now: a ``.gitignore``'s bytes or a folder's listing, as a digest
    ("" when it cannot be read)."""
    h = hashlib.blake2b(digest_size=12)
    try:
        if _is_gitignore(path):
            with open(path, "rb") as fh:
                h.update(fh.read())
        else:
            h.update(_listing(list(os.scandir(path))))
    except OSError:
        return ""
    return h.hexdigest()


def _listing(entries: list[os.DirEntry[str]]) -> bytes:
    """A folder's entries as a discovery sees them: names and kinds (ssot's own ``.ssot*`` folders left
    out: they appear beside the tree a first scan reads, and nothing in them is ever scanned)."""
    out = []
    for e in entries:
        if e.name.startswith(".ssot"):
            continue
        try:
            kind = "l" if e.is_symlink() else "d" if e.is_dir() else "f"
        except OSError:
            kind = "?"
        out.append(f"{e.name}\0{kind}")
    out.sort()
    return "\n".join(out).encode("utf-8", "surrogateescape")


def tree_stamp(root: Path, paths: Sequence[str]) -> Stamp | None:
    """What decides which files a discovery under ``paths`` finds, as it is now: every folder there (its
    modification time and its listing) and every ``.gitignore`` from the root down (its time and its
    content).  ``None`` where that does not decide: in a git work tree (git's index and excludes decide),
    or for a path that is not a folder inside the root."""
    import time

    from ssot.files import SKIP_DIRS

    root = root.resolve()
    if any(os.path.lexists(os.path.join(folder, ".git")) for folder in (root, *root.parents)):
        return None
    top = os.path.join(str(root), "")
    stamp: list[tuple[str, int, str]] = []
    now = time.time_ns()

    def add(path: str, entries: list[os.DirEntry[str]] | None = None) -> None:
        try:
            mtime = os.stat(path).st_mtime_ns
        except OSError:
            mtime = -1
        if entries is None:
            content = _content(path) if mtime != -1 else ""
        else:
            content = hashlib.blake2b(_listing(entries), digest_size=12).hexdigest()
        stamp.append((path[len(top):], mtime, content))

    for p in paths:
        start = os.path.realpath(os.path.join(str(root), p))
        if (not start.startswith(top) and start != str(root)) or not os.path.isdir(start):
            return None
        rel = os.path.relpath(start, root)
        parts = [] if rel == "." else rel.split(os.sep)
        for i in range(len(parts) + 1):  # the .gitignore files above the path apply too
            add(os.path.join(str(root), *parts[:i], ".gitignore"))
        todo = [start]
        while todo:
            folder = todo.pop()
            if _ignores_all(os.path.join(folder, ".gitignore")):  # as .ssot/ (the history) does: nothing in
                add(os.path.join(folder, ".gitignore"))          # it is found while that file stays
                continue
            try:
                entries = list(os.scandir(folder))
            except OSError:
                return None
            add(folder, entries)
            if any(e.name == "pyvenv.cfg" for e in entries):
                continue  # a virtual environment: never scanned, but it may stop being one
            for entry in entries:
                if entry.name == ".gitignore":
                    add(entry.path)
                elif entry.is_dir(follow_symlinks=False) and entry.name not in SKIP_DIRS \
                        and not entry.name.endswith(".egg-info"):
                    todo.append(entry.path)
    return now, tuple(sorted(set(stamp)))


def _ignores_all(gitignore: str) -> bool:
    """Whether this ``.gitignore`` ignores everything beside it (``*`` alone, as ssot's state folders have)."""
    try:
        with open(gitignore, encoding="utf-8", errors="replace") as fh:
            lines = [line.strip() for line in fh]
    except OSError:
        return False
    return [line for line in lines if line and not line.startswith("#")] == ["*"]


def _holds(root: Path, stamp: Stamp) -> bool:
    """Whether every folder and ``.gitignore`` of ``stamp`` holds what it held (and no git work tree
    appeared).  An unchanged time is enough unless it was too close to the stamp's to tell a second change
    in the same clock tick; a changed time (a file saved through a rename, say) is then looked into: the
    same listing, or the same content, is the same for a discovery."""
    top = os.path.join(str(root.resolve()), "")
    if any(os.path.lexists(os.path.join(folder, ".git")) for folder in (root.resolve(), *root.resolve().parents)):
        return False
    taken, entries = stamp
    racy = taken - RACY_NS
    stat = os.stat
    for rel, mtime, content in entries:
        path = top + rel
        try:
            now = stat(path).st_mtime_ns
        except (OSError, ValueError):  # gone (or not a path at all)
            now = -1
        if now == mtime and mtime < racy:
            continue
        if now == -1 or mtime == -1:
            if now != mtime:
                return False
            continue
        if _content(path) != content:
            return False
    return True


def last_key(config: Config, whole: bool, files: list[str], skipped: list[SkippedFile],
             pytest_cfg: PytestConfig) -> str | None:
    """The key of the last result, when every file is as it was then (size and mtime) and so are the settings."""
    last = ScanCache.load_meta(config.cache_path)
    if last is None:
        return None
    meta, key, result_id = last
    if not key or len(meta) != len(files):
        return None
    base = TestScope(pytest=pytest_cfg)
    root = os.path.join(str(config.root), "")
    seen: dict[str, tuple[str, bool]] = {}
    stat = os.stat
    for rel in files:
        m = meta.get(rel)
        if not isinstance(m, tuple) or len(m) != 4 or (not m[3] and (whole or base.is_test_code(rel))):
            return None  # not in the last scan, or in scope and never parsed
        try:
            st = stat(root + rel)
        except OSError:
            return None
        if st.st_size != m[0] or st.st_mtime_ns != m[1]:
            return None
        seen[rel] = (m[2], m[3])
    return result_id if result_key(config, whole, seen, skipped, pytest_cfg) == key else None
