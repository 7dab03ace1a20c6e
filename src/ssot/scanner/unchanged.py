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
from ssot.model import SkippedFile
from ssot.pytest_config import PytestConfig, load_pytest_config
from ssot.scanner.cache import ScanCache
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
    otherwise.  Reads only the cache's small index, not the result."""
    files, skipped, whole, pytest_cfg = discovered(paths, config, whole_tree)
    return last_key(config, whole, files, skipped, pytest_cfg)


def last_key(config: Config, whole: bool, files: list[str], skipped: list[SkippedFile],
             pytest_cfg: PytestConfig) -> str | None:
    """The key of the last result, when every file is as it was then (size and mtime) and so are the settings."""
    last = ScanCache.load_meta(config.cache_path)
    if last is None:
        return None
    meta, key = last
    if not key or len(meta) != len(files):
        return None
    base = TestScope(pytest=pytest_cfg)
    root = os.path.join(str(config.root), "")
    seen: dict[str, tuple[str, bool]] = {}
    stat = os.stat
    for rel in files:
        m = meta.get(rel)
        if m is None or (not m[3] and (whole or base.is_test_code(rel))):  # a file in scope never parsed
            return None
        try:
            st = stat(root + rel)
        except OSError:
            return None
        if st.st_size != m[0] or st.st_mtime_ns != m[1]:
            return None
        seen[rel] = (m[2], m[3])
    return key if result_key(config, whole, seen, skipped, pytest_cfg) == key else None
