"""``.ssot-baseline.json``: the findings a project has accepted, by fingerprint.

Committed with the project.  Each entry names its rule, file and line-free key
(so a reviewer can read a baseline diff) and the fingerprint ``ssot check``
matches on; line numbers are not part of it, so moving or reformatting code
does not make an accepted finding new.  A fingerprint may appear more than
once (two identical copies in one file): the baseline is a multiset.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ssot import __version__
from ssot.errors import SsotError
from ssot.model import Finding

BASELINE_FILE = ".ssot-baseline.json"
SCHEMA = "ssot-baseline"
VERSION = 1


@dataclass(frozen=True, slots=True)
class Accepted:
    rule: str
    path: str
    key: str
    fingerprint: str


def accepted(findings: Iterable[Finding]) -> list[Accepted]:
    return sorted((Accepted(f.rule, f.path, f.key, f.fingerprint) for f in findings),
                  key=lambda a: (a.path, a.rule, a.key, a.fingerprint))


def baseline_text(entries: Iterable[Accepted]) -> str:
    """The baseline as JSON with one accepted finding a line, so a review diff shows what was accepted."""
    rows = [json.dumps({"rule": a.rule, "path": a.path, "key": a.key, "fingerprint": a.fingerprint},
                       ensure_ascii=False) for a in entries]
    head = json.dumps({"schema": SCHEMA, "version": VERSION, "tool": f"ssot {__version__}"})[:-1]
    body = ",\n".join(f"  {r}" for r in rows)
    return f'{head}, "findings": [\n{body}\n]}}\n' if rows else f'{head}, "findings": []}}\n'



def load_baseline(path: Path) -> Counter[str] | None:
    """The accepted fingerprints (with multiplicity), or None when there is no baseline file."""
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise SsotError(f"{path}: cannot read the baseline: {exc.strerror or exc}") from None
    try:
        data = json.loads(raw)
        if data.get("schema") != SCHEMA or not isinstance(data.get("findings"), list):
            raise ValueError("not an ssot baseline")
        if data.get("version") != VERSION:
            raise ValueError(f"baseline version {data.get('version')!r}, this ssot reads version {VERSION}")
        return Counter(str(e["fingerprint"]) for e in data["findings"])
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise SsotError(f"{path}: not a valid ssot baseline ({exc}); "
                        f"rewrite it with `ssot check --update-baseline`") from None


def new_findings(findings: Iterable[Finding], baseline: Counter[str]) -> list[Finding]:
    """The findings the baseline does not account for (each accepted fingerprint absorbs one finding)."""
    left = Counter(baseline)
    out = []
    for f in findings:
        if left[f.fingerprint] > 0:
            left[f.fingerprint] -= 1
        else:
            out.append(f)
    return out
