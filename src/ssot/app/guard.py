"""``ssot check``: fail only on what is new since the committed baseline.

What ``check`` looks at (rule ids):

``copy-of-consolidated``        a live copy of a family whose canonical module exists (a copy pasted back)
``duplicate-copy``              a new copy of a family that is not consolidated yet
``new-family``                  a family none of whose copies is in the baseline (at least ``family_lines``
                                duplicated lines)
``non-canonical-import``        a consolidated name imported from somewhere else (:mod:`ssot.app.canonical`)
``star-import-hides-canonical`` a consolidated name that arrives through ``import *``
``pytest-uncollectable-class``  a ``Test*`` helper with ``__init__`` in a collected module (pytest warns)
``tests-never-run``             ``test*`` methods of such a class, or ``test*`` functions nested in a
                                function: pytest never runs them
``duplicate-file``              a file of a copied folder (whole-tree checks only: its definitions are
                                no family, see :mod:`ssot.scanner.copied_folders`)

Two ways to get the copies:

- the whole tree (:func:`check_tree`): a scan, with its cache; it also writes the
  *index* (``<cache_dir>/check-index.sqlite``, :mod:`ssot.app.check_index`): each family's copies
  and fingerprints;
- a few files (:func:`ssot.app.check_files.check_files`, what pre-commit passes): only those files are
  read; the rest of the tree comes from the index, a few rows of it (a family's copies
  outside the files are read only when a new copy in them is judged).  A file of the index that has
  changed on disk since is read again.  A definition of a changed file joins a
  family of the index when its fingerprint equals one of the family's, or when it
  is a variant of one (the scan's own similarity test).  What the index does not
  know (a helper defined once elsewhere, copied into a changed file) is found by
  the next whole-tree check.
"""

from __future__ import annotations

import ast
import os
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, cast

from ssot.app.baseline import Accepted, Left, accepted, new_findings
from ssot.app.canonical import (
    ImportChecker,
    canonical_names,
    consolidated_fixtures,
    in_canonical_package,
    module_name,
)
from ssot.app.check_index import INDEX_FILE, IndexData, MemberRow, write_store
from ssot.app.compliance import is_canonical
from ssot.app.validate_rules import RULES as IMPORT_RULES
from ssot.app.variant_index import variant_index
from ssot.config import Config
from ssot.model import Definition, Family, Finding, Fingerprint, Location, ScanResult, finding_fingerprint
from ssot.pytest_config import PytestConfig, load_pytest_config
from ssot.report.common import plural
from ssot.scanner.findings import DUPLICATE_FILE, UNCOLLECTABLE_FIX, definition_key
from ssot.scanner.textual import CandidateCounts, TextIndex

MEMBER_RULE = "family-member"  # baseline entries for copies: one per live copy, whatever the copy kept
COPY_OF_CONSOLIDATED = "copy-of-consolidated"
DUPLICATE_COPY = "duplicate-copy"
NEW_FAMILY = "new-family"
UNCOLLECTABLE = "pytest-uncollectable-class"
NEVER_RUN = "tests-never-run"

RULES: dict[str, str] = {
    COPY_OF_CONSOLIDATED: "A copy of a consolidated helper: its canonical module exists; import it from there.",
    DUPLICATE_COPY: "A new copy of a duplicated helper.",
    NEW_FAMILY: "A newly duplicated helper: two or more copies, none of them in the baseline.",
    **IMPORT_RULES,
    UNCOLLECTABLE: "A Test* class with __init__: pytest cannot collect it and warns on every run.",
    NEVER_RUN: "Tests pytest never runs: methods of an uncollectable Test* class, or tests nested in a function.",
    DUPLICATE_FILE: "A file of a copied folder: the same bytes as the first copy's (a whole-tree check only).",
}


