"""The check index (``<cache_dir>/check-index.sqlite``): what a file check needs of the rest of the tree.

A whole-tree check writes it (:func:`write_store`); a check of a few files reads only the rows
its files lead to (:class:`StoredIndex`): the families they take part in, the fingerprints and
single definitions their definitions are looked up by, the stamps of the files whose rows it
uses.  On the 11k-file generated suite the index holds a quarter of a million copies and forty
thousand fingerprints; a pre-commit check of five files reads a few thousand rows of them.

Every value is plain data: text and numbers in columns, and a fingerprint's shape and tokens as
pickles read with the data-only unpickler (:mod:`ssot.plaindata`): a crafted index cannot make
``check`` run code.  A damaged, crafted or stale index is an error of :data:`IndexError_`, upon
which the caller checks the whole tree (and writes the index again).
"""

from __future__ import annotations

import pickle
import sqlite3
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from ssot.model import Fingerprint, Kind
from ssot.plaindata import loads_plain
from ssot.scanner.textual import CandidateCounts, Named, find_sorted

INDEX_FILE = "check-index.sqlite"
INDEX_VERSION = 11  # 11: the candidate pass's counts; 10: fingerprint sizes in columns; 9: SQLite, read by row
# what reading a damaged or crafted index can raise (beyond SQLite's errors)
IndexError_ = (sqlite3.Error, OSError, KeyError, IndexError, TypeError, ValueError, AttributeError,
               pickle.UnpicklingError, EOFError)

Row = tuple[Any, ...]
CanonicalRef = tuple[str, int, str] | None  # (path, line, name) of the closest canonical copy
MemberRow = tuple[str, int, int, str, str, str, CanonicalRef]  # path, line, end line, qualname, kind, digest
SingleRow = tuple[str, int, int, str, str]  # path, line, end line, qualname, kind
FingerprintRow = tuple[str, tuple[int, ...], tuple[str, ...], int]  # kind, shape, tokens, statements


@dataclass(frozen=True, slots=True)
class IndexData:
    """What a whole-tree check learnt, in the shape the index stores it."""

    root: str
    families: dict[str, tuple[str, int, tuple[str, int, int | None, str] | None]]  # id -> name, lines, canonical
    members: dict[str, list[MemberRow]]  # family id -> its live copies, in the check's order
    canonicals: dict[str, list[tuple[str, int, str, str]]]  # family id -> (path, line, name, digest)
    digest_family: dict[str, str]
    fingerprints: dict[str, FingerprintRow]  # in the variant index's order
    variants: dict[str, Any]  # df, postings, empty (:func:`ssot.app.variant_index.variant_index`)
    stamps: dict[str, tuple[int, int]]  # path -> (size, mtime ns) when indexed
    singletons: dict[str, list[SingleRow]]  # digest or text key -> definitions in no family
    # what the scan's candidate pass counted (None: unknown, a file check then parses its files whole)
    candidates: CandidateCounts | None = None


SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;
CREATE TABLE families (fid TEXT UNIQUE, name TEXT, lines INTEGER, c_path TEXT, c_line INTEGER,
                       c_end INTEGER, c_note TEXT, n INTEGER);
CREATE TABLE members (seq INTEGER PRIMARY KEY, fid TEXT, path TEXT, line INTEGER, end_line INTEGER,
                      qualname TEXT, kind TEXT, digest TEXT, c_path TEXT, c_line INTEGER, c_name TEXT);
CREATE INDEX members_fid ON members (fid, seq);
CREATE INDEX members_path ON members (path, fid);
CREATE TABLE canonicals (fid TEXT, path TEXT, line INTEGER, name TEXT, digest TEXT);
CREATE TABLE digest_family (digest TEXT PRIMARY KEY, fid TEXT) WITHOUT ROWID;
CREATE TABLE fingerprints (pos INTEGER PRIMARY KEY, digest TEXT UNIQUE, fid TEXT, kind TEXT, nshape INTEGER,
                           ntokens INTEGER, shape BLOB, tokens BLOB, statements INTEGER);
