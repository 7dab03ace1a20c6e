"""Test hook: die by SIGKILL at a chosen point of a journaled write (documented in docs/journal.md).

``SSOT_TEST_KILL_AFTER_WRITES=k``  kill the process right after its k-th file write or delete
                                   (the file replaced and the log line saying so fsynced).
``SSOT_TEST_KILL_AT=point:k[,...]`` kill the k-th time a named point is reached; points:

    blob     original bytes in a temporary blob file, not yet renamed into place
    blobs    (write_many) every original of the group durable in blobs/, no record line yet
    record   the log line recording the original bytes written (write_many: the group's lines)
    mkdir    a missing folder created
    intent   the log line announcing a write or delete written, the file not touched yet
             (write_many: the group's mkdir/write/delete lines, no file touched yet)
    tmp      the new bytes in a temporary file beside the target, not yet renamed over it
    replace  the target replaced (or deleted), the folder not yet fsynced, no "done" line
             (write_many: after each rename, so a kill can land between any two)
    write    the "done" line written (same as SSOT_TEST_KILL_AFTER_WRITES); write_many
             counts one per file once the group's "done" lines are written
    restore  during a rollback: the k-th file restored
    finish   the run's "finish" line written, its ``finished`` marker not yet

``SSOT_TEST_RAISE_AT=point:k``      raise :class:`InjectedFault` instead (the fault tests);
``SSOT_TEST_SIGNAL_AT=point:k:NAME`` send the process signal NAME (``INT``, ``TERM``) instead.
Besides the journal's points, ``ssot migrate`` reaches ``rewrite`` (one file rewritten, in
the process that rewrites it) and ``validate`` (a batch written, its validation about to run).

Only the kill-tests and fault tests set these; with no variable set the hook costs one dict lookup.
"""

from __future__ import annotations

import os
import signal
from collections import Counter
from collections.abc import Mapping

KILL_AFTER_WRITES = "SSOT_TEST_KILL_AFTER_WRITES"
KILL_AT = "SSOT_TEST_KILL_AT"
RAISE_AT = "SSOT_TEST_RAISE_AT"
SIGNAL_AT = "SSOT_TEST_SIGNAL_AT"
POINTS = ("blob", "blobs", "record", "mkdir", "intent", "tmp", "replace", "write", "restore", "finish",
          "rewrite", "validate")
ENV_VARS = (KILL_AFTER_WRITES, KILL_AT, RAISE_AT, SIGNAL_AT)


class InjectedFault(RuntimeError):
    """The exception ``SSOT_TEST_RAISE_AT`` raises."""


def _points(environ: Mapping[str, str], var: str) -> dict[str, tuple[int, str]]:
    out: dict[str, tuple[int, str]] = {}
    for item in filter(None, (s.strip() for s in environ.get(var, "").split(","))):
        point, _, rest = item.partition(":")
        count, _, extra = rest.partition(":")
        if point not in POINTS:
            raise ValueError(f"{var}: unknown point {point!r} (one of {', '.join(POINTS)})")
        out[point] = (int(count or "1"), extra)
    return out


def _parse(environ: Mapping[str, str]) -> dict[str, int]:
    targets: dict[str, int] = {}
    after = environ.get(KILL_AFTER_WRITES, "").strip()
    if after:
        targets["write"] = int(after)
    for item in filter(None, (s.strip() for s in environ.get(KILL_AT, "").split(","))):
        point, _, count = item.partition(":")
        if point not in POINTS:
            raise ValueError(f"{KILL_AT}: unknown point {point!r} (one of {', '.join(POINTS)})")
        targets[point] = int(count or "1")
    return targets


class KillHook:
    """Counts the points reached and kills the process at the configured one."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        self.targets = _parse(env)
        self.raises = _points(env, RAISE_AT)
        self.signals = _points(env, SIGNAL_AT)
        self.armed = bool(self.targets or self.raises or self.signals)
        self.counts: Counter[str] = Counter()

    def __call__(self, point: str) -> None:
        if not self.armed:
            return
        self.counts[point] += 1
        n = self.counts[point]
        if self.raises.get(point, (0, ""))[0] == n:
            raise InjectedFault(f"fault injected at {point} #{n} ({RAISE_AT})")
        if self.signals.get(point, (0, ""))[0] == n:
            name = self.signals[point][1] or "INT"
            os.kill(os.getpid(), getattr(signal, "SIG" + name.upper().removeprefix("SIG")))
            return
        if n == self.targets.get(point):
            os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))
            os._exit(137)  # pragma: no cover - only if the signal did not stop us
