"""What a scan's assembly reads, gathered before it runs, and when the last result can stand for it.

The assembly (families, blocks, descriptions, commented-out copies, look-alikes, findings) reads the
files only through these inputs (the definitions and their bindings, the commented-out copies, the
groups of files of the same content, the definitions known only from the text), and the sources of
the copies it shows.  So a rescan whose inputs digest to the last result's, with every file holding a
shown copy unchanged, has that result as its own: an edit that reaches no definition (a statement or
an import added at module level, a comment between two functions) is not assembled again.
"""

from __future__ import annotations

import hashlib
import io
import pickle
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ssot.config import Config
from ssot.files import UnreadableFile, gitignore_spec, read_source
from ssot.model import CommentedCopy, Definition, ScanResult, SkippedFile
from ssot.scanner.bindings import resolve
from ssot.scanner.blocks import Gap
from ssot.scanner.cache import Entry, shown_copies
from ssot.scanner.copied_folders import FolderCopies, folder_copies
from ssot.scanner.extract import FileExtract
from ssot.scanner.textual import min_code_bytes
from ssot.scope import TestScope

Bindings = dict[tuple[str, str], tuple[tuple[str, str], ...]]  # (path, qualname) -> (free name, what binds it)
SameFile = tuple[str, int, int]  # a copy of a whole file: path, lines, module-level definitions of a size to count


@dataclass(slots=True)
class AssemblyInputs:
    defs: list[Definition]
    commented: list[CommentedCopy]
    bindings: Bindings
    same_files: list[list[SameFile]]  # groups of two or more files of the same bytes
    gaps: list[Gap]
    errors: list[SkippedFile]  # files that do not parse
    copies: FolderCopies  # the copied folders and their files (see :func:`copies_of`)


@dataclass(slots=True)
class FileInputs:
    """One file's part of the inputs (a file that does not parse has only its ``error``)."""

    defs: list[Definition]
    commented: list[CommentedCopy]
    bindings: list[tuple[tuple[str, str], tuple[tuple[str, str], ...]]]
    gaps: list[Gap]
    error: SkippedFile | None = None


FileKey = tuple[str, frozenset[int], bool, bool, bool]  # content digest, units parsed, collected, backup, library
Standing = tuple[str, bool, bool, bool]  # content digest, collected, backup, library
FileDigests = dict[str, tuple[FileKey, str]]  # path -> (its key, the digest of its inputs) of the last scan


class Gatherer:
    """Each file's inputs, as one scan sees them (its settings, which files are test code, backups)."""

    def __init__(self, config: Config, scope: TestScope) -> None:
        self.config, self.scope = config, scope
        self.backups = gitignore_spec(config.backup_globs)
        self.floor = min_code_bytes(config.min_tokens)
        self._roles: dict[str, tuple[bool, bool, bool]] = {}  # (a path's role does not change in a scan)
        self._whole: dict[str, tuple[int, int] | None] = {}

    def standing(self, rel: str, entry: Entry) -> Standing:
        """What makes two files copies of one another: the same bytes, and standing alike (both collected
        or neither, both backups or neither, both test code or neither)."""
        role = self._roles.get(rel)
        if role is None:
            role = self._roles[rel] = (bool(self.scope.pytest.collects(rel)), bool(self.backups.match_file(rel)),
                                       not self.scope.is_test_code(rel))
        return (entry.digest, *role)

    def whole(self, entry: Entry) -> tuple[int, int] | None:
        """The file's lines and module-level definitions of a size to count, when it holds a definition of
        that size at any level (a copy of it is a whole-file copy worth a block); else None."""
        digest = entry.digest  # (it follows from the content: files of the same bytes are worked out once)
        if digest not in self._whole:
            self._whole[digest] = _whole_file(entry.extract, self.floor)
        return self._whole[digest]

    def key(self, rel: str, entry: Entry) -> FileKey:
        """What the file's inputs follow from (its units are those of ``done``: see engine._candidates_only)."""
        digest, collected, backup, library = self.standing(rel, entry)
        return digest, entry.extract.done, collected, backup, library

    def file(self, rel: str, entry: Entry, key: FileKey) -> FileInputs:
        ex = entry.extract
        out = FileInputs([], [], [], _gaps(rel, ex, self.floor))
        if ex.generated or ex.error or not ex.parsed:
            if ex.error and ex.parsed:
                reason, line = ex.error
                out.error = SkippedFile(rel, reason, line)
            return out
        _, _, collected, in_backup, library = key
        config = self.config
        bound: dict[str, str] | None = None
        for u in ex.units:
            if not u.counts(config.min_lines, config.min_tokens):
                continue
            out.defs.append(Definition(
                path=rel, line=u.line, start_line=u.start_line, end_line=u.end_line, qualname=u.qualname,
                name=u.name, kind=u.kind, fingerprint=u.digest, nested=u.nested,  # type: ignore[arg-type]
                is_async=u.is_async, collected=collected, in_backup=in_backup, has_init=u.has_init,
                test_methods=u.test_methods, parent=u.parent, tokens=u.tokens, library=library,
                cosmetic=u.cosmetic,
            ))
            if u.free:
                if bound is None:
                    bound = module_names(rel, ex)
                out.bindings.append(((rel, u.qualname), tuple((n, bound.get(n, "?")) for n in u.free)))
        for line, end, name, kind, digest in ex.commented:
            out.commented.append(CommentedCopy(rel, line, end, name, kind, digest,  # type: ignore[arg-type]
                                               in_backup=in_backup))
        return out


