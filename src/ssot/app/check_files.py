"""``ssot check FILE...``: a few files checked against the index of the rest of the tree.

Only the named files are read (and the files of the index their copies lead to, when those
changed since); as the scan does, only their definitions with a textual near-copy are parsed,
judged against the candidate pass's counts the index kept.  What comes out is an
:class:`~ssot.app.guard.Observed`, judged against the baseline as a whole-tree check's is.
"""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, cast

from ssot.app.canonical import ImportChecker, canonical_names, in_canonical_package
from ssot.app.check_index import INDEX_FILE, IndexError_, StoredIndex
from ssot.app.guard import (
    FamilyInfo,
    Member,
    Observed,
    StoredRows,
    closest,
    nested_tests,
    outermost_copies,
    uncollectable_finding,
)
from ssot.app.variant_index import VariantIndex
from ssot.config import Config
from ssot.model import Definition, Finding, Fingerprint, Location
from ssot.pytest_config import load_pytest_config
from ssot.scanner.textual import TextIndex


def read_index(path: Path) -> StoredIndex | None:
    """The index at ``path``, or None when it is absent, damaged or of another version."""
    return StoredIndex.open(path)


def check_files(cfg: Config, rels: Sequence[str]) -> Observed | None:
    """Observe ``rels`` against the index of the rest of the tree; None when there is no usable index."""
    index = read_index(cfg.cache_path / INDEX_FILE)
    if index is None or index.root != str(cfg.root):
        return None
    try:
        return _check_files(cfg, rels, index)
    except IndexError_:  # a damaged (or crafted) index: check the tree
        return None


def _changed(root: str, stamps: Iterable[tuple[str, int, int]], leaving_out: set[str]) -> list[str]:
    """The files of the index (but ``leaving_out``) whose size or modification time changed, or that are gone."""
    out = []
    stat = os.stat
    fd = os.open(root, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)) if stat in os.supports_dir_fd else None
    try:
        for path, size, mtime in stamps:
            if path in leaving_out:
                continue
            try:  # relative to the root's descriptor: the root's own path is not walked ten thousand times
                st = stat(path, dir_fd=fd) if fd is not None else stat(os.path.join(root, path))
            except OSError:
                out.append(path)
                continue
            if st.st_size != size or st.st_mtime_ns != mtime:
                out.append(path)
    finally:
        if fd is not None:
            os.close(fd)
    return out


