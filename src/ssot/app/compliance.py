"""``ssot validate``: how far the consolidation has come, measured on the tree as it is now.

**SSOT compliance** of a family is the share of its live copies that are
consolidated: a *consolidated copy* is a test-code file that imports the
family's names from its canonical module; an *unconsolidated copy* is a live
definition of the family anywhere else (copies under backup folders are not
live).  ``consolidated / (consolidated + unconsolidated)``, per family, per
phase (``[tool.ssot.phases]``) and over every family that has a canonical
module (the *score* that ``min_compliance`` is compared with).  Families not
consolidated yet are listed with their copies (0%), and counted in the
"all families" figure.

The canonical-import check is :class:`ssot.app.canonical.ImportChecker`.
Collection figures are read from profiles ``ssot collect --format json -o FILE`` recorded,
never estimated: tests collected, wall time, peak memory, warnings, errors.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ssot.app.canonical import (
    CanonicalName,
    ImportChecker,
    canonical_names,
    consolidated_fixtures,
    fixture_requests,
    in_canonical_package,
    serves,
)
from ssot.config import Config
from ssot.model import Definition, Finding, Location, ScanResult

if TYPE_CHECKING:
    from ssot.app.test_outcomes import Comparison
    from ssot.collect.profile import Profile

NO_PHASE = "(no phase)"


@dataclass(slots=True)
class Share:
    consolidated: int = 0
    copies: int = 0

    @property
    def score(self) -> float | None:
        total = self.consolidated + self.copies
        return self.consolidated / total if total else None

    def add(self, other: Share) -> None:
        self.consolidated += other.consolidated
        self.copies += other.copies


@dataclass(slots=True)
class FamilyScore:
    id: str
    name: str
    canonical: list[str]  # canonical module files (empty: not consolidated yet)
    share: Share
    phases: dict[str, Share]
    copies: list[Location]  # the unconsolidated copies

    @property
    def consolidated(self) -> bool:
        return bool(self.canonical)


@dataclass(slots=True)
class Figure:
    """One collection figure, before (the baseline profile) and now."""

    name: str
    unit: str
    baseline: float | None
    now: float | None
    better: str  # "lower" | "higher": which way is an improvement

    @property
    def change(self) -> float | None:
        return None if self.baseline is None or self.now is None else self.now - self.baseline


@dataclass(slots=True)
class Validation:
    root: str
    families: list[FamilyScore]
    score: Share  # over consolidated families
    score_all: Share  # over every tracked family
    phases: dict[str, Share]  # over consolidated families
    imports: list[Finding]  # non-canonical imports of consolidated names
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    min_compliance: float = 0.0
    tests: Comparison | None = None  # the suite run now against the tests baseline (``--run-tests``)

    @property
    def below_bar(self) -> bool:
        s = self.score.score
        return s is not None and s < self.min_compliance

    @property
    def failed(self) -> bool:
        return self.below_bar or bool(self.imports) or bool(self.tests and self.tests.no_longer_passing)

    def add_tests(self, tests: Comparison | None) -> None:
        """The tests passing figure (before and now) and what changed, from a run of the suite; or say that
        none was measured."""
        self.tests = tests
        if tests is None:
            self.notes.append("tests passing: not measured (`ssot validate --run-tests` runs the suite; "
                              "`--save-baseline` records the run to compare with)")
            return
        before = None if tests.baseline is None else float(tests.baseline.passing)
        self.figures.insert(0, Figure("tests passing", "", before, float(tests.now.passing), "higher"))
        self.notes += tests.notes()


def is_canonical(cfg: Config, fixtures: dict[str, CanonicalName], d: Definition) -> bool:
    """The consolidated definition itself: in the canonical package, or a fixture a migration put in a conftest."""
    if in_canonical_package(cfg, d.path):
        return True
    fx = fixtures.get(d.name)
    return d.kind == "fixture" and fx is not None and fx.path == d.path


def phase_of(cfg: Config, specs: list[tuple[str, Any]], rel: str) -> str:
    for name, spec in specs:
        if spec.match_file(rel):
            return name
    return NO_PHASE


def measure(cfg: Config, result: ScanResult, texts: dict[str, str]) -> Validation:
    """Compliance per family and phase, and the import check, over the scan and the test files' text."""
    from ssot.files import gitignore_spec

    specs = [(name, gitignore_spec(globs)) for name, globs in cfg.phases.items()]
    names = canonical_names(cfg)
    fixtures = consolidated_fixtures(cfg)

    def canonical(d: Definition) -> bool:
        return is_canonical(cfg, fixtures, d)

    copies_of = {(d.path, d.name) for f in result.families for d in f.members
                 if any(canonical(m) for m in f.members)}
    checker = ImportChecker(cfg, names, copies_of)
    sites: dict[str, set[str]] = {}  # canonical module -> files importing from it
    fixture_sites: dict[str, set[str]] = defaultdict(set)  # consolidated fixture -> files it serves that use it
    mention = re.compile(r"\b(?:{})\b".format("|".join(map(re.escape, sorted(fixtures))))) if fixtures else None
    imports: list[Finding] = []
    for rel, text in texts.items():
        found, modules = checker.inspect(rel, text)
        imports += found
        for m in modules:
            sites.setdefault(m, set()).add(rel)
        if mention is not None and mention.search(text) and rel.rsplit("/", 1)[-1] != "conftest.py":
            try:
                tree = ast.parse(text)
            except (SyntaxError, ValueError):
                continue
            for name in fixture_requests(tree, fixtures):
                if serves(fixtures[name].path, rel):
                    fixture_sites[name].add(rel)
    module_of_path = {c.path: c.module for c in names.values()}

    scores: list[FamilyScore] = []
    claimed: set[str] = set()
    claimed_fixtures: set[str] = set()
    for fam in result.families:
        if fam.category != "helper":  # duplicated tests are not consolidated into a canonical module
            continue
        canon_defs = [d for d in fam.members if canonical(d)]
        canonical_paths = sorted({d.path for d in canon_defs})
        claimed.update(d.path for d in canon_defs if in_canonical_package(cfg, d.path))
        live = [d for d in fam.members if not d.in_backup and not canonical(d)]
        importers: set[str] = set()
        for d in canon_defs:
            if in_canonical_package(cfg, d.path):
                importers |= sites.get(module_of_path.get(d.path, ""), set())
            else:
                importers |= fixture_sites.get(d.name, set())
                claimed_fixtures.add(d.name)
        importers -= {d.path for d in live}  # a file with a copy of its own is not consolidated, import or not
        scores.append(_score(cfg, specs, fam.id, fam.name, canonical_paths, importers,
                             [Location(d.path, d.line, d.end_line, d.qualname) for d in live]))
    for name, fx in sorted(fixtures.items()):  # a fixture every copy of which is gone
        if name not in claimed_fixtures:
            scores.append(_score(cfg, specs, name, name, [fx.path], fixture_sites.get(name, set()), []))
    by_file: dict[str, list[str]] = defaultdict(list)
    for c in names.values():
        by_file[c.path].append(c.name)
    for path, defined in sorted(by_file.items()):  # every copy gone (no backups left): a family of its own
        if path not in claimed:
            importers = sites.get(module_of_path[path], set())
            scores.append(_score(cfg, specs, Path(path).stem, defined[0], [path], importers, []))

    score, score_all = Share(), Share()
    phases: defaultdict[str, Share] = defaultdict(Share)
    for s in scores:
        score_all.add(s.share)
        if s.consolidated:
            score.add(s.share)
            for p, share in s.phases.items():
                phases[p].add(share)
    scores.sort(key=lambda s: (not s.consolidated, s.share.score if s.share.score is not None else 2, s.id))
    imports.sort(key=lambda f: (f.path, f.line))
    return Validation(str(cfg.root), scores, score, score_all, dict(sorted(phases.items())), imports,
                      min_compliance=cfg.min_compliance)