class Member(NamedTuple):
    """One live copy of a family, as ``check`` sees it (a tuple: the index holds tens of thousands)."""

    family: str
    path: str
    line: int
    end_line: int
    qualname: str
    kind: str
    digest: str
    canonical: tuple[str, int, str] | None = None  # (path, line, name) of the closest canonical copy

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.qualname}"

    def accepted(self) -> Finding:
        return Finding(MEMBER_RULE, self.path, self.line, "", key=self.key)

    @property
    def fingerprint(self) -> str:
        """The fingerprint of its baseline entry (that of :meth:`accepted`, without building it)."""
        return finding_fingerprint(MEMBER_RULE, self.path, f"{self.kind}:{self.qualname}")


@dataclass(slots=True)
class FamilyInfo:
    id: str
    name: str
    duplicated_lines: int
    canonical: Location | None  # the copy in the canonical package, when the family is consolidated


@dataclass(frozen=True, slots=True)
class StoredRows:
    """A file check's copies in the index, outside the files it read: read for a family only when judging it needs
    them (a new copy in a family that is not consolidated).  ``order``: the families that have such copies, in the
    order of the check's members."""

    order: list[str]
    rows: Callable[[str], list[Member]]


@dataclass(slots=True)
class Observed:
    """What the tree holds now: copies of families, and every other finding ``check`` knows."""

    families: dict[str, FamilyInfo]
    members: list[Member]
    findings: list[Finding]
    files_read: int = 0
    index_used: bool = False
    stale: list[str] = field(default_factory=list)  # index files read again because they changed
    root: str = ""  # where the files are (a new family is reported at its most recently changed copy)
    stored: StoredRows | None = None  # a file check: the index's copies of the families, before ``members``
    skipped: int = 0  # a file check: named files it could not read, or parse where the scan parses

    def accepted(self) -> list[Accepted]:
        """What ``--update-baseline`` records: every live copy, and every other finding."""
        return accepted([*(m.accepted() for m in self.members), *self.findings])


# ---------------------------------------------------------------- judging against the baseline


def judge(observed: Observed, baseline: Mapping[str, int] | None, family_lines: int = 1,
          only: Iterable[str] | None = None, wanted: Callable[[str], bool] = lambda rule: True) -> list[Finding]:
    """The findings the baseline does not account for (all of them without a baseline).

    ``only``: report findings in these files only (the rest of the tree is context);
    ``wanted``: the rules reported (``--select``/``--ignore``).
    """
    left = Left(baseline)
    focus_files = None if only is None else set(only)

    def accepted_now(m: Member) -> bool:
        """Whether the baseline accepts ``m`` (each accepted fingerprint accepts one copy)."""
        return left.take(m.fingerprint)

    stored = observed.stored
    by_family: dict[str, list[Member]] = {fid: [] for fid in (stored.order if stored is not None else ())}
    for m in observed.members:
        by_family.setdefault(m.family, []).append(m)
    out: list[Finding] = []
    for fid, seen in by_family.items():
        fam = observed.families[fid]
        # a fingerprint names its file, so copies elsewhere never use up the baseline entries of these
        # (the index's copies are outside the files checked: only the copies seen can be in focus)
        focus = seen if focus_files is None else [m for m in seen if m.path in focus_files]
        if not focus:
            continue
        old: list[Member] = []
        new: list[Member] = []
        for m in focus:
            (old if accepted_now(m) else new).append(m)
        if not new:
            continue
        if fam.canonical is not None:
            out.extend(_copy_of_consolidated(fam, m) for m in new)
            continue
        members = [*stored.rows(fid), *seen] if stored is not None and fid in stored.order else seen
        rest = [] if focus_files is None else [m for m in members if m.path not in focus_files]
        known = old[0] if old else next((m for m in rest if accepted_now(m)), None)
        if known is not None:
            out.extend(_duplicate_copy(fam, m, known, len(members)) for m in new)
        elif fam.duplicated_lines >= family_lines:  # no copy accepted: every copy is new
            # with a baseline, a new family is reported where it was pasted (the newest file); without one,
            # at its first copy by path, so that its identity does not move with modification times
            order = newest_first(observed.root, new) if baseline is not None else sorted(new, key=_by_place)
            out.append(_new_family(fam, order, sorted(rest, key=_by_place), baseline is not None))
    out = [f for f in out if wanted(f.rule)]
    copies = {(loc.path, loc.line) for f in out for loc in (f.locations if f.rule == NEW_FAMILY else [f.location])}
    # a copy that also makes pytest warn is one finding: deleting the copy fixes both
    out.extend(f for f in new_findings(observed.findings, left)
               if wanted(f.rule) and not (f.rule in (UNCOLLECTABLE, NEVER_RUN) and (f.path, f.line) in copies))
    if focus_files is not None:
        out = [f for f in out if f.path in focus_files]
    out.sort(key=lambda f: (f.path, f.line, f.rule))
    return out