class _FileReader:
    """Reads files of a file check: their copies (joined to families of the index, or loose) and their texts.

    As a scan does, only the definitions with a textual near-copy are parsed and fingerprinted:
    which they are is judged against the candidate pass's counts the index kept
    (:func:`ssot.scanner.textual.marks_against`), never fewer than the scan would parse.  An
    index without them (or counted with other settings) has its files parsed whole.
    """

    def __init__(self, cfg: Config, index: StoredIndex) -> None:
        from ssot.scanner.extract import Extractor
        from ssot.scanner.textual import min_code_bytes

        self.cfg = cfg
        self.index = index
        self.fps = index.fingerprints()
        self.variants = VariantIndex(index.variant_data(), self.fps, self.fps.families)
        self.canon_defs = {fid: [Definition(p, line, line, line, name, name, "class", digest)
                                 for p, line, name, digest in rows] for fid, rows in index.canonicals().items()}
        self.pytest_cfg = load_pytest_config(cfg.root)
        self.backups = _backup_spec(cfg)
        self.extractor = Extractor()
        counted = index.candidates()
        self.counted = counted if counted is not None and counted.min_bytes == min_code_bytes(cfg.min_tokens) \
            else None
        self.loaded: dict[str, tuple[str, TextIndex, set[int] | None] | None] = {}  # rel -> text, index, marks
        self.texts: dict[str, str] = {}
        self.unread: set[str] = set()  # files that could not be read, or parsed where the scan parses
        self.findings: list[Finding] = []
        self.joined: list[Member] = []
        self.loose: dict[str, list[Member]] = defaultdict(list)  # digest -> copies outside families

    def _scanned_alone(self, rel: str, qualname: str, digest: str) -> bool:
        """Whether the scan saw this definition, as it is, and put it in no family: the scan's decision
        stands (a variant test of a family member that the family's representative is not alike)."""
        return self.index.single_at(digest, rel, qualname)

    def load(self, rels: Iterable[str]) -> None:
        """Read ``rels`` and judge their candidates together (a copy between two of them counts)."""
        from ssot.files import UnreadableFile, read_bytes_and_source
        from ssot.scanner.textual import index_text, marks_against

        cfg = self.cfg
        got: dict[str, TextIndex] = {}
        for rel in rels:
            if rel in self.loaded:
                continue
            if not rel.endswith(".py") or self.backups.match_file(rel) or in_canonical_package(cfg, rel):
                self.loaded[rel] = None
                continue
            try:
                data, source = read_bytes_and_source(cfg.root / rel, cfg.max_file_bytes)
            except (UnreadableFile, OSError):
                self.loaded[rel] = None
                self.unread.add(rel)
                continue
            ix = index_text(data)
            self.loaded[rel] = (source.text, ix, None)
            got[rel] = ix
        if self.counted is not None and got:
            for rel, marks in marks_against(got, self.counted).items():
                text, ix, _ = cast(tuple[str, TextIndex, None], self.loaded[rel])
                self.loaded[rel] = (text, ix, marks)

    def read(self, rel: str, is_test: Callable[[str], bool], report: bool) -> None:
        """Extract ``rel``; ``report``: a named file, whose findings are reported (else context only)."""
        from ssot.scanner.extract import FileExtract
        from ssot.scanner.textual import min_code_bytes, text_key

        cfg = self.cfg
        self.load([rel])
        loaded = self.loaded[rel]
        if loaded is None:
            return
        text, ix, marks = loaded
        if report and is_test(rel):
            self.texts[rel] = text
        if marks is None:
            ex = self.extractor.extract(text)
        else:
            from ssot.scanner.bindings import is_generated

            if is_generated(text):
                return
            ex = self.extractor.parse_candidates(text, FileExtract(index=ix, lines=ix.lines), marks)
        if ex.error:
            self.unread.add(rel)
            return
        collected = self.pytest_cfg.collects(rel)
        all_fps = _Layered(self.extractor.fingerprints, self.fps)
        keys: dict[int, str] | None = None  # header line -> exact key of the text (the index's unparsed singles)
        for u in ex.units:
            if not u.counts(cfg.min_lines, cfg.min_tokens):
                continue
            if report and collected and u.kind == "class" and not u.nested and u.name.startswith("Test") \
                    and u.has_init:
                d = Definition(rel, u.line, u.start_line, u.end_line, u.qualname, u.name, "class", u.digest,
                               has_init=True, collected=True, test_methods=u.test_methods)
                self.findings.append(uncollectable_finding(d))
            fam = self.index.family_of(u.digest)
            if fam is None and (fp := self.extractor.fingerprints.get(u.digest)) is not None \
                    and not self._scanned_alone(rel, u.qualname, u.digest):
                fam = self.variants.family_of(fp)
            canonical = closest(u.digest, self.canon_defs.get(fam or "", []), all_fps)
            member = Member(fam or "", rel, u.line, u.end_line, u.qualname, u.kind, u.digest, canonical)
            if fam is not None:
                self.joined.append(member)
            else:
                self.loose[member.digest].append(member)
                # a copy of a definition the scan knows by its text only
                if keys is None:
                    keys = {t.line: text_key(t.exact) for t in ix.units if t.size >= min_code_bytes(cfg.min_tokens)}
                key = keys.get(u.line)
                if key is not None and self.index.singles_count(key, 1):
                    self.loose[key].append(member._replace(digest=key))