def gather(g: Gatherer, entries: dict[str, Entry], copies: FolderCopies,
           parts: dict[str, FileInputs] | None = None) -> AssemblyInputs:
    """The inputs of assembling ``entries`` (the files in scope, each with only this scan's candidates);
    ``copies``: the files of copied folders (:func:`copies_of`); ``parts``: files' inputs gathered
    already (by :func:`inputs_digest`)."""
    inputs = AssemblyInputs([], [], {}, same_files(g, entries), [], [], copies)
    gathered = parts or {}
    for rel in sorted(entries):
        entry = entries[rel]
        part = gathered.get(rel) or g.file(rel, entry, g.key(rel, entry))
        inputs.gaps += part.gaps
        if part.error is not None:
            inputs.errors.append(part.error)
            continue
        inputs.defs += part.defs
        inputs.commented += part.commented
        inputs.bindings.update(part.bindings)
    return inputs


def same_files(g: Gatherer, entries: Mapping[str, Entry]) -> list[list[SameFile]]:
    """The groups of two or more files of the same bytes holding a definition of a size to count (a file
    that does not parse, or is generated, is in none)."""
    same: dict[str, list[SameFile]] = {}  # by content digest
    for rel in sorted(entries):
        entry = entries[rel]
        ex = entry.extract
        whole = None if ex.generated or ex.error else g.whole(entry)
        if whole is not None:
            same.setdefault(entry.digest, []).append((rel, *whole))
    return [group for group in same.values() if len(group) > 1]


def copies_of(g: Gatherer, entries: Mapping[str, Entry]) -> FolderCopies:
    """Each file of ``entries`` inside a copied folder (:mod:`~ssot.scanner.copied_folders`; files the same
    when their bytes are and they stand alike: :meth:`Gatherer.standing`), mapped to the first copy's.

    The candidate pass counts only the first: a definition is not a candidate for being in a copied
    folder, each copied file is reported once as a whole-file block.
    """
    return folder_copies({rel: g.standing(rel, entry) for rel, entry in entries.items()},
                         {rel for rel, entry in entries.items() if g.whole(entry) is not None})


def _whole_file(ex: FileExtract, floor: int) -> tuple[int, int] | None:
    """:meth:`Gatherer.whole`, worked out."""
    index = ex.index
    if index is None:  # extracted whole: its units are every definition
        top = sum(1 for u in ex.units if not u.parent)
        return (ex.lines, top) if ex.units else None
    sizes = index.sizes  # (columns: no units made for this)
    if not any(size >= floor for size in sizes):
        return None
    return ex.lines, sum(1 for parent, size in zip(index.parents, sizes, strict=True) if parent == -1 and size >= floor)


