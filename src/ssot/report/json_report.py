"""``ssot scan --format json``: the whole scan result as stable, versioned JSON.

The layout is documented in docs/scan-json.md and pinned by
``scan.schema.json`` beside this module.  Keys are sorted and lists keep the
order of the model (families in result order), so one scan result always
renders to the same bytes: compact UTF-8 (no spaces after ``,`` and ``:``),
written by orjson, or by ``json`` for what orjson refuses (the same bytes).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import orjson

from ssot import __version__
from ssot.errors import SsotError
from ssot.model import (
    SCHEMA_VERSION,
    Block,
    BlockCopy,
    CommentedCopy,
    CopiedFolder,
    Definition,
    EquivalenceClass,
    Family,
    Finding,
    Fingerprint,
    ScanResult,
    ScanStats,
    SkippedFile,
)
from ssot.report.common import LastResult, member_counts, representatives, totals
from ssot.report.schema_check import first_error

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


def to_dict(result: ScanResult) -> JSON:
    """The scan result as plain JSON data (schema version ``SCHEMA_VERSION``); the last one is remembered,
    its stats (which change) part of the check."""
    s = result.stats
    return _last_dict(result, (s.files, s.parsed, s.cached, s.definitions, s.seconds, len(result.families),
                               len(result.skipped)))


def _stats(s: ScanStats) -> JSON:
    return {"files": s.files, "parsed": s.parsed, "cached": s.cached, "definitions": s.definitions,
            "seconds": round(s.seconds, 3)}


def _to_dict(result: ScanResult) -> JSON:
    t = totals(result)
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "ssot", "version": __version__},
        "root": result.root,
        "partial": result.partial,
        "definitions": result.definitions,
        "stats": _stats(result.stats),
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
        "copied_folders": [{"path": c.path, "copy_of": c.copy_of, "files": c.files} for c in result.copied_folders],
        "commented_out": [_commented(c) for c in result.commented_out],
        "skipped": [{"path": k.path, "line": k.line, "reason": k.reason} for k in result.skipped],
        "findings": [
            {"rule": f.rule, "path": f.path, "line": f.line, "message": f.message, "family": f.family,
             "severity": f.severity}
            for f in result.findings
        ],
        "fingerprints": _fingerprints(result),
    }


_last_dict = LastResult(_to_dict)


def _dumps(data: object) -> bytes:
    """Compact UTF-8 JSON, keys sorted.  orjson writes it (the monorepo's 18 MB report: 0.04 s, against
    0.34 s for ``json``); what orjson refuses, ``json`` writes as the same bytes: a string holding a
    file's undecodable byte (a lone surrogate, written back as the byte), an integer past 64 bits."""
    try:
        return orjson.dumps(data, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # (orjson.JSONEncodeError is one)
        return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode(
            "utf-8", "surrogateescape")


_STATS_MARK = "\ue000ssot:stats\ue000"  # stands for the stats while the rest is rendered (a private-use mark)


def json_parts(result: ScanResult) -> tuple[bytes, bytes]:
    """The JSON report of ``result`` before and after its ``stats`` object, the one part that changes
    on every run: ``head + stats_json(result.stats) + tail`` is :func:`render_json`, encoded.  Remembered
    for the last result (what a rescan with nothing changed writes again is these two)."""
    return _last_parts(result)


def _json_parts(result: ScanResult) -> tuple[bytes, bytes]:
    data = dict(to_dict(result))
    data["stats"] = _STATS_MARK
    text = _dumps(data) + b"\n"
    key = b'"stats":'
    mark = key + _dumps(_STATS_MARK)
    at = text.index(mark)  # once: every other string's quotes are escaped, and no other member is "stats"
    return text[:at + len(key)], text[at + len(mark):]


_last_parts = LastResult(_json_parts)


def stats_json(stats: ScanStats) -> bytes:
    return _dumps(_stats(stats))


def render_json(result: ScanResult) -> str:
    """Compact and deterministic (sorted keys), the report as one line; pipe through
    ``python -m json.tool`` or ``jq`` to read it."""
    head, tail = json_parts(result)
    return (head + stats_json(result.stats) + tail).decode("utf-8", "surrogateescape")


# -- reading a saved report back -------------------------------------------------------------

SCHEMA_FILE = Path(__file__).with_name("scan.schema.json")
_REWRITE = "write it again with `ssot scan --format json -o FILE`"


def scan_schema() -> JSON:
    schema: JSON = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return schema


def load_scan(source: str | os.PathLike[str]) -> ScanResult:
    """A saved ``ssot scan --format json`` report back as a :class:`ScanResult`.

    ``source`` is a path, or the JSON text itself (a string starting with ``{``).
    The data is checked against ``scan.schema.json`` first; a file that is not
    JSON, or not a scan report of this schema version, is an :class:`SsotError`
    naming the file, the place in it and the fix.  Rendering the result again
    gives the same JSON; what the report leaves out (a fingerprint's shape and
    tokens, look-alikes' extents, a finding's fix and key) is not recovered.
    """
    if isinstance(source, str) and source.lstrip().startswith("{"):
        name, text = "the scan report", source
    else:
        name = os.fspath(source)
        try:
            text = Path(source).read_text(encoding="utf-8", errors="surrogateescape")
        except OSError as exc:
            raise SsotError(f"{name}: cannot read the scan report: {exc.strerror or exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SsotError(f"{name}: not JSON ({exc.msg} at line {exc.lineno} column {exc.colno}); {_REWRITE}") from None
    if isinstance(data, dict) and data.get("schema_version") != SCHEMA_VERSION and "schema_version" in data:
        raise SsotError(
            f"{name}: scan report schema version {data['schema_version']!r}; this ssot reads version "
            f"{SCHEMA_VERSION}; {_REWRITE} (with this ssot)"
        )
    problem = first_error(data, scan_schema())
    if problem is not None:
        raise SsotError(f"{name}: not an ssot scan report: {problem}; {_REWRITE}")
    return _result(data)


def _definition(m: JSON) -> Definition:
    return Definition(
        path=m["path"], line=m["line"], start_line=m["start_line"], end_line=m["end_line"], qualname=m["qualname"],
        name=m["name"], kind=m["kind"], fingerprint=m["fingerprint"], nested=m["nested"], is_async=m["is_async"],
        collected=m["collected"], in_backup=m["in_backup"], has_init=m["has_init"],
        test_methods=m["test_methods"], parent=m["parent"], tokens=m["tokens"], library=m["library"],
    )


def _look_alike_of(d: JSON) -> Definition:
    return Definition(path=d["path"], line=d["line"], start_line=d["line"], end_line=d["line"],
                      qualname=d["qualname"], name=d["name"], kind=d["kind"], fingerprint=d["fingerprint"],
                      in_backup=d["in_backup"])


def _commented_of(c: JSON) -> CommentedCopy:
    return CommentedCopy(path=c["path"], line=c["line"], end_line=c["end_line"], name=c["name"], kind=c["kind"],
                         fingerprint=c["fingerprint"], family=c["family"], in_backup=c["in_backup"])


def _family_of(f: JSON, commented: dict[tuple[str, int], CommentedCopy]) -> Family:
    members: dict[str, list[Definition]] = {}
    for m in f["members"]:
        members.setdefault(m["equivalence"], []).append(_definition(m))
    classes = [
        EquivalenceClass(id=c["id"], fingerprint=c["fingerprint"], members=members.get(c["id"], []),
                         differences=list(c["differences"]), superset_of=list(c["superset_of"]),
                         cosmetic=list(c["cosmetic"]), bindings=dict(c["bindings"]))
        for c in f["classes"]
    ]
    return Family(
        id=f["id"], name=f["name"], kind=f["kind"], classes=classes, category=f["category"],
        commented=[commented.get((c["path"], c["line"])) or CommentedCopy(c["path"], c["line"], c["line"], f["name"],
                                                                          f["kind"], "", f["id"])
                   for c in f["commented"]],
        look_alikes=[_look_alike_of(d) for d in f["look_alikes"]],
    )


def _result(data: JSON) -> ScanResult:
    commented_out = [_commented_of(c) for c in data["commented_out"]]
    by_place = {(c.path, c.line): c for c in commented_out}
    s = data["stats"]
    return ScanResult(
        root=data["root"],
        families=[_family_of(f, by_place) for f in (*data["families"], *data["duplicated_tests"])],
        commented_out=commented_out,
        skipped=[SkippedFile(k["path"], k["reason"], k["line"]) for k in data["skipped"]],
        findings=[Finding(f["rule"], f["path"], f["line"], f["message"], family=f["family"], severity=f["severity"])
                  for f in data["findings"]],
        fingerprints={digest: Fingerprint(digest, fp["kind"], fp["source"], fp["statements"], (), frozenset())
                      for digest, fp in data["fingerprints"].items()},
        stats=ScanStats(s["files"], s["parsed"], s["cached"], s["definitions"], s["seconds"]),
        definitions=data["definitions"],
        blocks=[Block(b["id"], [BlockCopy(c["path"], c["start_line"], c["end_line"]) for c in b["copies"]],
                      b["units"], b["whole_file"]) for b in data["blocks"]],
        copied_folders=[CopiedFolder(c["path"], c["copy_of"], c["files"]) for c in data.get("copied_folders", ())],
    )
