"""The incremental scan cache: what each file held, keyed by its content.

A file whose size and modification time are unchanged is not read again; a
file whose stat changed but whose content hash is known is not parsed again.
A few pickles per project under ``.ssot_cache/`` (ignored by git), each written
atomically: a small index (every file's stat and digest, the last result's key)
that tells a rescan nothing changed, the last result, the files' extracts (whole,
and what changed since as a delta beside them, naming the whole it applies to),
and the last JSON report (written again as it is when nothing changed).  A cache
that cannot be read is ignored, never fatal.

The cache lives in the scanned tree, which may come from anyone: it is read
with an unpickler that can build only the cache's own data classes, so a
crafted file cannot make the scan run code (the scan never runs the scanned
code, and a cache file is part of the scanned tree).
"""

from __future__ import annotations

import contextlib
import io
import os
import pickle
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ssot import __version__
from ssot.fieldpickle import pickled_by_fields
from ssot.fsio import atomic_open
from ssot.model import Definition, Family, Fingerprint, ScanResult

if TYPE_CHECKING:  # the unpickler imports it when a cache holds extracts (a rescan with nothing changed reads none)
    from ssot.scanner.extract import FileExtract
    from ssot.scanner.inputs import FileDigests
    from ssot.scanner.textual import CandidateState

# bump when what extraction finds changes; the Python version too (the text index keys on tuple hashes)
CACHE_VERSION = f"scan-25-{__version__}-py{sys.version_info[0]}.{sys.version_info[1]}"
# the parts: the index a rescan reads first (every file's stat and digest, the last result's key), the
# last result, the files' extracts, the last result's report per format, the last discovery
INDEX = "scan-result.pickle"
RESULT = "scan-last.pickle"
FILES = "scan.pickle"
DELTA = "scan-delta.pickle"  # the entries changed since FILES was written whole
DELTA_SHARE = 0.1  # a delta of more files than this share of the tree: the whole is rewritten
REPORT = "report-{}.pickle"
TREE = "tree.pickle"  # what the last discovery found, and the folders' stamp it holds for
SOURCES = "scan-sources.pickle"  # the sources the last result showed, by place and file digest


@dataclass(frozen=True, slots=True)
class CachedReport:
    """A report of the last result as it was written, for a rescan with nothing changed to write again.

    The report is ``head``, then what changes on every run (the scan's stats), then ``tail``; the
    rest is what the command needs without the result: its figures for the history, the digest
    of the report's constant part (the history keeps a document once per digest), and its exit.
    """

    key: str  # the result's (see :func:`key_of`)
    head: bytes  # UTF-8 (file names that are not: as ``surrogateescape`` wrote them)
    tail: bytes
    files: int  # the result's stats that a rescan keeps
    definitions: int
    figures: tuple[tuple[str, float, str], ...]  # (name, value, scope)
    digest: str
    families: int  # what fails the scan (exit 1): its families and copied folders
    partial: bool


class _SafeUnpickler(pickle.Unpickler):
    """Builds only the classes a cache holds; anything else is refused (and the cache ignored)."""

    ALLOWED = frozenset({
        ("ssot.scanner.cache", "Entry"),
        ("ssot.scanner.extract", "FileExtract"),
        ("ssot.scanner.units", "Unit"),
        ("ssot.scanner.textual", "TextIndex"),
        ("ssot.scanner.textual", "_index_from_columns"),  # builds a TextIndex of plain values, nothing else
        ("ssot.scanner.textual", "CandidateState"),
        ("array", "array"),
        ("array", "_array_reconstructor"),
        ("ssot.model", "Fingerprint"),
        ("builtins", "frozenset"),
        ("builtins", "set"),
    })

    def find_class(self, module: str, name: str) -> type:
        if module == "ssot.model":  # the result: any data class of the model (and only those)
            import dataclasses

            from ssot import model

            cls = getattr(model, name, None)
            if isinstance(cls, type) and dataclasses.is_dataclass(cls) and cls.__module__ == module:
                return cls
            raise pickle.UnpicklingError(f"{module}.{name} is not part of a scan cache")
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not part of a scan cache")
        found: type = super().find_class(module, name)
        return found


