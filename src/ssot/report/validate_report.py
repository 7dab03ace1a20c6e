"""Reporters of ``ssot validate``: text, JSON (schema ``ssot-validate``), Markdown, SARIF (the imports)."""

from __future__ import annotations

import json
from typing import Any, TextIO

from ssot import __version__
from ssot.app.compliance import NO_PHASE, Figure, Share, Validation
from ssot.app.validate_rules import RULES
from ssot.report.common import plural
from ssot.report.findings import finding_json, finding_lines, md_cell
from ssot.report.registry import Registry, Style

SCHEMA = "ssot-validate"
VERSION = 1


def pct(share: Share) -> str:
    s = share.score
    return "n/a" if s is None else f"{s:.1%}"


def share_words(share: Share) -> str:
    return f"{pct(share)} ({share.consolidated} of {share.consolidated + share.copies} copies consolidated)"


def figure_text(f: Figure) -> str:
    def fmt(v: float | None) -> str:
        if v is None:
            return "not recorded"
        return f"{v:.2f}{f.unit}" if f.unit else f"{v:,.0f}"

    if f.baseline is None:
        return f"{f.name}: {fmt(f.now)}"
    change = f.change
    arrow = "" if not change else (" (better)" if (change < 0) == (f.better == "lower") else " (worse)")
    return f"{f.name}: {fmt(f.baseline)} -> {fmt(f.now)}{arrow}"


class TextReporter:
    format = "text"

    def report(self, data: Validation, out: TextIO, style: Style) -> None:
        w = out.write
        consolidated = [f for f in data.families if f.consolidated]
        pending = [f for f in data.families if not f.consolidated]
        if style.verbosity >= 0:
            if consolidated:
                w(f"SSOT compliance: {share_words(data.score)} over "
                  f"{plural(len(consolidated), 'consolidated family', 'consolidated families')}; "
                  f"all {plural(len(data.families), 'tracked family', 'tracked families')}: {pct(data.score_all)}\n")
            else:
                tracked = plural(len(data.families), "tracked family", "tracked families")
                w(f"SSOT compliance: no family is consolidated yet ({tracked}: {pct(data.score_all)})\n")
            if data.min_compliance:
                bar = "below" if data.below_bar else "meets"
                w(f"  {bar} min_compliance {data.min_compliance:.0%}\n")
            for f in consolidated:
                w(f"\n{f.id} ({f.name}): {share_words(f.share)}; canonical {', '.join(f.canonical)}\n")
                if len(f.phases) > 1 or (f.phases and NO_PHASE not in f.phases):
                    for phase, share in f.phases.items():
                        w(f"  phase {phase}: {share_words(share)}\n")
                for loc in f.copies:
                    w(f"  copy left: {loc.path}:{loc.line} {loc.note}\n")
            if data.phases and (len(data.phases) > 1 or NO_PHASE not in data.phases):
                w("\nper phase (consolidated families):\n")
                for phase, share in data.phases.items():
                    w(f"  {phase}: {share_words(share)}\n")
            if pending:
                w(f"\nnot consolidated yet ({len(pending)}): "
                  + ", ".join(f"{f.id} ({f.share.copies} copies)" for f in pending[:20])
                  + (" ..." if len(pending) > 20 else "") + "\n")
        w(f"\ncanonical imports: {len(data.imports)} non-canonical\n" if style.verbosity >= 0 else "")
        for finding in data.imports:
            w("\n".join(finding_lines(finding, style)) + "\n")
        if style.verbosity >= 0:
            if data.figures:
                w("\ncollection:\n")
                for fig in data.figures:
                    w(f"  {figure_text(fig)}\n")
            for note in data.notes:
                w(f"note: {note}\n")


def validation_json(data: Validation) -> dict[str, Any]:
    def share(s: Share) -> dict[str, Any]:
        return {"consolidated": s.consolidated, "copies": s.copies, "score": s.score}

    return {
        "schema": SCHEMA, "version": VERSION, "tool": f"ssot {__version__}", "root": data.root,
        "score": share(data.score), "score_all": share(data.score_all), "min_compliance": data.min_compliance,
        "below_min_compliance": data.below_bar,
        "phases": {p: share(s) for p, s in data.phases.items()},
        "families": [{"id": f.id, "name": f.name, "consolidated": f.consolidated, "canonical": f.canonical,
                      **share(f.share), "phases": {p: share(s) for p, s in f.phases.items()},
                      "copies_left": [{"path": c.path, "line": c.line, "qualname": c.note} for c in f.copies]}
                     for f in data.families],
        "imports": [finding_json(f) for f in data.imports],
        "collection": [{"figure": f.name, "unit": f.unit, "baseline": f.baseline, "now": f.now,
                        "better": f.better} for f in data.figures],
        "notes": data.notes,
    }


class JsonReporter:
    format = "json"

    def report(self, data: Validation, out: TextIO, style: Style) -> None:
        out.write(json.dumps(validation_json(data), indent=2, ensure_ascii=False) + "\n")


class MarkdownReporter:
    format = "markdown"

    def report(self, data: Validation, out: TextIO, style: Style) -> None:
        w = out.write
        w(f"## ssot validate\n\nSSOT compliance: **{pct(data.score)}** over consolidated families "
          f"({data.score.consolidated} of {data.score.consolidated + data.score.copies} copies); "
          f"all tracked families: {pct(data.score_all)}\n\n")
        w("| family | canonical | consolidated | copies left | compliance |\n|---|---|---:|---:|---:|\n")
        for f in data.families:
            w(f"| `{md_cell(f.id)}` | {md_cell(', '.join(f.canonical) or '-')} | {f.share.consolidated} "
              f"| {f.share.copies} | {pct(f.share)} |\n")
        w(f"\n{plural(len(data.imports), 'non-canonical import')}\n\n")
        for finding in data.imports:
            w(f"- `{md_cell(f'{finding.path}:{finding.line}')}` {md_cell(finding.message)}\n")
        if data.figures:
            w("\n| collection | baseline | now |\n|---|---:|---:|\n")
            for fig in data.figures:
                w(f"| {fig.name} | {fig.baseline if fig.baseline is not None else '-'} "
                  f"| {fig.now if fig.now is not None else '-'} |\n")
        for note in data.notes:
            w(f"\n{md_cell(note)}\n")


class SarifReporter:
    format = "sarif"

    def report(self, data: Validation, out: TextIO, style: Style) -> None:
        from ssot.report.sarif import findings_log

        out.write(json.dumps(findings_log(data.imports, data.root, RULES), indent=2, ensure_ascii=False) + "\n")


VALIDATE = Registry[Validation]("validate", {r.format: r for r in (
    TextReporter(), JsonReporter(), MarkdownReporter(), SarifReporter())})