CREATE TABLE items (item TEXT PRIMARY KEY, df INTEGER, postings BLOB) WITHOUT ROWID;
CREATE TABLE stamps (path TEXT PRIMARY KEY, size INTEGER, mtime INTEGER) WITHOUT ROWID;
CREATE TABLE singles (seq INTEGER PRIMARY KEY, key TEXT, path TEXT, line INTEGER, end_line INTEGER,
                      qualname TEXT, kind TEXT);
CREATE INDEX singles_key ON singles (key, path);
CREATE TABLE text_files (path TEXT PRIMARY KEY, id INTEGER, named TEXT) WITHOUT ROWID;
CREATE TABLE name_groups (name TEXT, is_class INTEGER, marked INTEGER, others INTEGER,
                          PRIMARY KEY (name, is_class)) WITHOUT ROWID;
"""


def item_key(item: tuple[int, int]) -> str:
    """A shape item as a column value (a feature is a 64-bit unsigned hash: more than SQLite's integers hold)."""
    return f"{item[0]}:{item[1]}"


def _positions(values: Iterable[int]) -> bytes:
    return array("q", values).tobytes()


def _read_positions(blob: bytes) -> list[int]:
    out = array("q")
    out.frombytes(blob)  # a blob of the wrong length: ValueError (a damaged index)
    return out.tolist()


def write_store(path: Path, data: IndexData) -> None:
    """Write the index at ``path`` (atomically: :func:`ssot.app.sqlite_cache.write_db`)."""
    from ssot.app.sqlite_cache import write_db

    def dump(value: Any) -> bytes:
        return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)

    def fill(db: sqlite3.Connection) -> None:
        for statement in SCHEMA.split(";"):  # not executescript(), which would commit the transaction
            if statement.strip():
                db.execute(statement)
        db.executemany("INSERT INTO meta VALUES (?, ?)",
                       [("version", INDEX_VERSION), ("root", data.root),
                        ("empty", _positions(data.variants["empty"]))])
        db.executemany("INSERT INTO families VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       [(fid, name, lines, *(canon or (None, None, None, None)), len(data.members.get(fid, ())))
                        for fid, (name, lines, canon) in data.families.items()])
        db.executemany("INSERT INTO members (fid, path, line, end_line, qualname, kind, digest, c_path, c_line, "
                       "c_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       ((fid, *row[:6], *(row[6] or (None, None, None)))
                        for fid, rows in data.members.items() for row in rows))
        db.executemany("INSERT INTO canonicals VALUES (?, ?, ?, ?, ?)",
                       ((fid, *row) for fid, rows in data.canonicals.items() for row in rows))
        db.executemany("INSERT INTO digest_family VALUES (?, ?)", data.digest_family.items())
        db.executemany("INSERT INTO fingerprints VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       ((pos, digest, data.digest_family[digest], kind, len(shape), len(tokens), dump(shape),
                         dump(tokens), statements)
                        for pos, (digest, (kind, shape, tokens, statements)) in enumerate(data.fingerprints.items())))
        df, postings = data.variants["df"], data.variants["postings"]
        db.executemany("INSERT INTO items VALUES (?, ?, ?)",
                       ((item_key(item), n, _positions(postings.get(item, ()))) for item, n in df.items()))
        db.executemany("INSERT INTO stamps VALUES (?, ?, ?)", ((p, *s) for p, s in data.stamps.items()))
        db.executemany("INSERT INTO singles (key, path, line, end_line, qualname, kind) VALUES (?, ?, ?, ?, ?, ?)",
                       ((key, *row) for key, rows in data.singletons.items() for row in rows))
        counts = data.candidates
        if counts is not None:
            db.executemany("INSERT INTO meta VALUES (?, ?)", [
                ("cand_min_bytes", counts.min_bytes), ("cand_share", counts.share),
                ("cand_window_keys", counts.window_keys.tobytes()),
                ("cand_window_values", counts.window_values.tobytes()),
                ("cand_exact_keys", counts.exact_keys.tobytes()), ("cand_exact_values", counts.exact_values.tobytes())])
            db.executemany("INSERT INTO text_files VALUES (?, ?, ?)",
                           ((rel, f, _named_text(named)) for rel, (f, named) in counts.files.items()))
            db.executemany("INSERT INTO name_groups VALUES (?, ?, ?, ?)",
                           ((name, int(is_class), *n) for (name, is_class), n in counts.groups.items()))

    write_db(path, fill)