_T = TypeVar("_T")


class DamagedCache(Exception):
    """A part of the cache read late (:class:`Deferred`), or what it holds, does not fit the rest: the scan
    starts afresh (:func:`ssot.scanner.engine.scan`), as it does when a file of the cache does not load."""


class Deferred(Generic[_T]):
    """A part of the cache kept as its pickled bytes until first asked for: a rescan that changes little
    never needs the large parts only an assembly reads (the fingerprints, the last grouping), and bytes
    unpickle in no time.  Written again as the same bytes while it was never read."""

    __slots__ = ("_blob", "_check", "_value")

    def __init__(self, value: _T | None = None, blob: bytes = b"",
                 check: Callable[[object], bool] | None = None) -> None:
        self._value, self._blob, self._check = value, blob, check

    def get(self) -> _T | None:
        """The value (None: none was kept).  Raises :class:`DamagedCache` when the bytes kept do not
        unpickle to a value of the expected shape (the file held them whole, so they were damaged in it)."""
        if self._blob:
            try:
                version, value = _SafeUnpickler(io.BytesIO(self._blob)).load()
            except Exception as exc:
                raise DamagedCache(f"a part of the scan cache does not load ({exc})") from exc
            if version != CACHE_VERSION or (self._check is not None and not self._check(value)):
                raise DamagedCache("a part of the scan cache is not what this ssot wrote")
            self._value, self._blob = value, b""
        return self._value

    def blob(self) -> bytes:
        """What is written in the cache for it."""
        if self._blob:
            return self._blob
        return pickle.dumps((CACHE_VERSION, self._value), protocol=pickle.HIGHEST_PROTOCOL)


def _is_fingerprints(data: object) -> bool:
    return isinstance(data, dict)


def _is_grouping_or_none(data: object) -> bool:
    return data is None or _is_grouping(data)  # (none kept: the last scan grouped nothing)


@pickled_by_fields
@dataclass(slots=True)
class Entry:
    size: int
    mtime_ns: int
    digest: str
    extract: FileExtract


