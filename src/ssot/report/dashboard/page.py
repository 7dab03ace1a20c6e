"""The dashboard page: one self-contained HTML file (inline CSS, JS and SVG; works offline)."""

from __future__ import annotations

from datetime import datetime, timezone
from html import escape
from importlib import resources
from typing import Any

from ssot.history.figures import LABELS
from ssot.history.trends import Trend
from ssot.report.dashboard.charts import Marker, bar_pair, line_chart, number
from ssot.report.dashboard.data import DashboardData
from ssot.report.dashboard.diff import side_by_side

CARDS = ("families", "live_copies", "redundant_copies", "duplicated_lines", "commented_out", "warnings", "never_run",
         "tests_collected", "compliance", "non_canonical_imports")
# figures where a fall is good news (the cards colour the change)
LOWER_IS_BETTER = {"families", "live_copies", "redundant_copies", "duplicated_lines", "commented_out", "warnings",
                   "never_run", "non_canonical_imports", "collection_seconds", "collection_peak_bytes",
                   "collection_errors", "pytest_warning_helpers", "backup_copies", "skipped_files"}


def _asset(name: str) -> str:
    return resources.files("ssot.report.dashboard").joinpath(name).read_text(encoding="utf-8")


def render(data: DashboardData) -> str:
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    body = [
        "<header>",
        f"<h1>ssot dashboard <span class=\"muted\">{escape(data.root)}</span></h1>",
        f"<p class=\"muted\">{len(data.runs)} recorded runs"
        + (f" from {escape(data.runs[0].at[:10])} to {escape(data.runs[-1].at[:10])}" if data.runs else "")
        + f"; generated {generated} from {escape(data.history)}</p>",
        "</header><main>",
        _cards(data),
        _trends(data),
        _families(data),
        _collection(data),
        _migrations(data),
        "</main>",
    ]
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>ssot dashboard: {escape(data.root)}</title><style>{_asset('dashboard.css')}</style></head>"
            f"<body>{''.join(body)}<script>{_asset('dashboard.js')}</script></body></html>\n")


def _project_trends(data: DashboardData) -> dict[str, Trend]:
    return {t.name: t for t in data.trends if t.scope == ""}


def _cards(data: DashboardData) -> str:
    by_name = _project_trends(data)
    items = []
    for name in CARDS:
        t = by_name.get(name)
        if t is None:
            continue
        change = ""
        if len(t.points) > 1 and t.now != t.first:
            delta = t.now - t.first
            good = (delta < 0) == (name in LOWER_IS_BETTER)
            change = (f' <span class="{"down" if good else "up"}">{"+" if delta > 0 else "−"}{number(abs(delta))} '
                      f"since the first record</span>")
        items.append(f'<li><span class="muted">{escape(LABELS.get(name, name))}</span>'
                     f'<span class="value">{number(t.now)}</span>{change}</li>')
    if not items:
        return ""
    return f'<section aria-labelledby="now"><h2 id="now">Now</h2><ul class="cards">{"".join(items)}</ul></section>'


def _trends(data: DashboardData) -> str:
    position = {run.id: i for i, run in enumerate(data.runs)}
    markers = [Marker(position[r.id], f"migrate ({r.at[:16].replace('T', ' ')}): "
                      f"{'ok' if r.exit_code == 0 else f'exit {r.exit_code}'}")
               for r in data.runs if r.command == "migrate"]
    figures = []
    for t in _project_trends(data).values():
        title = LABELS.get(t.name, t.name)
        xs = [position[p.run] for p in t.points]
        labels = [f"run {position[p.run] + 1}, {p.command}, {p.at[:16].replace('T', ' ')}" for p in t.points]
        chart = line_chart(title, xs, [p.value for p in t.points], labels, len(data.runs), markers)
        rows = "".join(f"<tr><td>{position[p.run] + 1}</td><td>{escape(p.at[:19].replace('T', ' '))}</td>"
                       f"<td>{escape(p.command)}</td><td class=\"num\">{number(p.value)}</td></tr>"
                       for p in t.points[-50:])
        table = (f"<details><summary>data (last {min(50, len(t.points))} of {len(t.points)})</summary>"
                 f'<div class="scroll"><table><thead><tr><th scope="col">run</th><th scope="col">when (UTC)</th>'
                 f'<th scope="col">command</th><th scope="col" class="num">value</th></tr></thead>'
                 f"<tbody>{rows}</tbody></table></div></details>")
        figures.append(f'<figure data-figure="{escape(t.name)}"><figcaption>{escape(title)}</figcaption>'
                       f"{chart}{table}</figure>")
    if not figures:
        return ""
    legend = " Dashed lines mark migration runs." if markers else ""
    return (f'<section aria-labelledby="trends"><h2 id="trends">Trends</h2>'
            f'<p class="muted">Each figure across the recorded runs.{legend}</p>'
            f'<div class="charts">{"".join(figures)}</div></section>')


