"""What every report format shares: ordering, counting and wording over the model.

Nothing here finds anything: it sorts, counts and phrases what the scan put in
the :class:`~ssot.model.ScanResult`.  Each format module (text, JSON, SARIF,
Markdown) imports these helpers instead of re-deriving them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from ssot.model import CommentedCopy, Definition, EquivalenceClass, Family, ScanResult

# Short descriptions of the rules a Finding (or a redundant copy) is reported under.
RULES: dict[str, str] = {
    "duplicate-copy": "A live copy of a definition that is interchangeable with another copy kept elsewhere.",
    "duplicate-file": "A whole file with the same bytes as another (its definitions are reported once, as "
    "this file).",
    "backup-copy": "A copy of a definition under a backup or stale folder.",
    "commented-out-copy": "Commented-out code that defines a copy of a class or function.",
    "pytest-uncollectable-class": "A Test* class with __init__: pytest cannot collect it, warns, and runs "
    "none of its tests.",
}
DUPLICATE_RULE = "duplicate-copy"


def rule_description(rule: str) -> str:
    """The short description of ``rule``; rules ssot has no text for are named as they are."""
    return RULES.get(rule, f"ssot rule {rule}.")


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 copy``, ``2 copies``."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


def ranked(families: Iterable[Family]) -> list[Family]:
    """Families most worth consolidating first: most duplicated lines, then most variants, then most
    same-named definitions that are not copies, then id."""
    return sorted(families, key=lambda f: (-f.duplicated_lines, -len(f.classes), -len(f.look_alikes),
                                           f.id))


def class_letter(cls: EquivalenceClass) -> str:
    """``A`` for ``websocket_connection/A``."""
    return cls.id.rsplit("/", 1)[-1]


@dataclass(frozen=True, slots=True)
class MemberCounts:
    total: int
    live: int
    in_backup: int
    nested: int


def member_counts(family: Family) -> MemberCounts:
    members = family.members
    return MemberCounts(
        total=len(members),
        live=sum(not d.in_backup for d in members),
        in_backup=sum(d.in_backup for d in members),
        nested=sum(d.nested for d in members),
    )


@dataclass(frozen=True, slots=True)
class Copy:
    """A live member that is not its class's representative: the copy to remove, and the one kept."""

    definition: Definition
    cls: EquivalenceClass
    kept: Definition


def redundant_copies(family: Family) -> list[Copy]:
    """Every live member of ``family`` but each equivalence class's representative, in model order."""
    out: list[Copy] = []
    for cls in family.classes:
        kept = cls.representative
        out.extend(Copy(d, cls, kept) for d in cls.members if d is not kept and not d.in_backup)
    return out


def redundant_count(family: Family) -> int:
    """``len(redundant_copies(family))`` without making them: a class's representative is live whenever one
    of its members is, so each class has all its live members but one to remove."""
    return sum(max(0, sum(not d.in_backup for d in cls.members) - 1) for cls in family.classes)


def representatives(family: Family) -> set[tuple[str, int]]:
    """``(path, line)`` of each class's representative (the copy a consolidation keeps)."""
    return {(c.representative.path, c.representative.line) for c in family.classes}


def member_flags(d: Definition) -> list[str]:
    """What is worth knowing about one copy, in words."""
    flags: list[str] = []
    if d.in_backup:
        flags.append("backup")
    if d.nested:
        flags.append("nested")
    if not d.collected:
        flags.append("not collected")
    if d.is_async:
        flags.append("async")
    if d.pytest_warning:
        flags.append("pytest warning")
    return flags


def differences_text(cls: EquivalenceClass, reference: EquivalenceClass, limit: int | None = None) -> str:
    """How ``cls`` differs from the family's reference class (its class A), in words (the first ``limit``
    differences, and how many more)."""
    if cls is reference:
        return "reference"
    if not cls.differences:
        return "no difference recorded"
    shown = cls.differences if limit is None else cls.differences[:limit]
    more = len(cls.differences) - len(shown)
    return "; ".join(shown) + (f"; and {more} more (--format json lists them all)" if more else "")


def superset_text(cls: EquivalenceClass) -> str:
    return ", ".join(cls.superset_of)


def comment_location(c: CommentedCopy) -> str:
    return f"{c.path}:{c.line}"


@dataclass(frozen=True, slots=True)
class Totals:
    families: int
    copies: int
    live_copies: int
    backup_copies: int
    nested_copies: int
    redundant_copies: int
    look_alikes: int  # distinct same-named definitions that are not copies (left alone)
    duplicated_lines: int
    pytest_warnings: int
    commented_out: int
    skipped: int
    findings_by_rule: dict[str, int]


_T = TypeVar("_T")


class LastResult(Generic[_T]):
    """``compute(result)`` remembered for the last result and stamp asked about (a command may need a
    report's data twice; on a large tree building it costs seconds).  Results are not changed once built;
    the stamp holds what of one could change (its lengths, its stats)."""

    def __init__(self, compute: Callable[[ScanResult], _T]) -> None:
        self.compute = compute
        self.last: tuple[ScanResult, object, _T] | None = None

    def __call__(self, result: ScanResult, stamp: object = None) -> _T:
        if self.last is not None and self.last[0] is result and self.last[1] == stamp:
            return self.last[2]
        out = self.compute(result)
        self.last = (result, stamp, out)
        return out


def totals(result: ScanResult) -> Totals:
    """The result's totals (the report and the history's figures both need them: remembered)."""
    return _last_totals(result, (len(result.families), len(result.findings), len(result.commented_out),
                                 len(result.skipped)))


def _totals(result: ScanResult) -> Totals:
    counts = [member_counts(f) for f in result.families]
    return Totals(
        families=len(result.families),
        copies=sum(c.total for c in counts),
        live_copies=sum(c.live for c in counts),
        backup_copies=sum(c.in_backup for c in counts),
        nested_copies=sum(c.nested for c in counts),
        redundant_copies=sum(redundant_count(f) for f in result.families),
        look_alikes=len({(d.path, d.line) for f in result.families for d in f.look_alikes}),
        duplicated_lines=sum(f.duplicated_lines for f in result.families),
        pytest_warnings=sum(f.pytest_warnings for f in result.families),
        commented_out=len(result.commented_out),
        skipped=len(result.skipped),
        findings_by_rule=dict(sorted(Counter(f.rule for f in result.findings).items())),
    )


_last_totals = LastResult(_totals)


def skipped_location(path: str, line: int | None) -> str:
    return f"{path}:{line}" if line else path