@dataclass(slots=True)
class ScanCache:
    files: dict[str, Entry] = field(default_factory=dict)  # relative path -> entry
    # digest -> (kind, statements, shape, tokens): plain tuples unpickle several times faster than
    # slotted dataclasses, and only an assembly needs them (see :attr:`fingerprints`): those of the extracts
    # last written whole here, read when first asked for; those since in ``_new_fingerprints``
    _base_fingerprints: Deferred[dict[str, tuple[Any, ...]]] = field(default_factory=Deferred)
    # how the families of several classes differ, by what they hold: a rescan describes only new ones
    described: dict[tuple[object, ...], list[tuple[list[str], list[str], list[int]]]] = field(default_factory=dict)
    # the last result and what it was computed from: a rescan with nothing changed returns it as is (it is
    # read only then: :meth:`last_result`)
    result_key: str = ""
    result: ScanResult | None = None
    # what the candidate pass counted over the tree: a rescan re-decides only what a change reaches
    candidates: CandidateState | None = None
    # the last grouping of the definitions' digests (their counts, the groups): the same digests, as many
    # times each, group the same (see ssot.scanner.families.GroupMemo); read when first asked for
    _grouping: Deferred[tuple[dict[str, int], list[list[str]]]] = field(default_factory=Deferred)
    # what the last result was assembled from: the digest of its inputs, where the copies it shows stand
    # (path, lines) with their files' digests, the settings, each file's part of the digest and what it
    # followed from (see ssot.scanner.inputs: the same again, and the result stands)
    assembly: tuple[str, dict[tuple[str, int, int], str], str, FileDigests] | None = None
    # the extracts as last written whole (their token, entries and fingerprints): a save writes only
    # what differs from them, as a delta beside them, until the delta grows past DELTA_SHARE of the tree
    base_token: str = field(default="", repr=False)
    base_files: dict[str, Entry] = field(default_factory=dict, repr=False)
    # the fingerprints added since the extracts were last written whole (what a delta holds)
    _new_fingerprints: dict[str, tuple[Any, ...]] = field(default_factory=dict, repr=False)
    _fingerprints: dict[str, tuple[Any, ...]] | None = field(default=None, repr=False)  # (once asked for)
    # the sources the last result showed: (path, start line, end line) -> (the file's digest then, source)
    sources: dict[tuple[str, int, int], tuple[str, str]] = field(default_factory=dict, repr=False)
    # the key the last result is written under (the one it was assembled for: a rescan that takes it again
    # leaves it, and the reports kept of it, where they are), and the result as read from there
    result_id: str = ""
    read_result: ScanResult | None = field(default=None, repr=False)

    @classmethod
    def load(cls, directory: Path) -> ScanCache:
        from ssot.scanner.textual import CandidateState

        data = _load(directory / FILES)
        try:
            files, fingerprints, described, candidates, grouping, assembly, token = data
        except (TypeError, ValueError):  # absent, or not a cache of this shape: start afresh
            return cls()
        if not isinstance(fingerprints, bytes) or not isinstance(grouping, bytes):
            return cls()  # (the parts read late are kept as bytes: not a cache this ssot wrote)
        base_files, new_fingerprints = dict(files), {}
        delta = _load(directory / DELTA)
        try:
            of, changed, removed, delta_fingerprints, described_now, candidates_now, grouping_now, assembly_now = delta
        except (TypeError, ValueError):  # none, or damaged: the whole alone (consistent in itself)
            of = None
        if of == token and isinstance(delta_fingerprints, dict) and isinstance(grouping_now, bytes):
            files.update(changed)
            for rel in removed:
                files.pop(rel, None)
            new_fingerprints = delta_fingerprints
            described, candidates, grouping, assembly = described_now, candidates_now, grouping_now, assembly_now
        if not isinstance(candidates, CandidateState):
            candidates = None
        if not _is_assembly(assembly):
            assembly = None
        index = ScanCache.load_meta(directory)
        key, result_id = (index[1], index[2]) if index is not None else ("", "")
        return cls(files, Deferred(blob=fingerprints, check=_is_fingerprints), described, key, None, candidates,
                   Deferred(blob=grouping, check=_is_grouping_or_none), assembly, token, base_files,
                   new_fingerprints, None, _sources(_load(directory / SOURCES)), result_id)

    @property
    def fingerprints(self) -> dict[str, tuple[Any, ...]]:
        """Every fingerprint kept (those of the extracts last written whole are read now, the first time)."""
        if self._fingerprints is None:
            self._fingerprints = {**(self._base_fingerprints.get() or {}), **self._new_fingerprints}
        return self._fingerprints

    @property
    def grouping(self) -> tuple[dict[str, int], list[list[str]]] | None:
        return self._grouping.get()

    @grouping.setter
    def grouping(self, value: tuple[dict[str, int], list[list[str]]] | None) -> None:
        self._grouping = Deferred(value)

    @staticmethod
    def discard(directory: Path) -> None:
        """Remove the extracts and their delta (a damaged cache: the next load starts afresh; the rest of
        the cache is keyed by what they held, so it is never taken without them)."""
        for name in (FILES, DELTA):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(directory / name)

    def last_result(self, directory: Path) -> ScanResult | None:
        """The last result (read now, the first time: a rescan that changed anything never needs it)."""
        if self.result is None and self.result_key and self.result_id:
            self.result = self.read_result = ScanCache.load_last(directory, self.result_id)
            if self.result is None:
                self.result_key = self.result_id = ""
        return self.result

    @staticmethod
    def load_meta(directory: Path) -> tuple[dict[str, tuple[int, int, str, bool]], str, str] | None:
        """The small index of the cache: ``(rel -> (size, mtime_ns, digest, parsed), result key, result id)``,
        the id being the key the result is written under (:meth:`load_last`).

        Enough to tell that nothing changed since the last result, without reading it or the
        extracts (the large parts).
        """
        index = _load(directory / INDEX)
        try:
            meta, key, stamps, result_id = index
            if not isinstance(meta, dict) or not isinstance(key, str) or not isinstance(result_id, str):
                return None
            if stamps != _stamps(directory):
                return None  # a large part rewritten since (or lost): the index no longer tells
        except (TypeError, ValueError, OSError):
            return None
        return meta, key, result_id

    @staticmethod
    def load_last(directory: Path, key: str) -> ScanResult | None:
        """The last result, if it is written under ``key`` (its id: see :meth:`load_meta`)."""
        data = _load(directory / RESULT)
        try:
            stored, result = data
        except (TypeError, ValueError):
            return None
        if stored != key or not isinstance(result, ScanResult):
            return None
        _remember(result, key)
        return result

    def fingerprint_map(self) -> dict[str, Fingerprint]:
        return {d: Fingerprint(d, kind, "", statements, shape, tokens)
                for d, (kind, statements, shape, tokens) in self.fingerprints.items()}

    def add_fingerprints(self, fingerprints: dict[str, Fingerprint]) -> None:
        """Keep these beside the ones kept (new dicts: the loaded ones are also what was last written)."""
        added = {d: (fp.kind, fp.statements, fp.shape, fp.tokens) for d, fp in fingerprints.items()}
        self._new_fingerprints = {**self._new_fingerprints, **added}
        if self._fingerprints is not None:
            self._fingerprints = {**self._fingerprints, **added}

    def by_digest(self) -> dict[str, FileExtract]:
        return {e.digest: e.extract for e in self.files.values()}

    def save(self, directory: Path) -> None:
        """Write atomically; a cache that cannot be written is silently skipped.

        When few files changed since the extracts were last written whole, only what changed is
        written (a delta beside them, naming the whole it applies to); else the whole, and no delta.
        """
        with contextlib.suppress(OSError):
            ensure_cache_dir(directory)
            base = self.base_files
            changed = {rel: e for rel, e in self.files.items() if base.get(rel) is not e}
            removed = [rel for rel in base if rel not in self.files]
            # only the fingerprints of units the files hold (an extractor outliving scans knows others)
            used = {u.digest for e in self.files.values() for u in e.extract.units}
            used |= {c[4] for e in self.files.values() for c in e.extract.commented}
            if self.base_token and len(changed) + len(removed) <= DELTA_SHARE * max(len(self.files), 1):
                # those added since the whole and not in it: the whole holds one for every digest of its
                # files, so it need not be read for this (a scan sends again what its memos hold)
                in_base = {u.digest for e in self.base_files.values() for u in e.extract.units}
                in_base |= {c[4] for e in self.base_files.values() for c in e.extract.commented}
                new = {d: fp for d, fp in self._new_fingerprints.items() if d in used and d not in in_base}
                _dump(directory / DELTA, (self.base_token, changed, removed, new, self.described, self.candidates,
                                          self._grouping.blob(), self.assembly))
            else:
                fingerprints = {d: fp for d, fp in self.fingerprints.items() if d in used}
                token = os.urandom(8).hex()
                whole = Deferred(fingerprints)
                _dump(directory / FILES, (self.files, whole.blob(), self.described, self.candidates,
                                          self._grouping.blob(), self.assembly, token))
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(directory / DELTA)  # (left behind, it names the old whole: ignored)
                self.base_token, self.base_files = token, dict(self.files)
                self._base_fingerprints, self._new_fingerprints, self._fingerprints = whole, {}, fingerprints
            if self.result is None or self.result is not self.read_result or not self.result_id:
                _dump(directory / RESULT, (self.result_key, self.result))
                self.result_id, self.read_result = self.result_key, self.result
            # (else the result read from there, taken again for this key: it stands under its id, as do
            # the reports kept of it)
            _dump(directory / SOURCES, _shown_sources(self.result, self.files))
            meta = {rel: (e.size, e.mtime_ns, e.digest, e.extract.parsed) for rel, e in self.files.items()}
            # the large parts' sizes and times: one rewritten since (or corrupted) voids the index
            _dump(directory / INDEX, (meta, self.result_key, _stamps(directory), self.result_id))
            if self.result is not None:
                _remember(self.result, self.result_id)


