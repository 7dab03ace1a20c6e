"""Validation of a migration batch: syntax, collection, or test outcomes against a baseline.

``syntax``   every touched Python file compiles;
``collect``  the affected test files collect exactly the same node IDs as before, no new errors;
``tests``    each affected test gives the same outcome as in the baseline recorded once before
             the first batch (pytest-xdist is used when installed and there are enough tests).

pytest runs in a subprocess (``sys.executable -m pytest``) from the project root
with :mod:`ssot.migrate.probe` loaded, bytecode writing off and the cache
plugin disabled, so validation leaves no file behind in the user's tree.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from ssot.errors import SsotError

MODES = ("syntax", "collect", "tests", "none")
XDIST_MIN_FILES = 40  # below this, worker start-up costs more than it saves


@dataclass(slots=True)
class Probe:
    collected: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    outcomes: dict[str, str] = field(default_factory=dict)
    exitstatus: int = 0
    seconds: float = 0.0


@dataclass(slots=True)
class Verdict:
    ok: bool
    failing: list[str] = field(default_factory=list)  # node IDs (or files) that changed, with what
    seconds: float = 0.0


def _in_file(nodeid: str, files: set[str]) -> bool:
    return nodeid.split("::", 1)[0] in files


def run_pytest(root: Path, files: list[str], *, collect_only: bool, timeout: float,
               xdist: bool = False) -> Probe:
    """Run pytest on ``files`` and return what the probe saw."""
    fd, out = tempfile.mkstemp(prefix="ssot-probe-", suffix=".json")
    os.close(fd)
    env = {**os.environ, "SSOT_PROBE_OUT": out, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("SSOT_TEST_KILL_AFTER_WRITES", None)
    env.pop("SSOT_TEST_KILL_AT", None)
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "ssot.migrate.probe", "-p", "no:cacheprovider",
           "-o", "console_output_style=classic", "--no-header"]
    if collect_only:
        cmd.append("--collect-only")
    elif xdist and importlib.util.find_spec("xdist") is not None:
        cmd += ["-n", "auto"]
    cmd += ["--", *files]
    started = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=root, env=env, capture_output=True, timeout=timeout, check=False)
        try:
            with open(out, encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, ValueError):
            tail = (proc.stdout + proc.stderr).decode("utf-8", "replace").strip().splitlines()[-5:]
            raise SsotError(f"pytest did not run (exit {proc.returncode}): {' | '.join(tail)}") from None
    except subprocess.TimeoutExpired:
        raise SsotError(f"pytest took longer than {timeout:.0f}s ([tool.ssot] collect_timeout)") from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(out)
    return Probe(data.get("collected", []), data.get("errors", {}), data.get("outcomes", {}),
                 int(data.get("exitstatus", 0)), time.perf_counter() - started)


def check_syntax(root: Path, files: list[str]) -> Verdict:
    started = time.perf_counter()
    bad: list[str] = []
    for rel in files:
        if not rel.endswith(".py"):
            continue
        try:
            compile((root / rel).read_bytes(), rel, "exec", dont_inherit=True)
        except FileNotFoundError:
            continue
        except (SyntaxError, ValueError) as exc:
            bad.append(f"{rel}: does not compile: {exc}")
    return Verdict(not bad, bad, time.perf_counter() - started)


def compare(mode: str, baseline: Probe, after: Probe, files: list[str]) -> list[str]:
    """What changed for ``files`` between the baseline and now."""
    scope = set(files)
    out: list[str] = []
    before_ids = {n for n in baseline.collected if _in_file(n, scope)}
    after_ids = {n for n in after.collected if _in_file(n, scope)}
    if mode == "tests":
        before_ids |= {n for n in baseline.outcomes if _in_file(n, scope)}
        after_ids |= {n for n in after.outcomes if _in_file(n, scope)}
    out += [f"{n}: no longer collected" for n in sorted(before_ids - after_ids)]
    out += [f"{n}: newly collected" for n in sorted(after_ids - before_ids)]
    for nodeid, err in sorted(after.errors.items()):
        mine = nodeid in scope or _in_file(nodeid, scope) or nodeid == "<session>"
        if mine and nodeid not in baseline.errors:
            out.append(f"{nodeid}: collection error: {err}")
    if mode == "tests":
        for n in sorted(before_ids & after_ids):
            a, b = baseline.outcomes.get(n), after.outcomes.get(n)
            if a != b:
                out.append(f"{n}: {a or 'not run'} before, {b or 'not run'} now")
    return out


class Validator:
    """Runs the chosen validation for each batch against one baseline."""

    def __init__(self, root: Path, mode: str, timeout: float) -> None:
        if mode not in MODES:
            raise SsotError(f"--validate must be one of {', '.join(MODES[:3])}, not {mode!r}")
        self.root = root
        self.mode = mode
        self.timeout = timeout
        self.baseline: Probe | None = None
        self.pytest_seconds = 0.0
        self.other_seconds = 0.0

    def record_baseline(self, test_files: list[str]) -> None:
        if self.mode in ("collect", "tests") and test_files:
            self.baseline = run_pytest(self.root, test_files, collect_only=self.mode == "collect",
                                       timeout=self.timeout, xdist=len(test_files) >= XDIST_MIN_FILES)
            self.pytest_seconds += self.baseline.seconds

    def check(self, touched: list[str], test_files: list[str]) -> Verdict:
        syntax = check_syntax(self.root, touched)
        self.other_seconds += syntax.seconds
        if not syntax.ok or self.mode in ("syntax", "none") or not test_files:
            return syntax
        assert self.baseline is not None
        after = run_pytest(self.root, test_files, collect_only=self.mode == "collect", timeout=self.timeout,
                           xdist=len(test_files) >= XDIST_MIN_FILES)
        self.pytest_seconds += after.seconds
        failing = compare(self.mode, self.baseline, after, test_files)
        return Verdict(not failing, failing, after.seconds + syntax.seconds)
