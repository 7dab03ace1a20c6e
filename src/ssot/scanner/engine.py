"""The scan: files in, one :class:`~ssot.model.ScanResult` out.

Discovery, then extraction (in parallel worker processes on a cold scan,
from the content-keyed cache on a warm one), then families, then findings.
The scan is static: it never imports or runs the scanned code.
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import os
import time
from bisect import bisect_right
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_all_start_methods, get_context
from pathlib import Path
from typing import Any, ParamSpec

from ssot import config as config_mod
from ssot import heap
from ssot.config import Config
from ssot.files import UnreadableFile, read_bytes_and_source, read_source
from ssot.model import Family, Fingerprint, ScanResult, ScanStats, SkippedFile
from ssot.pytest_config import PytestConfig
from ssot.scanner.bindings import resolve
from ssot.scanner.blocks import find_blocks
from ssot.scanner.cache import DamagedCache, Entry, ScanCache, remember_reuse, shown_copies
from ssot.scanner.extract import Extractor, FileExtract
from ssot.scanner.families import GroupMemo, build_families, describe, link_commented, link_look_alikes
from ssot.scanner.findings import findings_for
from ssot.scanner.inputs import (
    AssemblyInputs,
    Gatherer,
    copies_of,
    gather,
    inputs_digest,
    shown_places,
    shown_source,
    still_shown,
)
from ssot.scanner.textual import SHARE, CandidateState, TextIndex, min_code_bytes
from ssot.scanner.unchanged import discovered, last_key, result_key, scan_files
from ssot.scope import TestScope, helpers_from_imports

Progress = Callable[[int, int], None]  # (done, total)
_P = ParamSpec("_P")
_PARALLEL_MIN_FILES = 300
_TASK_FILES = 200

# worker-process state (inherited through fork, or set up on first use)
_extractor: Extractor | None = None
_sent: set[str] = set()
_known: dict[str, FileExtract] = {}
_in_worker = False  # a worker process sends each fingerprint once, then lets it go


Row = tuple[str, int, int, str, "FileExtract | None", "str | None"]  # rel, size, mtime_ns, digest, extract, reason


def _extractor_here() -> Extractor:
    global _extractor
    if _extractor is None:
        _extractor = Extractor()
    return _extractor


def _new_fingerprints(extractor: Extractor) -> dict[str, Fingerprint]:
    new = {d: fp for d, fp in extractor.fingerprints.items() if d not in _sent}
    _sent.update(new)
    if _in_worker:
        # every fingerprint it holds (those inherited from the parent too) went to this scan: a memo hit
        # later in it needs none of them again, and kept, they are most of a worker's memory
        extractor.fingerprints.clear()
    return new


def _survey_files(root: str, rels: Sequence[str], max_bytes: int) -> tuple[list[Row], dict[str, Fingerprint]]:
    """Read and survey files (the candidate pass's view, imports, commented-out copies).

    Returns ``(rel, size, mtime_ns, digest, extract, skip_reason)`` rows and the new fingerprints.
    """
    extractor = _extractor_here()
    rows: list[Row] = []
    for rel in rels:
        path = os.path.join(root, rel)
        try:
            st = os.stat(path)
            size, mtime = st.st_size, st.st_mtime_ns
        except OSError:
            size, mtime = -1, -1
        try:
            data, source = read_bytes_and_source(Path(path), max_bytes)
        except UnreadableFile as exc:
            rows.append((rel, size, mtime, "", None, str(exc)))
            continue
        known = _known.get(source.digest)
        if known is None:
            known = extractor.survey(data, source.text)
        rows.append((rel, size, mtime, source.digest, known, None))
    return rows, _new_fingerprints(extractor)


def _parse_files(root: str, todo: Sequence[tuple[str, FileExtract, set[int]]], max_bytes: int) \
        -> tuple[list[tuple[str, FileExtract | None]], dict[str, Fingerprint]]:
    """The units of the candidates of each ``(rel, extract, header lines)`` (None: the file changed since),
    in extracts without what the caller holds already (their text index, imports, commented-out copies)."""
    extractor = _extractor_here()
    out: list[tuple[str, FileExtract | None]] = []
    for rel, ex, lines in todo:
        try:
            source = read_source(Path(os.path.join(root, rel)), max_bytes)
        except UnreadableFile:
            out.append((rel, None))
            continue
        got = extractor.parse_candidates(source.text, ex, lines)
        # what the parent already holds is not sent back (the text index is most of an extract's bytes)
        out.append((rel, dataclasses.replace(got, index=None, commented=[], imports=frozenset())))
    return out, _new_fingerprints(extractor)


def _collector_paused(fn: Callable[_P, ScanResult]) -> Callable[_P, ScanResult]:
    """Run ``fn`` with Python's cyclic garbage collector paused (and as it was, after).

    A scan allocates millions of small objects that live on (the cache's entries, units, text
    units) and makes no cycles to speak of; each full collection walks all of them: on the
    realcode monorepo, 14 full collections were 40% of a rescan's CPU time.  Objects are still
    freed when their last reference goes; worker processes collect, rarely (:func:`_worker_gc`).
    """
    @functools.wraps(fn)
    def paused(*args: _P.args, **kwargs: _P.kwargs) -> ScanResult:
        enabled = gc.isenabled()
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            heap.settle()  # (in the ssot command: the collector never walks the scan's objects again)
            if enabled:
                gc.enable()
    return paused


@_collector_paused
def scan(paths: Sequence[str | Path] | None = None, *, root: str | Path | None = None,
         config: Config | None = None, jobs: int | None = None, use_cache: bool = True,
         progress: Progress | None = None, whole_tree: bool | None = None) -> ScanResult:
    """Scan ``paths`` (default: the configured ones) of the project at ``root`` (default: cwd).

    By default only the test code is scanned (:mod:`ssot.scope`); ``whole_tree`` scans every
    file, library code marked as such.  Unsaid, it is ``config.whole_tree`` (``all = true`` or
    configured ``paths``), or true when ``paths`` are given.  Files that cannot be read or parsed
    are listed in ``ScanResult.skipped`` with the reason; the scan goes on without them.  A cache
    found damaged part way (a part read late does not load, or lacks what the rest names) is
    dropped and the scan starts again from nothing, as when a file of the cache does not load.
    """
    if config is None:
        config = config_mod.load(Path(root) if root else None)
    try:
        return _scan(paths, config, jobs, use_cache, progress, whole_tree)
    except DamagedCache:
        ScanCache.discard(config.cache_path)
        return _scan(paths, config, jobs, use_cache, progress, whole_tree)


def _scan(paths: Sequence[str | Path] | None, config: Config, jobs: int | None, use_cache: bool,
          progress: Progress | None, whole_tree: bool | None) -> ScanResult:
    global _known
    started = time.perf_counter()
    rootp = config.root
    files, skipped, whole, pytest_cfg = scan_files(paths, config, whole_tree, create=True) if use_cache \
        else discovered(paths, config, whole_tree)
    stats = ScanStats(files=len(files))
    base = TestScope(pytest=pytest_cfg)

    if use_cache:  # nothing changed since the last scan: its result, without reading the extracts
        unchanged = last_key(config, whole, files, skipped, pytest_cfg)
        last = ScanCache.load_last(config.cache_path, unchanged) if unchanged else None
        if last is not None:
            last.stats.cached, last.stats.parsed = len(files), 0
            last.stats.seconds = time.perf_counter() - started
            return last
    cache = ScanCache.load(config.cache_path) if use_cache else ScanCache()

    fresh: dict[str, Entry] = {}
    workers = jobs if jobs is not None else (config.jobs or os.cpu_count() or 1)
    fingerprints: dict[str, Fingerprint] = {}  # new ones; the cache's are built only if needed
    _known = cache.by_digest()
    # the extractor outlives a scan (its memos are the point), so what it has already sent
    # belongs to an earlier scan: send every fingerprint again to this one (else a second
    # scan in one process, or workers forked after it, miss fingerprints: KeyError)
    _sent.clear()
    changed = False
    root_text = str(rootp)
    todo: list[str] = []
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
    stats.cached = done = len(fresh)
    if progress:
        progress(done, len(files))
    with _Workers(workers) as pool:
        # 1. the candidate pass over every new or changed file: text index, imports, commented-out copies
        if todo:
            changed = True
            stats.parsed = len(todo)  # read afresh (the rest comes from the cache)
            for rows, new in pool.run(_survey_files, root_text, todo, config.max_file_bytes):
                fingerprints.update(new)
                for rel, size, mtime, digest, ex, reason in rows:
                    if ex is None:
                        skipped.append(SkippedFile(rel, reason or "unreadable"))
                        continue
                    fresh[rel] = Entry(size, mtime, digest, ex)
                done += len(rows)
                if progress:
                    progress(done, len(files))
        _known = {}
        _phase("survey", started)
        # helper modules only tests import are test code: known once every file's imports are
        scope = TestScope(pytest=pytest_cfg, helpers=helpers_from_imports(
            base, {rel: _imports(rel, e.extract) for rel, e in fresh.items()}))
        # 2. the candidates: definitions in scope with a textual near-copy
        scoped = sorted(rel for rel in fresh if whole or scope.is_test_code(rel))
        # a copied file is counted once: its copies take the first's candidates (a definition is no
        # candidate for being in a copied file; the copy is one whole-file block)
        gatherer = Gatherer(config, scope)
        copies = copies_of(gatherer, {rel: fresh[rel] for rel in scoped})
        current = _candidate_lines(cache, fresh, [rel for rel in scoped if rel not in copies.files],
                                   min_code_bytes(config.min_tokens))
        for rel, copied in copies.files.items():
            current[rel] = current[copied]
        for entry in fresh.values():  # (counted: a parse makes again the units it needs, the rest read columns)
            if entry.extract.index is not None:
                entry.extract.index.compact()
        _phase("candidates", started)
        parse: list[tuple[str, FileExtract, set[int]]] = []
        # files of the same content with the same candidates (a copied file, a vendored tree twice) are
        # parsed once: the others take what it gave
        twins: dict[str, list[str]] = {}
        first: dict[tuple[str, frozenset[int], frozenset[int]], str] = {}
        for rel, lines in current.items():
            ex = fresh[rel].extract
            if lines and not lines <= ex.done:
                same = first.setdefault((fresh[rel].digest, frozenset(lines), ex.done), rel)
                if same != rel:
                    twins.setdefault(same, []).append(rel)
                    continue
                parse.append((rel, ex, lines))
        # 3. parse and fingerprint them
        if parse:
            changed = True
            orphans: list[tuple[str, FileExtract, set[int]]] = []  # twins of a file that changed since
            for got, new in pool.run(_parse_files, root_text, parse, config.max_file_bytes):
                fingerprints.update(new)
                for rel, ex in got:
                    if ex is None:
                        skipped.append(SkippedFile(rel, "changed or vanished during the scan; scan again"))
                        del fresh[rel]
                        orphans += [(t, fresh[t].extract, current[t]) for t in twins.pop(rel, ())]
                        continue
                    for one in (rel, *twins.get(rel, ())):
                        fresh[one] = _with_units(fresh[one], ex)
            if orphans:  # (rare: parsed here, each on its own)
                got, new = _parse_files(root_text, orphans, config.max_file_bytes)
                fingerprints.update(new)
                for rel, ex in got:
                    if ex is None:
                        skipped.append(SkippedFile(rel, "changed or vanished during the scan; scan again"))
                        del fresh[rel]
                        continue
                    fresh[rel] = _with_units(fresh[rel], ex)
            del parse, first, orphans  # (they hold the extracts replaced)
        in_scope = set(scoped)
        _phase("parse", started)

        key = _result_key(config, whole, fresh, skipped, pytest_cfg)
        last_result = cache.last_result(config.cache_path) if use_cache and cache.result_key == key else None
        if last_result is not None:
            result = last_result  # nothing changed: the families, blocks and descriptions are those of last time
            result.stats.cached, result.stats.parsed = stats.cached, stats.parsed
            if changed:  # touched files, the same content: remember their new times
                cache.files = fresh
                cache.save(config.cache_path)
        else:
            entries = {rel: _candidates_only(e, current[rel]) for rel, e in fresh.items() if rel in in_scope}
            settings = _result_key(config, whole, {}, [], pytest_cfg)
            again, parts = None, None
            if use_cache:  # (what decides whether the last result stands, kept for the next scan)
                assembled = cache.assembly
                digest, per_file, parts = inputs_digest(
                    gatherer, entries, copies, settings, skipped,
                    assembled[3] if assembled is not None and assembled[2] == settings else {})
                again = _same_as_last(cache, config, digest, fresh)
            if again is not None:  # the edits reached nothing the assembly reads: the last result stands
                result = again
                stats.definitions = result.definitions
                result.stats = stats
            else:
                grouping = GroupMemo(cache.grouping)
                inputs = gather(gatherer, entries, copies, parts)
                every = {**cache.fingerprint_map(), **fingerprints}
                if use_cache and not _fingerprinted(inputs, every):
                    raise DamagedCache("the scan cache lacks the fingerprints of definitions it holds")
                result = _assemble(config, inputs, every, skipped, stats, pool, cache.described,
                                   _known_sources(cache.sources, fresh), grouping)
                del inputs, every
                cache.grouping = grouping.last
            del entries, parts
            _phase("assembled", started)
            if use_cache:
                cache.files = fresh
                cache.add_fingerprints(fingerprints)
                cache.result_key, cache.result = key, result
                cache.assembly = (digest, shown_places(result, fresh), settings, per_file)
                cache.save(config.cache_path)
    _phase("assemble and save", started)
    heap.keep(cache, fresh, fingerprints)  # (in the ssot command: not freed one by one, the process ends soon)
    result.stats.seconds = time.perf_counter() - started
    return result


def _fingerprinted(inputs: AssemblyInputs, fingerprints: Mapping[str, Fingerprint]) -> bool:
    """Whether every definition and commented-out copy to assemble has its fingerprint."""
    return all(d.fingerprint in fingerprints for d in inputs.defs) \
        and all(c.fingerprint in fingerprints for c in inputs.commented)


def _same_as_last(cache: ScanCache, config: Config, digest: str, fresh: dict[str, Entry]) -> ScanResult | None:
    """The last result, when this scan's assembly inputs digest to its and the files it showed copies
    from are unchanged (see :mod:`ssot.scanner.inputs`); else None."""
    if cache.assembly is None or cache.assembly[0] != digest \
            or not still_shown(config.root, cache.assembly[1], fresh, cache.sources):
        return None
    last = cache.last_result(config.cache_path)
    if last is not None:
        remember_reuse(last)
    return last


def _with_units(entry: Entry, parsed: FileExtract) -> Entry:
    """The entry with the extract a worker parsed, given back what the worker did not send."""
    was = entry.extract
    return Entry(entry.size, entry.mtime_ns, entry.digest, dataclasses.replace(
        parsed, index=was.index, commented=was.commented, imports=was.imports))


def _candidate_lines(cache: ScanCache, fresh: dict[str, Entry], scoped: list[str], min_bytes: int) \
        -> dict[str, set[int]]:
    """The header lines of each scoped file's candidates, counted from the cache's state when it has one.

    The state counted the files of the last scan; the loaded cache still holds their entries as they
    were then (``fresh`` holds them now), which is what is taken out for the files changed or gone.
    The new state goes into ``cache`` (saved with it).
    """
    state = cache.candidates
    current = {rel: fresh[rel].extract.index for rel in scoped}
    old: dict[str, TextIndex | None] | None = None
    if state is not None and state.min_bytes == min_bytes and state.share == SHARE:
        old = {}
        for rel in state.ids:
            now = fresh.get(rel) if rel in current else None
            if now is not None and state.digests.get(rel) == now.digest:
                continue
            then = cache.files.get(rel)
            if then is None or then.digest != state.digests.get(rel):
                old = None  # the state and the cache disagree (one of them lost): count afresh
                break
            old[rel] = then.extract.index
        if old is not None and len(old) > len(current) // 2:
            old = None  # most of the tree changed: counting afresh is no slower
    if state is None or old is None:
        state, old = CandidateState(min_bytes), {}
    marks = state.update(current, old)
    for rel in scoped:
        state.digests[rel] = fresh[rel].digest
    cache.candidates = state
    return marks


def _candidates_only(entry: Entry, lines: set[int]) -> Entry:
    """The entry with only the units of this scan's candidates (a cached file may hold units parsed
    for an earlier scan's candidates: the result must not depend on what was scanned before), and
    only their header lines ``done`` (a unit parsed before and no candidate now is known only from
    its text, as in a scan from nothing: it breaks a run of copies)."""
    ex = entry.extract
    index = ex.index
    if index is None or not ex.done:
        return entry
    starts: list[int] = []  # the outermost spans of the candidates, in order (text units come sorted)
    ends: list[int] = []
    for line, end in zip(index.starts, index.ends, strict=True):  # (columns: no units made for this)
        if line in lines and not (ends and line <= ends[-1]):
            starts.append(line)
            ends.append(end)

    def within(line: int) -> bool:
        k = bisect_right(starts, line) - 1
        return k >= 0 and line <= ends[k]

    units = [u for u in ex.units if within(u.line)]
    done = frozenset(line for line in ex.done if within(line))
    if len(units) == len(ex.units) and len(done) == len(ex.done):
        return entry
    return Entry(entry.size, entry.mtime_ns, entry.digest, dataclasses.replace(ex, units=units, done=done))


def _phase(name: str, started: float) -> None:
    """With ``SSOT_TIMINGS`` set, where a scan's time goes (seconds since the start, on stderr)."""
    if os.environ.get("SSOT_TIMINGS"):
        import resource
        import sys

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024  # KiB on Linux
        print(f"ssot timings: {name} done at {time.perf_counter() - started:.2f} s (peak of this process "
              f"so far {peak} MiB)", file=sys.stderr, flush=True)


def _result_key(config: Config, whole: bool, entries: dict[str, Entry], skipped: list[SkippedFile],
                pytest_cfg: PytestConfig) -> str:
    """What a result depends on: every file's content and every setting the assembly reads."""
    return result_key(config, whole, {rel: (e.digest, e.extract.parsed) for rel, e in entries.items()}, skipped,
                      pytest_cfg)


# A worker parses and fingerprints: millions of small objects, no cycles to speak of.  With the default
# thresholds the collector took a quarter of a cold monorepo scan's CPU (36.5 -> 28.7 s user time).
WORKER_GC_THRESHOLD = (100_000, 50, 100)


def _worker_gc() -> None:
    """A worker is forked from a scan that paused the collector: it collects again, rarely (and it knows
    it is a worker: see :func:`_new_fingerprints`)."""
    global _in_worker
    _in_worker = True
    gc.set_threshold(*WORKER_GC_THRESHOLD)
    gc.enable()


class _Workers:
    """One pool of worker processes for every phase of a scan (forked once, while the parent is small)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> _Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Let the workers go (a later :meth:`run` forks new ones): what they hold is no longer needed."""
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
            self.pool = None

    def run(self, fn: Callable[..., Any], root: str, todo: Sequence[Any], max_bytes: int,
            spread: bool = False) -> Iterator[Any]:
        """``fn(root, part, max_bytes)`` over parts of ``todo``: in this process when the work is small.

        ``spread``: the parts are dealt round-robin (``todo`` sorted largest first), not cut in runs.
        """
        if self.workers <= 1 or (len(todo) < _PARALLEL_MIN_FILES and not spread):
            yield fn(root, todo, max_bytes)
            return
        if self.pool is None:
            method = "fork" if "fork" in get_all_start_methods() else None
            self.pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=get_context(method),
                                            initializer=_worker_gc)
        step = max(20, min(_TASK_FILES, len(todo) // (self.workers * 4) or 1))
        if spread:
            n = max(1, len(todo) // step)
            parts = [todo[i::n] for i in range(n)]
        else:
            parts = [todo[i:i + step] for i in range(0, len(todo), step)]
        futures = [self.pool.submit(fn, root, part, max_bytes) for part in parts]
        for fut in as_completed(futures):
            yield fut.result()


def _assemble(config: Config, inputs: AssemblyInputs, fingerprints: dict[str, Fingerprint],
              skipped: list[SkippedFile], stats: ScanStats, pool: _Workers | None = None,
              memo: dict[tuple[object, ...], Described] | None = None,
              known: dict[tuple[str, int, int], str] | None = None, grouping: GroupMemo | None = None) -> ScanResult:
    defs, commented = inputs.defs, inputs.commented
    skipped.extend(inputs.errors)
    stats.definitions = len(defs)
    mark = time.perf_counter()
    families = build_families(defs, fingerprints, inputs.bindings, grouping, inputs.copies.files)
    _phase("  families", mark)
    blocks, families = find_blocks(families, defs, inputs.same_files, inputs.gaps, inputs.copies.files)
    _phase("  blocks", mark)
    shown = _with_sources(config.root, families, fingerprints, known or {})
    _phase("  sources", mark)
    described = _describe_all(families, shown, pool, memo if memo is not None else {})
    if pool is not None:
        pool.close()  # the last of the parallel work: the workers' memory goes before the result is saved
    if memo is not None:
        memo.clear()
        memo.update(described)
    _phase("  described", mark)
    link_commented(families, commented, fingerprints)
    _phase("  commented linked", mark)
    link_look_alikes(families, defs)
    _phase("  look-alikes", mark)
    skipped.sort(key=lambda s: s.path)
    used = {c.fingerprint for f in families for c in f.classes} | {c.fingerprint for c in commented}
    return ScanResult(
        root=str(config.root),
        families=families,
        commented_out=commented,
        skipped=skipped,
        findings=findings_for(families, defs, commented, inputs.same_files, inputs.copies.files),
        fingerprints={d: shown.get(d, fp) for d, fp in fingerprints.items() if d in used},
        stats=stats,
        definitions=len(defs),
        blocks=blocks,
        copied_folders=inputs.copies.folders,
    )


_DESCRIBE_PARALLEL_MIN = 200  # families of several classes: fewer are described in this process


Described = list[tuple[list[str], list[str], list[int]]]  # per class: differences, cosmetic, superset_of (indexes)


def _family_key(fam: Family) -> tuple[object, ...]:
    """What a family's description depends on: each class's code, bindings and copies' cosmetic parts."""
    return tuple((c.fingerprint, tuple(sorted(c.bindings.items())), tuple(sorted({m.cosmetic for m in c.members})))
                 for c in fam.classes)


def _described(fam: Family) -> Described:
    index = {c.id: k for k, c in enumerate(fam.classes)}
    return [(c.differences, c.cosmetic, [index[i] for i in c.superset_of]) for c in fam.classes]


def _apply(fam: Family, described: Described) -> None:
    for cls, (differences, cosmetic, superset_of) in zip(fam.classes, described, strict=True):
        cls.differences, cls.cosmetic = list(differences), list(cosmetic)
        cls.superset_of = [fam.classes[k].id for k in superset_of]


def _describe_part(root: str, part: Sequence[tuple[int, Family, dict[str, Fingerprint]]], _: int) \
        -> list[tuple[int, Described]]:
    """In a worker: how the classes of each family differ (the parse-heavy part of describing)."""
    out = []
    for k, fam, shown in part:
        describe(fam, shown)
        out.append((k, _described(fam)))
    return out


def _describe_all(families: list[Family], shown: dict[str, Fingerprint], pool: _Workers | None,
                  memo: dict[tuple[object, ...], Described]) -> dict[tuple[object, ...], Described]:
    """Describe every family; those of several classes on the worker pool when there are many.

    ``memo`` holds the descriptions of an earlier scan (the cache's): a family whose classes are
    unchanged is not described again.  Returns the descriptions of this scan's families.
    """
    out: dict[tuple[object, ...], Described] = {}
    todo: list[int] = []
    for k, fam in enumerate(families):
        key = _family_key(fam)
        if len(fam.classes) == 1:
            describe(fam, shown)
        elif key in memo:
            _apply(fam, memo[key])
        else:
            todo.append(k)
            continue
        out[key] = _described(fam)
    if pool is None or pool.workers <= 1 or len(todo) < _DESCRIBE_PARALLEL_MIN:
        for k in todo:
            describe(families[k], shown)
            out[_family_key(families[k])] = _described(families[k])
        return out
    # the largest first, so that the last task to finish is a small one
    todo.sort(key=lambda k: -sum(len(shown[c.fingerprint].source) for c in families[k].classes))
    parts = [(k, families[k], {c.fingerprint: shown[c.fingerprint] for c in families[k].classes}) for k in todo]
    for got in pool.run(_describe_part, "", parts, 0, spread=True):
        for k, described in got:
            _apply(families[k], described)
            out[_family_key(families[k])] = described
    return out


def _imports(rel: str, ex: FileExtract) -> set[str]:
    """Modules a file imports, its relative imports made absolute (a library module imported only
    relatively by its own package is still imported by the library)."""
    out = set(ex.imports)
    for _, what in ex.bindings:
        if what.startswith("from:."):
            full = resolve(rel, what)
            out.add(full)
            out.add(full.rpartition(".")[0])
    return out


def _known_sources(kept: dict[tuple[str, int, int], tuple[str, str]], now: dict[str, Entry]) \
        -> dict[tuple[str, int, int], str]:
    """The sources the last result showed, by ``(path, start line, end line)``, from files unchanged since."""
    out: dict[tuple[str, int, int], str] = {}
    for place, (digest, source) in kept.items():
        entry = now.get(place[0])
        if entry is not None and entry.digest == digest:
            out[place] = source
    return out


def _with_sources(root: Path, families: list[Family], fingerprints: dict[str, Fingerprint],
                  known: dict[tuple[str, int, int], str]) -> dict[str, Fingerprint]:
    """The fingerprints of the classes shown, each with the source of one copy (read now, only for these;
    ``known``: the sources a rescan's last result showed of files unchanged since)."""
    shown = list(shown_copies(families))
    sources: dict[str, str] = {}
    texts: dict[str, list[str] | None] = {}  # (the lines of one file at a time: all of them were 100 MiB)
    for fingerprint, rep in sorted(shown, key=lambda item: item[1].path):
        source = known.get((rep.path, rep.start_line, rep.end_line))
        if source is None:
            if rep.path not in texts:
                texts.clear()
            source = shown_source(root, rep.path, rep.start_line, rep.end_line, texts)
        sources[fingerprint] = source
    return {fingerprint: dataclasses.replace(fingerprints[fingerprint], source=sources[fingerprint])
            for fingerprint, _ in shown}