class StoredIndex:
    """Read side of :func:`write_store`: each lookup reads the rows it needs (and keeps what it read)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        meta = dict(db.execute("SELECT key, value FROM meta"))
        self.version, self.root = meta.get("version"), meta.get("root")
        self.empty = _read_positions(meta.get("empty") or b"")
        self._singles: dict[str, list[SingleRow]] = {}
        self._digest_family: dict[str, str | None] = {}

    @classmethod
    def open(cls, path: Path) -> StoredIndex | None:
        """The index at ``path``, or None when it is absent, damaged or of another version."""
        from ssot.app.sqlite_cache import open_db

        try:
            index = cls(open_db(path))
        except IndexError_:
            return None
        return index if index.version == INDEX_VERSION else None

    def families(self) -> dict[str, tuple[str, int, tuple[str, int, int | None, str] | None, int]]:
        """Every family: name, duplicated lines, canonical location (or None) and how many copies the index has."""
        rows = self.db.execute("SELECT fid, name, lines, c_path, c_line, c_end, c_note, n FROM families ORDER BY rowid")
        return {fid: (name, int(lines), None if c_path is None else (c_path, int(c_line), c_end, c_note), int(n))
                for fid, name, lines, c_path, c_line, c_end, c_note, n in rows}

    def canonicals(self) -> dict[str, list[tuple[str, int, str, str]]]:
        out: dict[str, list[tuple[str, int, str, str]]] = {}
        for fid, path, line, name, digest in self.db.execute("SELECT * FROM canonicals ORDER BY rowid"):
            out.setdefault(fid, []).append((path, line, name, digest))
        return out

    def family_of(self, digest: str) -> str | None:
        """The family a definition of this fingerprint belongs to (a copy, or a canonical copy), or None."""
        if digest not in self._digest_family:
            row = self.db.execute("SELECT fid FROM digest_family WHERE digest = ?", (digest,)).fetchone()
            self._digest_family[digest] = None if row is None else str(row[0])
        return self._digest_family[digest]

    def singles(self, key: str) -> list[SingleRow]:
        """The definitions in no family with this fingerprint or text key, in the index's order."""
        rows = self._singles.get(key)
        if rows is None:
            rows = self._singles[key] = [
                (str(p), int(line), int(end), str(q), str(k)) for p, line, end, q, k in self.db.execute(
                    "SELECT path, line, end_line, qualname, kind FROM singles WHERE key = ? ORDER BY seq", (key,))]
        return rows

    def singles_count(self, key: str, cap: int = 2) -> int:
        """How many definitions in no family have this key, counted up to ``cap``."""
        rows = self._singles.get(key)
        if rows is not None:
            return min(len(rows), cap)
        return int(self.db.execute("SELECT count(*) FROM (SELECT 1 FROM singles WHERE key = ? LIMIT ?)",
                                   (key, cap)).fetchone()[0])

    def single_at(self, key: str, path: str, qualname: str) -> bool:
        """Whether the definition ``qualname`` of ``path`` is in no family, with this key."""
        return self.db.execute("SELECT 1 FROM singles WHERE key = ? AND path = ? AND qualname = ? LIMIT 1",
                               (key, path, qualname)).fetchone() is not None

    def stamps(self) -> Iterator[tuple[str, int, int]]:
        return iter(self.db.execute("SELECT path, size, mtime FROM stamps"))

    def rows(self, fid: str, leaving_out: Iterable[str] = ()) -> list[MemberRow]:
        """The copies of family ``fid`` in the index's order, but those in the files ``leaving_out``."""
        out = set(leaving_out)
        return [(path, line, end, q, kind, digest, None if c_path is None else (c_path, c_line, c_name))
                for path, line, end, q, kind, digest, c_path, c_line, c_name in self.db.execute(
                    "SELECT path, line, end_line, qualname, kind, digest, c_path, c_line, c_name FROM members "
                    "WHERE fid = ? ORDER BY seq", (fid,)) if path not in out]

    def rows_in(self, paths: Iterable[str]) -> Counter[str]:
        """How many copies of each family the index has in ``paths``."""
        out: Counter[str] = Counter()
        for path in paths:
            out.update(fid for (fid,) in self.db.execute("SELECT fid FROM members WHERE path = ?", (path,)))
        return out

    def families_at(self, path: str) -> set[str]:
        return {str(fid) for (fid,) in self.db.execute("SELECT DISTINCT fid FROM members WHERE path = ?", (path,))}

    def consolidated_copies(self) -> set[tuple[str, str]]:
        """(path, qualname) of every copy of a family whose canonical module exists."""
        fids = [fid for (fid,) in self.db.execute("SELECT fid FROM families WHERE c_path IS NOT NULL")]
        return {(str(p), str(q)) for fid in fids
                for p, q in self.db.execute("SELECT path, qualname FROM members WHERE fid = ?", (fid,))}

    def members(self) -> dict[str, list[MemberRow]]:
        """Every family's copies (all of the index: for tools and tests, not for a file check)."""
        order = [str(fid) for (fid,) in self.db.execute("SELECT fid FROM members GROUP BY fid ORDER BY min(seq)")]
        return {fid: self.rows(fid) for fid in order}  # in the order of the whole-tree check's copies

    def fingerprints(self) -> StoredFingerprints:
        return StoredFingerprints(self.db)

    def candidates(self) -> StoredCandidates | None:
        """The candidate pass's counts (:class:`ssot.scanner.textual.Counted`), or None when the index has none."""
        meta = dict(self.db.execute("SELECT key, value FROM meta WHERE key IN ('cand_min_bytes', 'cand_share')"))
        if "cand_min_bytes" not in meta:
            return None
        return StoredCandidates(self.db, int(meta["cand_min_bytes"]), float(meta["cand_share"]))

    def variant_data(self) -> dict[str, Any]:
        """The variant index's df and postings, read by item (what :class:`ssot.app.variant_index.VariantIndex`
        takes)."""
        items = _Items(self.db)
        return {"df": items.df, "postings": items.postings, "empty": self.empty, "prefetch": items.prefetch}