def _copy_of_consolidated(fam: FamilyInfo, m: Member) -> Finding:
    assert fam.canonical is not None
    path, line, name = m.canonical or (fam.canonical.path, fam.canonical.line, fam.name)
    local = m.qualname.rsplit(".", 1)[-1]
    if path.rsplit("/", 1)[-1] == "conftest.py":  # a fixture: pytest finds it, there is nothing to import
        fix = f"delete it: the fixture {name} in {path} serves this file"
    else:
        as_part = f" as {local}" if local != name else ""
        fix = f"delete it and import the canonical one: `from {module_name(path)} import {name}{as_part}`"
    return Finding(COPY_OF_CONSOLIDATED, m.path, m.line,
                   f"{m.qualname} is a copy of {fam.name}, which is consolidated in {path}",
                   fam.id, "error", end_line=m.end_line, key=m.key, fix=fix,
                   related=(Location(path, line, note=f"canonical {name}"),))


def _duplicate_copy(fam: FamilyInfo, m: Member, old: Member, total: int) -> Finding:
    return Finding(DUPLICATE_COPY, m.path, m.line,
                   f"{m.qualname} is a new copy of {fam.name} (family {fam.id}, {plural(total, 'copy', 'copies')} now)",
                   fam.id, "error", end_line=m.end_line, key=m.key,
                   fix=(f"import the existing one instead, or consolidate the family: `ssot migrate --family {fam.id}`"
                        if "<locals>" not in old.qualname else  # a local class or function cannot be imported
                        f"consolidate the family (`ssot migrate --family {fam.id}`) and import it from the canonical "
                        "module; the existing copy is local to a function"),
                   related=(Location(old.path, old.line, old.end_line, f"existing copy: {old.qualname}"),))


def _by_place(m: Member) -> tuple[str, int]:
    return (m.path, m.line)


def newest_first(root: str, members: list[Member]) -> list[Member]:
    """The copies in the most recently modified files first (the paste, rather than the original), then by path."""
    def mtime(m: Member) -> int:
        try:
            return os.stat(os.path.join(root, m.path)).st_mtime_ns
        except OSError:
            return 0

    return sorted(members, key=lambda m: (-mtime(m), m.path, m.line))


def _new_family(fam: FamilyInfo, focus: list[Member], others: list[Member], has_baseline: bool) -> Finding:
    """One finding for a family none of whose copies is accepted, at its first copy in the files checked
    (``focus``, newest first)."""
    first, *more = focus
    related = [*more, *others]
    copies = plural(1 + len(related), "copy", "copies")
    state = "newly duplicated" if has_baseline else "duplicated"
    return Finding(NEW_FAMILY, first.path, first.line,
                   f"{fam.name} is {state}: {copies} ({fam.duplicated_lines} duplicated lines)"
                   + (", none of them in the baseline" if has_baseline else ""),
                   fam.id, "error", end_line=first.end_line, key=first.key,
                   fix="keep one copy and import it from the others",
                   related=tuple(Location(m.path, m.line, m.end_line, f"copy: {m.qualname}") for m in related))


# ---------------------------------------------------------------- the whole tree