def _score(cfg: Config, specs: list[tuple[str, Any]], fid: str, name: str, canonical: list[str],
           importers: set[str], copies: list[Location]) -> FamilyScore:
    phases: dict[str, Share] = defaultdict(Share)
    for rel in importers:
        phases[phase_of(cfg, specs, rel)].consolidated += 1
    for loc in copies:
        phases[phase_of(cfg, specs, loc.path)].copies += 1
    share = Share(len(importers), len(copies))
    return FamilyScore(fid, name, canonical, share, dict(sorted(phases.items())), copies)


def collection_figures(baseline: Path | Profile | None, now: Path | Profile | None) -> tuple[list[Figure], list[str]]:
    """Figures of two recorded collection profiles (``ssot collect --format json -o FILE`` files, or profiles from the
    history); notes say what is missing."""
    from ssot.collect.profile import Profile

    notes: list[str] = []
    loaded = [None if p is None else (p if isinstance(p, Profile) else Profile.load(p)).measurement
              for p in (baseline, now)]
    if loaded == [None, None]:
        notes.append("collection not measured: run `ssot collect` before and after (the history keeps them), "
                     "or pass --profile (and --baseline-profile) files written by `ssot collect --format json -o FILE`")
        return [], notes
    b, n = loaded

    def get(m: Any, attr: str) -> float | None:
        if m is None:
            return None
        if attr == "warnings":
            return float(len(m.warnings))
        if attr == "errors":
            return float(len(m.errors))
        value = getattr(m, attr)
        return None if value is None else float(value)

    rows = [("tests collected", "", "tests", "higher"), ("collection wall time", "s", "wall_seconds", "lower"),
            ("collection CPU time", "s", "cpu_seconds", "lower"), ("peak memory", "MB", "peak_rss_bytes", "lower"),
            ("collection warnings", "", "warnings", "lower"), ("collection errors", "", "errors", "lower")]
    figures = []
    for label, unit, attr, better in rows:
        scale = 1 / 1e6 if attr == "peak_rss_bytes" else 1
        bv, nv = get(b, attr), get(n, attr)
        figures.append(Figure(label, unit, None if bv is None else bv * scale, None if nv is None else nv * scale,
                              better))
    if b is None:
        notes.append("no baseline collection (--baseline-profile, or an earlier `ssot collect`): figures shown "
                     "without one")
    return figures, notes
