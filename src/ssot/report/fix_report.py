"""Reporters of ``ssot fix collection-warnings``: text (the diff, then what changed) and JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

from ssot.report.common import plural
from ssot.report.registry import Registry, Style, paint

if TYPE_CHECKING:
    from ssot.rewrite.collection_warnings import FixResult


@dataclass(frozen=True, slots=True)
class FixReport:
    result: FixResult
    applied: bool  # --apply: written; else a dry run
    show_diff: bool  # the dry run's diff (not with --no-diff)
    exit_code: int


class TextReporter:
    format = "text"

    def report(self, data: FixReport, out: TextIO, style: Style) -> None:
        w, r = out.write, data.result
        if data.show_diff and not data.applied and style.verbosity >= 0:
            for f in r.changed:
                w(f.diff())
        for a in r.of("revive"):
            w(f"{paint('revived', 'green', style)} {a.path}:{a.line} {a.qualname}: {a.message}\n")
        for a in r.of("report"):
            w(f"{paint('left alone', 'yellow', style)} {a.path}:{a.line} {a.qualname}: {a.message}\n")
        silenced = r.of("silence")
        if silenced:
            names = sorted({a.qualname for a in silenced})
            shown = names if style.verbosity > 0 else names[:5]
            more = f" and {len(names) - len(shown)} more" if len(names) > len(shown) else ""
            verb = "silenced" if data.applied else "would silence"
            w(f"{paint(verb, 'green', style)} {plural(len(silenced), 'helper class', 'helper classes')} "
              f"({', '.join(shown)}{more}) in {plural(len({a.path for a in silenced}), 'file')} "
              "with `__test__ = False`\n")
        for path, reason in r.skipped:
            w(f"{paint('skipped', 'red', style)} {path}: {reason}\n")
        if style.verbosity < 0:
            return
        verb = "changed" if data.applied else "would change"
        w(f"{len(r.changed)} of {r.scanned} test files {verb}"
          + ("" if data.applied or not r.changed else "; run with --apply to write them") + "\n")
        revived = r.of("revive")
        if revived and data.applied:
            n = sum(len(a.tests) for a in revived)
            w(f"{plural(n, 'test')} that never ran before will run from now on\n")
        if r.run_id:
            w(f"run {r.run_id} (`ssot runs` lists it; `ssot rollback {r.run_id}` undoes it)\n")


class JsonReporter:
    format = "json"

    def report(self, data: FixReport, out: TextIO, style: Style) -> None:
        r = data.result
        doc = {"applied": data.applied, "scanned": r.scanned, "changed": [f.path for f in r.changed],
               "written": r.written, "run": r.run_id, "actions": [a.to_dict() for a in r.actions],
               "skipped": [{"path": p, "reason": why} for p, why in r.skipped], "exit_code": data.exit_code}
        out.write(json.dumps(doc, indent=1) + "\n")


FIX = Registry[FixReport]("fix", {r.format: r for r in (TextReporter(), JsonReporter())})
