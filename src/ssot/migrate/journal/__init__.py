"""The crash-safe journal every change ssot makes to a tree goes through.

A run (``Journal.begin``) gets a unique, sortable id and a folder
``<root>/.ssot/runs/<id>/``.  Before a file is touched its original bytes go to
a content-addressed blob (written atomically) and a log line records them
(fsynced); the write itself is announced in the log, done through a temporary
file in the same folder (fsync, rename, fsync of the folder: :mod:`ssot.fsio`)
and then logged as done.  So whenever the process dies, even by SIGKILL, the
journal knows every file that may have changed and what it held before:
:func:`rollback` puts each back byte for byte, deletes the files the run
created, and refuses (naming it) to overwrite a file someone edited after the
run wrote it, unless forced.  Format for users: docs/journal.md.

The package, from the bottom up:

- :mod:`~ssot.migrate.journal.layout`   where the state lives, run ids, the state folder's ``.gitignore``
- :mod:`~ssot.migrate.journal.entries`  one frozen dataclass per kind of log line; :func:`parse_entry`
- :mod:`~ssot.migrate.journal.lock`     the tree's and each run's ``flock``
- :mod:`~ssot.migrate.journal.log`      appending entries (fsynced) and reading them back
- :mod:`~ssot.migrate.journal.runs`     a run read back (:class:`RunLog`) and summarised (:class:`RunInfo`)
- :mod:`~ssot.migrate.journal.restore`  putting files back from a run's blobs
- :mod:`~ssot.migrate.journal.writer`   :class:`Journal`: one run writing
- :mod:`~ssot.migrate.journal.rollback` ``ssot rollback`` and ``ssot runs --dismiss``
- :mod:`~ssot.migrate.journal.warn`     the warning every command gives about an interrupted run

Usage by ``ssot migrate``::

    journal = Journal.begin(root, "migrate", meta={"families": [...]})
    journal.begin_batch(1, "fixtures", files)
    journal.write("tests/test_a.py", new_bytes, expected_sha256=planned_hash)
    journal.write_many([FileWrite("tests/test_b.py", new_b, planned_b), ...])  # a batch as one group
    journal.end_batch(1, "ok")          # or: journal.rollback_batch(1); end_batch(1, "rolled_back")
    journal.finish("complete")
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ssot.fsio import UnsafeFileError, sha256_bytes
    from ssot.migrate.journal.layout import JournalError, RunNotFoundError, find_root
    from ssot.migrate.journal.restore import Conflict, RollbackRefused, RollbackResult, RollbackUsageError
    from ssot.migrate.journal.rollback import default_run, dismiss, rollback
    from ssot.migrate.journal.runs import RunInfo, interrupted_runs, list_runs
    from ssot.migrate.journal.warn import state_root, warn_for_cli, warn_if_interrupted
    from ssot.migrate.journal.writer import (
        ABSENT,
        FileChangedError,
        FileWrite,
        InterruptedRunError,
        Journal,
        RunInProgressError,
        UnsafePathError,
        normalize_rel,
    )

# name -> the module that defines it: imported when first asked for, so that a command which only needs
# the warning about interrupted runs (every command) does not import the writer, the rollback and the
# log's entries
_EXPORTS = {
    "ABSENT": "ssot.migrate.journal.writer",
    "Conflict": "ssot.migrate.journal.restore",
    "FileChangedError": "ssot.migrate.journal.writer",
    "FileWrite": "ssot.migrate.journal.writer",
    "InterruptedRunError": "ssot.migrate.journal.writer",
    "Journal": "ssot.migrate.journal.writer",
    "JournalError": "ssot.migrate.journal.layout",
    "RollbackRefused": "ssot.migrate.journal.restore",
    "RollbackResult": "ssot.migrate.journal.restore",
    "RollbackUsageError": "ssot.migrate.journal.restore",
    "RunInProgressError": "ssot.migrate.journal.writer",
    "RunInfo": "ssot.migrate.journal.runs",
    "RunNotFoundError": "ssot.migrate.journal.layout",
    "UnsafeFileError": "ssot.fsio",
    "UnsafePathError": "ssot.migrate.journal.writer",
    "default_run": "ssot.migrate.journal.rollback",
    "dismiss": "ssot.migrate.journal.rollback",
    "find_root": "ssot.migrate.journal.layout",
    "interrupted_runs": "ssot.migrate.journal.runs",
    "list_runs": "ssot.migrate.journal.runs",
    "normalize_rel": "ssot.migrate.journal.writer",
    "rollback": "ssot.migrate.journal.rollback",
    "sha256_bytes": "ssot.fsio",
    "state_root": "ssot.migrate.journal.warn",
    "warn_for_cli": "ssot.migrate.journal.warn",
    "warn_if_interrupted": "ssot.migrate.journal.warn",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "ABSENT",
    "Conflict",
    "FileChangedError",
    "FileWrite",
    "InterruptedRunError",
    "Journal",
    "JournalError",
    "RollbackRefused",
    "RollbackResult",
    "RollbackUsageError",
    "RunInProgressError",
    "RunInfo",
    "RunNotFoundError",
    "UnsafeFileError",
    "UnsafePathError",
    "default_run",
    "dismiss",
    "find_root",
    "interrupted_runs",
    "list_runs",
    "normalize_rel",
    "rollback",
    "sha256_bytes",
    "state_root",
    "warn_for_cli",
    "warn_if_interrupted",
]
