"""ssot: find duplicated test infrastructure and consolidate it into a single source of truth."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "scan"]


def scan(*args, **kwargs):  # type: ignore[no-untyped-def]
    """Scan a tree; see :func:`ssot.scanner.engine.scan` (imported lazily to keep start-up fast)."""
    from ssot.scanner.engine import scan as _scan

    return _scan(*args, **kwargs)
