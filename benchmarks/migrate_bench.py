#!/usr/bin/env python3
"""Benchmark ``ssot plan`` / ``migrate`` on generated suites (default: 400 and 5000 test files).

For each size: generate the suite (``make_suite.py --git``), scan, then time
the plan, a dry run and an apply with ``--validate collect`` of the
TestWebSocketConnection family.  Rewrite throughput (read + LibCST rewrite +
canonical module + journaled atomic writes, no pytest) is reported apart from
the pytest validation time.  As the next batch is rewritten while pytest
validates the current one, the same migration is also applied to a second copy
of the suite with ``--validate syntax``: nothing to overlap with, so its
figure is the rewrite and journal alone.  Then the family is planned again
(it must keep its id and have nothing left to migrate).  The load average is
printed with the figures.  Baseline measured in the same run: a bare LibCST
round trip (``parse_module`` + ``.bytes``) of the same files on one core.

``--acceptance`` also runs the issue's acceptance at the first size: migrate
the websocket family with ``--validate tests``, then ``make_message`` and
``user_context``, and counts tests, passes and collection warnings with pytest.

    python benchmarks/migrate_bench.py [--sizes 400 5000] [--acceptance] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import libcst as cst

from ssot.config import load
from ssot.migrate.execute import ExecOptions, execute
from ssot.migrate.plan import PlanOptions, build_plan
from ssot.scanner.engine import scan

MAKE_SUITE = Path("/work/shared/corpus/make_suite.py")
WS = "TestWebSocketConnection"


def generate(out: Path, files: int) -> None:
    subprocess.run([sys.executable, str(MAKE_SUITE), str(out), "--files", str(files), "--git"], check=True,
                   capture_output=True)


def pytest_counts(root: Path) -> tuple[int, int, int]:
    """(collected, passed, collection warnings) of a full run."""
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "default",
                           "-n", "2"], cwd=root, capture_output=True, text=True, check=False,
                          env={"PYTHONDONTWRITEBYTECODE": "1", "PATH": "/usr/bin:/bin"})
    passed = int(m.group(1)) if (m := re.search(r"(\d+) passed", proc.stdout)) else 0
    failed = int(m.group(1)) if (m := re.search(r"(\d+) failed", proc.stdout)) else 0
    collect = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                              "--collect-only"], cwd=root, capture_output=True, text=True, check=False,
                             env={"PYTHONDONTWRITEBYTECODE": "1", "PATH": "/usr/bin:/bin"})
    warnings = collect.stdout.count("PytestCollectionWarning")
    return passed + failed, passed, warnings


def baseline_roundtrip(root: Path, files: list[str]) -> float:
    started = time.perf_counter()
    for rel in files:
        cst.parse_module((root / rel).read_bytes()).bytes  # noqa: B018 - the work being measured
    return len(files) / (time.perf_counter() - started)


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def bench_size(base: Path, files: int, batch_size: int) -> dict[str, float]:
    root = base / f"suite{files}"
    t = time.perf_counter()
    generate(root, files)
    gen = time.perf_counter() - t
    alone = base / f"suite{files}-syntax"  # a second copy, for the apply without pytest
    shutil.copytree(root, alone, symlinks=True)
    load_before = loadavg()
    cfg = load(root)
    t = time.perf_counter()
    result = scan(config=cfg)
    scan_s = time.perf_counter() - t
    options = PlanOptions(families=[WS], batch_size=batch_size)
    t = time.perf_counter()
    plan = build_plan(result, cfg, options, lambda rel: (root / rel).read_bytes())
    plan_s = time.perf_counter() - t
    touched = sorted({f for b in plan.batches for f in b.files})
    t = time.perf_counter()
    dry = execute(plan, ExecOptions(dry_run=True))
    dry_s = time.perf_counter() - t
    t = time.perf_counter()
    applied = execute(plan, ExecOptions(validate="collect", timeout=3600))
    apply_s = time.perf_counter() - t
    assert applied.ok, [b.failing[:3] for b in applied.batches if b.failing]
    # the same migration validated by syntax only: no pytest run for the rewrite to overlap with
    cfg2 = load(alone)
    plan2 = build_plan(result, cfg2, options, lambda rel: (alone / rel).read_bytes())
    t = time.perf_counter()
    solo = execute(plan2, ExecOptions(validate="syntax"))
    solo_s = time.perf_counter() - t
    assert solo.ok
    # idempotent: the family keeps its id and has nothing left to migrate
    again = build_plan(scan(config=cfg), cfg, options, lambda rel: (root / rel).read_bytes())
    left = len(again.steps)
    note = again.families[0].note if again.families else "?"
    floor = baseline_roundtrip(root, touched[:400])
    load_after = loadavg()
    fig = {
        "files": files, "generate_s": gen, "scan_s": scan_s, "plan_s": plan_s, "copies": len(plan.steps),
        "batches": len(plan.batches), "dry_run_s": dry_s,
        "dry_files_per_s": dry.rewritten_files / dry.rewrite_seconds,
        "apply_s": apply_s, "rewritten_files": applied.rewritten_files, "rewrite_s": applied.rewrite_seconds,
        "pytest_validation_s": applied.pytest_seconds,
        # everything but pytest: run set-up, rewrite, journaled writes, syntax check
        "apply_files_per_s": applied.rewritten_files / (apply_s - applied.pytest_seconds),
        "apply_syntax_s": solo_s, "apply_syntax_files_per_s": solo.rewritten_files / solo_s,
        "libcst_roundtrip_files_per_s": floor, "left_after": left,
    }
    print(f"\n== {files} test files ({fig['copies']} copies of {WS}, {fig['batches']} batches of {batch_size}) ==")
    print(f"  load average before: {load_before}, after: {load_after} (2 cores shared with other work)")
    print(f"  generate {gen:.1f}s, scan {scan_s:.2f}s, plan {plan_s:.2f}s")
    print(f"  dry run: {dry_s:.2f}s, rewrite {fig['dry_files_per_s']:.0f} files/s")
    print(f"  apply --validate collect: {apply_s:.1f}s total = pytest validation {applied.pytest_seconds:.1f}s + "
          f"the rest {apply_s - applied.pytest_seconds:.2f}s for {applied.rewritten_files} files = "
          f"{fig['apply_files_per_s']:.0f} files/s (target >= 100; the next batch is rewritten while pytest "
          f"validates this one)")
    print(f"  apply --validate syntax (no pytest to overlap with): {solo_s:.2f}s in all for {solo.rewritten_files} "
          f"files = {fig['apply_syntax_files_per_s']:.0f} files/s (target >= 100; rewrite and journaled writes "
          f"alone {solo.rewrite_seconds:.2f}s, syntax check and run set-up the rest)")
    print(f"  then: {left} copies left to migrate in family {WS} ({note})")
    print(f"  baseline: bare LibCST parse+codegen on one core {floor:.0f} files/s; "
          f"apply (syntax)/baseline = {fig['apply_syntax_files_per_s'] / floor:.2f}x, "
          f"dry run/baseline = {fig['dry_files_per_s'] / floor:.2f}x")
    return fig


def acceptance(base: Path) -> None:
    root = base / "acceptance"
    generate(root, 400)
    before = pytest_counts(root)
    print(f"\n== acceptance (400 files): before: {before[0]} tests, {before[1]} pass, "
          f"{before[2]} warnings ==")
    ssot = [sys.executable, "-m", "ssot.cli"]
    for fam, validate in ((WS, "tests"), ("make_message", "tests"), ("user_context", "tests")):
        t = time.perf_counter()
        proc = subprocess.run([*ssot, "migrate", "--family", fam, "--validate", validate, "--commit"],
                              cwd=root, capture_output=True, text=True, check=False)
        after = pytest_counts(root)
        took = time.perf_counter() - t
        print(f"  migrate {fam} --validate {validate}: exit {proc.returncode} in {took:.1f}s; "
              f"after: {after[0]} tests, {after[1]} pass, {after[2]} collection warnings")
        print("    " + proc.stderr.strip().splitlines()[-1][:300] if proc.stderr.strip() else "")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[400, 5000])
    ap.add_argument("--acceptance", action="store_true")
    ap.add_argument("--workdir", type=Path)
    args = ap.parse_args()
    base = args.workdir or Path(tempfile.mkdtemp(prefix="ssot-migrate-bench-"))
    base.mkdir(parents=True, exist_ok=True)
    try:
        if args.acceptance:
            acceptance(base)
        for n in args.sizes:
            bench_size(base, n, 50 if n <= 1000 else 250)
    finally:
        if not args.workdir:
            shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
