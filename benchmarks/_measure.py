"""Run a command and measure its wall time and peak memory (the whole process tree's RSS)."""

from __future__ import annotations

import contextlib
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


def measure(cmd: list[str], cwd: Path | None = None, interval: float = 0.02) -> Run:
    """Wall time and peak summed RSS of ``cmd`` and its children, sampled every ``interval`` s."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        # output goes to files, not pipes: a pipe nobody reads while we poll would block the tool
        started = time.perf_counter()
        proc = psutil.Popen(cmd, cwd=cwd, stdout=out, stderr=err, text=True)
        peak = 0
        while proc.poll() is None:
            rss = 0
            try:
                for p in [proc, *proc.children(recursive=True)]:
                    with contextlib.suppress(psutil.Error):
                        rss += p.memory_info().rss
            except psutil.Error:
                pass
            peak = max(peak, rss)
            time.sleep(interval)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        return Run(seconds, peak / 2**20, proc.returncode, out.read(), err.read())
