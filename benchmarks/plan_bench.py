#!/usr/bin/env python3
"""Benchmark a warm ``ssot plan``: the scan served by its cache, the per-file analysis cached or not.

On a project (a copy: ssot writes its caches there), runs ``ssot plan`` once to warm both caches,
then alternately ``--rounds`` times:

- baseline: ``plan-analysis.pickle`` removed first, so the plan parses and analyses every file
  holding a copy (what every warm ``ssot plan`` did before the analysis was cached);
- cached: the analyses of the previous plan are read back.

Both print the same plan (checked: byte for byte); the figures are wall time and peak RSS of the
process tree, the best of the rounds, with the load average.

    python benchmarks/plan_bench.py DIR [--rounds 2]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from _measure import Run, measure
from ssot.config import load
from ssot.migrate.analysis_cache import CACHE_FILE


def plan(root: Path) -> Run:
    run = measure([sys.executable, "-m", "ssot", "plan", "--format", "json"], cwd=root)
    if run.returncode != 0:
        raise SystemExit(f"ssot plan failed in {root}:\n{run.stderr}")
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("root", type=Path, help="the project (a copy: its caches are written there)")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    root = args.root.resolve()
    cache = load(root).cache_path / CACHE_FILE
    warm = plan(root)
    print(f"{root}: warm-up (scan and analysis caches written) {warm.seconds:.1f}s, load {os.getloadavg()[0]:.1f}")
    base: list[Run] = []
    cached: list[Run] = []
    for k in range(args.rounds):
        cache.unlink(missing_ok=True)
        base.append(plan(root))
        cached.append(plan(root))
        if cached[-1].stdout != base[-1].stdout:
            raise SystemExit("the cached analysis gave another plan")
        print(f"round {k + 1}: baseline {base[-1].seconds:.2f}s, cached {cached[-1].seconds:.2f}s "
              f"(load {os.getloadavg()[0]:.1f})")
    b = min(base, key=lambda r: r.seconds)
    c = min(cached, key=lambda r: r.seconds)
    print(f"warm plan, analysis not cached: {b.seconds:.2f}s, peak {b.peak_mib:.0f} MiB")
    print(f"warm plan, analysis cached:     {c.seconds:.2f}s, peak {c.peak_mib:.0f} MiB")
    print(f"speed-up {b.seconds / c.seconds:.1f}x; cache {cache.stat().st_size / 2**20:.1f} MiB; same plan: yes")


if __name__ == "__main__":
    main()