def ensure_cache_dir(directory: Path) -> None:
    """The cache's folder, ignored by git (``*`` in its own ``.gitignore``); OS errors propagate."""
    directory.mkdir(parents=True, exist_ok=True)
    ignore = directory / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# created by ssot\n*\n", encoding="utf-8")


def shown_copies(families: list[Family]) -> Iterator[tuple[str, Definition]]:
    """Each class fingerprint the families show, with the copy whose source stands for it: its representative
    in the first family holding it (the order a scan reads them in)."""
    seen: set[str] = set()
    for fam in families:
        for cls in fam.classes:
            if cls.fingerprint not in seen:
                seen.add(cls.fingerprint)
                yield cls.fingerprint, cls.representative


def _shown_sources(result: ScanResult | None, files: dict[str, Entry]) -> dict[tuple[str, int, int], tuple[str, str]]:
    """The source of each class the result shows (:func:`shown_copies`), with its file's digest: what a rescan
    takes instead of reading the file again while it is unchanged."""
    out: dict[tuple[str, int, int], tuple[str, str]] = {}
    if result is None:
        return out
    for fingerprint, rep in shown_copies(result.families):
        fp, entry = result.fingerprints.get(fingerprint), files.get(rep.path)
        if fp is not None and fp.source and entry is not None:
            out[(rep.path, rep.start_line, rep.end_line)] = (entry.digest, fp.source)
    return out


