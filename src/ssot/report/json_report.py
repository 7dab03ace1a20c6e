"""``ssot scan --format json``: the whole scan result as stable, versioned JSON.

The layout is documented in docs/scan-json.md and pinned by
``scan.schema.json`` beside this module.  Keys are sorted and lists keep the
order of the model (families in result order), so one scan result always
renders to the same bytes.
"""

from __future__ import annotations

import json
from typing import Any

from ssot import __version__
from ssot.model import SCHEMA_VERSION, Block, CommentedCopy, Definition, EquivalenceClass, Family, ScanResult
from ssot.report.common import member_counts, representatives, totals

JSON = dict[str, Any]


def _member(d: Definition, cls: EquivalenceClass, kept: set[tuple[str, int]]) -> JSON:
    return {
        "path": d.path,
        "line": d.line,
        "start_line": d.start_line,
        "end_line": d.end_line,
        "size": d.size,
        "qualname": d.qualname,
        "name": d.name,
        "kind": d.kind,
        "equivalence": cls.id,
        "fingerprint": d.fingerprint,
        "nested": d.nested,
        "is_async": d.is_async,
        "collected": d.collected,
        "in_backup": d.in_backup,
        "has_init": d.has_init,
        "test_methods": d.test_methods,
        "pytest_warning": d.pytest_warning,
        "representative": (d.path, d.line) in kept,
        "parent": d.parent,
        "tokens": d.tokens,
        "library": d.library,
    }


def _class(cls: EquivalenceClass) -> JSON:
    rep = cls.representative
    return {
        "id": cls.id,
        "fingerprint": cls.fingerprint,
        "size": len(cls.members),
        "names": cls.names,
        "representative": {"path": rep.path, "line": rep.line},
        "differences": list(cls.differences),
        "superset_of": list(cls.superset_of),
        "cosmetic": list(cls.cosmetic),
        "bindings": dict(cls.bindings),
    }


def _commented(c: CommentedCopy) -> JSON:
    return {
        "path": c.path,
        "line": c.line,
        "end_line": c.end_line,
        "name": c.name,
        "kind": c.kind,
        "fingerprint": c.fingerprint,
        "family": c.family,
        "in_backup": c.in_backup,
    }


def _look_alike(d: Definition) -> JSON:
    return {"path": d.path, "line": d.line, "qualname": d.qualname, "name": d.name, "kind": d.kind,
            "fingerprint": d.fingerprint, "in_backup": d.in_backup}


def _family(f: Family) -> JSON:
    counts = member_counts(f)
    kept = representatives(f)
    return {
        "id": f.id,
        "name": f.name,
        "kind": f.kind,
        "category": f.category,
        "duplicated_lines": f.duplicated_lines,
        "pytest_warnings": f.pytest_warnings,
        "counts": {"total": counts.total, "live": counts.live, "in_backup": counts.in_backup,
                   "nested": counts.nested, "commented_out": len(f.commented),
                   "look_alikes": len(f.look_alikes)},
        "classes": [_class(c) for c in f.classes],
        "members": [_member(d, c, kept) for c in f.classes for d in c.members],
        "commented": [{"path": c.path, "line": c.line} for c in f.commented],
        "look_alikes": [_look_alike(d) for d in f.look_alikes],
    }


def _block(b: Block) -> JSON:
    return {"id": b.id, "units": b.units, "whole_file": b.whole_file,
            "copies": [{"path": c.path, "start_line": c.start_line, "end_line": c.end_line} for c in b.copies]}


def _fingerprints(result: ScanResult) -> JSON:
    """The normalised code of each class and commented copy the report refers to."""
    used = {c.fingerprint for f in result.families for c in f.classes}
    used |= {c.fingerprint for c in result.commented_out}
    out: JSON = {}
    for digest in sorted(used):
        fp = result.fingerprints.get(digest)
        if fp is not None:
            out[digest] = {"kind": fp.kind, "statements": fp.statements, "source": fp.source}
    return out


_last: tuple[ScanResult, tuple[object, ...], JSON] | None = None


def to_dict(result: ScanResult) -> JSON:
    """The scan result as plain JSON data (schema version ``SCHEMA_VERSION``).

    The last one is remembered: a command renders its report and then records it in the history,
    and on a large tree building it twice costs seconds.  (Results are not changed once built; the
    stats, which are, are part of the check.)
    """
    global _last
    s = result.stats
    stamp = (s.files, s.parsed, s.cached, s.definitions, s.seconds, len(result.families), len(result.skipped))
    if _last is not None and _last[0] is result and _last[1] == stamp:
        return _last[2]
    out = _to_dict(result)
    _last = (result, stamp, out)
    return out


def _to_dict(result: ScanResult) -> JSON:
    t = totals(result)
    s = result.stats
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "ssot", "version": __version__},
        "root": result.root,
        "partial": result.partial,
        "definitions": result.definitions,
        "stats": {"files": s.files, "parsed": s.parsed, "cached": s.cached, "definitions": s.definitions,
                  "seconds": round(s.seconds, 3)},
        "totals": {
            "families": t.families,
            "copies": t.copies,
            "live_copies": t.live_copies,
            "backup_copies": t.backup_copies,
            "nested_copies": t.nested_copies,
            "redundant_copies": t.redundant_copies,
            "look_alikes": t.look_alikes,
            "duplicated_lines": t.duplicated_lines,
            "pytest_warnings": t.pytest_warnings,
            "commented_out": t.commented_out,
            "skipped": t.skipped,
            "findings": t.findings_by_rule,
        },
        # duplicated test functions and methods apart from the helpers (what plan consolidates)
        "families": [_family(f) for f in result.families if f.kind != "test"],
        "duplicated_tests": [_family(f) for f in result.families if f.kind == "test"],
        "blocks": [_block(b) for b in result.blocks],
        "commented_out": [_commented(c) for c in result.commented_out],
        "skipped": [{"path": k.path, "line": k.line, "reason": k.reason} for k in result.skipped],
        "findings": [
            {"rule": f.rule, "path": f.path, "line": f.line, "message": f.message, "family": f.family,
             "severity": f.severity}
            for f in result.findings
        ],
        "fingerprints": _fingerprints(result),
    }


def render_json(result: ScanResult) -> str:
    """Compact and deterministic (sorted keys): indenting makes ``json`` fall back to its slow pure-Python
    encoder, four times slower on a large tree; pipe through ``python -m json.tool`` or ``jq`` to read it."""
    return json.dumps(to_dict(result), sort_keys=True, ensure_ascii=False) + "\n"
