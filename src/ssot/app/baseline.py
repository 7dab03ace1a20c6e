"""``.ssot-baseline.json``: the findings a project has accepted, by fingerprint.

Committed with the project.  Each entry names its rule, file and line-free key
(so a reviewer can read a baseline diff) and the fingerprint ``ssot check``
matches on; line numbers are not part of it, so moving or reformatting code
does not make an accepted finding new.  A fingerprint may appear more than
once (two identical copies in one file): the baseline is a multiset.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from ssot import __version__
from ssot.errors import SsotError
from ssot.fsio import RACY_NS, Stamp, stat_stamp
from ssot.model import Finding

BASELINE_FILE = ".ssot-baseline.json"
SCHEMA = "ssot-baseline"
VERSION = 1


@dataclass(frozen=True, slots=True)
class Accepted:
    rule: str
    path: str
    key: str
    fingerprint: str


def accepted(findings: Iterable[Finding]) -> list[Accepted]:
    return sorted((Accepted(f.rule, f.path, f.key, f.fingerprint) for f in findings),
                  key=lambda a: (a.path, a.rule, a.key, a.fingerprint))


def baseline_text(entries: Iterable[Accepted]) -> str:
    """The baseline as JSON with one accepted finding a line, so a review diff shows what was accepted."""
    rows = [json.dumps({"rule": a.rule, "path": a.path, "key": a.key, "fingerprint": a.fingerprint},
                       ensure_ascii=False) for a in entries]
    head = json.dumps({"schema": SCHEMA, "version": VERSION, "tool": f"ssot {__version__}"})[:-1]
    body = ",\n".join(f"  {r}" for r in rows)
    return f'{head}, "findings": [\n{body}\n]}}\n' if rows else f'{head}, "findings": []}}\n'



COUNTS_FILE = "check-baseline.sqlite"  # in the cache folder: the counts of the last baseline read
COUNTS_VERSION = 3


class BaselineCounts(Mapping[str, int]):
    """The accepted fingerprints with their multiplicity: a dict, or the rows of the kept counts file
    (a lookup reads one row, so a check of a few files does not load 100,000 entries)."""

    def __init__(self, counts: Mapping[str, int] | None = None, db: sqlite3.Connection | None = None,
                 total: int = 0) -> None:
        self._counts, self._db = counts, db
        self._total = sum(counts.values()) if counts is not None else total

    def __getitem__(self, fingerprint: str) -> int:
        if self._counts is not None:
            return self._counts[fingerprint]
        assert self._db is not None
        row = self._db.execute("SELECT n FROM counts WHERE fp = ? AND typeof(n) = 'integer'",
                               (fingerprint,)).fetchone()
        if row is None:
            raise KeyError(fingerprint)
        return int(row[0])

    def __iter__(self) -> Iterator[str]:
        if self._counts is not None:
            return iter(self._counts)
        assert self._db is not None
        return (fp for (fp,) in self._db.execute("SELECT fp FROM counts"))

    def __len__(self) -> int:
        if self._counts is not None:
            return len(self._counts)
        assert self._db is not None
        return int(self._db.execute("SELECT count(*) FROM counts").fetchone()[0])

    def total(self) -> int:
        """How many findings the baseline accepts (entries, with repeats)."""
        return self._total


def load_baseline(path: Path, cache_dir: Path | None = None) -> BaselineCounts | None:
    """The accepted fingerprints (with multiplicity), or None when there is no baseline file.

    With ``cache_dir``, the counts parsed last time are kept there (:data:`COUNTS_FILE`) with the
    file's digest and stamp, and reused while the file is the same: its stamp unchanged (and taken
    when the file was already older than :data:`RACY_NS`, so a change in the same clock tick
    cannot hide), else its bytes' digest.  A pre-commit check of a few files then neither parses
    nor reads a baseline of 100,000 entries.
    """
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise SsotError(f"{path}: cannot read the baseline: {exc.strerror or exc}") from None
    stamp = stat_stamp(st)
    kept = _kept(cache_dir / COUNTS_FILE, stamp) if cache_dir is not None else None
    if kept is not None and kept[1]:
        return kept[0]
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SsotError(f"{path}: cannot read the baseline: {exc.strerror or exc}") from None
    digest = _digest(raw)
    if cache_dir is not None and kept is not None and kept[2] == digest:
        _restamp(cache_dir / COUNTS_FILE, stamp)
        return kept[0]
    counts = _parse(path, raw)
    if cache_dir is not None:
        remember_baseline(cache_dir, digest, stamp, counts)
    return BaselineCounts(counts)


def _parse(path: Path, raw: bytes) -> Counter[str]:
    try:
        data = json.loads(raw.decode("utf-8"))
        if data.get("schema") != SCHEMA or not isinstance(data.get("findings"), list):
            raise ValueError("not an ssot baseline")
        if data.get("version") != VERSION:
            raise ValueError(f"baseline version {data.get('version')!r}, this ssot reads version {VERSION}")
        return Counter(str(e["fingerprint"]) for e in data["findings"])
    except (ValueError, TypeError, KeyError, AttributeError) as exc:  # UnicodeDecodeError is a ValueError
        raise SsotError(f"{path}: not a valid ssot baseline ({exc}); "
                        f"rewrite it with `ssot check --update-baseline`") from None


def remember_baseline(cache_dir: Path, digest: str, stamp: Stamp, counts: Mapping[str, int]) -> None:
    """Keep ``counts`` for the baseline whose bytes have ``digest`` (best effort: without it the next check
    parses the file again)."""
    from ssot.app.sqlite_cache import CacheError, write_db

    def fill(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE meta (version INTEGER, digest TEXT, stamp TEXT, stamped_at INTEGER, total INTEGER)")
        db.execute("CREATE TABLE counts (fp TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID")
        db.executemany("INSERT INTO counts VALUES (?, ?)", sorted(counts.items()))
        db.execute("INSERT INTO meta VALUES (?, ?, ?, ?, ?)",
                   (COUNTS_VERSION, digest, json.dumps(stamp), time.time_ns(), sum(counts.values())))

    with contextlib.suppress(*CacheError):
        write_db(cache_dir / COUNTS_FILE, fill)


def remember_written(path: Path, data: bytes, entries: Iterable[Accepted], cache_dir: Path) -> None:
    """Keep the counts of the baseline just written (``data``, the bytes of ``entries``) so that the next check
    need not parse it (best effort).  Its stamp is taken after the write: a change made in between is caught by
    the digest, which is compared while the stamp is that young."""
    try:
        stamp = stat_stamp(os.stat(path))
    except OSError:
        return
    remember_baseline(cache_dir, _digest(data), stamp, Counter(a.fingerprint for a in entries))


def _digest(raw: bytes) -> str:
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


def _kept(path: Path, stamp: Stamp) -> tuple[BaselineCounts, bool, str] | None:
    """The kept counts, whether the stamp alone vouches for them, and the digest they are for; None when absent,
    damaged or of another version."""
    from ssot.app.sqlite_cache import CacheError, open_db

    try:
        db = open_db(path)
        version, digest, kept_stamp, stamped_at, total = db.execute("SELECT * FROM meta").fetchone()
        db.execute("SELECT fp, n FROM counts LIMIT 1").fetchall()
    except (*CacheError, TypeError, ValueError):
        return None
    if version != COUNTS_VERSION or not isinstance(digest, str) or not isinstance(total, int):
        return None
    try:
        same = tuple(json.loads(kept_stamp)) == stamp and stamped_at - stamp[3] > RACY_NS  # [3]: ctime
    except (TypeError, ValueError):
        same = False
    return BaselineCounts(db=db, total=total), same, digest


def _restamp(path: Path, stamp: Stamp) -> None:
    """The kept counts matched the file by digest: record its stamp, so that the next check need not read it."""
    import sqlite3 as sq

    try:
        db = sq.connect(path, isolation_level=None)
        try:
            db.execute("UPDATE meta SET stamp = ?, stamped_at = ?", (json.dumps(stamp), time.time_ns()))
        finally:
            db.close()
    except sq.Error:
        pass


class Left:
    """What of a baseline is not used up yet: each accepted fingerprint accepts one finding (or copy)."""

    def __init__(self, baseline: Mapping[str, int] | None) -> None:
        self.baseline: Mapping[str, int] = baseline or {}
        self.used: Counter[str] = Counter()

    def take(self, fingerprint: str) -> bool:
        """Whether the baseline accepts one more finding of ``fingerprint`` (and counts it used)."""
        if self.used[fingerprint] < self.baseline.get(fingerprint, 0):
            self.used[fingerprint] += 1
            return True
        return False


def new_findings(findings: Iterable[Finding], left: Left) -> list[Finding]:
    """The findings the baseline does not account for (each accepted fingerprint absorbs one finding)."""
    return [f for f in findings if not left.take(f.fingerprint)]
