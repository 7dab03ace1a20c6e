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
from dataclasses import dataclass
from pathlib import Path

from ssot.config import Config
from ssot.files import UnreadableFile, gitignore_spec, read_source
from ssot.model import CommentedCopy, Definition, ScanResult, SkippedFile
from ssot.scanner.bindings import resolve
from ssot.scanner.blocks import Gap
from ssot.scanner.cache import Entry
from ssot.scanner.extract import FileExtract
from ssot.scanner.textual import min_code_bytes
from ssot.scope import TestScope

Bindings = dict[tuple[str, str], tuple[tuple[str, str], ...]]  # (path, qualname) -> (free name, what binds it)


@dataclass(slots=True)
class AssemblyInputs:
    defs: list[Definition]
    commented: list[CommentedCopy]
    bindings: Bindings
    same_files: list[list[tuple[str, int]]]  # groups of two or more files of the same bytes: (path, lines)
    gaps: list[Gap]
    errors: list[SkippedFile]  # files that do not parse


def gather(config: Config, scope: TestScope, entries: dict[str, Entry]) -> AssemblyInputs:
    """The inputs of assembling ``entries`` (the files in scope, each with only this scan's candidates)."""
    backups = gitignore_spec(config.backup_globs)
    defs: list[Definition] = []
    commented: list[CommentedCopy] = []
    bindings: Bindings = {}
    errors: list[SkippedFile] = []
    same: dict[str, list[tuple[str, int]]] = {}
    for rel in sorted(entries):
        ex = entries[rel].extract
        if not ex.parsed or ex.generated:
            continue
        if ex.error:
            reason, line = ex.error
            errors.append(SkippedFile(rel, reason, line))
            continue
        if ex.units:
            same.setdefault(entries[rel].digest, []).append((rel, ex.lines))
        collected = scope.pytest.collects(rel)
        in_backup = backups.match_file(rel)
        library = not scope.is_test_code(rel)
        bound: dict[str, str] | None = None
        for u in ex.units:
            if not u.counts(config.min_lines, config.min_tokens):
                continue
            defs.append(Definition(
                path=rel, line=u.line, start_line=u.start_line, end_line=u.end_line, qualname=u.qualname,
                name=u.name, kind=u.kind, fingerprint=u.digest, nested=u.nested,  # type: ignore[arg-type]
                is_async=u.is_async, collected=collected, in_backup=in_backup, has_init=u.has_init,
                test_methods=u.test_methods, parent=u.parent, tokens=u.tokens, library=library,
                cosmetic=u.cosmetic,
            ))
            if u.free:
                if bound is None:
                    bound = module_names(rel, ex)
                bindings[(rel, u.qualname)] = tuple((n, bound.get(n, "?")) for n in u.free)
        for line, end, name, kind, digest in ex.commented:
            commented.append(CommentedCopy(rel, line, end, name, kind, digest, in_backup=in_backup))  # type: ignore[arg-type]
    return AssemblyInputs(defs, commented, bindings, [g for g in same.values() if len(g) > 1],
                          gaps(entries, config.min_tokens), errors)


def inputs_digest(inputs: AssemblyInputs, settings: str, skipped: list[SkippedFile]) -> str:
    """A digest of everything the assembly reads but the shown sources (``settings``: the scan's, as a key).

    Pickled without the pickler's memo: two equal inputs give the same bytes whichever of their strings
    happen to be one object (a cached file's units and a freshly parsed file's share them differently).
    """
    buf = io.BytesIO()
    pickler = pickle.Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.fast = True  # (no memo: equal values, equal bytes; the inputs hold no cycles)
    pickler.dump((settings, inputs.defs, inputs.commented, inputs.bindings, inputs.same_files, inputs.gaps,
                  sorted((s.path, s.reason, s.line or 0) for s in (*skipped, *inputs.errors))))
    return hashlib.blake2b(buf.getbuffer(), digest_size=16).hexdigest()


Places = dict[tuple[str, int, int], str]  # (path, first line, last line) -> the digest of the file then


def shown_places(result: ScanResult, files: dict[str, Entry]) -> Places:
    """Where the result's shown copies stand (each class's representative, in its first family: the
    copy whose source the result holds), with their files' digests."""
    out: Places = {}
    seen: set[str] = set()
    for fam in result.families:
        for cls in fam.classes:
            if cls.fingerprint in seen:
                continue
            seen.add(cls.fingerprint)
            rep = cls.representative
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


def gaps(entries: dict[str, Entry], min_tokens: int) -> list[Gap]:
    """The definitions of a size to count that were not parsed (no textual near-copy)."""
    out: list[Gap] = []
    floor = min_code_bytes(min_tokens)
    for rel in sorted(entries):  # (in path order, as every input: a rescan's entries come in another)
        ex = entries[rel].extract
        index = ex.index
        if index is None:
            continue
        done = ex.done
        units = index.units
        qualnames: list[str] = []  # as qualname_of spells them, in one pass (a parent comes before its units)
        for u in units:
            p = u.parent
            qualnames.append(u.name if p == -1 else
                             f"{qualnames[p]}{'.' if units[p].is_class else '.<locals>.'}{u.name}")
            if u.line in done or u.size < floor:
                continue
            out.append(Gap(rel, qualnames[p] if p != -1 else "", u.line, u.line, u.end))
    return out


def module_names(rel: str, ex: FileExtract) -> dict[str, str]:
    """What each module-level name of the file is bound to (module-level definitions: their digest;
    those not parsed, the hash of their text)."""
    bound = {name: resolve(rel, what) for name, what in ex.bindings}
    if ex.index is not None:
        for t in ex.index.units:
            if t.parent == -1:
                bound[t.name] = f"text:{t.exact & 0xFFFFFFFFFFFF:012x}"
    for u in ex.units:
        if not u.parent:
            bound[u.name] = "def:" + u.digest
    return bound
