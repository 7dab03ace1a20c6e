"""The incremental scan cache: what each file held, keyed by its content.

A file whose size and modification time are unchanged is not read again; a
file whose stat changed but whose content hash is known is not parsed again.
Pickles under ``.ssot_cache/`` (ignored by git), each written atomically: the large
half whole (``scan.pickle``), what changed since as a delta beside it (``scan-delta.pickle``,
naming the base it applies to), the last result (``scan-result.pickle``, stamped with the
large half's sizes and times).  A cache that cannot be read is ignored, never fatal.

The cache lives in the scanned tree, which may come from anyone: it is read
with an unpickler that can build only the cache's own data classes, so a
crafted file cannot make the scan run code (the scan never runs the scanned
code, and a cache file is part of the scanned tree).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ssot import __version__
from ssot.fsio import atomic_open
from ssot.model import Fingerprint, ScanResult
from ssot.scanner.extract import FileExtract
from ssot.scanner.textual import CandidateState

# bump when what extraction finds changes; the Python version too (the text index keys on tuple hashes)
CACHE_VERSION = f"scan-14-{__version__}-py{sys.version_info[0]}.{sys.version_info[1]}"


class _SafeUnpickler(pickle.Unpickler):
    """Builds only the classes a cache holds; anything else is refused (and the cache ignored)."""

    ALLOWED = frozenset({
        ("ssot.scanner.cache", "Entry"),
        ("ssot.scanner.extract", "FileExtract"),
        ("ssot.scanner.units", "Unit"),
        ("ssot.scanner.textual", "TextIndex"),
        ("ssot.scanner.textual", "TextUnit"),
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
    # slotted dataclasses, and a rescan with nothing changed never needs them (see fingerprint_map)
    fingerprints: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    # how the families of several classes differ, by what they hold: a rescan describes only new ones
    described: dict[tuple[object, ...], list[tuple[list[str], list[str], list[int]]]] = field(default_factory=dict)
    # the last result and what it was computed from: a rescan with nothing changed returns it as is
    result_key: str = ""
    result: ScanResult | None = None
    # what the candidate pass counted over the tree: a rescan re-decides only what a change reaches
    candidates: CandidateState | None = None
    # the large half as last written whole (its token, entries and fingerprints): a save writes only
    # what differs from it, as a delta beside it, until the delta grows past DELTA_SHARE of the tree
    base_token: str = field(default="", repr=False)
    base_files: dict[str, Entry] = field(default_factory=dict, repr=False)
    base_fingerprints: dict[str, tuple[Any, ...]] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, directory: Path) -> ScanCache:
        data = _load(directory / _BASE)
        try:
            files, fingerprints, described, candidates, token = data
        except (TypeError, ValueError):  # absent, or not a cache of this shape: start afresh
            return cls()
        base_files, base_fingerprints = dict(files), fingerprints
        delta = _load(directory / _DELTA)
        try:
            of, changed, removed, new_fingerprints, described_now, candidates_now = delta
        except (TypeError, ValueError):  # none, or damaged: the base alone (consistent in itself)
            of = None
        if of == token:
            files.update(changed)
            for rel in removed:
                files.pop(rel, None)
            fingerprints = {**fingerprints, **new_fingerprints}
            described, candidates = described_now, candidates_now
        if not isinstance(candidates, CandidateState):
            candidates = None
        index = ScanCache.load_result(directory)
        result_key, result = (index[1], index[2]) if index is not None else ("", None)
        return cls(files, fingerprints, described, result_key, result, candidates, token, base_files,
                   base_fingerprints)

    @staticmethod
    def load_result(directory: Path) -> tuple[dict[str, tuple[int, int, str, bool]], str, ScanResult] | None:
        """The small half of the cache: ``(rel -> (size, mtime_ns, digest, parsed), result key, result)``.

        Enough to tell that nothing changed and return the last result, without reading the
        extracts (the large half).
        """
        index = _load(directory / "scan-result.pickle")
        try:
            meta, key, result, stamp = index
        except (TypeError, ValueError):
            return None
        if stamp != _stamp(directory):
            return None
        return meta, key, result

    def fingerprint_map(self) -> dict[str, Fingerprint]:
        return {d: Fingerprint(d, kind, "", statements, shape, tokens)
                for d, (kind, statements, shape, tokens) in self.fingerprints.items()}

    def keep(self, fingerprints: dict[str, Fingerprint]) -> None:
        self.fingerprints = {d: (fp.kind, fp.statements, fp.shape, fp.tokens) for d, fp in fingerprints.items()}

    def by_digest(self) -> dict[str, FileExtract]:
        return {e.digest: e.extract for e in self.files.values()}

    def save(self, directory: Path) -> None:
        """Write atomically; a cache that cannot be written is silently skipped.

        When few files changed since the large half was last written whole, only what changed is
        written (a delta beside it, naming the base it applies to); else the whole, and no delta.
        """
        with contextlib.suppress(OSError):
            directory.mkdir(parents=True, exist_ok=True)
            ignore = directory / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# created by ssot\n*\n", encoding="utf-8")
            base = self.base_files
            changed = {rel: e for rel, e in self.files.items() if base.get(rel) is not e}
            removed = [rel for rel in base if rel not in self.files]
            # only the fingerprints of units the files hold (an extractor outliving scans knows others)
            used = {u.digest for e in self.files.values() for u in e.extract.units}
            used |= {c[4] for e in self.files.values() for c in e.extract.commented}
            if self.base_token and len(changed) + len(removed) <= DELTA_SHARE * max(len(self.files), 1):
                new = {d: fp for d, fp in self.fingerprints.items() if d in used and d not in self.base_fingerprints}
                _dump(directory / _DELTA, (self.base_token, changed, removed, new, self.described, self.candidates))
            else:
                fingerprints = {d: fp for d, fp in self.fingerprints.items() if d in used}
                token = os.urandom(8).hex()
                _dump(directory / _BASE, (self.files, fingerprints, self.described, self.candidates, token))
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(directory / _DELTA)  # (left behind, it names the old base: ignored)
                self.base_token, self.base_files, self.base_fingerprints = token, dict(self.files), fingerprints
            meta = {rel: (e.size, e.mtime_ns, e.digest, e.extract.parsed) for rel, e in self.files.items()}
            # the large half's sizes and times: a large half rewritten since (or corrupted) voids the result
            _dump(directory / "scan-result.pickle", (meta, self.result_key, self.result, _stamp(directory)))


_BASE = "scan.pickle"
_DELTA = "scan-delta.pickle"
DELTA_SHARE = 0.1  # a delta of more files than this share of the tree: the whole is rewritten


def _stamp(directory: Path) -> tuple[int, ...]:
    """Sizes and modification times of the large half's files (-1 for a delta that is not there)."""
    out: list[int] = []
    for name in (_BASE, _DELTA):
        try:
            st = os.stat(directory / name)
        except FileNotFoundError:
            out += [-1, -1]
        else:
            out += [st.st_size, st.st_mtime_ns]
    return tuple(out)


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
