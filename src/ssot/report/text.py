"""The default ``ssot scan`` output: a readable summary on the terminal, with rich.

An overview table of the families (most duplicated lines first), then each
family's equivalence classes (sizes, differences in words, supersets), then
skipped files, totals and the scan's own figures.
"""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ssot.model import Family, ScanResult
from ssot.report.common import (
    class_letter,
    differences_text,
    member_counts,
    plural,
    ranked,
    skipped_location,
    superset_text,
    totals,
)
from ssot.report.console import name_column, print_fitted
from ssot.scanner.findings import DUPLICATE_FILE

_OVERVIEW_NUMBERS = (("Live", "live copies"), ("Bkp", "in backup folders"),
                     ("Var", "variants (equivalence classes)"), ("Cmt", "commented-out copies"),
                     ("Warn", "pytest warnings caused"),
                     ("Alike", "same-named definitions that are not copies (left alone)"),
                     ("Dup", "duplicated lines"))


def _overview(families: list[Family]) -> Table:
    legend = ", ".join(f"{short}: {long}" for short, long in _OVERVIEW_NUMBERS[1:])
    table = Table(title="Duplicated families", caption=legend, box=box.SIMPLE_HEAD, title_justify="left",
                  caption_justify="left", padding=(0, 1))
    name_column(table, "Family", [f.id for f in families], style="bold")
    table.add_column("Kind", no_wrap=True, min_width=8)
    rows = []
    for f in families:
        c = member_counts(f)
        rows.append([str(c.live), str(c.in_backup), str(len(f.classes)), str(len(f.commented)),
                     str(f.pytest_warnings), str(len(f.look_alikes)), f"{f.duplicated_lines:,}"])
    for i, (short, _) in enumerate(_OVERVIEW_NUMBERS):
        name_column(table, short, [row[i] for row in rows], justify="right")
    for f, row in zip(families, rows, strict=True):
        table.add_row(escape(f.id), f.kind, *row)
    return table


DIFFERENCES_SHOWN = 8  # of a class, in the text report (the JSON report lists them all)


def _class_lines(f: Family) -> list[tuple[int, str]]:
    """``(indent, markup)`` lines: one per equivalence class, and how it differs from class A."""
    reference = f.classes[0]
    lines = []
    for k in f.classes:
        line = (f"[bold]{escape(class_letter(k))}[/bold]  {plural(len(k.members), 'copy', 'copies')}, "
                f"kept at {escape(k.representative.location)}")
        if k.names != [f.name]:
            line += f" (names: {escape(', '.join(k.names))})"
        if k.superset_of:
            line += f"; superset of {escape(superset_text(k))}"
        lines.append((2, line))
        if k is not reference:
            lines.append((5, f"differs: {escape(differences_text(k, reference, DIFFERENCES_SHOWN))}"))
    return lines


def _family(console: Console, f: Family) -> None:
    c = member_counts(f)
    named = "" if f.id == f.name else f"  {escape(f.name)}"
    console.print(f"[bold]{escape(f.id)}[/bold]{named}  ({f.kind})")
    where = ", ".join(part for n, part in ((c.live, f"{c.live} live"), (c.in_backup, f"{c.in_backup} in backups"),
                                          (c.nested, f"{c.nested} nested")) if n)
    parts = [f"{plural(c.total, 'copy', 'copies')} ({where})"]
    if f.commented:
        parts.append(plural(len(f.commented), "commented-out copy", "commented-out copies"))
    if f.pytest_warnings:
        parts.append(plural(f.pytest_warnings, "pytest warning"))
    if f.look_alikes:
        parts.append(f"{plural(len(f.look_alikes), 'same-named definition')} that "
                     f"{'is not a copy' if len(f.look_alikes) == 1 else 'are not copies'} (left alone)")
    summary = "; ".join([*parts, f"[bold]{f.duplicated_lines:,}[/bold] duplicated lines"])
    for indent, line in [(2, summary), *_class_lines(f)]:
        console.print(" " * indent + line)
    console.print()


def _skipped(console: Console, result: ScanResult) -> None:
    console.print(f"[bold yellow]Skipped files ({len(result.skipped)})[/bold yellow]")
    for s in result.skipped:
        console.print(f"  {escape(skipped_location(s.path, s.line))}: {escape(s.reason)}")
    console.print()


def _totals(console: Console, result: ScanResult) -> None:
    t = totals(result)
    s = result.stats
    console.print(
        f"[bold]Total[/bold]: {plural(t.families, 'family', 'families')}, "
        f"{plural(t.copies, 'copy', 'copies')} ({t.live_copies} live, {t.backup_copies} in backups, "
        f"{t.nested_copies} nested), {plural(t.redundant_copies, 'redundant live copy', 'redundant live copies')}, "
        f"{plural(t.look_alikes, 'same-named definition')} left alone, "
        f"[bold]{t.duplicated_lines:,}[/bold] duplicated lines, "
        f"{plural(t.pytest_warnings, 'pytest warning')}, "
        f"{plural(t.commented_out, 'commented-out copy', 'commented-out copies')}, "
        f"{plural(t.skipped, 'skipped file')}"
    )
    if t.findings_by_rule:
        console.print("[bold]Findings[/bold]: " + ", ".join(f"{escape(rule)} {n}"
                                                            for rule, n in t.findings_by_rule.items()))
    console.print(
        f"[dim]Scanned {plural(s.files, 'file')} ({s.parsed} parsed, {s.cached} from cache), "
        f"{plural(s.definitions, 'definition')} in {s.seconds:.2f} s[/dim]"
    )