def inputs_digest(g: Gatherer, entries: dict[str, Entry], copies: FolderCopies, settings: str,
                  skipped: list[SkippedFile], last: FileDigests) \
        -> tuple[str, FileDigests, dict[str, FileInputs]]:
    """A digest of everything :func:`gather` gives but the shown sources (``settings``: the scan's, as a key),
    each file's part of it, and the inputs of the files it gathered (for :func:`gather`, should the
    assembly run); a file whose key is the one in ``last`` is not gathered again.

    Pickled without the pickler's memo: two equal inputs give the same bytes whichever of their strings
    happen to be one object (a cached file's units and a freshly parsed file's share them differently).
    """
    now: FileDigests = {}
    parts: dict[str, FileInputs] = {}
    h = hashlib.blake2b(digest_size=16)
    h.update(settings.encode())
    for rel in sorted(entries):
        entry = entries[rel]
        key = g.key(rel, entry)
        kept = last.get(rel)
        if kept is not None and kept[0] == key:
            digest = kept[1]
        else:
            parts[rel] = part = g.file(rel, entry, key)
            digest = _digest(rel, part)
        now[rel] = (key, digest)
        h.update(f"{rel}\0{digest}\n".encode("utf-8", "surrogateescape"))
    h.update(_plain(same_files(g, entries)))  # (a file's whole-file lines count only here)
    h.update(_plain((sorted(copies.files.items()), copies.folders)))
    h.update(_plain(sorted((s.path, s.reason, s.line or 0) for s in skipped)))
    return h.hexdigest(), now, parts


def _digest(rel: str, part: FileInputs) -> str:
    return hashlib.blake2b(_plain((rel, part.defs, part.commented, part.bindings, part.gaps, part.error)),
                           digest_size=16).hexdigest()


def _plain(data: object) -> bytes:
    buf = io.BytesIO()
    pickler = pickle.Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.fast = True  # (no memo: equal values, equal bytes; the inputs hold no cycles)
    pickler.dump(data)
    return buf.getvalue()


Places = dict[tuple[str, int, int], str]  # (path, first line, last line) -> the digest of the file then


def shown_places(result: ScanResult, files: dict[str, Entry]) -> Places:
    """Where the result's shown copies stand (:func:`~ssot.scanner.cache.shown_copies`: the copies whose
    sources the result holds), with their files' digests."""
    out: Places = {}
    for _, rep in shown_copies(result.families):
        entry = files.get(rep.path)
        out[(rep.path, rep.start_line, rep.end_line)] = entry.digest if entry is not None else ""
    return out


def still_shown(root: Path, places: Places, files: dict[str, Entry],
                kept: dict[tuple[str, int, int], tuple[str, str]]) -> bool:
    """Whether every copy a result showed reads as it did: its file unchanged, or its lines the same
    (``kept``: the sources the result showed, with their files' digests then)."""
    texts: dict[str, list[str] | None] = {}
    for place, digest in places.items():
        entry = files.get(place[0])
        if entry is None:
            return False
        if entry.digest == digest:
            continue
        then = kept.get(place)
        if then is None or then[0] != digest or shown_source(root, *place, texts) != then[1]:
            return False
    return True


def shown_source(root: Path, path: str, start: int, end: int, texts: dict[str, list[str] | None]) -> str:
    """The source of lines ``start``..``end`` of ``path`` as a report shows it (dedented; ``""`` when the
    file cannot be read), its lines read once per file (``texts``)."""
    if path not in texts:
        try:
            texts[path] = read_source(root / path, 1 << 40).text.split("\n")
        except UnreadableFile:
            texts[path] = None
    lines = texts[path]
    return textwrap.dedent("\n".join(lines[start - 1:end])) if lines else ""


def _gaps(rel: str, ex: FileExtract, floor: int) -> list[Gap]:
    """The file's definitions of a size to count that were not parsed (no textual near-copy)."""
    index = ex.index
    if index is None:
        return []
    out: list[Gap] = []
    done = ex.done
    classes = index.classes
    qualnames: list[str] = []  # as qualname_of spells them, in one pass (a parent comes before its units)
    # (over the index's columns: a file read back from the cache makes no units for this)
    for name, p, line, end, size in zip(index.names, index.parents, index.starts, index.ends, index.sizes,
                                        strict=True):
        qualnames.append(name if p == -1 else f"{qualnames[p]}{'.' if classes[p] else '.<locals>.'}{name}")
        if line in done or size < floor:
            continue
        out.append(Gap(rel, qualnames[p] if p != -1 else "", line, line, end))
    return out


def module_names(rel: str, ex: FileExtract) -> dict[str, str]:
    """What each module-level name of the file is bound to (module-level definitions: their digest;
    those not parsed, the hash of their text)."""
    bound = {name: resolve(rel, what) for name, what in ex.bindings}
    if ex.index is not None:
        index = ex.index
        for name, parent, exact in zip(index.names, index.parents, index.exacts, strict=True):
            if parent == -1:
                bound[name] = f"text:{exact & 0xFFFFFFFFFFFF:012x}"
    for u in ex.units:
        if not u.parent:
            bound[u.name] = "def:" + u.digest
    return bound
