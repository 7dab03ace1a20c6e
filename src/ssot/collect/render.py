"""Reports of a collection profile, registered by format (``COLLECT``): text (rich) and JSON.

Displays the analysis; computes nothing new.  The JSON is the profile itself (schema
``ssot-collect-profile``), which ``--compare``, ``--load`` and ``ssot validate --profile`` read back.
"""

from __future__ import annotations

from typing import TextIO

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from ssot.app.collect import Collection
from ssot.collect.compare import Comparison
from ssot.collect.profile import Profile
from ssot.report.console import name_column, print_fitted, write_rich
from ssot.report.registry import Registry, Style

STATUS_TEXT = {
    "ok": "collection finished",
    "collection-errors": "collection finished with errors",
    "stopped": "collection stopped early: INCOMPLETE",
    "no-tests": "no tests collected",
    "conftest-error": "a conftest raised: pytest stopped before collecting",
    "timeout": "collection did not finish in time (killed)",
    "interrupted": "collection was interrupted",
    "usage-error": "pytest reported a usage error",
}


def _s(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds * 1000:.0f} ms" if abs(seconds) < 1 else f"{seconds:.2f} s"


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _mb(n: int | None) -> str:
    return "-" if n is None else f"{n / 1_048_576:.0f} MB"


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _bar(share: float, width: int = 24) -> str:
    n = round(max(0.0, min(1.0, share)) * width)
    return "█" * n + "·" * (width - n)


