"""The append-only log of a run: typed entries in, typed entries out."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

from ssot.fsio import fsync_dir
from ssot.migrate.journal.entries import Entry, parse_entry, to_json
from ssot.migrate.journal.layout import JournalError


def parse_log(raw: bytes, path: Path) -> tuple[list[Entry], int]:
    """The entries of a log and the byte length of its valid part.

    A line that is not a JSON object with an ``"op"`` is tolerated only at the
    end (a torn last write); followed by good lines it means the file was
    damaged, which no crash can do.  A whole line of a kind this ssot does not
    know, or with a field of the wrong type, is refused (:func:`parse_entry`).
    """
    entries: list[Entry] = []
    valid_end = 0
    pos = 0
    line_no = 0
    bad_at: int | None = None
    while pos < len(raw):
        nl = raw.find(b"\n", pos)
        if nl < 0:
            break  # torn tail without its newline
        line_no += 1
        line = raw[pos:nl]
        obj: object = None
        if line.strip():
            try:
                obj = json.loads(line)
            except ValueError:
                obj = None
        if isinstance(obj, dict) and "op" in obj:
            if bad_at is not None:
                raise JournalError(
                    f"{path} is damaged at line {bad_at} (not a crash: something else wrote to it); "
                    "restore the files by hand or from git"
                )
            entries.append(parse_entry(obj, path, line_no))
            valid_end = nl + 1
        elif bad_at is None:
            bad_at = line_no
        pos = nl + 1
    return entries, valid_end


def read_log(path: Path) -> list[Entry]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise JournalError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return parse_log(raw, path)[0]


class LogWriter:
    """Appends JSON lines, each fsynced before :meth:`append` returns."""

    def __init__(self, path: Path) -> None:
        self.path = path
        existed = path.exists()
        try:
            self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND | getattr(os, "O_BINARY", 0), 0o644)
        except OSError as exc:
            raise JournalError(f"cannot open {path}: {exc.strerror or exc}") from exc
        self.count = 0
        if existed:
            raw = path.read_bytes()
            entries, valid_end = parse_log(raw, path)
            if valid_end < len(raw):  # cut a torn tail so the next line starts clean
                os.ftruncate(self._fd, valid_end)
                os.fsync(self._fd)
            self.count = len(entries)
        else:
            fsync_dir(path.parent)

    def append(self, entry: Entry) -> int:
        """Write one entry durably; returns its index in the log."""
        return self.append_many([entry])

    def append_many(self, entries: Sequence[Entry]) -> int:
        """Write entries as consecutive lines in one ``write`` and one fsync; returns the first's index.

        A crash in the middle can only leave a prefix of the lines plus a torn
        last one, which readers ignore: each line stands on its own, so a group
        is no weaker than the same lines appended one by one.
        """
        if not entries:
            return self.count
        data = b"".join(
            (json.dumps(to_json(e), sort_keys=True, separators=(",", ":")) + "\n").encode() for e in entries
        )
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self._fd, view) :]
            os.fsync(self._fd)
        except OSError as exc:
            raise JournalError(f"cannot write the journal {self.path}: {exc.strerror or exc}") from exc
        first = self.count
        self.count += len(entries)
        return first

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
