"""Benchmark ``ssot check`` on a few files (what pre-commit runs) against the whole-tree check, in one run.

    python benchmarks/check_bench.py [--suite DIR | --files 10000] [--monorepo DIR] [--workdir DIR] [--repeat 5]

For each tree: ``ssot check --update-baseline`` (cold: scan and index built),
the warm whole-tree ``ssot check``, and ``ssot check F1 .. F5`` on five test files
that hold copies of duplicated helpers (the index of the rest of the tree read,
the five files extracted), each as a user runs it: a fresh ``ssot`` process,
interpreter start-up included.  ``python -c pass`` and ``ssot --version`` are
measured as the floors every command pays.  ``ssot`` runs with a bytecode cache, as installed
software does (``PYTHONPYCACHEPREFIX`` in the work folder; this machine sets
``PYTHONDONTWRITEBYTECODE``, which would add a compile of every module to
each start).  CPU seconds (user + system) are printed beside wall seconds:
on a loaded machine wall time grows, CPU time much less.  Figures are medians of ``--repeat`` runs; ratios are
against the warm whole-tree check of the same run.  The load average is printed
beside them: the figures are wall times on a shared machine.

A read-only tree (``/work/realcode/monorepo``) is checked in place with the
cache, index and baseline kept outside it (``--config`` with an absolute
``cache_dir``, ``--baseline`` in the work folder).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _measure import Run, measure

REPO = Path(__file__).resolve().parents[1]
MAKE_SUITE = Path(os.environ.get("SSOT_CORPUS") or REPO.parent / "shared" / "corpus") / "make_suite.py"
BIN = Path(sys.executable).parent


@dataclass
class Timed:
    run: Run
    cpu: float  # user + system seconds of the process (and its children): what the load does not inflate

    @property
    def seconds(self) -> float:
        return self.run.seconds


def timed(cmd: list[str], cwd: Path) -> Timed:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    run = measure(cmd, cwd=cwd)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return Timed(run, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))


def ssot(*args: str, cwd: Path) -> Timed:
    return timed([str(BIN / "ssot"), *args], cwd=cwd)


def median(runs: list[Timed]) -> float:
    return statistics.median(r.seconds for r in runs)


def median_cpu(runs: list[Timed]) -> float:
    return statistics.median(r.cpu for r in runs)


def five_files(index: Path) -> list[str]:
    """Five test files holding copies of the most copied families (spread over families)."""
    from ssot.app.check_files import read_index

    data = read_index(index)
    if data is None:
        raise SystemExit(f"no check index at {index}")
    by_family = {fid: sorted({row[0] for row in rows if Path(row[0]).name.startswith("test_")})
                 for fid, rows in data.members().items()}
    ranked = sorted(by_family.values(), key=len, reverse=True)
    chosen: list[str] = []
    while len(chosen) < 5 and any(ranked):
        for paths in ranked:
            if paths and len(chosen) < 5:
                p = paths.pop(len(paths) // 2)
                if p not in chosen:
                    chosen.append(p)
    return chosen


def bench(name: str, root: Path, extra: list[str], cache: Path, repeat: int) -> None:
    load = os.getloadavg()
    print(f"\n## {name}: {root} (load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f})")
    from ssot.scanner.cache import ScanCache

    warm_cache = ScanCache.load_meta(cache) is not None  # a cache of this version (another one is not read)
    ssot("--version", cwd=root)  # the first run writes the bytecode cache (PYTHONPYCACHEPREFIX)
    floor = [ssot("--version", cwd=root) for _ in range(repeat)]
    bare = [timed([sys.executable, "-c", "pass"], cwd=root) for _ in range(repeat)]
    cold = ssot("check", "--update-baseline", *extra, cwd=root)
    if cold.run.returncode != 0:
        raise SystemExit(f"ssot check --update-baseline failed:\n{cold.run.stdout}\n{cold.run.stderr}")
    whole = [ssot("check", *extra, cwd=root) for _ in range(max(1, repeat // 2))]
    from ssot.app.check_index import INDEX_FILE

    files = five_files(cache / INDEX_FILE)
    few = [ssot("check", *files, *extra, cwd=root) for _ in range(repeat)]
    codes = {r.run.returncode for r in [*whole, *few]}
    print(f"files checked: {', '.join(files)}")
    print(f"{'run':<50} {'median s':>9} {'CPU s':>7} {'peak MiB':>9} {'vs whole':>9}")
    base = median(whole)
    label = "check --update-baseline (" + ("scan cache warm" if warm_cache else "cold: scan") + " + index)"
    rows = [("python -c pass (interpreter start-up)", bare), ("ssot --version (start-up floor)", floor),
            (label, [cold]),
            ("check, whole tree (warm)", whole), ("check 5 files (index of the rest)", few)]
    for label, runs in rows:
        peak = max(r.run.peak_mib for r in runs)
        print(f"{label:<50} {median(runs):>9.3f} {median_cpu(runs):>7.3f} {peak:>9.0f} {median(runs) / base:>8.3f}x")
    print(f"exit codes {sorted(codes)} (0: nothing new since the baseline just written)")
    print(f"5 files under 1 s: {'yes' if median(few) < 1.0 else 'NO'} ({median(few):.3f} s wall, "
          f"{median_cpu(few):.3f} s CPU; {base / median(few):.0f}x faster than the whole tree)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--suite", type=Path, help="a generated suite (default: generate one in the work folder)")
    ap.add_argument("--files", type=int, default=10000, help="make_suite --files when generating (default 10000)")
    ap.add_argument("--monorepo", type=Path, help="a read-only real tree, e.g. /work/realcode/monorepo")
    ap.add_argument("--workdir", type=Path, help="where to keep generated suites and caches (default: a temp dir)")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-suite", action="store_true", help="measure the --monorepo tree only")
    args = ap.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="ssot-check-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    # as a user runs it: with a bytecode cache (kept in the work folder, not in the source tree)
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    suite = args.suite
    if args.no_suite:
        pass
    elif suite is None:
        suite = work / f"suite{args.files}"
        if not suite.exists():
            subprocess.run([sys.executable, str(MAKE_SUITE), str(suite), "--files", str(args.files),
                            "--extra-tests", "40", "--git"], check=True, capture_output=True)
    if not args.no_suite:
        nfiles = sum(1 for _ in suite.rglob("*.py"))
        bench(f"generated suite ({nfiles} files)", suite, [], suite / ".ssot_cache", args.repeat)
    if args.monorepo:
        cache = work / "monorepo-cache"
        cfg = work / "monorepo-config" / "pyproject.toml"
        cfg.parent.mkdir(parents=True, exist_ok=True)
        # nothing is written in the checked tree: cache and history in the work folder
        cfg.write_text(f'[tool.ssot]\ncache_dir = "{cache}"\nhistory = "{work / "history.db"}"\n')
        extra = ["--root", str(args.monorepo), "--config", str(cfg), "--baseline", str(work / "monorepo-baseline.json")]
        bench(f"real tree ({sum(1 for _ in args.monorepo.rglob('*.py'))} files)", args.monorepo, extra, cache,
              args.repeat)


if __name__ == "__main__":
    main()
