#!/usr/bin/env python3
"""Overhead of ``ssot collect`` over a plain ``pytest --collect-only -q``, measured in the same run.

For each suite size (default: the 400-file suite and a 5000-file one, made by
``make_suite.py``) it warms the bytecode caches, then runs, interleaved round
after round so that machine load hits every variant alike:

  plain    python -m pytest --collect-only -q -p no:ssot
  plugin   the same with ``-p ssot.collect.plugin --ssot-profile=F``: the measurement overhead
  ssot     python -m ssot collect --format json -o F: the whole command (driver, analysis, report)

and prints, per variant, the best and median wall time, CPU time, and the
ratios to plain (best-of-N is the figure to read on a shared machine: noise only
ever adds time).  Target: plugin and ssot at most 1.10x.

    python benchmarks/collect_bench.py                      # 400 and 5000 files
    python benchmarks/collect_bench.py --files 400 --rounds 7
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
DEFAULT_MAKE_SUITE = Path("/work/shared/corpus/make_suite.py")


def run(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, int]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(
        cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
    )
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.returncode


def bench_suite(suite: Path, rounds: int, python: str, work: Path) -> dict[str, object]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(SRC) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.pop("VIRTUAL_ENV", None)
    profile = work / "profile.json"
    variants = {
        "plain": [python, "-m", "pytest", "--collect-only", "-q", "-p", "no:ssot"],
        "plugin": [
            python,
            "-m",
            "pytest",
            "--collect-only",
            "-q",
            "-p",
            "no:ssot",
            "-p",
            "ssot.collect.plugin",
            f"--ssot-profile={profile}",
        ],
        "ssot": [python, "-m", "ssot", "collect", "--python", python, "--format", "json",
                 "-o", str(work / "ssot.json")],
    }
    # warm the bytecode caches (assertion rewriting writes them on the first run)
    for cmd in variants.values():
        _, _, code = run(cmd, suite, env)
        if code != 0:
            raise SystemExit(f"{' '.join(cmd)} exited {code} in {suite}")
    samples: dict[str, list[tuple[float, float]]] = {k: [] for k in variants}
    for i in range(rounds):
        order = list(variants) if i % 2 == 0 else list(reversed(variants))
        for name in order:
            wall, cpu, code = run(variants[name], suite, env)
            if code != 0:  # a run that failed fast would flatter its variant
                raise SystemExit(f"{name} exited {code} in {suite} (round {i + 1})")
            samples[name].append((wall, cpu))
    data = json.loads((work / "ssot.json").read_text())
    m = data["measurement"]
    out: dict[str, object] = {"tests": m["tests"], "files": len(m["files"]), "warnings": len(m["warnings"])}
    base_best = min(w for w, _ in samples["plain"])
    base_med = statistics.median(w for w, _ in samples["plain"])
    base_cpu = min(c for _, c in samples["plain"])
    for name, s in samples.items():
        walls = [w for w, _ in s]
        cpus = [c for _, c in s]
        out[name] = {
            "best_s": round(min(walls), 3),
            "median_s": round(statistics.median(walls), 3),
            "cpu_best_s": round(min(cpus), 3),
            "walls": [round(w, 3) for w in walls],
            "ratio_best": round(min(walls) / base_best, 3),
            "ratio_median": round(statistics.median(walls) / base_med, 3),
            "cpu_ratio": round(min(cpus) / base_cpu, 3),
        }
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, nargs="+", default=[400, 5000])
    ap.add_argument(
        "--rounds", type=int, default=0, help="rounds per size (default 7 up to 1000 files, else 3)"
    )
    ap.add_argument("--make-suite", type=Path, default=DEFAULT_MAKE_SUITE)
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--keep", action="store_true", help="keep the generated suites")
    args = ap.parse_args()
    results = {}
    work = Path(tempfile.mkdtemp(prefix="ssot-collect-bench-"))
    try:
        for n in args.files:
            suite = work / f"suite{n}"
            subprocess.run(
                [sys.executable, str(args.make_suite), str(suite), "--files", str(n)],
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            rounds = args.rounds or (7 if n <= 1000 else 3)
            t0 = time.perf_counter()
            res = bench_suite(suite, rounds, args.python, work)
            res["rounds"] = rounds
            res["bench_seconds"] = round(time.perf_counter() - t0, 1)
            results[n] = res
            print(
                f"\n{n} test files: {res['tests']} tests, {res['warnings']} warnings, {rounds} rounds "
                f"(interleaved), {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}"
            )
            print(
                f"  {'variant':8} {'best':>8} {'median':>8} {'cpu':>8} {'ratio(best)':>12} "
                f"{'ratio(median)':>14}"
                f" {'cpu ratio':>10}"
            )
            for name in ("plain", "plugin", "ssot"):
                r = res[name]
                assert isinstance(r, dict)
                print(
                    f"  {name:8} {r['best_s']:8.3f} {r['median_s']:8.3f} {r['cpu_best_s']:8.3f} "
                    f"{r['ratio_best']:11.3f}x {r['ratio_median']:13.3f}x {r['cpu_ratio']:9.3f}x"
                )
            sys.stdout.flush()
        print("\nJSON " + json.dumps(results))
        worst = max(float(r[v]["ratio_best"]) for r in results.values() for v in ("plugin", "ssot"))  # type: ignore[index]
        print(f"worst best-of-N ratio: {worst:.3f}x (target <= 1.10x)")
    finally:
        if args.keep:
            print(f"suites kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
