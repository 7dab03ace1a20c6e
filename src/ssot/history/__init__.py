"""The history of ssot's figures over time: one SQLite store, read by ``ssot report``.

Every command that measures something appends one *run* (when, which command, git commit and
branch, exit code) with its *figures* (name, scope, value) in one transaction; ``ssot report``
reads them back as trends.  See :mod:`ssot.history.store` for the schema.
"""

from ssot.history.store import Figure, HistoryError, HistoryStore, Run

__all__ = ["Figure", "HistoryError", "HistoryStore", "Run"]
