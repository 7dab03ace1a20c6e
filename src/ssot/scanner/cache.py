"""The incremental scan cache: what each file held, keyed by its content.

A file whose size and modification time are unchanged is not read again; a
file whose stat changed but whose content hash is known is not parsed again.
One pickle per project under ``.ssot_cache/`` (ignored by git), written
atomically; a cache that cannot be read is ignored, never fatal.

The cache lives in the scanned tree, which may come from anyone: it is read
with an unpickler that can build only the cache's own data classes, so a
crafted file cannot make the scan run code (the scan never runs the scanned
code, and a cache file is part of the scanned tree).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ssot import __version__
from ssot.model import Fingerprint, ScanResult
from ssot.scanner.extract import FileExtract

CACHE_VERSION = f"scan-8-{__version__}"  # bump when what extraction finds changes


class _SafeUnpickler(pickle.Unpickler):
    """Builds only the classes a cache holds; anything else is refused (and the cache ignored)."""

    ALLOWED = frozenset({
        ("ssot.scanner.cache", "Entry"),
        ("ssot.scanner.extract", "FileExtract"),
        ("ssot.scanner.units", "Unit"),
        ("ssot.model", "Fingerprint"),
        ("builtins", "frozenset"),
        ("builtins", "set"),
        *(("ssot.model", name) for name in (
            "ScanResult", "Family", "EquivalenceClass", "Definition", "CommentedCopy", "Block", "BlockCopy",
            "SkippedFile", "Finding", "ScanStats")),
    })

    def find_class(self, module: str, name: str) -> type:
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not part of a scan cache")
        return super().find_class(module, name)  # type: ignore[no-any-return]


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
    fingerprints: dict[str, tuple] = field(default_factory=dict)  # type: ignore[type-arg]
    # the last result and what it was computed from: a rescan with nothing changed returns it as is
    result_key: str = ""
    result: ScanResult | None = None

    @classmethod
    def load(cls, directory: Path) -> ScanCache:
        path = directory / "scan.pickle"
        try:
            with open(path, "rb") as fh:
                version, files, fingerprints, result_key, result = _SafeUnpickler(fh).load()
        except Exception:  # absent, truncated, from another version: start afresh
            return cls()
        if version != CACHE_VERSION:
            return cls()
        return cls(files, fingerprints, result_key, result)

    def fingerprint_map(self) -> dict[str, Fingerprint]:
        return {d: Fingerprint(d, kind, "", statements, shape, tokens)
                for d, (kind, statements, shape, tokens) in self.fingerprints.items()}

    def keep(self, fingerprints: dict[str, Fingerprint]) -> None:
        self.fingerprints = {d: (fp.kind, fp.statements, fp.shape, fp.tokens) for d, fp in fingerprints.items()}

    def by_digest(self) -> dict[str, FileExtract]:
        return {e.digest: e.extract for e in self.files.values()}

    def save(self, directory: Path) -> None:
        """Write atomically; a cache that cannot be written is silently skipped."""
        with contextlib.suppress(OSError):
            directory.mkdir(parents=True, exist_ok=True)
            ignore = directory / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# created by ssot\n*\n", encoding="utf-8")
            used = {u.digest for e in self.files.values() for u in e.extract.units}
            used |= {c[4] for e in self.files.values() for c in e.extract.commented}
            fingerprints = {d: fp for d, fp in self.fingerprints.items() if d in used}
            fd, tmp = tempfile.mkstemp(dir=directory, prefix=".scan.", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as fh:
                    pickle.dump((CACHE_VERSION, self.files, fingerprints, self.result_key, self.result), fh,
                                protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(tmp, directory / "scan.pickle")
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
