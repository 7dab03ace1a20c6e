"""Validation of a migration batch: syntax, collection, or test outcomes against a baseline.

``syntax``   every touched Python file compiles;
``collect``  the affected test files collect exactly the same node IDs as before, no new errors;
``tests``    each affected test gives the same outcome as in the baseline recorded once before
             the first batch (pytest-xdist is used when installed and there are enough tests).

pytest runs in a subprocess (``sys.executable -m pytest``) from the project root
with the project's own options, :mod:`ssot.migrate.probe` loaded, bytecode
writing off and the cache in a temporary folder (``-o cache_dir``), so
validation leaves no file behind in the user's tree.  The baseline must run
cleanly (no collection error, no erroring test) unless the caller accepts a
broken one; outcomes are compared per test node id.  Each touched module that
pytest does not import itself (canonical modules, helpers) is imported in a
fresh interpreter.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from ssot.errors import SsotError
from ssot.migrate.testhooks import ENV_VARS
from ssot.pytest_config import load_pytest_config

MODES = ("syntax", "collect", "tests", "none")
XDIST_MIN_FILES = 8  # below this, worker start-up costs more than it saves


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


def _pytest_command(root: Path, files: list[str], *, collect_only: bool, xdist: bool, cache_dir: str) -> list[str]:
    """pytest with the project's own options: ssot adds its probe, keeps the cache out of the tree
    (``-o cache_dir``, not a plugin switch) and uses pytest-xdist when it is installed."""
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "ssot.migrate.probe", "-o", f"cache_dir={cache_dir}",
           "-o", "console_output_style=classic", "--no-header"]
    if collect_only:
        cmd.append("--collect-only")
    elif xdist and _xdist_usable(root):
        cmd += ["-n", str(min(os.cpu_count() or 2, 8))]
    return [*cmd, "--", *files]


def _xdist_usable(root: Path) -> bool:
    if importlib.util.find_spec("xdist") is None:
        return False
    opts = load_pytest_config(root).addopts
    return not any(o in ("no:xdist", "-pno:xdist") for o in opts)


def run_pytest(root: Path, files: list[str], *, collect_only: bool, timeout: float,
               xdist: bool = False, cache_dir: str | None = None) -> Probe:
    """Run pytest on ``files`` and return what the probe saw."""
    fd, out = tempfile.mkstemp(prefix="ssot-probe-", suffix=".json")
    os.close(fd)
    env = {**os.environ, "SSOT_PROBE_OUT": out, "PYTHONDONTWRITEBYTECODE": "1"}
    for var in ENV_VARS:
        env.pop(var, None)
    own_cache = cache_dir is None
    cache = cache_dir or tempfile.mkdtemp(prefix="ssot-pytest-cache-")
    cmd = _pytest_command(root, files, collect_only=collect_only, xdist=xdist, cache_dir=cache)
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
        if own_cache:
            shutil.rmtree(cache, ignore_errors=True)
    probe = Probe(data.get("collected", []), data.get("errors", {}), data.get("outcomes", {}),
                  int(data.get("exitstatus", 0)), time.perf_counter() - started)
    if probe.exitstatus in (2, 3, 4) and not probe.collected and not probe.errors:
        tail = (proc.stdout + proc.stderr).decode("utf-8", "replace").strip().splitlines()[-5:]
        raise SsotError(f"pytest did not run (exit {probe.exitstatus}): {' | '.join(tail)}")
    return probe


IMPORT_CHECK = """
import importlib, sys, traceback
sys.path[:0] = sys.argv[2:]
try:
    importlib.import_module(sys.argv[1])
except BaseException as exc:
    print(f"{type(exc).__name__}: {exc}")
    sys.exit(1)
