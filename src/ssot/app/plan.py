"""``ssot plan`` and ``ssot migrate``: scan the project and plan the consolidation."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ssot.config import Config
from ssot.migrate.plan import Plan, PlanOptions, build_plan
from ssot.model import ScanResult
from ssot.report.common import plural
from ssot.scanner.engine import Progress, scan

Log = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Planned:
    """The scan a plan was made from, and the plan."""

    scan: ScanResult
    plan: Plan


def make_plan(cfg: Config, options: PlanOptions, *, use_cache: bool = True, progress: Progress | None = None,
              log: Log | None = None) -> Planned:
    """Scan the project of ``cfg`` and plan the migration ``options`` ask for; ``log`` hears each phase."""
    say = log or (lambda _text: None)
    started = time.perf_counter()
    say(f"scan: {cfg.root}")
    result = scan(config=cfg, use_cache=use_cache, progress=progress)
    say(f"scan: {len(result.families)} families, {time.perf_counter() - started:.1f}s; planning")
    root = Path(cfg.root)
    plan = build_plan(result, cfg, options, lambda rel: (root / rel).read_bytes(),
                      cfg.cache_path if use_cache else None)
    migrating = sum(1 for f in plan.families if f.steps)
    say(f"plan: {migrating} {'family migrates' if migrating == 1 else 'families migrate'}, "
        f"{plural(len(plan.steps), 'copy', 'copies')} in {plural(len(plan.batches), 'batch', 'batches')}, "
        f"{plural(plan.effect.files_touched, 'file')}")
    return Planned(result, plan)
