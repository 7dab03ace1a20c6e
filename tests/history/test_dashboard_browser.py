"""The dashboard in a real browser (headless Chromium, driven by Playwright).

The history comes from real commands on a git copy of a generated suite: scan, collect, validate, then
``migrate`` of the websocket helper family, ``fix collection-warnings --apply``, scan, collect and validate
again.  The page is loaded from disk (it is self-contained) at 1280 and
390 pixels wide; screenshots go to ``$SSOT_ARTIFACTS`` (default: the test's temporary folder).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
MAKE_SUITE = Path(os.environ.get("SSOT_CORPUS", str(HERE.parents[2] / "shared" / "corpus"))) / "make_suite.py"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"]

playwright_api = pytest.importorskip("playwright.sync_api",
                                     reason="playwright is not installed (pip install -e '.[test]')")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH (apt-get install chromium; .ci/run installs it)"),
    pytest.mark.skipif(not MAKE_SUITE.is_file(), reason=f"make_suite.py not found at {MAKE_SUITE} (set SSOT_CORPUS)"),
]


def _ssot(root: Path, *args: str) -> int:
    return subprocess.run([sys.executable, "-m", "ssot", *args], cwd=root, capture_output=True, text=True,
                          timeout=600).returncode


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    suite = tmp_path_factory.mktemp("dash") / "suite"
    subprocess.run([sys.executable, str(MAKE_SUITE), str(suite), "--files", "40", "--git", "--heavy-ms", "0"],
                   check=True, capture_output=True)
    assert _ssot(suite, "scan", "--no-progress") == 1
    assert _ssot(suite, "collect") in (0, 1)
    assert _ssot(suite, "validate") == 0
    assert _ssot(suite, "migrate", "--family", "TestWebSocketConnection", "--validate", "syntax") == 0
    assert _ssot(suite, "fix", "collection-warnings", "--apply") in (0, 1)  # 1: some causes need a person
    assert _ssot(suite, "scan", "--no-progress") == 1
    assert _ssot(suite, "collect") in (0, 1)
    assert _ssot(suite, "validate") == 0
    out = suite.parent / "site"
    assert _ssot(suite, "report", "--html", str(out)) == 0
    return suite, out / "index.html"


def test_dashboard_in_chromium(dashboard: tuple[Path, Path], tmp_path: Path) -> None:
    suite, page_path = dashboard
    artifacts = Path(os.environ.get("SSOT_ARTIFACTS", str(tmp_path)))
    artifacts.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(suite / ".ssot" / "history.db")
    warnings = [v for (v,) in con.execute("SELECT value FROM figures f JOIN runs r ON r.id = f.run_id "
                                          "WHERE f.name = 'warnings' AND f.scope = '' ORDER BY r.id")]
    families_now = con.execute("SELECT value FROM figures WHERE name = 'families' AND scope = '' "
                               "ORDER BY run_id DESC LIMIT 1").fetchone()[0]
    compliance: dict[int, dict[str, float]] = {}
    for run_id, scope, value in con.execute(
            "SELECT f.run_id, f.scope, f.value FROM figures f JOIN runs r ON r.id = f.run_id "
            "WHERE f.name = 'compliance' AND f.scope LIKE 'family:%' AND r.command = 'validate'"):
        compliance.setdefault(run_id, {})[scope] = value
    commands = [c for (c,) in con.execute("SELECT command FROM runs ORDER BY id")]
    con.close()
    assert commands == ["scan", "collect", "validate", "migrate", "scan", "collect", "validate"]
    assert len(warnings) == 2 and warnings[1] < warnings[0]  # the migration and fix silenced the helpers' warnings
    before, after = (compliance[k] for k in sorted(compliance))
    # every family 0% before; the migrated one 100% after (validate names it by its canonical module)
    assert set(before.values()) == {0} and 100 in after.values(), f"{before} -> {after}"

    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(page_path.as_uri())
            page.screenshot(path=str(artifacts / "dashboard-1280.png"), full_page=True)

            # every chart has its data points; the warnings chart holds what the database holds
            counts = page.eval_on_selector_all("svg.chart", "els => els.map(e => +e.dataset.points)")
            assert counts and all(n > 0 for n in counts)
            card = page.locator("figure[data-figure=warnings] details")
            card.locator("summary").click()
            shown = card.locator("tbody td.num").all_inner_texts()
            assert [float(v.replace(",", "")) for v in shown] == warnings

            # the migration is marked on the charts; the compliance card shows the latest validate's figure
            assert page.locator("svg.chart line.marker").count() >= 1
            card_texts = page.locator(".cards li").all_inner_texts()
            assert any(t.startswith("SSOT compliance") for t in card_texts)

            # the families table: as many as the latest scan found; sorts; filters; opens to a diff
            rows = page.locator("#families > tbody")
            assert rows.count() == families_now
            page.locator("#families thead button", has_text="Live copies").click()
            live = [int(v) for v in page.eval_on_selector_all(
                "#families > tbody > tr:first-child > td:nth-child(4)", "els => els.map(e => e.dataset.value)")]
            assert live == sorted(live) and live[0] < live[-1]
            page.locator("#families thead button", has_text="Live copies").click()
            live_desc = [int(v) for v in page.eval_on_selector_all(
                "#families > tbody > tr:first-child > td:nth-child(4)", "els => els.map(e => e.dataset.value)")]
            assert live_desc == sorted(live, reverse=True)
            page.fill("#family-filter", "websocketconnection")
            visible = page.locator("#families > tbody:not([hidden])")
            assert 0 < visible.count() < families_now
            assert "families shown" in page.inner_text("#family-count")
            toggle = visible.first.locator("button.toggle")
            toggle.click()
            assert toggle.get_attribute("aria-expanded") == "true"
            detail = visible.first.locator("> tr.detail")
            assert detail.is_visible()
            assert detail.locator("table.diff").count() >= 1
            assert detail.locator("table.diff tr.changed, table.diff tr.added, table.diff tr.removed").count() > 0
            page.screenshot(path=str(artifacts / "dashboard-family-open.png"), full_page=True)
            assert errors == []

            narrow = browser.new_page(viewport={"width": 390, "height": 844})
            narrow.goto(page_path.as_uri())
            overflow = narrow.evaluate("document.documentElement.scrollWidth")
            assert overflow <= 390, f"the page is {overflow}px wide at 390px"
            narrow.screenshot(path=str(artifacts / "dashboard-390.png"), full_page=True)
        finally:
            browser.close()
