"""The scan: files in, one :class:`~ssot.model.ScanResult` out.

Discovery, then extraction (in parallel worker processes on a cold scan,
from the content-keyed cache on a warm one), then families, then findings.
The scan is static: it never imports or runs the scanned code.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_all_start_methods, get_context
from pathlib import Path

from ssot import config as config_mod
from ssot.config import Config
from ssot.files import UnreadableFile, discover, gitignore_spec, read_source
from ssot.model import CommentedCopy, Definition, Fingerprint, ScanResult, ScanStats, SkippedFile
from ssot.pytest_config import load_pytest_config
from ssot.scanner.cache import Entry, ScanCache
from ssot.scanner.extract import Extractor, FileExtract
from ssot.scanner.families import build_families, link_commented, link_look_alikes
from ssot.scanner.findings import findings_for

Progress = Callable[[int, int], None]  # (done, total)
_PARALLEL_MIN_FILES = 300
_TASK_FILES = 200

# worker-process state (inherited through fork, or set up on first use)
_extractor: Extractor | None = None
_sent: set[str] = set()
_known: dict[str, FileExtract] = {}


def _extract_files(root: str, rels: Sequence[str], max_bytes: int) \
        -> tuple[list[tuple[str, int, int, str, FileExtract | None, str | None]], dict[str, Fingerprint]]:
    """Read and extract files; return ``(rel, size, mtime_ns, digest, extract, skip_reason)`` rows."""
    global _extractor
    if _extractor is None:
        _extractor = Extractor()
    rows: list[tuple[str, int, int, str, FileExtract | None, str | None]] = []
    for rel in rels:
        path = os.path.join(root, rel)
        try:
            st = os.stat(path)
            size, mtime = st.st_size, st.st_mtime_ns
        except OSError:
            size, mtime = -1, -1
        try:
            source = read_source(Path(path), max_bytes)
        except UnreadableFile as exc:
            rows.append((rel, size, mtime, "", None, str(exc)))
            continue
        known = _known.get(source.digest)
        rows.append((rel, size, mtime, source.digest, known or _extractor.extract(source.text), None))
    new = {d: fp for d, fp in _extractor.fingerprints.items() if d not in _sent}
    _sent.update(new)
    return rows, new


def scan(paths: Sequence[str | Path] | None = None, *, root: str | Path | None = None,
         config: Config | None = None, jobs: int | None = None, use_cache: bool = True,
         progress: Progress | None = None) -> ScanResult:
    """Scan ``paths`` (default: the configured ones) of the project at ``root`` (default: cwd).

    Files that cannot be read or parsed are listed in ``ScanResult.skipped`` with
    the reason; the scan goes on without them.
    """
    global _known
    started = time.perf_counter()
    if config is None:
        config = config_mod.load(Path(root) if root else None)
    rootp = config.root
    files, missing = discover(rootp, [str(p) for p in (paths or config.paths)], config.exclude)
    skipped = [SkippedFile(p, reason) for p, reason in missing]
    cache = ScanCache.load(config.cache_path) if use_cache else ScanCache()
    stats = ScanStats(files=len(files))

    todo: list[str] = []
    fresh: dict[str, Entry] = {}
    root_text = str(rootp)
    for rel in files:
        entry = cache.files.get(rel)
        if entry is not None:
            try:
                st = os.stat(os.path.join(root_text, rel))
            except OSError:
                st = None
            if st is not None and st.st_size == entry.size and st.st_mtime_ns == entry.mtime_ns:
                fresh[rel] = entry
                continue
        todo.append(rel)
    stats.cached = len(fresh)

    _known = cache.by_digest() if todo else {}
    # the extractor outlives a scan (its memos are the point), so what it has already sent
    # belongs to an earlier scan: send every fingerprint again to this one (else a second
    # scan in one process, or workers forked after it, miss fingerprints: KeyError)
    _sent.clear()
    fingerprints = dict(cache.fingerprints)
    done = len(fresh)
    if progress:
        progress(done, len(files))
    workers = jobs if jobs is not None else (config.jobs or os.cpu_count() or 1)
    for rows, new in _run(str(rootp), todo, config.max_file_bytes, workers):
        fingerprints.update(new)
        for rel, size, mtime, digest, extract, reason in rows:
            if extract is None:
                skipped.append(SkippedFile(rel, reason or "unreadable"))
                continue
            stats.parsed += 1
            fresh[rel] = Entry(size, mtime, digest, extract)
        done += len(rows)
        if progress:
            progress(done, len(files))
    _known = {}

    if use_cache and (todo or set(cache.files) != set(fresh)):
        cache.files, cache.fingerprints = fresh, fingerprints
        cache.save(config.cache_path)
    result = _assemble(config, fresh, fingerprints, skipped, stats)
    result.stats.seconds = time.perf_counter() - started
    return result


def _run(root: str, todo: list[str], max_bytes: int, workers: int):
    if workers <= 1 or len(todo) < _PARALLEL_MIN_FILES:
        yield _extract_files(root, todo, max_bytes)
        return
    method = "fork" if "fork" in get_all_start_methods() else None
    step = max(20, min(_TASK_FILES, len(todo) // (workers * 4) or 1))
    tasks = [todo[i:i + step] for i in range(0, len(todo), step)]
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context(method)) as pool:
        futures = [pool.submit(_extract_files, root, t, max_bytes) for t in tasks]
        for fut in as_completed(futures):
            yield fut.result()


def _assemble(config: Config, entries: dict[str, Entry], fingerprints: dict[str, Fingerprint],
              skipped: list[SkippedFile], stats: ScanStats) -> ScanResult:
    pytest_cfg = load_pytest_config(config.root)
    backups = gitignore_spec(config.backup_globs)
    defs: list[Definition] = []
    commented: list[CommentedCopy] = []
    for rel in sorted(entries):
        ex = entries[rel].extract
        if ex.error:
            reason, line = ex.error
            skipped.append(SkippedFile(rel, reason, line))
            continue
        collected = pytest_cfg.collects(rel)
        in_backup = backups.match_file(rel)
        for u in ex.units:
            if u.own_lines < config.min_lines:
                continue
            defs.append(Definition(
                path=rel, line=u.line, start_line=u.start_line, end_line=u.end_line, qualname=u.qualname,
                name=u.name, kind=u.kind, fingerprint=u.digest, nested=u.nested,  # type: ignore[arg-type]
                is_async=u.is_async, collected=collected, in_backup=in_backup, has_init=u.has_init,
                test_methods=u.test_methods,
            ))
        for line, end, name, kind, digest in ex.commented:
            commented.append(CommentedCopy(rel, line, end, name, kind, digest, in_backup=in_backup))  # type: ignore[arg-type]
    stats.definitions = len(defs)
    families = build_families(defs, fingerprints)
    link_commented(families, commented, fingerprints)
    link_look_alikes(families, defs)
    skipped.sort(key=lambda s: s.path)
    used = {c.fingerprint for f in families for c in f.classes} | {c.fingerprint for c in commented}
    return ScanResult(
        root=str(config.root),
        families=families,
        commented_out=commented,
        skipped=skipped,
        findings=findings_for(families, defs, commented),
        fingerprints={d: fp for d, fp in fingerprints.items() if d in used},
        stats=stats,
        definitions=len(defs),
    )
