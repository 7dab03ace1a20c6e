"""Views of a :class:`~ssot.migrate.plan.Plan`: versioned JSON and Markdown (docs/migrate.md)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from ssot.migrate.plan import Plan


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
            out.append(f"{len(f.steps)} cop{'y' if len(f.steps) == 1 else 'ies'} migrate:")
            out.append("")
            for s in f.steps[:200]:
                out.append(f"- `{s.definition.location}` `{s.definition.qualname}` -> `{s.statement}` "
                           f"(phase {s.phase}, batch {s.batch})")
            if len(f.steps) > 200:
                out.append(f"- ... and {len(f.steps) - 200} more (see `--format json`)")
            out.append("")
        if f.blocked:
            out.append(f"{len(f.blocked)} cop{'y' if len(f.blocked) == 1 else 'ies'} cannot migrate:")
            out.append("")
            for b in f.blocked:
                out.append(f"- `{b.definition.location}` **{b.reason}**: {b.detail}")
            out.append("")
        if f.commented:
            out.append(f"{len(f.commented)} commented-out cop{'y' if len(f.commented) == 1 else 'ies'} "
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
        for b in plan.batches:
            out.append(f"| {b.number} | {b.phase} | {len(b.writes)} | {len(b.steps)} | {len(b.commented)} |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"