TOP_FAMILIES = 30  # rows of the overview table
TOP_DETAILS = 10  # families described class by class
TOP_BLOCKS = 10
TOP_OTHERS = 10  # findings about no family (Test* classes pytest cannot collect)


def _shown(path: str) -> str:
    """A path a terminal can print: a name's bytes that are not UTF-8 shown as U+FFFD."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _blocks(console: Console, result: ScanResult, verbosity: int = 0) -> None:
    folders = tuple(c.path + "/" for c in result.copied_folders)
    # a block whose every other copy is inside a copied folder is the folder's (listed above)
    blocks = [b for b in result.blocks if not folders
              or not all(c.path.startswith(folders) for c in b.copies[1:])]
    if not blocks:
        return
    inside = len(result.blocks) - len(blocks)
    console.print(f"[bold]Blocks[/bold] ({len(blocks)}): runs of consecutive definitions copied together"
                  + (f" ({inside} more inside the copied folders)" if inside else ""))
    for b in blocks[:None if verbosity > 0 else TOP_BLOCKS]:
        what = "whole file" if b.whole_file else plural(b.units, "definition")
        where = ", ".join(f"{_shown(c.path)}:{c.start_line}-{c.end_line}" for c in b.copies[:3])
        more = f" and {len(b.copies) - 3} more" if len(b.copies) > 3 else ""
        console.print(f"  [bold]{escape(b.id)}[/bold]  {what}, {plural(len(b.copies), 'copy', 'copies')}: "
                      f"{escape(where)}{more}")
    console.print()


def _copied_folders(console: Console, result: ScanResult, verbosity: int = 0) -> None:
    folders = result.copied_folders
    files = sum(f.rule == DUPLICATE_FILE for f in result.findings)
    console.print(f"[bold]Copied folders[/bold] ({len(folders)}): folders whose Python files are those of another, "
                  f"byte for byte, at every level; their files holding definitions ({files}) are `{DUPLICATE_FILE}` "
                  "findings, and a definition copied nowhere else is not reported one by one")
    for c in folders[:None if verbosity > 0 else TOP_BLOCKS]:
        console.print(f"  {escape(_shown(c.path))}  holds the same as  {escape(_shown(c.copy_of))}  "
                      f"({plural(c.files, 'Python file')})")
    if verbosity <= 0 and len(folders) > TOP_BLOCKS:
        console.print(f"  [dim]and {len(folders) - TOP_BLOCKS} more: -v lists them all[/dim]")
    console.print()


def _other_findings(console: Console, result: ScanResult, verbosity: int) -> None:
    """The findings no family or copied folder accounts for, one line each: ``path:line: rule message``."""
    others = [f for f in result.findings if not f.family and not (f.rule == DUPLICATE_FILE and result.copied_folders)]
    if not others:
        return
    console.print(f"[bold]Other findings[/bold] ({len(others)})")
    shown = others if verbosity > 0 else others[:TOP_OTHERS]
    for f in shown:
        console.print(f"  {escape(_shown(f.path))}:{f.line}: {escape(f.rule)} {escape(f.message)}")
    if len(others) > len(shown):
        console.print(f"  [dim]and {len(others) - len(shown)} more: -v lists them all[/dim]")
    console.print()


def print_text(result: ScanResult, console: Console, verbosity: int = 0) -> None:
    """Print the terminal summary of ``result`` on ``console``: the top of it (the JSON report has all).

    ``verbosity`` -1 (``-q``): the overview tables only; 1 (``-v``): every family, each in detail.
    """
    console.print(f"[bold]ssot scan[/bold] {escape(result.root)}")
    helpers = ranked([f for f in result.families if f.category == "helper"])
    tests = ranked([f for f in result.families if f.category == "test"])
    rows = None if verbosity > 0 else TOP_FAMILIES
    details = 0 if verbosity < 0 else (len(helpers) if verbosity > 0 else TOP_DETAILS)
    if helpers or tests:
        if helpers:
            print_fitted(console, _overview(helpers[:rows]))
            for f in helpers[:details]:
                _family(console, f)
        if tests:
            table = _overview(tests[:rows])
            table.title = "Duplicated tests"
            print_fitted(console, table)
        hidden = 0 if rows is None else max(0, len(helpers) - rows) + max(0, len(tests) - rows)
        if verbosity >= 0 and (hidden or len(helpers) > details):
            console.print(f"[dim]{plural(hidden, 'more family', 'more families')} not listed, and details of "
                          f"{max(0, len(helpers[:rows]) - details)} listed ones left out: -v lists "
                          "them all, --format json has everything[/dim]\n")
    else:
        console.print("No duplicated definitions found" + (" outside the copied folders.\n" if result.copied_folders
                                                          else ".\n"))
    if verbosity < 0:
        return
    if result.copied_folders:
        _copied_folders(console, result, verbosity)
    if result.blocks:
        _blocks(console, result, verbosity)
    _other_findings(console, result, verbosity)
    if result.skipped:
        _skipped(console, result)
    _totals(console, result)