def render(profile: Profile, console: Console, *, top: int = 10) -> None:
    m, a = profile.measurement, profile.analysis
    py = m.python
    console.print(Text(f"ssot collect: {m.rootdir}", style="bold"))
    console.print(
        f"pytest {py.pytest or '?'} on Python {py.version or '?'} ({py.executable}); "
        f"args: {' '.join(m.args) or '(none)'}" + (f" from {m.args_source.lower()}" if m.args_source else "")
    )
    status = STATUS_TEXT.get(m.status, m.status)
    style = (
        "green"
        if m.status == "ok"
        else "red"
        if m.status in ("timeout", "conftest-error", "collection-errors", "stopped")
        else "yellow"
    )
    console.print(Text(status, style=f"bold {style}"))
    console.print(
        f"[bold]{_n(m.tests, 'test')}[/] collected"
        + (f" ({m.deselected} deselected)" if m.deselected else "")
        + f" from {_n(len(m.files), 'file')} in [bold]{_s(m.wall_seconds)}[/] wall, {_s(m.cpu_seconds)} CPU, "
        f"peak RSS {_mb(m.peak_rss_bytes)}; {_n(len(m.errors), 'error')}, {_n(len(m.warnings), 'warning')}, "
        f"{_n(len(m.skipped), 'skipped module')}"
        + (f", [bold]{_n(len(a.never_run), 'test')}[/] that never run" if a else "")
    )
    if a is None:
        console.print("(no analysis in this profile: `ssot collect --load FILE` computes it)")
        return

    if a.diagnoses:
        console.rule("What to fix, biggest first")
        for i, d in enumerate(a.diagnoses, 1):
            share = []
            if d.share_of_time >= 0.0005:
                share.append(f"{_pct(d.share_of_time)} of collection time")
            if d.warnings:
                share.append(f"{_n(d.warnings, 'warning')} = {_pct(d.share_of_warnings)} of all")
            if d.tests:
                share.append(f"{_n(d.tests, 'test')} that never run")
            colour = {"error": "red", "warning": "yellow"}.get(d.severity, "cyan")
            console.print(
                Text.assemble(
                    (f"{i:>2}. ", "bold"),
                    (f"[{d.severity}] ", colour),
                    (d.title, "bold"),
                    (f"  ({'; '.join(share)})" if share else "", "dim"),
                )
            )
            if d.detail:
                console.print(f"    {escape(d.detail)}")
            console.print(f"    [green]fix:[/] {escape(d.fix or '')}")

    console.rule(f"Where the time goes ({_s(m.wall_seconds)} wall)")
    t = Table(show_edge=False, box=None, pad_edge=False)
    t.add_column("part")
    t.add_column("time", justify="right")
    t.add_column("share", justify="right")
    t.add_column("")
    for e in a.breakdown:
        t.add_row(e.label, _s(e.seconds), _pct(e.share), _bar(e.share))
    t.add_row(
        Text("total (adds up to the wall time)", style="bold"),
        _s(sum(e.seconds for e in a.breakdown)),
        "100.0%",
        "",
    )
    print_fitted(console, t)

    if m.files:
        console.rule(f"Slowest files (top {min(top, len(m.files))} of {len(m.files)})")
        t = Table(show_edge=False, box=None, pad_edge=False)
        slowest = sorted(m.files, key=lambda f: -f.seconds)[:top]
        name_column(t, "file", [f.path for f in slowest])
        for col in ("total", "import", "rest", "tests"):
            t.add_column(col, justify="right")
        for f in slowest:
            t.add_row(f.path, _s(f.seconds), _s(f.import_seconds), _s(f.other_seconds), str(f.tests))
        print_fitted(console, t)

    direct = [c for c in a.imports if not c.nested]
    if direct:
        console.rule("Costliest imports (test modules apart; nested imports are inside their importer)")
        t = Table(show_edge=False, box=None, pad_edge=False)
        name_column(t, "module", [c.module for c in direct[:top]])
        for col in ("cumulative", "self", "share"):
            t.add_column(col, justify="right")
        name_column(t, "first imported by", [c.first_imported_by or "start-up" for c in direct[:top]])
        t.add_column("importers", justify="right")
        for c in direct[:top]:
            t.add_row(
                c.module,
                _s(c.seconds),
                _s(c.self_seconds),
                _pct(c.share),
                c.first_imported_by or "start-up",
                str(c.importers) if c.importers else "",
            )
        print_fitted(console, t)

    if a.warning_causes:
        console.rule(f"Warnings by cause ({len(m.warnings)})")
        for cause in a.warning_causes:
            console.print(
                Text.assemble(
                    (f"{cause.count:>5} ", "bold"),
                    (f"{_pct(cause.share):>6}  ", "dim"),
                    (cause.category, "yellow"),
                    ": ",
                    cause.template,
                )
            )
            console.print(f"        kind: {cause.kind}; emitted by {escape(cause.emitter)}")
            for name, files in list(cause.classes.items())[:5]:
                shown = ", ".join(files[:4]) + (f", … {len(files) - 4} more" if len(files) > 4 else "")
                console.print(f"        {name}: {escape(shown)}")
            if not cause.classes and cause.examples:
                console.print(f"        e.g. {', '.join(cause.examples)}")
            console.print(f"        [green]fix:[/] {escape(cause.fix)}")

    if a.never_run:
        console.rule(f"Tests that never run ({len(a.never_run)})")
        reason = None
        for tr in a.never_run:
            if tr.reason != reason:
                reason = tr.reason
                console.print(Text(f"{tr.path}: {tr.reason}", style="dim"))
            console.print(Text.assemble(("  " + f"{tr.path}:{tr.line}", "bold"), f"  {tr.name}"))
    if a.empty_modules:
        console.rule(f"Test modules that collect nothing although they define tests ({len(a.empty_modules)})")
        for empty in a.empty_modules:
            console.print(f"{empty.path}: {empty.defined_tests} tests defined; {escape(empty.reason)}")
    if m.errors:
        console.rule(f"Collection errors ({len(m.errors)})")
        for err in m.errors:
            where = f"{err.path}:{err.line}" if err.path and err.line else (err.path or err.nodeid or "?")
            console.print(Text.assemble((where, "bold red"), f"  {err.exc_type}: {err.message}"))
    if m.skipped:
        console.rule(f"Skipped modules ({len(m.skipped)})")
        for s in m.skipped:
            console.print(f"{s.path}: {escape(s.reason)}")
    if m.hang is not None:
        console.rule("Where collection was stuck")
        own = [f for f in m.hang.stack if not f.path.startswith("<frozen") and "/ssot/collect/" not in f.path]
        for fr in (own or m.hang.stack)[-8:]:
            console.print(f"  {fr.path}:{fr.line} in {fr.function}: {escape(fr.code)}")
    if a.static_errors:
        console.rule("Files the static analysis could not read")
        for line in a.static_errors[:top]:
            console.print(escape(line))
    if m.status not in ("ok", "no-tests") and m.output_tail and not m.errors and m.hang is None:
        console.rule("pytest's output (last lines)")
        console.print(escape(m.output_tail[-2000:]))


def render_comparison(cmp: Comparison, console: Console) -> None:
    console.rule("Compared with the baseline")
    t = Table(show_edge=False, box=None, pad_edge=False)
    t.add_column("figure")
    for col in ("before", "after", "change", "ratio"):
        t.add_column(col, justify="right")
    for row in cmp.rows:
        t.add_row(row.label, row.fmt(row.before), row.fmt(row.after), row.fmt_delta(), row.fmt_ratio())
    print_fitted(console, t)
    if cmp.regressed:
        for reason in cmp.reasons:
            console.print(Text(f"regression: {reason}", style="bold red"))
    else:
        console.print(Text(f"no regression (threshold: {cmp.threshold:.2f}x slower, no test lost)", style="green"))


class TextReporter:
    format = "text"

    def report(self, data: Collection, out: TextIO, style: Style) -> None:
        def draw(console: Console) -> None:
            render(data.profile, console, top=data.top)
            if data.comparison is not None:
                render_comparison(data.comparison, console)

        write_rich(out, style, draw)


class JsonReporter:
    format = "json"

    def report(self, data: Collection, out: TextIO, style: Style) -> None:
        out.write(data.profile.to_json() + "\n")


COLLECT = Registry[Collection]("collect", {r.format: r for r in (TextReporter(), JsonReporter())})
