"""Run a command and measure its wall time and peak memory (the whole process tree's RSS)."""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil


@dataclass
class Run:
    seconds: float
    peak_mib: float
    returncode: int
    stdout: str
    stderr: str


_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_PROC_CHILDREN = os.path.exists(f"/proc/{os.getpid()}/task/{os.getpid()}/children")


def _proc_tree_rss(pid: int) -> int:
    """The summed RSS of ``pid`` and its descendants, read from /proc (each thread's ``children``, each
    process's ``statm``): a few file reads a sample, where psutil's ``children(recursive=True)`` reads every
    process of the machine (about a fifth of a core at 50 samples a second, taken from the tool measured)."""
    total = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/statm", "rb") as fh:
                total += int(fh.read().split()[1]) * _PAGE
            for tid in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{tid}/children", "rb") as fh:
                    todo.extend(int(c) for c in fh.read().split())
        except (OSError, ValueError, IndexError):
            continue  # (it ended between two reads)
    return total


def _psutil_tree_rss(proc: psutil.Process) -> int:
    rss = 0
    try:
        for p in [proc, *proc.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):
                rss += p.memory_info().rss
    except psutil.Error:
        pass
    return rss


def measure(cmd: list[str], cwd: Path | None = None, interval: float = 0.02) -> Run:
    """Wall time and peak summed RSS of ``cmd`` and its children, sampled every ``interval`` s."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        # output goes to files, not pipes: a pipe nobody reads while we poll would block the tool
        started = time.perf_counter()
        proc = psutil.Popen(cmd, cwd=cwd, stdout=out, stderr=err, text=True)
        peak = 0
        while proc.poll() is None:
            rss = _proc_tree_rss(proc.pid) if _PROC_CHILDREN else _psutil_tree_rss(proc)
            peak = max(peak, rss)
            time.sleep(interval)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        return Run(seconds, peak / 2**20, proc.returncode, out.read(), err.read())
