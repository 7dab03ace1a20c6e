"""Names the rest of ssot imported from here before the journal became a package.

The journal lives in :mod:`ssot.migrate.journal` (layout, entries, lock, log,
runs); this module only re-exports the names other parts of ssot still import
from it (``history.record``, ``app.canonical``, ``commands.runs``).
"""

from __future__ import annotations

from ssot.migrate.journal.layout import STATE_DIR, ensure_gitignore, local_time
from ssot.migrate.journal.runs import list_runs, resolve_run_dir

__all__ = ["STATE_DIR", "ensure_gitignore", "list_runs", "local_time", "resolve_run_dir"]
