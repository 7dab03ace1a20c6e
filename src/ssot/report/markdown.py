"""``ssot scan --format markdown``: a report for reviewers (pull requests, issues, wikis).

Totals first, then one overview table of the families (most duplicated lines
first), then a section per family with its equivalence classes and, folded in
a ``<details>`` block, every copy; then commented-out copies that belong to no
family, skipped files and the scan's findings.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ssot.model import Family, ScanResult
from ssot.report.common import (
    class_letter,
    comment_location,
    differences_text,
    member_counts,
    member_flags,
    plural,
    ranked,
    representatives,
    skipped_location,
    superset_text,
    totals,
)


def _cell(value: object) -> str:
    """A table cell: pipes escaped, line breaks flattened, empty shown as a dash."""
    text = str(value).replace("|", "\\|").replace("\r", " ").replace("\n", " ")
    return text if text.strip() else "–"


def _code(value: str) -> str:
    """Inline code that survives backticks in the value."""
    fence = "``" if "`" in value else "`"
    return f"{fence}{value}{fence}" if value else "–"


def _table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines.extend("| " + " | ".join(_cell(v) for v in row) + " |" for row in rows)
    return lines


def _anchor(family: Family) -> str:
    """The GitHub-style anchor of a family's heading."""
    heading = f"{family.id} {family.name}".lower()
    return "".join(ch for ch in heading.replace(" ", "-") if ch.isalnum() or ch in "-_")


def _summary(result: ScanResult) -> list[str]:
    t = totals(result)
    s = result.stats
    rows = [
        ("Families", t.families),
        ("Copies (live / in backups / nested)", f"{t.copies} ({t.live_copies} / {t.backup_copies} / "
                                                f"{t.nested_copies})"),
        ("Redundant live copies", t.redundant_copies),
        ("Same-named definitions that are not copies (left alone)", t.look_alikes),
        ("Duplicated lines", t.duplicated_lines),
        ("pytest warnings caused", t.pytest_warnings),
        ("Commented-out copies", t.commented_out),
        ("Skipped files", t.skipped),
        ("Files scanned (parsed / cached)", f"{s.files} ({s.parsed} / {s.cached})"),
        ("Definitions", s.definitions),
        ("Scan time", f"{s.seconds:.2f} s"),
    ]
    return _table(("Figure", "Value"), rows)


def _overview(families: list[Family]) -> list[str]:
    rows = []
    for f in families:
        c = member_counts(f)
        rows.append((f"[{_cell(f.id)}](#{_anchor(f)})", _code(f.name), f.kind, c.live, c.in_backup, c.nested,
                     len(f.classes), len(f.commented), f.pytest_warnings, len(f.look_alikes),
                     f.duplicated_lines))
    return _table(("Family", "Name", "Kind", "Live", "In backups", "Nested", "Variants", "Commented",
                   "pytest warnings", "Same name, not a copy", "Duplicated lines"), rows)


def _family(f: Family) -> list[str]:
    c = member_counts(f)
    out = [
        f"### {f.id} {f.name}",
        "",
        f"{f.kind.capitalize()} `{f.name}`: {plural(c.total, 'copy', 'copies')} ({c.live} live, "
        f"{c.in_backup} in backups, {c.nested} nested), {plural(len(f.classes), 'variant')}, "
        f"{f.duplicated_lines} duplicated lines, {plural(f.pytest_warnings, 'pytest warning')}, "
        f"{plural(len(f.commented), 'commented-out copy', 'commented-out copies')}, "
        f"{plural(len(f.look_alikes), 'same-named definition')} that "
        f"{'is not a copy' if len(f.look_alikes) == 1 else 'are not copies'} (left alone).",
        "",
    ]
    reference = f.classes[0]
    out += _table(
        ("Class", "Copies", "Names", "Kept copy", "Differences from A", "Superset of"),
        ((class_letter(k), len(k.members), ", ".join(k.names), k.representative.location,
          differences_text(k, reference), superset_text(k)) for k in f.classes),
    )
    kept = representatives(f)
    out += ["", f"<details><summary>{plural(c.total, 'copy', 'copies')}</summary>", ""]
    out += _table(
        ("Location", "Qualname", "Class", "Lines", "Flags"),
        ((d.location, _code(d.qualname), class_letter(k), d.size,
          ", ".join((["kept"] if (d.path, d.line) in kept else []) + member_flags(d)))
         for k in f.classes for d in k.members),
    )
    out += ["", "</details>", ""]
    if f.commented:
        out.append("Commented-out copies: " + ", ".join(comment_location(x) for x in f.commented))
        out.append("")
    if f.look_alikes:
        out += [f"<details><summary>{plural(len(f.look_alikes), 'same-named definition')} left alone: same name, "
                "not a copy</summary>", ""]
        out += _table(("Location", "Qualname", "Kind"),
                      ((d.location, _code(d.qualname), d.kind) for d in f.look_alikes))
        out += ["", "</details>", ""]
    return out


def render_markdown(result: ScanResult) -> str:
    families = ranked(result.families)
    out = ["# ssot scan report", "", f"Root: `{result.root}`", ""]
    if result.partial:
        out += [f"> **Partial scan**: {plural(len(result.skipped), 'file was', 'files were')} skipped "
                "(see *Skipped files*).", ""]
    out += ["## Summary", "", *_summary(result), ""]
    out += ["## Families", ""]
    if families:
        out += [*_overview(families), ""]
        for f in families:
            out += _family(f)
    else:
        out += ["No duplicated definitions found.", ""]
    orphans = [c for c in result.commented_out if c.family is None]
    if orphans:
        out += ["## Commented-out code in no family", ""]
        comments = ((comment_location(c), _code(c.name), c.kind, c.end_line - c.line + 1) for c in orphans)
        out += _table(("Location", "Name", "Kind", "Lines"), comments)
        out.append("")
    if result.skipped:
        out += ["## Skipped files", ""]
        skipped = ((skipped_location(s.path, s.line), s.reason) for s in result.skipped)
        out += _table(("File", "Reason"), skipped)
        out.append("")
    if result.findings:
        out += ["## Findings", ""]
        out += _table(("Rule", "Severity", "Location", "Family", "Message"),
                      ((f.rule, f.severity, f"{f.path}:{f.line}", f.family or "", f.message)
                       for f in result.findings))
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"