def _check_files(cfg: Config, rels: Sequence[str], index: StoredIndex) -> Observed:
    from ssot.scope import load_scope

    root = cfg.root
    named = set(rels)
    stored = index.families()
    families = {fid: FamilyInfo(fid, name, lines, None if canon is None else Location(*canon))
                for fid, (name, lines, canon, _) in stored.items()}
    singles = index.singles
    scope = load_scope(root)
    reader = _FileReader(cfg, index)
    reader.load(sorted(named))
    for rel in sorted(named):
        reader.read(rel, scope.is_test_code, report=True)
    # the families the named files take part in (now, or in the index), whole; the others cannot give a
    # finding in them.  Of the rest of the tree, only the files of these families' copies (and of the
    # definitions a loose copy may match) are looked at again, when they changed since the index.
    touched = {m.family for m in reader.joined}
    touched |= {fid for rel in named for fid in index.families_at(rel)}
    changed = _changed(str(root), index.stamps(), named)
    loose_files = {row[0] for digest in reader.loose for row in singles(digest)} if changed else set()
    stale = sorted(p for p in changed if p in loose_files or index.families_at(p) & touched)
    for rel in stale:  # changed since the index: its copies are read again (its findings are not reported)
        reader.read(rel, scope.is_test_code, report=False)
    reread = named | set(stale)

    def singles_elsewhere(digest: str) -> int:
        """The index's definitions in no family with this digest, outside the files read (those are read now)."""
        return sum(1 for row in index.singles(digest) if row[0] not in reread)

    joined_digests = Counter(j.digest for j in reader.joined)
    index_digests: dict[str, set[str]] = {}  # family -> the digests of its copies in the index, outside the files read

    def duplicates_lines(m: Member) -> bool:
        """Whether ``m``'s family duplicates lines now: it did in the index, or ``m`` is an exact copy of
        another copy (a paste of a variant of a family whose copies were all variants)."""
        if m.family not in families or families[m.family].duplicated_lines > 0 or joined_digests[m.digest] > 1:
            return True
        if m.family not in index_digests:
            index_digests[m.family] = {row[5] for row in index.rows(m.family, reread)}
        return m.digest in index_digests[m.family]

    joined, loose = outermost_copies(reader.joined, reader.loose, singles_elsewhere, duplicates_lines)
    in_reread = index.rows_in(reread)
    order = [fid for fid in sorted(touched) if fid in stored and stored[fid][3] > in_reread[fid]]
    members = [m for m in joined if m.family in touched]
    formed: set[frozenset[tuple[str, int]]] = set()
    for digest, copies in loose.items():  # a helper copied from a file not read, or among the files read
        if not any(m.path in named for m in copies):  # copies in changed files of the context only
            continue
        if index.singles_count(digest) > 1:
            # the tree held it twice or more and the scan made no family of it (a thin wrapper, a copy inside
            # a whole copied file...): not a finding of a file check either
            continue
        copies += [Member("", path, line, end, qualname, kind, digest)
                   for path, line, end, qualname, kind in singles(digest) if path not in reread]
        places = frozenset((m.path, m.line) for m in copies)
        if places in formed:  # the same copies found by their fingerprint and by their text: one family
            continue
        formed.add(places)
        if len(copies) > 1:
            fid = f"new:{digest[:12]}"
            lines = sum(m.end_line - m.line + 1 for m in copies[1:])
            families[fid] = FamilyInfo(fid, copies[0].qualname.rsplit(".", 1)[-1], lines, None)
            members += [m._replace(family=fid) for m in copies]
    copies_of = index.consolidated_copies()
    copies_of |= {(m.path, m.qualname) for m in joined if families[m.family].canonical is not None}
    checker = ImportChecker(cfg, canonical_names(cfg), copies_of)
    findings = reader.findings  # only the named files can give findings that are reported
    for rel, text in reader.texts.items():
        findings += checker.check(rel, text)
        loaded = reader.loaded.get(rel)
        findings += nested_tests(rel, text, reader.pytest_cfg, loaded[1] if loaded is not None else None)

    def rows(fid: str) -> list[Member]:
        return [Member(fid, *row) for row in index.rows(fid, reread)]

    return Observed(families, members, findings, files_read=len(reread), index_used=True, stale=stale,
                    skipped=len(reader.unread & named),
                    root=str(cfg.root), stored=StoredRows(order, rows))


class _Layered(Mapping[str, Fingerprint]):
    """The fingerprints of the files read, then those of the index."""

    def __init__(self, first: Mapping[str, Fingerprint], then: Mapping[str, Fingerprint]) -> None:
        self.first, self.then = first, then

    def __getitem__(self, digest: str) -> Fingerprint:
        fp = self.first.get(digest)
        return fp if fp is not None else self.then[digest]

    def __iter__(self) -> Iterator[str]:
        return iter({**dict.fromkeys(self.first), **dict.fromkeys(self.then)})

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _backup_spec(cfg: Config) -> Any:
    from ssot.files import gitignore_spec

    return gitignore_spec(cfg.backup_globs)


def diff_files(cfg: Config, base: str) -> list[str]:
    """Files changed since ``base`` (its merge base with HEAD), staged and unstaged, relative to the root."""
    import subprocess

    from ssot.errors import SsotError

    def git(*args: str) -> str:
        try:
            proc = subprocess.run(["git", *args], cwd=cfg.root, capture_output=True, text=True, check=False)
        except OSError as exc:
            raise SsotError(f"--diff-base needs git: {exc}") from None
        if proc.returncode:
            raise SsotError(f"--diff-base {base}: git {' '.join(args)} failed: {proc.stderr.strip()}")
        return proc.stdout

    top = Path(git("rev-parse", "--show-toplevel").strip())
    merge_base = git("merge-base", base, "HEAD").strip()
    names = git("diff", "--name-only", "--diff-filter=ACMR", merge_base, "--").splitlines()
    names += git("ls-files", "--others", "--exclude-standard", "--full-name", ":/").splitlines()
    out = []
    for name in dict.fromkeys(names):
        path = (top / name).resolve()
        try:
            out.append(path.relative_to(cfg.root.resolve()).as_posix())
        except ValueError:
            continue
    return [p for p in out if p.endswith(".py") and (cfg.root / p).is_file()]
