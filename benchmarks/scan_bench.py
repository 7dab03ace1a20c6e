"""Benchmark ``ssot scan`` against arid and pylint's duplicate-code checker, in one run.

    python benchmarks/scan_bench.py [--files 10000] [--extra-tests 40] [--small 400] [--workdir DIR]
    python benchmarks/scan_bench.py --warm-only [--workdir DIR]   # the realcode warm rescan, beside cold and arid

On the realcode monorepo (``--realcode``, copied into the workdir): cold scan, warm rescan,
rescan after editing 1% of the files, peak memory, beside arid (and jscpd when installed);
then the growth of the cold scan over 1/4, 1/2, 1 and 2 copies of the tree (a part: every k-th folder
of each project, whole; linear: each step's time at most 1.1 times its growth in bytes).
On a suite from ``make_suite.py --files 10000 --extra-tests 40`` (11k files, 82 MB):
ssot's cold scan and warm rescan (wall time, peak memory of the process tree)
beside arid's on the same tree, as ratios.  On the default 400-file suite:
the same beside ``pylint --disable=all --enable=duplicate-code``, and what each
tool finds of the planted families (members covered, groups they are split
into, equivalence classes told apart).  Needs the ``bench`` extra
(``pip install -e '.[bench]'``) and ``../shared`` beside the repository.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _measure import Run, measure
from ssot.scope import TEST_FOLDERS

REPO = Path(__file__).resolve().parents[1]
MAKE_SUITE = REPO.parent / "shared" / "corpus" / "make_suite.py"
SCORE = REPO.parent / "shared" / "corpus" / "score_scan.py"
BIN = Path(sys.executable).parent


def compile_ssot() -> None:
    """ssot's modules compiled to bytecode before anything is timed, as pip leaves an installed package: an
    editable install under PYTHONDONTWRITEBYTECODE would compile every module on every run (about 0.1 s)."""
    import ssot

    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(ssot.__file__).parent)], check=True)
    print(f"ssot's modules compiled to bytecode first (PYTHONDONTWRITEBYTECODE="
          f"{os.environ.get('PYTHONDONTWRITEBYTECODE', '')!r} here)")


def make_suite(out: Path, *args: str) -> dict:
    subprocess.run([sys.executable, str(MAKE_SUITE), str(out), *args], check=True, capture_output=True)
    return json.loads(out.with_name(out.name + ".truth.json").read_text())


def ssot_scan(suite: Path, report: Path) -> Run:
    report.unlink(missing_ok=True)  # a scan that fails must not leave the last run's report to be scored
    return measure([str(BIN / "ssot"), "scan", str(suite), "--format", "json", "-o", str(report), "--no-progress"])


def arid(suite: Path, report: Path) -> Run:
    # --keep-going: without it arid stops at the first file it cannot parse (the realcode monorepo has
    # one on purpose, django's tests_syntax_error.py) and its time is that of an aborted run
    run = measure([str(BIN / "arid"), str(suite), "--keep-going", "--no-fail-on-findings", "--format", "json"])
    report.write_text(run.stdout)
    return run


def pylint(suite: Path) -> Run:
    files = [str(p) for p in sorted(suite.rglob("*.py"))]
    return measure([str(BIN / "pylint"), "--disable=all", "--enable=duplicate-code", "--output-format=json",
                    "--exit-zero", *files], cwd=suite)


# --- what each tool found of the planted families ------------------------------------------

Span = tuple[str, int, int]


def arid_groups(report: Path) -> list[list[Span]]:
    data = json.loads(report.read_text() or "{}")
    return [[(loc["path"], loc["start_line"], loc["end_line"]) for loc in f["locations"]]
            for f in data.get("findings", [])]


_PYLINT_LOC = re.compile(r"^==([^:\n]+):\[(\d+):(\d+)\]", re.M)


def pylint_groups(stdout: str, suite: Path) -> list[list[Span]]:
    groups = []
    for msg in json.loads(stdout or "[]"):
        if msg.get("symbol") != "duplicate-code":
            continue
        spans = []
        for mod, a, b in _PYLINT_LOC.findall(msg["message"]):
            rel = mod.replace(".", "/") + ".py"
            spans.append((rel, int(a) + 1, int(b)))
        groups.append(spans)
    return groups


def ssot_groups(report: Path) -> tuple[list[list[Span]], dict[Span, str]]:
    data = json.loads(report.read_text())
    groups, eq = [], {}
    for fam in data["families"]:
        spans = []
        for m in fam["members"]:
            span = (m["path"], m["line"], m["line"])
            spans.append(span)
            eq[span] = m["equivalence"]
        groups.append(spans)
    return groups, eq


def coverage(truth: dict, groups: list[list[Span]], eq: dict[Span, str] | None = None) -> dict[str, str]:
    """Per planted family: members found, groups they are spread over, variants told apart."""
    by_path: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    for gi, g in enumerate(groups):
        for path, a, b in g:
            by_path[path].append((a, b, gi))
    out = {}
    for fam in truth["families"]:
        found, used, variants = 0, set(), defaultdict(set)
        for m in fam["members"]:
            hits = [gi for a, b, gi in by_path.get(m["path"], []) if a <= m["line"] <= b]
            if hits:
                found += 1
                used.add(hits[0])
            if eq is not None:
                span = (m["path"], m["line"], m["line"])
                if span in eq:
                    variants[m["variant"]].add(eq[span])
        n_variants = len({v for m in fam["members"] for v in [m["variant"]]})
        told = ""
        if eq is not None:
            distinct = len(set().union(*variants.values())) if variants else 0
            told = f", {distinct} equivalence classes for {n_variants} planted variants"
        out[fam["id"]] = f"{found}/{len(fam['members'])} members in {len(used)} group(s){told}"
    return out


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "n/a"


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def jscpd(tree: Path, out: Path) -> Run | None:
    exe = shutil.which("jscpd")
    if exe is None:
        return None
    return measure([exe, "--silent", "--format", "python", "--reporters", "json", "--output", str(out), str(tree)])


def copy_tree(src: Path, dest: Path, fraction: float = 1.0, copies: int = 1) -> tuple[Path, int, float]:
    """``copies`` copies of ``src`` side by side under ``dest``, each of a ``fraction`` of the tree: within each
    top-level folder (project), every ``1/fraction``-th folder holding .py files, whole (so that a part is a mix
    of the projects as the whole is, and a folder's copies of each other stay together); the bytes copied and
    their share under a test folder or named test_* (printed: a part should be made like the whole).

    Until stop 23 a part was the first ``fraction`` of each project's files in path order, which is mostly
    library code (``django/django`` sorts before ``django/tests``): its test share was 0.13 at 1/4 and 0.25 at
    1/2 (0.52 for the whole), so the smaller parts held far fewer copies per MB and each step looked
    superlinear."""
    shutil.rmtree(dest, ignore_errors=True)
    every = sorted(p for p in src.rglob("*.py") if ".ssot_cache" not in p.parts)
    by_top: dict[str, dict[Path, list[Path]]] = defaultdict(lambda: defaultdict(list))
    for f in every:
        by_top[f.relative_to(src).parts[0]][f.parent].append(f)
    step = max(1, round(1 / fraction))
    files = [f for folders in by_top.values() for i, d in enumerate(sorted(folders)) if i % step == 0
             for f in folders[d]]
    size = tests = 0
    for k in range(copies):
        for f in files:
            target = dest / f"copy{k}" / f.relative_to(src)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(f, target)
            n = f.stat().st_size
            size += n
            if f.name.startswith("test") or not TEST_FOLDERS.isdisjoint(f.relative_to(src).parts[:-1]):
                tests += n
    return dest, size, tests / size if size else 0.0


def edit_copies(tree: Path, report: Path, count: int) -> int:
    """A statement added at the top of the body of one copied definition (a family member of ``report``) in
    each of ``count`` files; returns how many files were edited."""
    members: dict[str, tuple[int, int]] = {}
    for fam in json.loads(report.read_text(encoding="utf-8"))["families"]:
        for m in fam["members"]:
            members.setdefault(m["path"], (m["line"], m["end_line"]))
    paths = sorted(members)
    edited = 0
    for rel in paths[::max(1, len(paths) // max(count, 1))][:count]:
        path = tree / rel
        lines = path.read_text(encoding="utf-8", errors="surrogateescape").split("\n")
        line, end = members[rel]
        header = next((k for k in range(line - 1, min(end, len(lines))) if lines[k].rstrip().endswith(":")), None)
        body = next((k for k in range(header + 1, min(end, len(lines))) if lines[k].strip()), None) \
            if header is not None else None
        if body is None:
            continue
        indent = lines[body][:len(lines[body]) - len(lines[body].lstrip())]
        lines.insert(body, f"{indent}_ssot_bench_edit = 1")
        path.write_text("\n".join(lines), encoding="utf-8", errors="surrogateescape")
        edited += 1
    return edited


def cpu_measure(cmd: list[str]) -> tuple[Run, float]:
    """``measure(cmd)`` and the CPU seconds (user + system) of the process tree: a figure the other
    processes of a loaded machine inflate far less than the wall time."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    run = measure(cmd)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return run, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def same_as_from_nothing(tree: Path, work: Path) -> bool:
    """Whether the last rescan's report (``rc.json``) is the one a scan without the cache writes, stats aside."""
    measure([str(BIN / "ssot"), "scan", str(tree), "--all", "--no-cache", "--format", "json", "-o",
             str(work / "rc-nocache.json"), "--no-progress"])
    return same_report(work / "rc.json", work / "rc-nocache.json")


def same_report(a: Path, b: Path) -> bool:
    """Whether two JSON reports are the same but for their stats (the time, what was read afresh)."""
    def strip(path: Path) -> bytes:
        return re.sub(rb'"stats": ?\{[^{}]*\}', b"", path.read_bytes(), count=1)

    return strip(a) == strip(b)


def realcode(src: Path, work: Path, growth: bool = True, edits: bool = True, warm_runs: int = 1) -> None:
    """The realcode monorepo, whole tree: cold, warm, after editing 1% of the files; arid beside; growth."""
    tree = work / "monorepo"
    if not tree.exists():
        shutil.copytree(src, tree, symlinks=True)
    shutil.rmtree(tree / ".ssot_cache", ignore_errors=True)
    shutil.rmtree(tree / ".ssot", ignore_errors=True)  # the history (a copy of src's would be shared)
    files = sorted(p for p in tree.rglob("*.py") if ".ssot_cache" not in p.parts)
    size = sum(p.stat().st_size for p in files) / 1e6
    print(f"## realcode monorepo, whole tree ({len(files)} files, {size:.0f} MB; {load()})")
    scan_cmd = [str(BIN / "ssot"), "scan", str(tree), "--all", "--format", "json", "-o", str(work / "rc.json"),
                "--no-progress"]
    cold = measure(scan_cmd)
    shutil.copyfile(work / "rc.json", work / "rc.cold.json")
    warms = sorted((cpu_measure(scan_cmd) for _ in range(warm_runs)), key=lambda r: r[0].seconds)
    warm, warm_cpu = warms[len(warms) // 2]  # the median run
    warm_same = same_report(work / "rc.json", work / "rc.cold.json")
    warm_load = load()
    if not edits:
        ar = arid(tree, work / "rc.arid.json")
        print(f"ssot cold      : {cold.seconds:6.2f} s  peak {cold.peak_mib:6.0f} MiB  (exit {cold.returncode})")
        print(f"ssot warm      : {warm.seconds:6.2f} s  peak {warm.peak_mib:6.0f} MiB  cpu {warm_cpu:.2f} s  "
              f"(median of {len(warms)}: {', '.join(f'{r.seconds:.2f}' for r, _ in warms)} s; {warm_load}; "
              f"report {'the same as' if warm_same else 'DIFFERENT from'} the cold one, stats aside)")
        print(f"arid           : {ar.seconds:6.2f} s  peak {ar.peak_mib:6.0f} MiB  (exit {ar.returncode})")
        print(f"ratios         : warm/cold {ratio(warm.seconds, cold.seconds)}, warm/arid "
              f"{ratio(warm.seconds, ar.seconds)}, cold/arid {ratio(cold.seconds, ar.seconds)}")
        print(f"target         : warm < 1 s {'met' if warm.seconds < 1 else 'MISSED'} (wall, {warm_load}); "
              f"cpu {warm_cpu:.2f} s")
        return
    for p in files[::100]:  # 1% of the files, edited: a statement added at the end
        p.write_text(p.read_text(encoding="utf-8", errors="surrogateescape") + "\n_ssot_bench_edit = 1\n",
                     encoding="utf-8", errors="surrogateescape")
    edited_load = load()
    edited, edited_cpu = cpu_measure(scan_cmd)
    ar = arid(tree, work / "rc.arid.json")
    js = jscpd(tree, work / "rc-jscpd")
    print(f"ssot cold      : {cold.seconds:6.2f} s  peak {cold.peak_mib:6.0f} MiB  (exit {cold.returncode})")
    print(f"ssot warm      : {warm.seconds:6.2f} s  peak {warm.peak_mib:6.0f} MiB")
    print(f"ssot 1% edited : {edited.seconds:6.2f} s  peak {edited.peak_mib:6.0f} MiB  ({len(files[::100])} files "
          f"edited; cpu {edited_cpu:.2f} s; {ratio(edited.seconds, cold.seconds)} of cold, "
          f"{ratio(edited.seconds, ar.seconds)} of arid; {edited_load} before it)")
    print(f"arid           : {ar.seconds:6.2f} s  peak {ar.peak_mib:6.0f} MiB  (exit {ar.returncode})")
    if js is not None:
        print(f"jscpd          : {js.seconds:6.2f} s  peak {js.peak_mib:6.0f} MiB  (exit {js.returncode})")
    else:
        print("jscpd          : not installed (npm install -g jscpd)")
    # the rescan after the edit must report what a scan from nothing does (the incremental candidates,
    # the cache's delta): the same JSON, stats aside
    same = same_as_from_nothing(tree, work)
    print(f"1% edited vs --no-cache: {'identical JSON' if same else 'DIFFERENT JSON'} (stats aside)")
    # the same files edited again, inside a definition this time: the edit reaches what the assembly reads
    # (a digest), so the families are assembled again rather than taken from the last result
    inside = 0
    for p in files[::100]:
        text = p.read_text(encoding="utf-8", errors="surrogateescape")
        if "\n    return " in text:
            p.write_text(text.replace("\n    return ", "\n    return (None) or ", 1), encoding="utf-8",
                         errors="surrogateescape")
            inside += 1
    in_def, in_def_cpu = cpu_measure(scan_cmd)
    same_in = same_as_from_nothing(tree, work)
    print(f"ssot 1% in defs: {in_def.seconds:6.2f} s  peak {in_def.peak_mib:6.0f} MiB  ({inside} files edited inside "
          f"a function, most of them copied nowhere; cpu {in_def_cpu:.2f} s; vs --no-cache: "
          f"{'identical JSON' if same_in else 'DIFFERENT JSON'})")
    # and 1% of the files edited inside a copied definition: a statement added to its body (other digests,
    # other families): the rescan that assembles again
    copied = edit_copies(tree, work / "rc.json", len(files) // 100)
    in_copy, in_copy_cpu = cpu_measure(scan_cmd)
    same_copy = same_as_from_nothing(tree, work)
    print(f"ssot 1% copies : {in_copy.seconds:6.2f} s  peak {in_copy.peak_mib:6.0f} MiB  ({copied} files edited inside "
          f"a copied definition; cpu {in_copy_cpu:.2f} s; vs --no-cache: "
          f"{'identical JSON' if same_copy else 'DIFFERENT JSON'})")
    print(f"targets        : cold <= 1.5x arid {ratio(cold.seconds, ar.seconds)} "
          f"{'met' if cold.seconds <= 1.5 * ar.seconds else 'MISSED'}, warm < 1 s "
          f"{'met' if warm.seconds < 1 else 'MISSED'}, 1% edited < 2 s {'met' if edited.seconds < 2 else 'MISSED'} "
          f"(in copies {'met' if in_copy.seconds < 2 else 'MISSED'}), "
          f"peak <= arid {ratio(cold.peak_mib, ar.peak_mib)} {'met' if cold.peak_mib <= ar.peak_mib else 'MISSED'}")
    if not growth:
        return
    print(f"growth ({load()}; each part every k-th folder of each project, whole; its size in bytes):")
    last: tuple[float, int] | None = None
    rates: list[float] = []
    for label, fraction, copies in (("1/4", 0.25, 1), ("1/2", 0.5, 1), ("1", 1.0, 1), ("2", 1.0, 2)):
        grown, size, test_share = copy_tree(src, work / f"grow-{label.replace('/', 'of')}", fraction, copies)
        run = measure([str(BIN / "ssot"), "scan", str(grown), "--all", "--format", "json", "--no-cache", "-o",
                       str(work / "grow.json"), "--no-progress"])
        rates.append(run.seconds / (size / 2**20))
        step = ""
        if last is not None:  # linear: the time grows at most 1.1 times as fast as the size
            times, sizes = run.seconds / last[0], size / last[1]
            step = (f"; {sizes:.2f}x the size of the last, {times:.2f}x its time "
                    f"({'met' if times <= 1.1 * sizes else 'MISSED'})")
        data = json.loads((work / "grow.json").read_text())
        # what the work is made of: the definitions with a textual near-copy (parsed), the families
        defs = data["stats"]["definitions"]
        work_done = (f"{test_share:.2f} of its bytes test code, {defs} definitions parsed "
                     f"({defs / (size / 2**20):.0f} per MB), {len(data['families'])} families")
        print(f"  {label:3s} x tree: {size / 2**20:6.1f} MB {run.seconds:6.2f} s  peak {run.peak_mib:6.0f} MiB  "
              f"(exit {run.returncode}; {rates[-1]:.3f} s per MB{step}; {work_done})")
        last = (run.seconds, size)
        shutil.rmtree(grown, ignore_errors=True)
    print()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, default=10000)
    ap.add_argument("--extra-tests", type=int, default=40)
    ap.add_argument("--small", type=int, default=400)
    ap.add_argument("--workdir", type=Path, help="keep suites here (default: a temporary folder)")
    ap.add_argument("--skip-large", action="store_true")
    ap.add_argument("--realcode", type=Path, default=Path("/work/realcode/monorepo"),
                    help="the realcode monorepo (fetch.py DEST --monorepo: DEST or DEST/monorepo, the projects side "
                         "by side); copied into the workdir, never written")
    ap.add_argument("--skip-realcode", action="store_true")
    ap.add_argument("--skip-growth", action="store_true", help="no 1/4, 1/2, 1, 2 copies of the realcode tree")
    ap.add_argument("--warm-only", action="store_true",
                    help="only the realcode monorepo's cold scan, warm rescans (the median of five) and arid")
    args = ap.parse_args()
    if (args.realcode / "monorepo").is_dir():  # fetch.py's DEST: each project, and all of them in DEST/monorepo
        args.realcode = args.realcode / "monorepo"
    compile_ssot()
    if args.warm_only:
        work = args.workdir or Path(tempfile.mkdtemp(prefix="ssot-bench-"))
        work.mkdir(parents=True, exist_ok=True)
        try:
            realcode(args.realcode, work, growth=False, edits=False, warm_runs=5)
        finally:
            if not args.workdir:
                shutil.rmtree(work, ignore_errors=True)
        return 0
    if not MAKE_SUITE.exists():
        print(f"needs {MAKE_SUITE} (../shared beside the repository)", file=sys.stderr)
        return 2
    work = args.workdir or Path(tempfile.mkdtemp(prefix="ssot-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        if not args.skip_realcode and args.realcode.is_dir():
            realcode(args.realcode, work, growth=not args.skip_growth)
        if not args.skip_large:
            big = work / f"suite{args.files}"
            if not big.exists():
                make_suite(big, "--files", str(args.files), "--extra-tests", str(args.extra_tests))
            size = sum(p.stat().st_size for p in big.rglob("*.py")) / 1e6
            nfiles = sum(1 for _ in big.rglob("*.py"))
            shutil.rmtree(big / ".ssot_cache", ignore_errors=True)
            cold_load = load()
            cold = ssot_scan(big, work / "big.ssot.json")
            warm = ssot_scan(big, work / "big.ssot.json")
            ar = arid(big, work / "big.arid.json")
            print(f"## {nfiles} files, {size:.0f} MB "
                  f"(make_suite --files {args.files} --extra-tests {args.extra_tests}; {load()})")
            print(f"ssot cold scan : {cold.seconds:6.2f} s  peak {cold.peak_mib:6.0f} MiB  (exit {cold.returncode}; "
                  f"{cold_load} before it)")
            phases = [line.removeprefix("ssot timings: ") for line in cold.stderr.splitlines()
                      if line.startswith("ssot timings: ")]
            if phases:  # SSOT_TIMINGS=1: where the cold scan's time went
                print("  cold phases  : " + "; ".join(phases))
            print(f"ssot warm scan : {warm.seconds:6.2f} s  peak {warm.peak_mib:6.0f} MiB")
            print(f"arid           : {ar.seconds:6.2f} s  peak {ar.peak_mib:6.0f} MiB  (exit {ar.returncode})")
            print(f"ratios         : cold/arid {ratio(cold.seconds, ar.seconds)}, warm/arid "
                  f"{ratio(warm.seconds, ar.seconds)}, warm/cold {ratio(warm.seconds, cold.seconds)}, "
                  f"memory cold/arid {ratio(cold.peak_mib, ar.peak_mib)}")
            print(f"targets        : cold < 10 s {'met' if cold.seconds < 10 else 'MISSED'}, "
                  f"warm < 1 s {'met' if warm.seconds < 1 else 'MISSED'}, "
                  f"peak < 1024 MiB {'met' if cold.peak_mib < 1024 else 'MISSED'}, "
                  f"cold <= 0.5x arid {ratio(cold.seconds, ar.seconds)} "
                  f"{'met' if cold.seconds <= 0.5 * ar.seconds else 'MISSED'}")
            print()

        small = work / f"suite{args.small}"
        if not small.exists():
            make_suite(small, "--files", str(args.small))
        truth = json.loads(small.with_name(small.name + ".truth.json").read_text())
        shutil.rmtree(small / ".ssot_cache", ignore_errors=True)
        s = ssot_scan(small, work / "small.ssot.json")
        ar = arid(small, work / "small.arid.json")
        pl = pylint(small)
        score = subprocess.run([sys.executable, str(SCORE), str(small) + ".truth.json", str(work / "small.ssot.json")],
                               capture_output=True, text=True).stdout.strip()
        print(f"## {args.small}-file suite (make_suite default)")
        print(f"ssot cold scan : {s.seconds:6.2f} s  peak {s.peak_mib:6.0f} MiB  (exit {s.returncode})")
        print(f"arid           : {ar.seconds:6.2f} s  peak {ar.peak_mib:6.0f} MiB")
        print(f"pylint R0801   : {pl.seconds:6.2f} s  peak {pl.peak_mib:6.0f} MiB")
        print(f"ratios         : ssot/pylint {ratio(s.seconds, pl.seconds)}, ssot/arid {ratio(s.seconds, ar.seconds)}")
        print(f"ssot score     : {score}")
        groups, eq = ssot_groups(work / "small.ssot.json")
        found = {
            "ssot": coverage(truth, groups, eq),
            "arid": coverage(truth, arid_groups(work / "small.arid.json")),
            "pylint": coverage(truth, pylint_groups(pl.stdout, small)),
        }
        print("planted families found:")
        for fam in truth["families"]:
            print(f"  {fam['id']}:")
            for tool, res in found.items():
                print(f"    {tool:7s} {res[fam['id']]}")
    finally:
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