def _sort_head(label: str, numeric: bool = False) -> str:
    cls = ' class="num"' if numeric else ""
    return f'<th scope="col"{cls}><button type="button">{escape(label)}</button></th>'


def _families(data: DashboardData) -> str:
    scan = data.scan
    if not scan:
        return ('<section aria-labelledby="families-h"><h2 id="families-h">Families</h2>'
                '<p class="muted">No scan recorded yet: run <code>ssot scan</code>.</p></section>')
    sources = scan.get("fingerprints", {})
    bodies = []
    # helpers and duplicated tests alike (the JSON report keeps the tests under their own key)
    for i, f in enumerate([*scan.get("families", []), *scan.get("duplicated_tests", [])]):
        counts = f.get("counts", {})
        classes = f.get("classes", [])
        detail_id = f"family-{i}"
        search = " ".join([f.get("id", ""), f.get("name", ""), f.get("kind", ""), f.get("category", "helper"),
                           *(m.get("path", "") for m in f.get("members", [])[:50])]).lower()
        row = (f"<tr><th scope=\"row\"><button type=\"button\" class=\"toggle\" aria-expanded=\"false\" "
               f"aria-controls=\"{detail_id}\" aria-label=\"open family {escape(f.get('id', ''))}\">+</button> "
               f"<code>{escape(f.get('id', ''))}</code></th>"
               f"<td>{escape(f.get('kind', ''))}</td><td>{escape(f.get('category', 'helper'))}</td>"
               f"<td class=\"num\" data-value=\"{counts.get('live', 0)}\">{counts.get('live', 0)}</td>"
               f"<td class=\"num\" data-value=\"{len(classes)}\">{len(classes)}</td>"
               f"<td class=\"num\" data-value=\"{f.get('duplicated_lines', 0)}\">{f.get('duplicated_lines', 0)}</td>"
               f"<td class=\"num\" data-value=\"{counts.get('commented_out', 0)}\">{counts.get('commented_out', 0)}"
               f"</td></tr>")
        detail = (f'<tr class="detail" id="{detail_id}" hidden><td colspan="7">{_family_detail(f, sources)}'
                  "</td></tr>")
        bodies.append(f'<tbody data-search="{escape(search)}">{row}{detail}</tbody>')
    heads = "".join([_sort_head("Family"), _sort_head("Kind"), _sort_head("Category"),
                     _sort_head("Live copies", True), _sort_head("Classes", True),
                     _sort_head("Duplicated lines", True), _sort_head("Commented out", True)])
    n = len(bodies)
    return (f'<section aria-labelledby="families-h"><h2 id="families-h">Families</h2>'
            f'<p class="muted">From the latest scan (run {data.scan_run}). Open a family for its equivalence classes '
            "and how each differs from class A.</p>"
            '<div class="filter"><label for="family-filter">Filter families</label>'
            '<input id="family-filter" type="search" placeholder="name, kind or path">'
            f'<span id="family-count" role="status" aria-live="polite">{n} of {n} families shown</span></div>'
            f'<div class="scroll"><table id="families" class="sortable"><caption class="visually-hidden">Duplicated '
            f"families, sortable by any column</caption><thead><tr>{heads}</tr></thead>{''.join(bodies)}</table>"
            "</div></section>")


def _family_detail(f: dict[str, Any], sources: dict[str, Any]) -> str:
    classes = f.get("classes", [])
    if not classes:
        return ""
    ref = classes[0]
    ref_src = sources.get(ref.get("fingerprint", ""), {}).get("source", "")
    parts = []
    for c in classes:
        rep = c.get("representative", {})
        where = f"{rep.get('path', '')}:{rep.get('line', '')}"
        words = "; ".join(c.get("differences", [])) or ("the reference" if c is ref else "no difference in words")
        parts.append(f"<h3>Class {escape(c.get('id', ''))} <span class=\"muted\">{c.get('size', 0)} copies, "
                     f"kept copy {escape(where)}</span></h3><p>{escape(words)}</p>")
        if c is not ref:
            src = sources.get(c.get("fingerprint", ""), {}).get("source", "")
            if src or ref_src:
                table = side_by_side(ref_src, src, f"class {ref.get('id', '')}", f"class {c.get('id', '')}")
                parts.append(f'<div class="scroll">{table}</div>')
    return "".join(parts)


