"""The plan's analysis of each file, kept between runs: ``<cache_dir>/plan-analysis.pickle``.

Planning parses every file that holds a copy (``ast``) and decides, for each copy, whether it
can move and what it imports.  On a large tree that is most of ``ssot plan``'s time, while the
scan is served by its own cache.  An analysis is kept under the file's path, the sha256 of its
bytes and the definitions asked about: an edit, or another question about the file, analyses it
again.  The analysis reads nothing but the file, so the same bytes and questions give the same
answer.

A cache may be lost, never torn (atomic replace); one that does not load (another version of
ssot, damage, a class it should not hold) is ignored and rebuilt.
"""

from __future__ import annotations

import pickle
import sys
from pathlib import Path
from typing import Any

from ssot import __version__
from ssot.fsio import atomic_open

CACHE_FILE = "plan-analysis.pickle"
# bump when what the analysis finds changes
CACHE_VERSION = f"plan-analysis-2-{__version__}-py{sys.version_info[0]}.{sys.version_info[1]}"

Key = tuple[str, tuple[Any, ...]]  # the sha256 of the file's bytes, the definitions asked about


class _SafeUnpickler(pickle.Unpickler):
    """Builds only the classes an analysis holds; anything else is refused (and the cache ignored)."""

    ALLOWED = frozenset({
        ("ssot.migrate.plan", "_FileInfo"),
        ("ssot.migrate.plan", "_Analysis"),
        ("ssot.rewrite.names", "ModuleBindings"),
        ("ssot.rewrite.names", "ImportBinding"),
    })

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not part of a plan analysis cache")
        return super().find_class(module, name)


class AnalysisCache:
    """The analyses of the last plan, and those of this one (saved by :meth:`save`)."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / CACHE_FILE
        self._entries: dict[str, tuple[Key, Any]] = self._load()
        self._changed = False

    def _load(self) -> dict[str, tuple[Key, Any]]:
        try:
            with open(self.path, "rb") as fh:
                version, entries = _SafeUnpickler(fh).load()
        except Exception:  # absent, truncated, from another version: start afresh
            return {}
        return entries if version == CACHE_VERSION and isinstance(entries, dict) else {}

    def get(self, rel: str, key: Key) -> Any | None:
        """The analysis of ``rel`` made for the same bytes and the same definitions, or None."""
        entry = self._entries.get(rel)
        return entry[1] if entry is not None and entry[0] == key else None

    def put(self, rel: str, key: Key, info: Any) -> None:
        self._entries[rel] = (key, info)
        self._changed = True

    def save(self) -> None:
        """Write the analyses back when any is new (best effort: a cache that cannot be written is not kept)."""
        if not self._changed:
            return
        try:
            with atomic_open(self.path, durable=False) as fh:
                pickle.dump((CACHE_VERSION, self._entries), fh, protocol=pickle.HIGHEST_PROTOCOL)
        except OSError:
            return
        self._changed = False
