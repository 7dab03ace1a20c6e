"""The one data model every stage and every report reads.

The scan produces it; ``collect``, ``plan``, ``migrate`` and ``check`` build on
it; each report format is a view of it.  Plain dataclasses, no behaviour beyond
small derived properties: findings are computed by the scan, never by a report.
"""

from __future__ import annotations

import hashlib
import operator
from dataclasses import dataclass, field
from typing import Literal

from ssot.fieldpickle import pickled_by_fields

# ``method``: a function defined in a class body; ``test``: a test function or test method pytest collects
Kind = Literal["class", "function", "method", "fixture", "test"]
# what a family's copies are: helpers (test infrastructure) or duplicated tests (the same test body twice)
Category = Literal["helper", "test"]

SCHEMA_VERSION = 1


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Definition:
    """One definition found in a file: class, function, method, fixture or test, at any level."""

    path: str  # POSIX path relative to the scan root
    line: int  # line of the ``class``/``def`` keyword
    start_line: int  # first line, decorators included
    end_line: int
    qualname: str  # ``outer.<locals>.Inner`` for nested definitions
    name: str
    kind: Kind
    fingerprint: str  # equal fingerprints = interchangeable copies
    nested: bool = False
    is_async: bool = False
    collected: bool = False  # the module is one pytest collects
    in_backup: bool = False  # under a backup/stale folder
    has_init: bool = False  # class defines ``__init__``
    test_methods: int = 0  # ``test*`` methods of a class
    parent: str = ""  # qualname of the enclosing definition ("" at module level)
    tokens: int = 0  # size in code tokens (docstrings, comments, annotations left out)
    library: bool = False  # library code (scanned with --all): reported, never a migration target
    cosmetic: str = ""  # digest of its behaviour-neutral parts (annotations, marks)

    @property
    def size(self) -> int:
        return self.end_line - self.start_line + 1

    @property
    def pytest_warning(self) -> bool:
        """pytest cannot collect this module-level ``Test*`` class (it has ``__init__``) and warns."""
        return (self.kind == "class" and self.collected and not self.nested and self.name.startswith("Test")
                and self.has_init)

    @property
    def location(self) -> str:
        return f"{self.path}:{self.line}"


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What the scan learnt about one distinct piece of code (shared by its copies)."""

    digest: str  # the fingerprint itself
    kind: Kind
    source: str  # normalised source: no docstrings or comments, name replaced by ``_``
    statements: int  # statements in the normalised body
    shape: tuple[int, ...]  # sorted hashes of statement shapes, names and literals abstracted
    tokens: frozenset[str]  # identifiers and literals used (the defined name excluded)


# which member of a class is its representative: the least by this (a C-level key: reports ask often)
_REPRESENTATIVE_ORDER = operator.attrgetter("in_backup", "nested", "path", "line")


@pickled_by_fields
@dataclass(slots=True)
class EquivalenceClass:
    """Copies that can replace one another with no change in behaviour."""

    id: str  # ``<family id>/<letter>``; A is the largest class
    fingerprint: str
    members: list[Definition]
    differences: list[str] = field(default_factory=list)  # how it differs from class A, in words
    superset_of: list[str] = field(default_factory=list)  # ids of classes it can serve unchanged
    # behaviour-neutral differences between its members (annotations, marks): they do not split it
    cosmetic: list[str] = field(default_factory=list)
    bindings: dict[str, str] = field(default_factory=dict)  # free name -> what it resolves to, here

    @property
    def representative(self) -> Definition:
        """The member whose source is kept: live before backup, module level before nested, then path order."""
        return min(self.members, key=_REPRESENTATIVE_ORDER)

    @property
    def names(self) -> list[str]:
        return sorted({d.name for d in self.members})


@pickled_by_fields
@dataclass(slots=True)
class CommentedCopy:
    """A run of commented-out lines that is Python code defining a class or function."""

    path: str
    line: int  # line of the commented ``class``/``def``
    end_line: int
    name: str
    kind: Kind
    fingerprint: str
    family: str | None = None  # id of the family it copies, if any
    in_backup: bool = False


@pickled_by_fields
@dataclass(slots=True)
class Family:
    """Every copy of one piece of code, near-miss variants included."""

    id: str
    name: str  # the most common defined name
    kind: Kind
    classes: list[EquivalenceClass]  # largest first
    commented: list[CommentedCopy] = field(default_factory=list)
    category: Category = "helper"
    # same-named definitions deliberately kept out of the family (traps avoided)
    look_alikes: list[Definition] = field(default_factory=list)

    @property
    def members(self) -> list[Definition]:
        return [d for c in self.classes for d in c.members]

    @property
    def live_members(self) -> list[Definition]:
        return [d for d in self.members if not d.in_backup]

    @property
    def duplicated_lines(self) -> int:
        """Lines that would go if every live copy but one per class went."""
        total = 0
        for c in self.classes:
            live = [d for d in c.members if not d.in_backup]
            total += sum(d.size for d in live) - (max((d.size for d in live), default=0))
        return total

    @property
    def pytest_warnings(self) -> int:
        return sum(d.pytest_warning for d in self.members)


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class BlockCopy:
    """One place where a duplicated block stands."""

    path: str
    start_line: int
    end_line: int


@pickled_by_fields
@dataclass(slots=True)
class Block:
    """A run of consecutive duplicated definitions (or a whole duplicated file), reported once."""

    id: str
    copies: list[BlockCopy]
    units: int  # definitions in the run
    whole_file: bool = False


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class CopiedFolder:
    """A folder holding the same files as another at every level below it (the top-most of a copy)."""

    path: str
    copy_of: str  # the first copy, in path order
    files: int  # files below it


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class SkippedFile:
    """A file the scan could not read or parse, and why."""

    path: str
    reason: str
    line: int | None = None


Severity = Literal["error", "warning", "note"]


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Location:
    """A place a finding points at: a file, and the lines in it when known (0 = the whole file)."""

    path: str
    line: int = 0
    end_line: int | None = None
    note: str = ""  # what this place is, for a related location ("copy kept here")


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Cost:
    """What a finding costs the project, when measured (``ssot collect``): time, warnings, tests."""

    seconds: float = 0.0
    share_of_time: float = 0.0  # of the collection's wall time
    warnings: int = 0
    share_of_warnings: float = 0.0  # of all collection warnings
    tests: int = 0  # tests it hides or loses


NO_COST = Cost()


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Finding:
    """One actionable observation: the unit of SARIF results, of ``ssot check`` and of ``ssot validate``.

    ``path``/``line`` are the primary location; ``related`` holds the others (the
    copy kept, the canonical module).  ``key`` is what identifies the finding
    inside its file without line numbers (a qualified name, an imported name):
    with ``rule`` and ``path`` it makes :attr:`fingerprint`, which survives moved
    lines and reformatting, so a baseline or a code-scanning dashboard keeps the
    finding's identity across commits.
    """

    rule: str  # e.g. "duplicate-copy"
    path: str
    line: int
    message: str
    family: str | None = None
    severity: Severity = "warning"
    end_line: int | None = None
    fix: str | None = None  # what to do about it, in words
    key: str = ""  # identity within the file; empty: the message (with digits taken out) stands in
    related: tuple[Location, ...] = ()
    detail: str = ""  # why, in a sentence or two, beyond the message
    cost: Cost = NO_COST

    @property
    def location(self) -> Location:
        return Location(self.path, self.line, self.end_line)

    @property
    def locations(self) -> tuple[Location, ...]:
        """The primary location first, then the related ones."""
        return (self.location, *self.related)

    # the names the collect profile (and its renderer) uses for these
    @property
    def title(self) -> str:
        return self.message

    @property
    def paths(self) -> list[str]:
        """Each location as ``path:line`` (``path`` alone for a whole file or folder)."""
        return [f"{loc.path}:{loc.line}" if loc.line else loc.path for loc in self.locations if loc.path]

    @property
    def seconds(self) -> float:
        return self.cost.seconds

    @property
    def share_of_time(self) -> float:
        return self.cost.share_of_time

    @property
    def warnings(self) -> int:
        return self.cost.warnings

    @property
    def share_of_warnings(self) -> float:
        return self.cost.share_of_warnings

    @property
    def tests(self) -> int:
        return self.cost.tests

    @property
    def fingerprint(self) -> str:
        """A digest of rule, path and key: equal for the same finding wherever its lines move."""
        return finding_fingerprint(self.rule, self.path,
                                   self.key or "".join(ch for ch in self.message if not ch.isdigit()))


def finding_fingerprint(rule: str, path: str, key: str) -> str:
    """What :attr:`Finding.fingerprint` is: a digest of rule, path and key (no line numbers)."""
    return hashlib.sha256(f"{rule}\0{path}\0{key}".encode("utf-8", "surrogateescape")).hexdigest()[:32]


@pickled_by_fields
@dataclass(slots=True)
class ScanStats:
    files: int = 0
    parsed: int = 0
    cached: int = 0
    definitions: int = 0
    seconds: float = 0.0


@pickled_by_fields
@dataclass(slots=True)
class ScanResult:
    root: str
    families: list[Family]
    commented_out: list[CommentedCopy]
    skipped: list[SkippedFile]
    findings: list[Finding]
    fingerprints: dict[str, Fingerprint]
    stats: ScanStats
    definitions: int = 0
    blocks: list[Block] = field(default_factory=list)
    copied_folders: list[CopiedFolder] = field(default_factory=list)

    @property
    def partial(self) -> bool:
        return bool(self.skipped)

    def family(self, key: str) -> Family | None:
        """Look a family up by id, or by name when that name is unambiguous."""
        for f in self.families:
            if f.id == key:
                return f
        named = [f for f in self.families if f.name == key]
        return named[0] if len(named) == 1 else None
