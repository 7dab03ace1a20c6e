"""Views of a plan and of a migration run, registered by format (docs/migrate.md).

``PLAN``: markdown (the default of ``ssot plan``), json (schema ``ssot-plan``), text.
``MIGRATE``: text (each batch, what changed, how to undo it), json (schema ``ssot-migrate``).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

from ssot.migrate.plan import Blocked, Plan
from ssot.report.common import plural
from ssot.report.registry import Registry, Style, paint

if TYPE_CHECKING:
    from ssot.migrate.execute import BatchResult, RunResult


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    def loc(d: Any) -> dict[str, Any]:
        return {"path": d.path, "line": d.line, "qualname": d.qualname, "name": d.name, "nested": d.nested,
                "in_backup": d.in_backup}

    return {
        "schema": "ssot-plan",
        "schema_version": plan.schema_version,
        "root": plan.root,
        "canonical_package": plan.canonical_package,
        "phases": plan.phases,
        "effect": {
            "lines_removed": plan.effect.lines_removed,
            "lines_added": plan.effect.lines_added,
            "net_lines_removed": plan.effect.net_lines_removed,
            "collection_warnings_removed": plan.effect.warnings_removed,
            "files_touched": plan.effect.files_touched,
        },
        "families": [
            {
                "id": f.id, "name": f.name, "kind": f.kind,
                "module": f.module or None, "module_path": f.module_path or None,
                "can_migrate": f.can_migrate, "note": f.note,
                "canonical": [
                    {"class": t.class_id, "name": t.name, "path": t.path, "module": t.module or None,
                     "from": loc(t.source), "serves": t.serves, "imports": t.imports,
                     "not_a_test": t.not_a_test, "already_present": t.present, "forced": t.forced}
                    for t in f.targets
                ],
                "migrates": [
                    {**loc(s.definition), "class": s.class_id, "action": s.action, "becomes": s.statement,
                     "phase": s.phase, "batch": s.batch}
                    for s in f.steps
                ],
                "cannot_migrate": [
                    {**loc(b.definition), "class": b.class_id, "reason": b.reason, "detail": b.detail}
                    for b in f.blocked
                ],
                "commented_out_removed": [{"path": c.path, "line": c.line, "end_line": c.end_line}
                                          for c in f.commented],
                "look_alikes_left_alone": [loc(d) for d in f.look_alikes],
            }
            for f in plan.families
        ],
        "batches": [
            {"number": b.number, "phase": b.phase, "files": b.files, "writes": b.writes, "copies": len(b.steps),
             "commented_out": len(b.commented)}
            for b in plan.batches
        ],
    }


def plan_to_markdown(plan: Plan) -> str:
    e = plan.effect
    out: list[str] = ["# ssot remediation plan", ""]
    out.append(f"Canonical package: `{plan.canonical_package}`. Phases: "
               + ", ".join(f"`{p}`" for p in plan.phases) + f". Batches: {len(plan.batches)}.")
    out.append("")
    out.append("## Expected effect")
    out.append("")
    out.append("| lines removed | lines added | net | collection warnings removed | files touched |")
    out.append("|---:|---:|---:|---:|---:|")
    out.append(f"| {e.lines_removed} | {e.lines_added} | {e.net_lines_removed} | {e.warnings_removed} "
               f"| {e.files_touched} |")
    out.append("")
    for f in plan.families:
        out.append(f"## Family `{f.id}` ({f.kind})")
        out.append("")
        if f.note:
            out.append(f"_{f.note}_")
            out.append("")
        if f.targets:
            where = f"`{f.module}` (`{f.module_path}`)" if f.module else "the nearest common `conftest.py`"
            out.append(f"Canonical definitions go to {where}:")
            out.append("")
            out.append("| class | canonical name | written to | taken from | serves | copies |")
            out.append("|---|---|---|---|---|---:|")
            counts = Counter(s.target.class_id for s in f.steps)
            for t in f.targets:
                src = "already there" if t.present else f"`{t.source.location}`"
                forced = " (forced)" if t.forced else ""
                serves = ", ".join(t.serves) + forced
                n = counts[t.class_id]
                out.append(f"| {t.class_id} | `{t.name}` | `{t.path}` | {src} | {serves} | {n} |")
            out.append("")
        if f.steps:
            out.append(f"{plural(len(f.steps), 'copy', 'copies')} {'migrates' if len(f.steps) == 1 else 'migrate'}:")
            out.append("")
            for s in f.steps[:200]:
                out.append(f"- `{s.definition.location}` `{s.definition.qualname}` -> `{s.statement}` "
                           f"(phase {s.phase}, batch {s.batch})")
            if len(f.steps) > 200:
                out.append(f"- ... and {len(f.steps) - 200} more (see `--format json`)")
            out.append("")
        if f.blocked:
            out.append(f"{plural(len(f.blocked), 'copy', 'copies')} cannot migrate:")
            out.append("")
            for b in f.blocked:
                out.append(f"- `{b.definition.location}` **{b.reason}**: {b.detail}")
            out.append("")
        if f.commented:
            out.append(f"{plural(len(f.commented), 'commented-out copy', 'commented-out copies')} "
                       "will be deleted (`--remove-commented`).")
            out.append("")
        if f.look_alikes:
            out.append("Left alone (same name, not copies): "
                       + ", ".join(f"`{d.location}`" for d in f.look_alikes[:20]))
            out.append("")
    if plan.batches:
        out.append("## Batches")
        out.append("")
        out.append("| batch | phase | files written | copies | commented-out |")
        out.append("|---:|---|---:|---:|---:|")
        for batch in plan.batches:
            out.append(f"| {batch.number} | {batch.phase} | {len(batch.writes)} | {len(batch.steps)} "
                       f"| {len(batch.commented)} |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


class PlanMarkdown:
    format = "markdown"

    def report(self, data: Plan, out: TextIO, style: Style) -> None:
        out.write(plan_to_markdown(data))


class PlanJson:
    format = "json"

    def report(self, data: Plan, out: TextIO, style: Style) -> None:
        out.write(json.dumps(plan_to_dict(data), indent=2) + "\n")


class PlanText:
    """One line per family (what migrates where, what cannot and why with ``-v``), then the effect."""

    format = "text"

    def report(self, data: Plan, out: TextIO, style: Style) -> None:
        w = out.write
        for f in data.families:
            head = paint(f.id, "bold", style) + ("" if f.id == f.name else f" {f.name}") + f" ({f.kind})"
            if f.steps:
                where = f.module_path or "the nearest common conftest.py"
                w(f"{head}: {plural(len(f.steps), 'copy', 'copies')} to {where}"
                  + (f"; {plural(len(f.blocked), 'copy', 'copies')} cannot migrate" if f.blocked else "") + "\n")
            else:
                w(f"{head}: {f.note or 'nothing migrates'}\n")
            if style.verbosity > 0:
                for st in f.steps:
                    w(f"  {st.definition.location} {st.definition.qualname} -> {st.statement} "
                      f"(phase {st.phase}, batch {st.batch})\n")
            if style.verbosity >= 0:
                _blocked_lines(f.blocked, w, style)
        if style.verbosity >= 0:
            e = data.effect
            migrating = sum(1 for f in data.families if f.steps)
            if not migrating:
                w("plan: nothing to migrate\n")
                return
            fewer = f", {plural(e.warnings_removed, 'collection warning')} fewer" if e.warnings_removed else ""
            w(f"plan: {plural(migrating, 'family', 'families')} to migrate in "
              f"{plural(len(data.batches), 'batch', 'batches')} into {data.canonical_package}: "
              f"{plural(e.files_touched, 'file')} touched, {e.lines_removed} lines removed, {e.lines_added} added"
              f"{fewer}; `ssot migrate` does it\n")


def _blocked_lines(blocked: list[Blocked], w: Callable[[str], object], style: Style) -> None:
    """The copies left alone, one line per reason (the places under it: three, or all with ``-v``)."""
    groups: dict[str, list[Blocked]] = {}
    for b in blocked:
        groups.setdefault(b.reason, []).append(b)
    for reason, copies in groups.items():
        details = list(dict.fromkeys(b.detail for b in copies))
        why = f"{reason}: {details[0]}" if len(details) == 1 else f"{reason}, e.g. {details[0]}"
        where = [b.definition.location for b in copies]
        shown = where if style.verbosity > 0 else where[:3]
        more = f" and {len(where) - len(shown)} more" if len(where) > len(shown) else ""
        w(f"  {paint('left alone', 'yellow', style)}: {plural(len(where), 'copy', 'copies')}, {why}\n"
          f"    at {', '.join(shown)}{more}\n")


PLAN = Registry[Plan]("plan", {r.format: r for r in (PlanMarkdown(), PlanJson(), PlanText())})


@dataclass(frozen=True, slots=True)
class MigrateReport:
    """What ``ssot migrate`` did (or would do: ``dry_run``) with its plan."""

    plan: Plan
    result: RunResult
    dry_run: bool
    validate: str
    nothing: str = ""  # why there was nothing to migrate (no batch)
    diff_dir: str | None = None


def migrate_to_dict(data: MigrateReport) -> dict[str, Any]:
    r = data.result

    def batch(b: BatchResult) -> dict[str, Any]:
        return {"number": b.number, "label": b.label, "status": b.status, "files": b.files,
                "lines_removed": b.lines_removed, "failing": b.failing, "skipped": b.skipped,
                "commit": b.commit, "excluded_families": b.excluded,
                "retried": [{"label": x.label, "status": x.status, "files": x.files, "failing": x.failing}
                            for x in b.retried]}

    return {
        "schema": "ssot-migrate", "schema_version": 1, "run_id": r.run_id, "dry_run": data.dry_run,
        "ok": r.ok, "files_changed": r.files_changed, "lines_removed": r.lines_removed,
        "collection_warnings_removed": r.warnings_removed,
        "rewrite_seconds": round(r.rewrite_seconds, 3), "rewritten_files": r.rewritten_files,
        "validation_seconds": round(r.pytest_seconds, 3),
        "batches": [batch(b) for b in r.batches],
        "failed_families": sorted(r.failed_families),
        "not_checked": r.unchecked,
        "nothing_to_migrate": data.nothing or None,
        "plan": plan_to_dict(data.plan),
    }


class MigrateJson:
    format = "json"

    def report(self, data: MigrateReport, out: TextIO, style: Style) -> None:
        out.write(json.dumps(migrate_to_dict(data), indent=2) + "\n")


STATUS_COLORS = {"ok": "green", "dry_run": "cyan", "rolled_back": "red", "skipped": "yellow"}
FAILING_SHOWN = 20  # failing tests listed per batch (all with -v)


class MigrateText:
    format = "text"

    def report(self, data: MigrateReport, out: TextIO, style: Style) -> None:
        w, r = out.write, data.result
        if data.nothing:
            w(f"nothing to migrate ({data.nothing})\n")
            return
        shown = None if style.verbosity > 0 else FAILING_SHOWN
        for b in r.batches:
            w(paint(f"batch {b.label}: {b.status}", STATUS_COLORS.get(b.status, ""), style)
              + f" ({plural(len(b.files), 'file')}, {b.lines_removed} lines removed)\n")
            for f in b.failing[:shown]:
                w(f"    {f}\n")
            if shown is not None and len(b.failing) > shown:
                w(f"    ... and {len(b.failing) - shown} more (-v lists them all)\n")
            for sk in b.skipped:
                w(f"    skipped: {sk}\n")
            for x in b.retried:
                w("  " + paint(f"retried {x.label}: {x.status}", STATUS_COLORS.get(x.status, ""), style)
                  + f" ({plural(len(x.files), 'file')})\n")
                for f in x.failing[:shown]:
                    w(f"    {f}\n")
        if r.failed_families:
            w(f"families taken out after failing validation: {', '.join(sorted(r.failed_families))} "
              "(rolled back; fix them, or --exclude-family them)\n")
        if r.unchecked:
            w(f"not checked (broken before the migration, --accept-broken-baseline): {len(r.unchecked)}: "
              + "; ".join(r.unchecked[:10]) + "\n")
        verb = "would change" if data.dry_run else "changed"
        undo = f"; run {r.run_id} (`ssot rollback {r.run_id}` undoes it)" if r.run_id else ""
        warnings = f", {plural(r.warnings_removed, 'collection warning')} removed" if r.warnings_removed else ""
        validation = f", validation {r.pytest_seconds:.2f}s" if r.pytest_seconds else ""
        w(f"{verb} {plural(len(r.files_changed), 'file')}, {r.lines_removed} lines removed{warnings}; "
          f"rewrite {r.rewrite_seconds:.2f}s ({plural(r.rewritten_files, 'file')}){validation}{undo}\n")
        if data.diff_dir:
            w(f"diffs written to {data.diff_dir}\n")


MIGRATE = Registry[MigrateReport]("migrate", {r.format: r for r in (MigrateText(), MigrateJson())})
