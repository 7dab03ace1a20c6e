#!/usr/bin/env python3
"""``ssot report --html`` on a history of 1,000 runs, and how soon the page is interactive in Chromium.

The history is made from real measurements: one ``ssot scan`` and one ``ssot collect`` of a generated
suite (``make_suite.py``), whose figures and documents are then appended again, alternately, until the
store holds ``--runs`` runs (the values repeat; the sizes are those of a long roll-out).  Then, in the
same run:

  text     ssot report                 (the terminal trends: the baseline)
  html     ssot report --html DIR      (target: under 2 s)
  page     load DIR/index.html in headless Chromium: domInteractive and domContentLoaded (target: under 1 s),
           and the time a sort of the families table takes

    python benchmarks/report_bench.py                 # 1000 runs on the 400-file suite
    python benchmarks/report_bench.py --runs 2000 --files 1000
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
MAKE_SUITE = Path(os.environ.get("SSOT_CORPUS", str(HERE.parents[1] / "shared" / "corpus"))) / "make_suite.py"


def ssot(root: Path, *args: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "ssot", *args], cwd=root, check=False, capture_output=True)
    return time.perf_counter() - started


def grow_history(db: Path, runs: int) -> None:
    from ssot.history.store import Figure, HistoryStore

    with HistoryStore(db) as store:
        seeds = store.runs()
        docs = {kind: store.documents(kind)[-1][1] for kind in ("scan", "collect") if store.documents(kind)}
        for i in range(runs - len(seeds)):
            seed = seeds[i % len(seeds)]
            store.record(seed.command, [Figure(n, v, s) for (n, s), v in seed.figures.items()],
                         exit_code=seed.exit_code, seconds=seed.seconds,
                         documents={seed.command: docs[seed.command]} if seed.command in docs else None)


def page_timings(index: Path, loads: int) -> tuple[list[float], list[float], list[float]]:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("no chromium on PATH (apt-get install chromium)")
    interactive, loaded, sort = [], [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu",
                                    "--disable-background-networking", "--disable-component-update"])
        for _ in range(loads):
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(index.as_uri())
            t = page.evaluate("(() => { const n = performance.getEntriesByType('navigation')[0];"
                              " return [n.domInteractive, n.domContentLoadedEventEnd]; })()")
            interactive.append(t[0] / 1000)
            loaded.append(t[1] / 1000)
            started = time.perf_counter()
            page.locator("#families thead button", has_text="Duplicated lines").click()
            page.wait_for_function("document.querySelector('#families thead th[aria-sort]') !== null")
            sort.append(time.perf_counter() - started)
            page.close()
        browser.close()
    return interactive, loaded, sort


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--files", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ssot-report-bench-"))
    try:
        suite = work / "suite"
        subprocess.run([sys.executable, str(MAKE_SUITE), str(suite), "--files", str(args.files)], check=True,
                       capture_output=True)
        ssot(suite, "scan", "--no-progress")
        ssot(suite, "collect")
        db = suite / ".ssot" / "history.db"
        grow_history(db, args.runs)
        print(f"history: {args.runs} runs, {db.stat().st_size / 1e6:.1f} MB ({args.files}-file suite); "
              f"load {os.getloadavg()[0]:.1f}")
        text = [ssot(suite, "report") for _ in range(args.rounds)]
        html = [ssot(suite, "report", "--html", str(work / "site")) for _ in range(args.rounds)]
        index = work / "site" / "index.html"
        print(f"page: {index.stat().st_size / 1e6:.2f} MB")
        interactive, loaded, sort = page_timings(index, args.rounds)
        for label, values, target in (("report (text)", text, None), ("report --html", html, 2.0),
                                      ("page domInteractive", interactive, 1.0),
                                      ("page domContentLoaded", loaded, 1.0), ("families sort click", sort, None)):
            best, median = min(values), statistics.median(values)
            met = "met" if target is not None and median < target else "NOT met"
            verdict = "" if target is None else f"  target < {target:.0f} s: {met}"
            print(f"{label:24} best {best:7.3f} s  median {median:7.3f} s{verdict}")
        print(f"ratio html/text (median): {statistics.median(html) / statistics.median(text):.2f}x")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
