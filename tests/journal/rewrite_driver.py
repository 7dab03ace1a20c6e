"""A stand-in for ``ssot migrate``: journaled multi-file rewrites in batches, for the kill tests.

    python rewrite_driver.py ROOT [--batch-size N] [--pause SECONDS] [--fail-batch N] [--many]

Plans first (hash of every ``tests/**/*.py``), then per batch: rewrites each
file (``expected_sha256`` from the plan), batch 1 also creates
``tests/ssot_canonical/helpers.py`` in a new folder, batch 2 also deletes
``tests/obsolete.py``.  ``--fail-batch N`` rolls batch N back in-process as a
failed validation would, then carries on.  ``--many`` writes each batch as one
group (``Journal.write_many``, as ``ssot migrate`` does).  Prints the run id first.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path

from ssot.migrate.journal import ABSENT, Journal

CANONICAL = "tests/ssot_canonical/helpers.py"
OBSOLETE = "tests/obsolete.py"


def rewrite(data: bytes) -> bytes:
    """A visible, length-changing edit (like replacing a class by an import)."""
    header = b"from tests.ssot_canonical.helpers import Helper  # ssot\n"
    return header + data.replace(b"class ", b"class _Old")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("root", type=Path)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--pause", type=float, default=0.0, help="seconds to sleep after each file")
    parser.add_argument("--fail-batch", type=int, default=None)
    parser.add_argument("--many", action="store_true", help="one write_many per batch")
    args = parser.parse_args(argv)
    root: Path = args.root
    plan = {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted((root / "tests").rglob("*.py"))
        if p.relative_to(root).as_posix() != OBSOLETE
    }
    files = list(plan)
    batches = [files[i : i + args.batch_size] for i in range(0, len(files), args.batch_size)]
    journal = Journal.begin(root, "test-rewrite", meta={"files": len(files)})
    print(journal.run_id, flush=True)
    for number, batch in enumerate(batches, 1):
        journal.begin_batch(number, f"batch {number}", batch)
        if args.many:
            group: list[tuple[str, bytes | None, str | None]] = []
            if number == 1:
                group.append((CANONICAL, b"class Helper:\n    pass\n", ABSENT))
            if number == 2:
                group.append((OBSOLETE, None, None))
            group += [(rel, rewrite((root / rel).read_bytes()), plan[rel]) for rel in batch]
            journal.write_many(group)
            if args.pause:
                time.sleep(args.pause * len(group))
        else:
            if number == 1:
                journal.write(CANONICAL, b"class Helper:\n    pass\n", expected_sha256=ABSENT)
            if number == 2:
                journal.delete(OBSOLETE)
            for rel in batch:
                journal.write(rel, rewrite((root / rel).read_bytes()), expected_sha256=plan[rel])
                if args.pause:
                    time.sleep(args.pause)
        if number == args.fail_batch:
            journal.rollback_batch(number)
            journal.end_batch(number, "rolled_back")
        else:
            journal.end_batch(number, "ok")
    journal.finish("complete")
    return 0


if __name__ == "__main__":
    sys.exit(main())
