"""Tests passing, measured: the project's suite run now, compared per node id with a recorded baseline.

``ssot validate --run-tests`` runs the suite the way ``ssot migrate --validate tests``
runs its batches (:func:`ssot.migrate.validate.run_pytest`: pytest in a subprocess from
the project root, with the project's own options, pytest-xdist when installed, the
cache kept out of the tree) and keeps each test's outcome.  ``--save-baseline`` records
that run as the baseline, ``.ssot/tests-baseline.json`` (next to the run journal;
``.ssot`` is git-ignored); a later ``--run-tests`` is compared with it node id by node
id.  Every run is also stored in the history (document ``tests``), so that ``ssot
validate`` without ``--run-tests`` reports the latest recorded run against the
baseline: read, never estimated.

A test *no longer passes* when it passed in the baseline and now fails, errors, is
skipped, or does not run at all (its module no longer collects); any such test makes
``validate`` exit 1.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ssot.config import Config
from ssot.errors import SsotError

BASELINE_FILE = "tests-baseline.json"
SCHEMA = "ssot-test-outcomes"
VERSION = 1
DOCUMENT = "tests"  # the history's document kind for a run's outcomes
SHOWN = 20  # changed node ids listed in the report (all of them in JSON notes would drown it)


@dataclass(slots=True)
class Outcomes:
    """One run of the suite: each test's outcome by node id, and the modules that did not collect."""

    outcomes: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    at: str = ""

    @property
    def passing(self) -> int:
        return sum(o == "passed" for o in self.outcomes.values())

    def to_dict(self) -> dict[str, Any]:
        return {"schema": SCHEMA, "version": VERSION, "at": self.at, "seconds": round(self.seconds, 3),
                "outcomes": self.outcomes, "errors": self.errors}

    @classmethod
    def from_dict(cls, data: Any, source: str) -> Outcomes:
        if not isinstance(data, dict) or data.get("schema") != SCHEMA or not isinstance(data.get("outcomes"), dict):
            raise SsotError(f"{source}: not a record of test outcomes (schema {SCHEMA}); record it again with "
                            "`ssot validate --run-tests --save-baseline`")
        return cls({str(k): str(v) for k, v in data["outcomes"].items()},
                   {str(k): str(v) for k, v in (data.get("errors") or {}).items()},
                   float(data.get("seconds") or 0.0), str(data.get("at") or ""))


@dataclass(slots=True)
class Comparison:
    baseline: Outcomes | None
    now: Outcomes
    changed: list[tuple[str, str, str]]  # (node id, outcome before, outcome now); "not run" when absent
    no_longer_passing: list[str]  # node ids that passed in the baseline and do not now

    def notes(self) -> list[str]:
        if self.baseline is None:
            return ["tests passing: no baseline run to compare with (`ssot validate --run-tests "
                    "--save-baseline` before the migration records one)"]
        out = []
        if self.no_longer_passing:
            out.append(f"{len(self.no_longer_passing)} test(s) passed in the baseline and do not now")
        elif not self.changed:
            out.append("tests: every test gives the outcome it gave in the baseline")
        out += [f"{node}: {before} -> {now}" for node, before, now in self.changed[:SHOWN]]
        if len(self.changed) > SHOWN:
            out.append(f"... and {len(self.changed) - SHOWN} more changed outcome(s)")
        out += [f"does not collect now: {mod}: {_error_line(msg)}" for mod, msg in sorted(self.now.errors.items())
                if self.baseline is None or mod not in self.baseline.errors][:SHOWN]
        both = sorted(set(self.now.errors) & set(self.baseline.errors))
        if both:  # their tests ran in neither run: nothing is known of them, say so
            shown = ", ".join(both[:SHOWN]) + (f" and {len(both) - SHOWN} more" if len(both) > SHOWN else "")
            out.append(f"{len(both)} module(s) collected neither in the baseline nor now, so their tests are not "
                       f"compared: {shown} ({_error_line(self.now.errors[both[0]])})")
        return out


def _error_line(text: str) -> str:
    """pytest's last line of a collection error, without its ``E   `` margin."""
    return text[1:].lstrip() if text.startswith("E ") else text


def compare(baseline: Outcomes | None, now: Outcomes) -> Comparison:
    if baseline is None:
        return Comparison(None, now, [], [])
    changed = []
    for node in sorted(set(baseline.outcomes) | set(now.outcomes)):
        before, after = baseline.outcomes.get(node, "not run"), now.outcomes.get(node, "not run")
        if before != after:
            changed.append((node, before, after))
    lost = [node for node, before, _ in changed if before == "passed"]
    return Comparison(baseline, now, changed, lost)


def baseline_path(cfg: Config) -> Path:
    from ssot.migrate.runlog import STATE_DIR

    return cfg.root / STATE_DIR / BASELINE_FILE


def load_baseline(cfg: Config) -> Outcomes | None:
    path = baseline_path(cfg)
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SsotError(f"{path}: cannot read the tests baseline ({exc}); record it again with "
                        "`ssot validate --run-tests --save-baseline`") from None
    return Outcomes.from_dict(data, str(path))


def save_baseline(cfg: Config, run: Outcomes) -> Path:
    from ssot.fsio import write_text_atomic
    from ssot.migrate.runlog import ensure_gitignore

    path = baseline_path(cfg)
    path.parent.mkdir(parents=True, exist_ok=True)
    ensure_gitignore(path.parent)
    try:
        write_text_atomic(path, json.dumps(run.to_dict(), indent=1, sort_keys=True) + "\n")
    except OSError as exc:
        raise SsotError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path


def run_suite(cfg: Config) -> Outcomes:
    """Run the project's whole suite (pytest's own selection: ``testpaths``, ``addopts``) and keep the outcomes."""
    from ssot.history.store import utc_now
    from ssot.migrate.validate import run_pytest

    probe = run_pytest(cfg.root, [], collect_only=False, timeout=cfg.collect_timeout, xdist=True)
    return Outcomes(dict(sorted(probe.outcomes.items())), dict(sorted(probe.errors.items())), probe.seconds,
                    utc_now())


def latest_recorded(cfg: Config) -> Outcomes | None:
    """The latest run of the suite the history holds (``ssot validate --run-tests``), or None."""
    from ssot.history.store import HistoryError, HistoryStore

    path = cfg.history_path
    if path is None or not path.is_file():
        return None
    try:
        with HistoryStore(path, create=False) as store:
            docs = store.documents(DOCUMENT)
    except HistoryError:
        return None
    return Outcomes.from_dict(docs[-1][1], str(path)) if docs else None
