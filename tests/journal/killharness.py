"""Kill a process doing journaled writes, then prove ``ssot rollback`` restores the tree exactly.

Reusable by any test of a journaled command (``ssot migrate`` included)::

    from journal.killharness import KillPoint, kill_points, kill_and_rollback, make_tree_repo

    template = make_tree_repo(tmp_path / "template", files)       # once: a git repo to copy
    for point in kill_points(writes=14, named=[...], delays=[...]):
        outcome = kill_and_rollback(template, tmp_path / point.name, command, point)
        assert outcome.identical and outcome.git_clean

``command`` is a list of arguments whose ``{root}`` items are replaced by the
tree's path.  A point kills by the Journal's test hook (environment variables
``SSOT_TEST_KILL_AFTER_WRITES`` / ``SSOT_TEST_KILL_AT``, see
:mod:`ssot.migrate.testhooks`) or by SIGKILL after a delay in seconds.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

SSOT = [sys.executable, "-m", "ssot.cli"]
HOOK_VARS = ("SSOT_TEST_KILL_AFTER_WRITES", "SSOT_TEST_KILL_AT")
SKIP = (".git", ".ssot", ".ssot_cache")  # git and ssot's own state (each ignores itself in git)


@dataclass(frozen=True)
class KillPoint:
    """Where to kill: after the k-th write, at a named hook point, or after a delay."""

    name: str
    after_writes: int | None = None
    at: str | None = None  # "point:k", e.g. "tmp:3"
    delay: float | None = None

    def env(self) -> dict[str, str]:
        env = {}
        if self.after_writes is not None:
            env["SSOT_TEST_KILL_AFTER_WRITES"] = str(self.after_writes)
        if self.at is not None:
            env["SSOT_TEST_KILL_AT"] = self.at
        return env


def kill_points(writes: int, named: Iterable[str] = (), delays: Iterable[float] = ()) -> list[KillPoint]:
    """After each of the ``writes`` writes, at each named ``point:k``, and after each delay."""
    points = [KillPoint(f"after-write-{k}", after_writes=k) for k in range(1, writes + 1)]
    points += [KillPoint("at-" + spec.replace(":", "-"), at=spec) for spec in named]
    points += [KillPoint(f"delay-{i}-{d:.3f}s", delay=d) for i, d in enumerate(delays)]
    return points


def random_delays(count: int, low: float, high: float, seed: int) -> list[float]:
    rng = random.Random(seed)
    return sorted(rng.uniform(low, high) for _ in range(count))


# ---------------------------------------------------------------- trees


def snapshot(root: Path, skip: Sequence[str] = SKIP) -> dict[str, tuple[str, int] | None]:
    """Every file (sha256, permission bits) and folder (None) under ``root``, but the top-level
    folders in ``skip``."""
    found: dict[str, tuple[str, int] | None] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in skip or Path(dirpath) != root)
        base = Path(dirpath)
        for d in dirnames:
            found[(base / d).relative_to(root).as_posix() + "/"] = None
        for name in filenames:
            path = base / name
            st = path.lstat()
            found[path.relative_to(root).as_posix()] = (
                hashlib.sha256(path.read_bytes()).hexdigest(),
                stat.S_IMODE(st.st_mode),
            )
    return found


def git(root: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    proc = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, env=env, check=True)
    return proc.stdout


def make_tree_repo(root: Path, files: Mapping[str, bytes], *, executable: Sequence[str] = ()) -> Path:
    """A git repository holding ``files`` in one commit (the template each kill copies)."""
    root.mkdir(parents=True)
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        if rel in executable:
            path.chmod(0o755)
    if shutil.which("git"):
        git(root, "init", "-q")
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "before")
    return root


def git_clean(root: Path) -> bool | None:
    """``git status`` clean (untracked files count); None outside git."""
    if not (root / ".git").exists():
        return None
    return git(root, "status", "--porcelain", "--untracked-files=all") == ""


# ---------------------------------------------------------------- killing


@dataclass
class Killed:
    returncode: int
    killed: bool  # died by SIGKILL (not finished on its own)
    seconds: float
    stdout: str
    stderr: str


def run_killed(command: Sequence[str], cwd: Path, point: KillPoint | None, timeout: float = 120) -> Killed:
    """Run ``command``; kill it at ``point`` (None: let it finish)."""
    env = {k: v for k, v in os.environ.items() if k not in HOOK_VARS}
    if point is not None:
        env.update(point.env())
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=cwd, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if point is not None and point.delay is not None:
        try:
            proc.wait(timeout=point.delay)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
    out, err = proc.communicate(timeout=timeout)
    sigkill = -getattr(signal, "SIGKILL", 9)
    return Killed(proc.returncode, proc.returncode == sigkill, time.perf_counter() - start, out, err)


def ended(run_dir: Path) -> bool:
    """Did this run write its end: the ``finished`` marker, or a "finish" line in its log?"""
    from ssot.migrate.journal.layout import FINISHED
    from ssot.migrate.journal.runs import load_run

    return (run_dir / FINISHED).exists() or load_run(run_dir).finish is not None


@dataclass
class Outcome:
    point: KillPoint
    run: Killed
    changed_before_rollback: bool  # the kill left the tree different from before
    warned: bool  # the next ssot command reported the interrupted run
    rollback_rc: int
    rollback: dict = field(default_factory=dict)
    identical: bool = False  # byte for byte, modes and folders included
    git_clean: bool | None = None
    differences: list[str] = field(default_factory=list)
    unfinished: bool = False  # a run had not written its end when the process died


def kill_and_rollback(
    template: Path, workdir: Path, command: Sequence[str], point: KillPoint, *, check_warning: bool = True
) -> Outcome:
    """Copy ``template`` to ``workdir``, run ``command`` there killed at ``point``, then
    ``ssot rollback`` and compare with the template."""
    shutil.copytree(template, workdir, symlinks=True)
    before = snapshot(workdir)
    run = run_killed([a.replace("{root}", str(workdir)) for a in command], workdir, point)
    changed = snapshot(workdir) != before
    # a kill that came after the run wrote its end (the process just had not exited yet) leaves no
    # interrupted run: its changes are a finished run's, and no warning is due.  The end is the
    # log's "finish" line; the ``finished`` marker is written just after it, so a kill between the
    # two leaves a run that ended without its marker (seen in CI: a random kill at 0.383 s)
    runs_dir = workdir / ".ssot" / "runs"
    unfinished = runs_dir.is_dir() and any(not ended(d) for d in runs_dir.iterdir() if d.is_dir())
    warned = False
    if check_warning:
        runs = subprocess.run([*SSOT, "runs"], cwd=workdir, capture_output=True, text=True, check=False)
        warned = "was interrupted" in runs.stderr
    proc = subprocess.run([*SSOT, "rollback", "--json"], cwd=workdir, capture_output=True, text=True,
                          check=False)
    try:
        doc = json.loads(proc.stdout) if proc.stdout.strip() else {}
    except ValueError:
        doc = {"unparsed": proc.stdout, "stderr": proc.stderr}
    after = snapshot(workdir)
    diffs = sorted(
        f"{p}: {'missing' if p not in after else 'extra' if p not in before else 'differs'}"
        for p in set(before) | set(after)
        if before.get(p, "x") != after.get(p, "x")
    )
    return Outcome(point, run, changed, warned, proc.returncode, doc, unfinished=unfinished,
                   identical=after == before, git_clean=git_clean(workdir), differences=diffs)
