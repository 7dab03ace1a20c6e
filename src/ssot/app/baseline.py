"""``.ssot-baseline.json``: the findings a project has accepted, by fingerprint.

Committed with the project.  Each entry names its rule, file and line-free key
(so a reviewer can read a baseline diff) and the fingerprint ``ssot check``
matches on; line numbers are not part of it, so moving or reformatting code
does not make an accepted finding new.  A fingerprint may appear more than
once (two identical copies in one file): the baseline is a multiset.
"""

from __future__ import annotations

import hashlib
import json
import pickle
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ssot import __version__
from ssot.errors import SsotError
from ssot.fsio import write_bytes_atomic
from ssot.model import Finding
from ssot.plaindata import load_plain

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



PARSED_FILE = "check-baseline.pickle"  # in the cache folder: the last baseline read, parsed


def load_baseline(path: Path, cache_dir: Path | None = None) -> Counter[str] | None:
    """The accepted fingerprints (with multiplicity), or None when there is no baseline file.

    With ``cache_dir``, the counts parsed last time are reused while the file's bytes are the same
    (their digest): a pre-commit check of a few files does not parse a baseline of 100,000 entries.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise SsotError(f"{path}: cannot read the baseline: {exc.strerror or exc}") from None
    digest = hashlib.blake2b(raw, digest_size=16).hexdigest()
    if cache_dir is not None:
        kept = _parsed(cache_dir / PARSED_FILE, digest)
        if kept is not None:
            return kept
    try:
        data = json.loads(raw.decode("utf-8"))
        if data.get("schema") != SCHEMA or not isinstance(data.get("findings"), list):
            raise ValueError("not an ssot baseline")
        if data.get("version") != VERSION:
            raise ValueError(f"baseline version {data.get('version')!r}, this ssot reads version {VERSION}")
        counts = Counter(str(e["fingerprint"]) for e in data["findings"])
    except (ValueError, TypeError, KeyError, AttributeError) as exc:  # UnicodeDecodeError is a ValueError
        raise SsotError(f"{path}: not a valid ssot baseline ({exc}); "
                        f"rewrite it with `ssot check --update-baseline`") from None
    if cache_dir is not None:
        try:  # best effort: without it the next check parses the file again
            cache_dir.mkdir(parents=True, exist_ok=True)
            write_bytes_atomic(cache_dir / PARSED_FILE, pickle.dumps((PARSED_VERSION, digest, dict(counts))),
                               durable=False)
        except OSError:
            pass
    return counts


PARSED_VERSION = 1


def _parsed(path: Path, digest: str) -> Counter[str] | None:
    """The counts kept for the baseline of this digest, or None (absent, stale, damaged or crafted)."""
    try:
        version, kept_digest, counts = load_plain(path)
    except Exception:
        return None
    if version != PARSED_VERSION or kept_digest != digest or not isinstance(counts, dict) \
            or not set(map(type, counts)) <= {str} or not set(map(type, counts.values())) <= {int}:
        return None  # (types checked in C: a per-entry loop cost a third of a 5-file check on 256k entries)
    return Counter(counts)


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