BATCH = 500  # keys a query asks for at once (SQLite allows 999 parameters by default)


class _Items:
    """The variant index's items: how many fingerprints have each, and the prefix postings."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.rows: dict[tuple[int, int], tuple[int, list[int]] | None] = {}
        self.df = _ItemLookup(self, 0)
        self.postings = _ItemLookup(self, 1)

    def prefetch(self, items: Iterable[tuple[int, int]]) -> None:
        """Read the rows of ``items`` in a few queries (a lookup's items are all needed at once)."""
        missing = {item_key(it): it for it in items if it not in self.rows}
        keys = list(missing)
        for start in range(0, len(keys), BATCH):
            chunk = keys[start:start + BATCH]
            for key, df, postings in self.db.execute(
                    f"SELECT item, df, postings FROM items WHERE item IN ({','.join('?' * len(chunk))})", chunk):
                self.rows[missing[key]] = (int(df), _read_positions(postings))
        for it in missing.values():
            self.rows.setdefault(it, None)

    def get(self, item: tuple[int, int]) -> tuple[int, list[int]] | None:
        if item not in self.rows:
            self.prefetch([item])
        return self.rows[item]


class _ItemLookup:
    """``.get(item, default)`` over one column of :class:`_Items` (what the in-memory dicts offer)."""

    def __init__(self, items: _Items, column: int) -> None:
        self.items, self.column = items, column

    def get(self, item: tuple[int, int], default: Any = None) -> Any:
        row = self.items.get(item)
        if row is None:
            return default
        return row[self.column]


class StoredFingerprints(Mapping[str, Fingerprint]):
    """The index's fingerprints by digest, and by position in the variant index (with their family)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self._by_pos: dict[int, tuple[str, str, tuple[str, tuple[int, ...], tuple[str, ...], int]]] = {}
        self._built: dict[str, Fingerprint] = {}
        self._sizes: list[tuple[str, int, int]] | None = None
        self.families = _FamilyAt(self)

    def sizes(self, i: int) -> tuple[str, int, int]:
        """Kind, shape length and token count of the fingerprint at ``i`` (read for all at once: a lookup
        rules most candidates out on these alone, without reading their shapes and tokens)."""
        if self._sizes is None:
            self._sizes = [(str(kind), int(nshape), int(ntokens)) for kind, nshape, ntokens in self.db.execute(
                "SELECT kind, nshape, ntokens FROM fingerprints ORDER BY pos")]
        return self._sizes[i]

    def _at(self, pos: int) -> tuple[str, str, tuple[str, tuple[int, ...], tuple[str, ...], int]]:
        row = self._by_pos.get(pos)
        if row is None:
            found = self.db.execute("SELECT digest, fid, kind, shape, tokens, statements FROM fingerprints "
                                    "WHERE pos = ?", (pos,)).fetchone()
            if found is None:
                raise IndexError(pos)
            digest, fid, kind, shape, tokens, statements = found
            row = self._by_pos[pos] = (str(digest), str(fid), (str(kind), tuple(loads_plain(shape)),
                                                              tuple(loads_plain(tokens)), int(statements)))
        return row

    def at(self, i: int) -> Fingerprint:
        digest, _, row = self._at(i)
        return self._build(digest, row)

    def family(self, i: int) -> str:
        return self._at(i)[1]

    def _build(self, digest: str, row: tuple[str, tuple[int, ...], tuple[str, ...], int]) -> Fingerprint:
        fp = self._built.get(digest)
        if fp is None:
            kind, shape, tokens, statements = row
            fp = self._built[digest] = Fingerprint(digest, cast(Kind, kind), "", statements, shape, frozenset(tokens))
        return fp

    def __getitem__(self, digest: str) -> Fingerprint:
        fp = self._built.get(digest)
        if fp is not None:
            return fp
        found = self.db.execute("SELECT pos FROM fingerprints WHERE digest = ?", (digest,)).fetchone()
        if found is None:
            raise KeyError(digest)
        return self.at(int(found[0]))

    def __iter__(self) -> Iterator[str]:
        return (str(d) for (d,) in self.db.execute("SELECT digest FROM fingerprints ORDER BY pos"))

    def __len__(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM fingerprints").fetchone()[0])


class _FamilyAt:
    """``families[i]``: the family of the fingerprint at position ``i`` of the variant index."""

    def __init__(self, fps: StoredFingerprints) -> None:
        self.fps = fps

    def __getitem__(self, i: int) -> str:
        return self.fps.family(i)


class StoredCandidates:
    """The candidate pass's counts as a file check reads them: the windows' and exact keys' counts as
    sorted arrays (read whole, in two blobs each: a bisection per look-up), files and names by row."""

    def __init__(self, db: sqlite3.Connection, min_bytes: int, share: float) -> None:
        self.db, self.min_bytes, self.share = db, min_bytes, share
        self._arrays: dict[str, array[int]] = {}

    def _array(self, key: str, code: str) -> array[int]:
        got = self._arrays.get(key)
        if got is None:
            row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
            got = self._arrays[key] = array(code)
            got.frombytes(row[0])  # absent: TypeError; of the wrong length: ValueError (a damaged index)
        return got

    def window(self, w: int) -> int:
        return find_sorted(self._array("cand_window_keys", "Q"), self._array("cand_window_values", "Q"), w)

    def exact(self, key: int) -> int:
        return find_sorted(self._array("cand_exact_keys", "q"), self._array("cand_exact_values", "Q"), key)

    def group(self, name: str, is_class: bool) -> tuple[int, int]:
        row = self.db.execute("SELECT marked, others FROM name_groups WHERE name = ? AND is_class = ?",
                              (name, int(is_class))).fetchone()
        return (0, 0) if row is None else (int(row[0]), int(row[1]))

    def file(self, rel: str) -> tuple[int, list[Named]] | None:
        row = self.db.execute("SELECT id, named FROM text_files WHERE path = ?", (rel,)).fetchone()
        return None if row is None else (int(row[0]), _read_named(str(row[1])))


def _named_text(named: list[Named]) -> str:
    """A file's followed units as one text: a line each, two flags then the name (names are identifiers)."""
    return "\n".join(f"{int(is_class)}{int(based)}{name}" for name, is_class, based in named)


def _read_named(text: str) -> list[Named]:
    return [(line[2:], line[0] == "1", line[1] == "1") for line in text.split("\n") if line]