def uncollectable_finding(d: Definition) -> Finding:
    if d.test_methods:
        return Finding(NEVER_RUN, d.path, d.line,
                       f"the {d.test_methods} test method(s) of {d.qualname} never run: pytest cannot collect "
                       "a Test* class with __init__", severity="error", end_line=d.end_line,
                       key=definition_key(d), fix="remove __init__ (use setup_method or a fixture)")
    return Finding(UNCOLLECTABLE, d.path, d.line,
                   f"pytest cannot collect {d.qualname} (a Test* class with __init__) and warns on every run",
                   severity="error", end_line=d.end_line, key=definition_key(d), fix=UNCOLLECTABLE_FIX)


def _test_methods(text: str | None, line: int) -> int:
    """How many ``test*`` methods the class whose header is at ``line`` has, read from the text."""
    from ssot.scanner.fingerprint import TEST_PREFIX
    from ssot.scanner.textual import index_text

    if text is None:
        return 0
    units = index_text(text.encode("utf-8", "surrogateescape")).units
    k = next((k for k, u in enumerate(units) if u.line == line and u.is_class), None)
    if k is None:
        return 0
    return sum(1 for u in units if u.parent == k and not u.is_class and u.name.startswith(TEST_PREFIX))


def nested_tests(rel: str, text: str, pytest_cfg: PytestConfig, index: TextIndex | None = None) -> list[Finding]:
    """``test*`` functions nested in a function of a collected module that pytest never sees.

    A nested function the enclosing function uses (calls it, passes it on: ``test(self)``
    after a decorator, an admin action named ``test_action``) is deliberate, not a hidden test.
    With the file's text ``index``, only the module-level definitions holding a hit are parsed.
    """
    from ssot.collect.static import nested_test_lines

    if not pytest_cfg.collects(rel):
        return []
    hits = set(nested_test_lines(text, pytest_cfg.python_functions))
    if not hits:
        return []
    tree = _holding(text, index, hits) if index is not None else None
    if tree is None:
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError):
            return []
    out: list[Finding] = []
    seen: Counter[str] = Counter()
    funcs = (ast.FunctionDef, ast.AsyncFunctionDef)
    for outer in ast.walk(tree):
        if not isinstance(outer, funcs):
            continue
        end = outer.end_lineno or outer.lineno
        if not any(outer.lineno < h <= end for h in hits):
            continue  # no hit left inside it: it claims nothing (its nested functions' lines are inside it)
        used = {n.id for n in ast.walk(outer) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        for inner in ast.walk(outer):
            if inner is outer or not isinstance(inner, funcs) or inner.name in used:
                continue
            line = inner.decorator_list[0].lineno if inner.decorator_list else inner.lineno
            if inner.lineno not in hits and line not in hits:
                continue
            hits.discard(inner.lineno)  # reported once, under its innermost enclosing function first seen
            hits.discard(line)
            seen[inner.name] += 1
            out.append(Finding(NEVER_RUN, rel, inner.lineno,
                               f"test {inner.name} is nested inside {outer.name}(): pytest never runs it",
                               severity="error", key=f"nested:{outer.name}.{inner.name}:{seen[inner.name]}",
                               fix="move it to module level (or into a Test* class)"))
    return sorted(out, key=lambda f: f.line)


def _holding(text: str, index: TextIndex, hits: set[int]) -> ast.Module | None:
    """A module of the module-level definitions that hold the ``hits`` (parsed alone, at their lines), or
    None when one is not a module-level definition the text index can delimit (the caller parses the file)."""
    from ssot.scanner.extract import decorated_start

    source = text.split("\n")
    tops = [u for u in index.units if u.parent == -1]
    body: list[ast.stmt] = []
    for u in tops:
        if not any(u.line <= h <= u.end for h in hits):
            continue
        if u.indent:
            return None  # inside an ``if`` or a ``try``: not a statement of its own
        start = decorated_start(source, u)
        try:
            tree = ast.parse("\n" * (start - 1) + "\n".join(source[start - 1:u.end]))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None
        if len(tree.body) != 1 or not isinstance(tree.body[0], (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) \
                or tree.body[0].lineno != u.line:
            return None
        body.extend(tree.body)
    if any(not any(t.line <= h <= t.end for t in tops) for h in hits):
        return None
    return ast.Module(body=body, type_ignores=[])


def copied_lines(fam: Family) -> int:
    """Lines that would go if every live copy of the same code but one went, whatever its names are bound to.

    A file check knows a copy by its fingerprint (the bindings of a file it does not read are not in the
    index), so the guard counts a paste whose imports differ as the copy it is; the scan's
    ``duplicated_lines`` counts only what is interchangeable as it is.
    """
    sizes: dict[str, list[int]] = defaultdict(list)
    for c in fam.classes:
        sizes[c.fingerprint].extend(d.size for d in c.members if not d.in_backup)
    return sum(sum(s) - max(s) for s in sizes.values() if s)


def observe_scan(cfg: Config, result: ScanResult, texts: dict[str, str] | None = None) -> Observed:
    """What ``check`` sees in a whole-tree scan result."""
    families: dict[str, FamilyInfo] = {}
    members: list[Member] = []
    uncollectable: dict[tuple[str, int], Definition] = {}
    fixtures = consolidated_fixtures(cfg)
    for fam in result.families:
        canonicals = [d for d in fam.members if is_canonical(cfg, fixtures, d)]
        canon = canonicals[0] if canonicals else None
        families[fam.id] = FamilyInfo(fam.id, fam.name, copied_lines(fam),
                                      None if canon is None else Location(canon.path, canon.line, canon.end_line,
                                                                          f"canonical {canon.qualname}"))
        for d in fam.members:
            if d.pytest_warning:
                uncollectable[(d.path, d.line)] = d
            if d.in_backup or is_canonical(cfg, fixtures, d):
                continue
            members.append(Member(fam.id, d.path, d.line, d.end_line, d.qualname, d.kind, d.fingerprint,
                                  closest(d.fingerprint, canonicals, result.fingerprints)))
    # a method of a copied class is the class's copy, not its own
    members, _ = outermost_copies(members, {}, lambda _digest: 0, lambda m: families[m.family].duplicated_lines > 0)
    findings = [uncollectable_finding(d) for d in uncollectable.values()]
    # the scan reports uncollectable classes outside families as findings only; one holding tests is
    # worded, and fingerprinted, as a file check words it: its tests never run
    for f in result.findings:
        if f.rule == UNCOLLECTABLE and (f.path, f.line) not in uncollectable:
            tests = _test_methods((texts or {}).get(f.path), f.line)
            if tests:
                qualname = (f.key or "").partition(":")[2]
                findings.append(uncollectable_finding(Definition(f.path, f.line, f.line, f.end_line or f.line, qualname,
                                                          qualname.rpartition(".")[2], "class", "",
                                                          test_methods=tests)))
                continue
            findings.append(Finding(UNCOLLECTABLE, f.path, f.line, f.message, severity="error",
                                    end_line=f.end_line, key=f.key, fix=f.fix))
        elif f.rule == DUPLICATE_FILE:  # its definitions are in no family: the file is the copy
            findings.append(f)
    copies = {(m.path, m.qualname) for m in members if canon_of(families, m)}
    checker = ImportChecker(cfg, canonical_names(cfg), copies)
    pytest_cfg = load_pytest_config(cfg.root)
    files_read = 0
    for rel, text in (texts or {}).items():
        files_read += 1
        findings += checker.check(rel, text)
        findings += nested_tests(rel, text, pytest_cfg)
    return Observed(families, members, findings, files_read, root=str(cfg.root))


def closest(digest: str, canonicals: Sequence[Definition], fps: Mapping[str, Fingerprint]) \
        -> tuple[str, int, str] | None:
    """The canonical copy a copy is closest to: the same fingerprint, else the most alike one."""
    from ssot.scanner.similarity import multiset_jaccard, set_jaccard

    if not canonicals:
        return None
    mine = fps.get(digest)

    def score(d: Definition) -> float:
        if d.fingerprint == digest:
            return 3.0
        other = fps.get(d.fingerprint)
        if mine is None or other is None:
            return 0.0
        return multiset_jaccard(mine.shape, other.shape) + set_jaccard(mine.tokens, other.tokens)

    best = max(canonicals, key=lambda d: (score(d), -d.line))
    return (best.path, best.line, best.name)


def canon_of(families: dict[str, FamilyInfo], m: Member) -> bool:
    return families[m.family].canonical is not None


def read_texts(cfg: Config, rels: Iterable[str], is_test: Any) -> dict[str, str]:
    """The text of each test-code file (unreadable ones are left to the scan's report)."""
    from ssot.files import UnreadableFile, read_source

    out: dict[str, str] = {}
    for rel in rels:
        if not rel.endswith(".py") or not is_test(rel):
            continue
        try:
            out[rel] = read_source(cfg.root / rel, cfg.max_file_bytes).text
        except UnreadableFile:
            continue
    return out


def check_tree(cfg: Config, *, use_cache: bool = True, jobs: int | None = None,
               progress: Any = None) -> tuple[Observed, ScanResult]:
    """Scan the whole tree, observe it and refresh the index for later file checks."""
    from ssot.files import discover
    from ssot.scanner.engine import scan
    from ssot.scope import load_scope

    result = scan(None, config=cfg, jobs=jobs, use_cache=use_cache, progress=progress)
    files, _ = discover(cfg.root, cfg.paths, cfg.exclude)
    scope = load_scope(cfg.root)
    observed = observe_scan(cfg, result, read_texts(cfg, files, scope.is_test_code))
    if use_cache:
        write_index(cfg, observed, result, *_singletons(cfg, observed, scope.is_test_code))
    return observed, result


def _singletons(cfg: Config, observed: Observed, is_test: Callable[[str], bool]) \
        -> tuple[dict[str, list[tuple[str, int, int, str, str]]], CandidateCounts | None]:
    """Definitions of test code that are in no family, by fingerprint (from the scan's cache), and what
    the scan's candidate pass counted (a file check judges by it which of its definitions to parse).

    A file check finds a copy of one of these (a helper copied from a file it does not
    read) by its exact fingerprint.  The scan parses only definitions with a textual
    near-copy: the others are listed by their text's exact key (:func:`text_key`), which a
    file check compares with the text of what it reads.
    """
    from ssot.files import gitignore_spec
    from ssot.scanner.cache import ScanCache
    from ssot.scanner.textual import counts_of, kind_of, min_code_bytes, qualname_of, text_key

    in_family = {m.digest for m in observed.members}
    backups = gitignore_spec(cfg.backup_globs)
    out: dict[str, list[tuple[str, int, int, str, str]]] = defaultdict(list)
    cache = ScanCache.load(cfg.cache_path)
    for rel, entry in cache.files.items():
        if not is_test(rel) or backups.match_file(rel) or in_canonical_package(cfg, rel):
            continue
        for u in entry.extract.units:
            if u.counts(cfg.min_lines, cfg.min_tokens) and u.digest not in in_family:
                out[u.digest].append((rel, u.line, u.end_line, u.qualname, u.kind))
        index = entry.extract.index
        if index is not None:
            done = entry.extract.done
            for k, t in enumerate(index.units):
                if t.line not in done and t.size >= min_code_bytes(cfg.min_tokens):
                    out[text_key(t.exact)].append((rel, t.line, t.end, qualname_of(index.units, k),
                                                   kind_of(index.units, k)))
    state = cache.candidates
    counts = counts_of(state) if state is not None and state.min_bytes == min_code_bytes(cfg.min_tokens) else None
    return dict(out), counts


# ---------------------------------------------------------------- the index, and a few files


def write_index(cfg: Config, observed: Observed, result: ScanResult,
                singletons: dict[str, list[tuple[str, int, int, str, str]]] | None = None,
                candidates: CandidateCounts | None = None) -> None:
    """``<cache_dir>/check-index.sqlite``: what file checks need of the rest of the tree (best effort;
    :mod:`ssot.app.check_index`)."""
    _save(cfg, index_data(cfg, observed, result, singletons, candidates))


def index_data(cfg: Config, observed: Observed, result: ScanResult,
               singletons: dict[str, list[tuple[str, int, int, str, str]]] | None = None,
               candidates: CandidateCounts | None = None) -> IndexData:
    """What the index holds of a whole-tree check."""
    root = str(cfg.root)
    stamps: dict[str, tuple[int, int]] = {}
    members: dict[str, list[MemberRow]] = defaultdict(list)
    for m in observed.members:
        members[m.family].append(cast(MemberRow, tuple(m[1:])))
        if m.path not in stamps:
            try:
                st = os.stat(os.path.join(root, m.path))
            except OSError:
                continue
            stamps[m.path] = (st.st_size, st.st_mtime_ns)
    fixtures = consolidated_fixtures(cfg)
    canonicals = {fam.id: [(d.path, d.line, d.name, d.fingerprint) for d in fam.members
                           if is_canonical(cfg, fixtures, d)] for fam in result.families}
    digest_family: dict[str, str] = {}
    for m in observed.members:
        digest_family.setdefault(m.digest, m.family)
    for fid, rows in canonicals.items():
        for row in rows:
            digest_family.setdefault(row[3], fid)
    for single_rows in (singletons or {}).values():
        for single in single_rows:
            if single[0] not in stamps:
                try:
                    st = os.stat(os.path.join(root, single[0]))
                except OSError:
                    continue
                stamps[single[0]] = (st.st_size, st.st_mtime_ns)
    variant_fps = [fp for d in sorted(digest_family) if (fp := result.fingerprints.get(d)) is not None]
    return IndexData(
        root=root,
        families={fid: (f.name, f.duplicated_lines, None if f.canonical is None else
                        (f.canonical.path, f.canonical.line, f.canonical.end_line, f.canonical.note))
                  for fid, f in observed.families.items()},
        members=dict(members),
        canonicals={fid: rows for fid, rows in canonicals.items() if rows},
        digest_family=digest_family,
        fingerprints={fp.digest: (fp.kind, fp.shape, tuple(sorted(fp.tokens)), fp.statements) for fp in variant_fps},
        variants=variant_index(variant_fps),
        stamps=stamps,
        singletons=singletons or {},
        candidates=candidates,
    )


def _save(cfg: Config, data: IndexData) -> None:
    from ssot.app.sqlite_cache import CacheError

    try:
        write_store(cfg.cache_path / INDEX_FILE, data)
        ignore = cfg.cache_path / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# created by ssot\n*\n", encoding="utf-8")
    except CacheError:
        pass  # the index only makes file checks fast: a tree ssot cannot write to is checked whole


Loose = dict[str, list[Member]]  # digest -> copies outside any family


def outermost_copies(joined: list[Member], loose: Loose, singles: Callable[[str], int],
               counted: Callable[[Member], bool]) -> tuple[list[Member], Loose]:
    """The scan's maximal copies: a definition inside a copy in its own file is the copy's, not a copy of its own
    (``singles``: how many definitions in no family the index has of a digest, outside the files read).  A
    copy encloses when its family duplicates lines (``counted``): inside a class whose copies are all
    variants of each other (none redundant), a method copied as it is stays a copy of its own."""
    copies = [*(m for m in joined if counted(m)),
              *(m for d, ms in loose.items() if len(ms) + singles(d) > 1 for m in ms)]
    enclosing = {(m.path, m.qualname) for m in copies}

    def inner(m: Member) -> bool:
        """Whether a copy in its file encloses ``m``: its qualname is one of ``m``'s dotted prefixes."""
        q = m.qualname
        dot = q.find(".")
        while dot != -1:
            if (m.path, q[:dot]) in enclosing:
                return True
            dot = q.find(".", dot + 1)
        return False

    kept = {d: [m for m in ms if not inner(m)] for d, ms in loose.items()}
    return [m for m in joined if not inner(m)], {d: ms for d, ms in kept.items() if ms}


