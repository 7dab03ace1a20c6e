"""The acceptance run of ``ssot validate`` on the generated suite, measured end to end.

    python benchmarks/validate_acceptance.py [--files 400] [--workdir DIR] [--validate syntax]

On a fresh git copy of the generated suite (``make_suite.py OUT --git``):

1. ``ssot collect --format json -o before.json`` and ``ssot validate --run-tests --save-baseline``
   (the collection profile and every test's outcome before the migration);
2. ``ssot migrate`` (every family the default plan consolidates);
3. ``ssot collect --format json -o after.json`` and ``ssot validate --run-tests
   --baseline-profile before.json --profile after.json --format json``.

Prints the compliance of every consolidated family, the non-canonical imports, tests
collected and passing before and after (and any node id whose outcome changed),
collection warnings before and after, and the seconds each step took with the load
average.  Exits 1 when the seed's acceptance figures are not met: compliance 100% for
every migrated family, 0 non-canonical imports, every test collected before collected
and passing after, warnings down.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MAKE_SUITE = Path(os.environ.get("SSOT_CORPUS") or REPO.parent / "shared" / "corpus") / "make_suite.py"
SSOT = [sys.executable, "-m", "ssot"]


def step(label: str, args: list[str], cwd: Path, codes: tuple[int, ...] = (0,)) -> tuple[str, float]:
    started = time.perf_counter()
    proc = subprocess.run([*SSOT, *args], cwd=cwd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    print(f"{label:<58} {seconds:>8.1f} s  exit {proc.returncode}  (load {os.getloadavg()[0]:.1f})")
    if proc.returncode not in codes:
        raise SystemExit(f"ssot {' '.join(args)} exited {proc.returncode}:\n{proc.stdout[-2000:]}\n"
                         f"{proc.stderr[-2000:]}")
    return proc.stdout, seconds


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=400, help="make_suite --files (default 400: 3420 tests)")
    ap.add_argument("--workdir", type=Path, help="where to generate the suite (default: a temporary folder)")
    ap.add_argument("--validate", default="syntax", help="ssot migrate --validate (default syntax: the test "
                    "outcomes are compared by `ssot validate --run-tests` afterwards)")
    args = ap.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="ssot-validate-acceptance-"))
    suite = work / f"suite{args.files}"
    if suite.exists():
        raise SystemExit(f"{suite} exists: pass another --workdir")
    work.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, str(MAKE_SUITE), str(suite), "--files", str(args.files), "--git"], check=True,
                   capture_output=True)
    print(f"suite: {suite} ({sum(1 for _ in suite.rglob('*.py'))} Python files), load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    before, after = work / "before.json", work / "after.json"
    step("collect --format json -o before.json", ["collect", "--format", "json", "-o", str(before)], suite, (0, 1))
    step("validate --run-tests --save-baseline", ["validate", "--run-tests", "--save-baseline", "--exit-zero"],
         suite)
    step(f"migrate (default plan, --validate {args.validate})", ["migrate", "--validate", args.validate], suite)
    step("collect --format json -o after.json", ["collect", "--format", "json", "-o", str(after)], suite, (0, 1))
    out, _ = step("validate --run-tests (profiles before/after)",
                  ["validate", "--run-tests", "--baseline-profile", str(before), "--profile", str(after),
                   "--format", "json"], suite, (0, 1))
    data = json.loads(out)
    ok = True
    print("\nconsolidated families:")
    for fam in data["families"]:
        if fam["consolidated"]:
            total = fam["consolidated"] + fam["copies"]
            print(f"  {fam['name']:<32} {100 * fam['score']:6.1f}%  ({fam['consolidated']} of {total} copies "
                  f"consolidated; canonical {', '.join(fam['canonical'])})")
            ok &= fam["score"] == 1.0
    left = [f"{f['name']} ({f['copies']})" for f in data["families"] if not f["consolidated"]]
    print(f"not consolidated by the default plan: {', '.join(left) or 'none'}")
    print(f"non-canonical imports: {len(data['imports'])}")
    ok &= not data["imports"]
    figures = {f["figure"]: f for f in data["collection"]}
    for name in ("tests collected", "tests passing", "collection warnings", "collection errors",
                 "collection wall time", "peak memory"):
        f = figures.get(name)
        if f is not None:
            print(f"{name + ':':<22} {f['baseline']} -> {f['now']}")
    collected, passing = figures["tests collected"], figures["tests passing"]
    ok &= collected["now"] == collected["baseline"] == passing["now"] == passing["baseline"]
    ok &= figures["collection warnings"]["now"] < figures["collection warnings"]["baseline"]
    for note in data["notes"]:
        print(f"note: {note}")
    print(f"acceptance figures met: {'yes' if ok else 'NO'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
