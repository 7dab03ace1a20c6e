"""pytest plugin loaded by migration validation (``-p ssot.migrate.probe``).

Records, through pytest's documented hooks only, what a run collected (node
IDs), which collectors failed (collection errors), and each test's outcome,
and writes them as JSON to the file named by ``SSOT_PROBE_OUT`` at the end of
the session.  With pytest-xdist the outcomes arrive on the controller through
``pytest_runtest_logreport``; collected IDs come from the workers' reports.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

ENV = "SSOT_PROBE_OUT"
_state: dict[str, Any] = {"collected": [], "errors": {}, "outcomes": {}}


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.failed:
        text = str(report.longrepr) if report.longrepr is not None else "collection error"
        _state["errors"][report.nodeid or "<session>"] = text.strip().splitlines()[-1][:500] if text.strip() \
            else "collection error"


def pytest_collection_finish(session: pytest.Session) -> None:
    _state["collected"] = [item.nodeid for item in session.items]


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    outcomes = _state["outcomes"]
    previous = outcomes.get(report.nodeid)
    if report.when == "call" or report.failed or (report.skipped and report.when == "setup"):
        if report.failed:
            outcome = "failed" if report.when == "call" else "error"  # set-up or tear-down failed
        else:
            outcome = "xfailed" if hasattr(report, "wasxfail") and report.skipped else report.outcome
        if previous not in ("failed", "error"):
            outcomes[report.nodeid] = outcome


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    path = os.environ.get(ENV)
    if not path or hasattr(session.config, "workerinput"):  # xdist workers: the controller writes
        return
    if not _state["collected"] and _state["outcomes"]:
        _state["collected"] = sorted(_state["outcomes"])
    _state["exitstatus"] = int(exitstatus)
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(_state, fh)
