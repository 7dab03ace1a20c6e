"""``ssot scan --format sarif``: SARIF 2.1.0 for code-scanning dashboards.

One run, tool ``ssot``.  Results, in this order:

1. one ``duplicate-copy`` result per redundant copy: every live member of a
   family that is not its equivalence class's representative (the copy a
   consolidation keeps, named in ``relatedLocations``).  Copies under backup
   folders are not redundant copies: the scan reports them as findings;
2. one result per :class:`~ssot.model.Finding` of the scan.  A finding with the
   same rule, path and line as a result of (1) replaces it (the scan's message
   and severity win), so no location is reported twice under one rule.

Skipped files become warning ``toolExecutionNotifications`` of the invocation
(the scan itself ran: ``executionSuccessful`` is true).  Paths are relative
URIs against the ``SRCROOT`` base, which is the scan root.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

from ssot import __version__
from ssot.model import Finding, ScanResult
from ssot.report.common import DUPLICATE_RULE, RULES, Copy, redundant_copies, rule_description
from ssot.scanner.findings import definition_key

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
BASE_ID = "SRCROOT"
# the key of partialFingerprints: a digest of rule, path and the finding's line-free identity
FINGERPRINT_KEY = "ssotFindingHash/v1"
_DRIVE = re.compile(r"^[A-Za-z]:/")

JSON = dict[str, Any]


def _uri(path: str) -> str:
    # a file name that is not UTF-8 reaches us with surrogate escapes: percent-encode its raw bytes
    return quote(path.encode("utf-8", "surrogateescape"), safe="/")


def _location(path: str, line: int, end_line: int | None = None) -> JSON:
    physical: JSON = {"artifactLocation": {"uri": _uri(path), "uriBaseId": BASE_ID}}
    if line >= 1:
        region: JSON = {"startLine": line}
        if end_line is not None and end_line >= line:
            region["endLine"] = end_line
        physical["region"] = region
    return {"physicalLocation": physical}


def _copy_result(c: Copy, family_id: str) -> JSON:
    d, kept = c.definition, c.kept
    same = "identical to" if d.fingerprint == kept.fingerprint else "interchangeable with"
    return {
        "ruleId": DUPLICATE_RULE,
        "level": "warning",
        "message": {"text": f"{d.kind} {d.qualname} is a copy of family {family_id} "
                            f"(equivalence class {c.cls.id}), {same} the copy kept at {kept.location}."},
        "locations": [_location(d.path, d.line, d.end_line)],
        "relatedLocations": [{**_location(kept.path, kept.line, kept.end_line), "id": 1,
                              "message": {"text": f"copy kept: {kept.qualname}"}}],
        "partialFingerprints": {FINGERPRINT_KEY: Finding(DUPLICATE_RULE, d.path, d.line, "",
                                                         key=definition_key(d)).fingerprint,
                                "ssot/equivalence/v1": d.fingerprint},
        "properties": {"family": family_id, "equivalence": c.cls.id, "qualname": d.qualname,
                       "size": d.size},
    }


def finding_result(f: Finding) -> JSON:
    """One SARIF result for one finding; ``partialFingerprints`` keeps its identity across commits."""
    out: JSON = {
        "ruleId": f.rule,
        "level": f.severity,
        "message": {"text": f.message},
        "locations": [_location(f.path, f.line, f.end_line)],
        "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
    }
    if f.related:
        out["relatedLocations"] = [{**_location(r.path, r.line, r.end_line), "id": i,
                                    **({"message": {"text": r.note}} if r.note else {})}
                                   for i, r in enumerate(f.related, 1)]
    properties = {k: v for k, v in (("family", f.family), ("fix", f.fix)) if v is not None}
    if properties:
        out["properties"] = properties
    return out


def _results(result: ScanResult) -> list[JSON]:
    by_key: dict[tuple[str, str, int], JSON] = {}
    for family in result.families:
        for c in redundant_copies(family):
            by_key[(DUPLICATE_RULE, c.definition.path, c.definition.line)] = _copy_result(c, family.id)
    for f in result.findings:
        by_key[(f.rule, f.path, f.line)] = finding_result(f)
    return list(by_key.values())


def _root_uri(root: str) -> str | None:
    """``file:///abs/root/`` for an absolute root (POSIX or Windows), None for a relative one."""
    path = root.replace("\\", "/").rstrip("/")
    if _DRIVE.match(path + "/"):
        return "file:///" + quote((path + "/").encode("utf-8", "surrogateescape"), safe="/:")
    if path.startswith("/") or (not path and root.startswith("/")):
        return "file://" + quote((path + "/").encode("utf-8", "surrogateescape"), safe="/")
    return None


def to_sarif(result: ScanResult) -> JSON:
    """The scan result as a SARIF 2.1.0 log (plain JSON data)."""
    results = _results(result)
    rule_ids = sorted(set(RULES) | {r["ruleId"] for r in results})
    index = {rule: i for i, rule in enumerate(rule_ids)}
    for r in results:
        r["ruleIndex"] = index[r["ruleId"]]
    rules = [{"id": rule, "shortDescription": {"text": rule_description(rule)}} for rule in rule_ids]
    notifications = [
        {"level": "warning", "message": {"text": f"skipped: {s.reason}"},
         "locations": [_location(s.path, s.line or 0)]}
        for s in result.skipped
    ]
    run: JSON = {
        "tool": {"driver": {"name": "ssot", "version": __version__, "rules": rules}},
        "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notifications}],
        "results": results,
    }
    root_uri = _root_uri(result.root)
    if root_uri is not None:
        run["originalUriBaseIds"] = {BASE_ID: {"uri": root_uri}}
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def findings_log(findings: list[Finding], root: str, rules: dict[str, str]) -> JSON:
    """A SARIF 2.1.0 log of plain findings (``ssot check``, ``ssot validate``)."""
    results = [finding_result(f) for f in findings]
    rule_ids = sorted(set(rules) | {f.rule for f in findings})
    index = {rule: i for i, rule in enumerate(rule_ids)}
    for r in results:
        r["ruleIndex"] = index[r["ruleId"]]
    run: JSON = {
        "tool": {"driver": {"name": "ssot", "version": __version__,
                            "rules": [{"id": r, "shortDescription": {"text": rules.get(r) or rule_description(r)}}
                                      for r in rule_ids]}},
        "invocations": [{"executionSuccessful": True}],
        "results": results,
    }
    root_uri = _root_uri(root)
    if root_uri is not None:
        run["originalUriBaseIds"] = {BASE_ID: {"uri": root_uri}}
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def render_sarif(result: ScanResult) -> str:
    return json.dumps(to_sarif(result), indent=2, ensure_ascii=False) + "\n"