def _sources(data: object) -> dict[tuple[str, int, int], tuple[str, str]]:
    """The kept sources, if well formed (a cache is part of the scanned tree: it may be anything)."""
    if not isinstance(data, dict):
        return {}
    for key, value in data.items():
        if not (isinstance(key, tuple) and len(key) == 3 and isinstance(key[0], str) and type(key[1]) is int
                and type(key[2]) is int and isinstance(value, tuple) and len(value) == 2
                and isinstance(value[0], str) and isinstance(value[1], str)):
            return {}
    return data


def _is_grouping(data: object) -> bool:
    """Whether ``data`` is a grouping as :class:`ScanCache` keeps it (a cache may hold anything)."""
    if not (isinstance(data, tuple) and len(data) == 2 and isinstance(data[0], dict) and isinstance(data[1], list)):
        return False
    counts, groups = data
    return (all(isinstance(d, str) and type(n) is int for d, n in counts.items())
            and all(isinstance(g, list) and g and all(d in counts for d in g) for g in groups))


def _is_assembly(data: object) -> bool:
    """Whether ``data`` is what :attr:`ScanCache.assembly` holds (a cache may hold anything)."""
    if not (isinstance(data, tuple) and len(data) == 4 and isinstance(data[0], str) and isinstance(data[1], dict)
            and isinstance(data[2], str) and isinstance(data[3], dict)):
        return False
    return (all(isinstance(place, tuple) and len(place) == 3 and isinstance(place[0], str) and type(place[1]) is int
                and type(place[2]) is int and isinstance(d, str) for place, d in data[1].items())
            and all(isinstance(rel, str) and isinstance(v, tuple) and len(v) == 2 and isinstance(v[1], str)
                    and _is_file_key(v[0]) for rel, v in data[3].items()))


def _is_file_key(key: object) -> bool:
    return (isinstance(key, tuple) and len(key) == 5 and isinstance(key[0], str) and isinstance(key[1], frozenset)
            and all(type(n) is int for n in key[1]) and all(type(b) is bool for b in key[2:]))


def _load(path: Path) -> Any:
    try:
        with open(path, "rb") as fh:
            version, data = _SafeUnpickler(fh).load()
    except Exception:  # absent, truncated, from another version: start afresh
        return None
    return data if version == CACHE_VERSION else None


def _dump(path: Path, data: Any) -> None:
    with atomic_open(path, durable=False) as fh:  # a cache: may be lost, never torn
        pickle.dump((CACHE_VERSION, data), fh, protocol=pickle.HIGHEST_PROTOCOL)