"""


def check_imports(root: Path, modules: list[tuple[str, str, list[str]]], timeout: float) -> Verdict:
    """Import each module in a fresh interpreter, from the folders pytest would put on sys.path."""
    started = time.perf_counter()
    bad: list[str] = []
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    for var in ENV_VARS:
        env.pop(var, None)
    for rel, name, folders in modules:
        paths = [str(root / f) if f else str(root) for f in folders]
        try:
            proc = subprocess.run([sys.executable, "-c", IMPORT_CHECK, name, *paths], cwd=root, env=env,
                                  capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            bad.append(f"{rel}: importing {name} took longer than {timeout:.0f}s")
            continue
        if proc.returncode != 0:
            last = (proc.stdout + proc.stderr).decode("utf-8", "replace").strip().splitlines()[-1:] or ["?"]
            bad.append(f"{rel}: `import {name}` fails in a fresh interpreter: {last[0]}")
    return Verdict(not bad, bad, time.perf_counter() - started)


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


def baseline_problems(probe: Probe) -> list[str]:
    """What keeps a baseline from meaning anything: collection errors and erroring tests."""
    out = [f"{n}: collection error: {e}" for n, e in sorted(probe.errors.items())]
    out += [f"{n}: error" for n, o in sorted(probe.outcomes.items()) if o == "error"]
    return out


class BrokenBaselineError(SsotError):
    """The suite does not run cleanly before the migration: there is nothing to compare with."""

    exit_code = 1


class Validator:
    """Runs the chosen validation for each batch against one baseline."""

    def __init__(self, root: Path, mode: str, timeout: float, *, accept_broken: bool = False) -> None:
        if mode not in MODES:
            raise SsotError(f"--validate must be one of {', '.join(MODES[:3])}, not {mode!r}")
        self.root = root
        self.mode = mode
        self.timeout = timeout
        self.accept_broken = accept_broken
        self.baseline: Probe | None = None
        self.unchecked: list[str] = []
        self.pytest_seconds = 0.0
        self.other_seconds = 0.0
        self.cache_dir = tempfile.mkdtemp(prefix="ssot-pytest-cache-")

    def close(self) -> None:
        shutil.rmtree(self.cache_dir, ignore_errors=True)

    def _run(self, files: list[str]) -> Probe:
        probe = run_pytest(self.root, files, collect_only=self.mode == "collect", timeout=self.timeout,
                           xdist=len(files) >= XDIST_MIN_FILES, cache_dir=self.cache_dir)
        self.pytest_seconds += probe.seconds
        return probe

    def record_baseline(self, test_files: list[str]) -> None:
        if self.mode not in ("collect", "tests"):
            return
        if not test_files:
            self.baseline = Probe()
            return
        try:
            self.baseline = self._run(test_files)
        except SsotError as exc:
            raise BrokenBaselineError(f"the baseline run failed before any change: {exc}; fix the suite first "
                                      "(or --validate syntax)") from None
        problems = baseline_problems(self.baseline)
        if problems and not self.accept_broken:
            shown = "; ".join(problems[:5]) + (f" and {len(problems) - 5} more" if len(problems) > 5 else "")
            raise BrokenBaselineError(
                f"the suite is broken before any change ({len(problems)} problem(s): {shown}); nothing could "
                "be compared with it. Fix them first, or pass --accept-broken-baseline (those tests and files "
                "are then not checked, and the report says so)")
        self.unchecked = problems

    def check(self, touched: list[str], test_files: list[str],
              imports: list[tuple[str, str, list[str]]] | None = None) -> Verdict:
        syntax = check_syntax(self.root, touched)
        self.other_seconds += syntax.seconds
        if not syntax.ok or self.mode in ("syntax", "none"):
            return syntax
        imported = check_imports(self.root, imports or [], self.timeout)
        self.other_seconds += imported.seconds
        if not imported.ok:
            return Verdict(False, imported.failing, syntax.seconds + imported.seconds)
        if not test_files:
            return Verdict(True, [], syntax.seconds + imported.seconds)
        assert self.baseline is not None
        after = self._run(test_files)
        failing = compare(self.mode, self.baseline, after, test_files)
        return Verdict(not failing, failing, after.seconds + syntax.seconds + imported.seconds)