def _collection(data: DashboardData) -> str:
    first, last = data.collect_first, data.collect_last
    if not first:
        return ""
    after = last or first
    title = "before and after" if last else "one collection recorded"

    def breakdown(doc: dict[str, Any]) -> dict[str, tuple[str, float]]:
        analysis = doc.get("analysis") or {}
        return {b["key"]: (b["label"], b["seconds"]) for b in analysis.get("breakdown", [])}

    def causes(doc: dict[str, Any]) -> dict[str, int]:
        analysis = doc.get("analysis") or {}
        return {c["template"]: c["count"] for c in analysis.get("warning_causes", [])}

    b0, b1 = breakdown(first), breakdown(after)
    rows = [(label, b0.get(k, ("", 0.0))[1], b1.get(k, ("", 0.0))[1]) for k, (label, _) in {**b0, **b1}.items()]
    c0, c1 = causes(first), causes(after)
    cause_rows = sorted(((t, c0.get(t, 0), c1.get(t, 0)) for t in {**c0, **c1}), key=lambda r: -max(r[1], r[2]))
    w0, w1 = (d.get("measurement", {}) for d in (first, after))
    table = "".join(f"<tr><th scope=\"row\">{escape(label)}</th><td class=\"num\">{before:.3f}</td>"
                    f"<td class=\"num\">{after_s:.3f}</td></tr>" for label, before, after_s in rows)
    ctable = "".join(f"<tr><th scope=\"row\">{escape(t)}</th><td class=\"num\">{a}</td><td class=\"num\">{b}</td></tr>"
                     for t, a, b in cause_rows)
    return ('<section aria-labelledby="collection"><h2 id="collection">Collection</h2>'
            f"<p class=\"muted\">The first recorded collection against the latest ({title}): wall time "
            f"{w0.get('wall_seconds', 0):.2f} s to {w1.get('wall_seconds', 0):.2f} s, tests {w0.get('tests', 0)} to "
            f"{w1.get('tests', 0)}, warnings {len(w0.get('warnings', []))} to {len(w1.get('warnings', []))}.</p>"
            '<div class="charts"><figure><figcaption>Where collection time goes (s): grey first, blue latest'
            f"</figcaption>{bar_pair('collection time by part, first and latest', rows, ' s')}"
            '<div class="scroll"><table><thead><tr><th scope="col">part</th><th scope="col" class="num">first (s)</th>'
            f'<th scope="col" class="num">latest (s)</th></tr></thead><tbody>{table}</tbody></table></div></figure>'
            "<figure><figcaption>Warnings by cause: grey first, blue latest</figcaption>"
            f"{bar_pair('warnings by cause, first and latest', cause_rows[:8])}"
            '<div class="scroll"><table><thead><tr><th scope="col">cause</th><th scope="col" class="num">first</th>'
            f'<th scope="col" class="num">latest</th></tr></thead><tbody>{ctable}</tbody></table></div></figure>'
            "</div></section>")


def _migrations(data: DashboardData) -> str:
    if not data.migrations:
        return ""
    rows = []
    for r in reversed(data.migrations):
        batches = "; ".join(f"{b.get('number')}. {b.get('label', '')}: {b.get('status') or 'open'} "
                            f"({len(b.get('files', []))} files)" for b in r.get("batches", []))
        rows.append(f"<tr><th scope=\"row\"><code>{escape(str(r.get('id', '')))}</code></th>"
                    f"<td>{escape(str(r.get('started', ''))[:16].replace('T', ' '))}</td>"
                    f"<td>{escape(str(r.get('command', '')))}</td><td>{escape(str(r.get('state', '')))}</td>"
                    f"<td class=\"num\">{len(r.get('changed', []))}/{len(r.get('files', []))}</td>"
                    f"<td>{escape(batches)}</td></tr>")
    return ('<section aria-labelledby="migrations"><h2 id="migrations">Migration runs</h2>'
            '<div class="scroll"><table><thead><tr><th scope="col">run</th><th scope="col">started (UTC)</th>'
            '<th scope="col">command</th><th scope="col">state</th><th scope="col" class="num">changed</th>'
            f'<th scope="col">batches and validation</th></tr></thead><tbody>{"".join(rows)}</tbody></table></div>'
            "</section>")