def _stamp(path: Path) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_size, st.st_mtime_ns


def _stamps(directory: Path) -> tuple[tuple[int, int], ...]:
    """The large parts' sizes and times (the delta's (-1, -1) when there is none)."""
    try:
        delta = _stamp(directory / DELTA)
    except FileNotFoundError:
        delta = (-1, -1)
    return _stamp(directory / FILES), delta, _stamp(directory / RESULT)


# the result this process last saved or loaded, and its key: what a report of it is cached under
_keyed: tuple[ScanResult, str] | None = None


def _remember(result: ScanResult, key: str) -> None:
    global _keyed
    _keyed = (result, key)


# the result a rescan took again (its inputs unchanged: see ssot.scanner.inputs)
_reused: ScanResult | None = None


def remember_reuse(result: ScanResult) -> None:
    global _reused
    _reused = result


def was_reused(result: ScanResult) -> bool:
    """Whether this process's last scan took ``result`` again: the reports kept of it are its reports."""
    return _reused is result


def key_of(result: ScanResult) -> str | None:
    """The key of ``result`` when it is the one this process last saved to or loaded from a cache (its id:
    the digest of every file's content and every setting it was assembled for), else ``None``."""
    return _keyed[1] if _keyed is not None and _keyed[0] is result and _keyed[1] else None


def save_report(directory: Path, fmt: str, report: CachedReport) -> None:
    """Keep ``report`` (in format ``fmt``) beside the cache; a cache that cannot be written is skipped."""
    with contextlib.suppress(OSError):
        if directory.is_dir():  # beside a cache the scan wrote, never in its stead
            _dump(directory / REPORT.format(fmt), tuple(getattr(report, f) for f in CachedReport.__slots__))


def load_report(directory: Path, fmt: str, key: str) -> CachedReport | None:
    """The report in format ``fmt`` of the result of ``key``, if it was kept."""
    data = _load(directory / REPORT.format(fmt))
    try:
        report = CachedReport(*data)
    except TypeError:
        return None
    return report if report.key == key and _well_formed(report) else None


def _well_formed(report: CachedReport) -> bool:
    """Whether every field has its type (a cache is part of the scanned tree: it may be anything)."""
    return (isinstance(report.head, bytes) and isinstance(report.tail, bytes) and isinstance(report.digest, str)
            and all(isinstance(n, int) and not isinstance(n, bool) for n in (report.files, report.definitions,
                                                                             report.families))
            and isinstance(report.partial, bool) and isinstance(report.figures, tuple)
            and all(isinstance(f, tuple) and len(f) == 3 and isinstance(f[0], str) and isinstance(f[2], str)
                    and isinstance(f[1], (int, float)) for f in report.figures))


def save_tree(directory: Path, data: tuple[Any, ...]) -> None:
    """Keep what a discovery found (see :mod:`ssot.scanner.unchanged`) beside a cache the scan wrote."""
    with contextlib.suppress(OSError):
        if directory.is_dir():
            _dump(directory / TREE, data)


TreeStamp = tuple[int, tuple[tuple[str, int, str], ...]]  # see ssot.scanner.unchanged.Stamp


def load_tree(directory: Path) -> tuple[str, TreeStamp, tuple[str, ...], bool] | None:
    """``(settings, stamp, files, whole)`` of the last discovery kept, if well formed (the stamp:
    :data:`ssot.scanner.unchanged.Stamp`)."""
    data = _load(directory / TREE)
    try:
        settings, stamp, files, whole = data
        taken, entries = stamp
    except (TypeError, ValueError):
        return None
    ok = (isinstance(settings, str) and isinstance(whole, bool) and type(taken) is int and isinstance(entries, tuple)
          and all(isinstance(s, tuple) and len(s) == 3 and isinstance(s[0], str) and type(s[1]) is int
                  and isinstance(s[2], str) for s in entries)
          and isinstance(files, tuple) and all(isinstance(f, str) for f in files))
    return (settings, (taken, entries), files, whole) if ok else None
