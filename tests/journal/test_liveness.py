"""Is a run's process alive?  A forked worker that outlives it must not keep the run "running"."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from ssot.migrate.journal import Journal, list_runs, rollback
from ssot.migrate.journal.layout import HEADER

from .killharness import snapshot

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")


def test_forked_child_does_not_hold_the_run_lock(tree: Path) -> None:
    journal = Journal.begin(tree, "migrate")
    pid = os.fork()
    if pid == 0:  # child: its copy of the lock was closed at fork
        os._exit(0 if journal._lock._fd is None else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert journal._lock._fd is not None  # the parent still holds it
    assert list_runs(tree)[0].state == "running"
    journal.finish("complete")


def test_lock_held_but_recorded_pid_dead_means_interrupted(tree: Path) -> None:
    journal = Journal.begin(tree, "migrate")
    journal.write("tests/test_a.py", b"x\n")
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    header = json.loads((journal.run_dir / HEADER).read_text())
    (journal.run_dir / HEADER).write_text(json.dumps({**header, "pid": gone.pid}))
    assert list_runs(tree)[0].state == "interrupted"
    journal.finish("complete")


SCRIPT = textwrap.dedent("""
    import multiprocessing, os, signal, sys, time
    from concurrent.futures import ProcessPoolExecutor
    from pathlib import Path
    from ssot.migrate.journal import Journal

    def work(path):
        Path(path).write_text(str(os.getpid()))
        time.sleep(60)

    root = Path(sys.argv[1])
    journal = Journal.begin(root, "migrate")
    journal.write("tests/test_a.py", b"rewritten\\n")
    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
    pool.submit(work, sys.argv[2])
    while not Path(sys.argv[2]).exists():
        time.sleep(0.01)
    os.kill(os.getpid(), signal.SIGKILL)
""")


def test_run_killed_while_its_fork_pool_lives_on(tree: Path, tmp_path: Path) -> None:
    before = snapshot(tree)
    pidfile = tmp_path / "worker.pid"
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(tree), str(pidfile)], check=False, timeout=60)
    assert proc.returncode == -signal.SIGKILL
    worker = int(pidfile.read_text())
    try:
        os.kill(worker, 0)  # the worker is still alive
        assert list_runs(tree)[0].state == "interrupted"
        assert rollback(tree).restored == ["tests/test_a.py"]
        assert snapshot(tree) == before
    finally:
        os.kill(worker, signal.SIGKILL)
        time.sleep(0.05)
