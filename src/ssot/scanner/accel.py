"""The scan's optional C accelerators, and the switch that leaves them out.

``setup.py`` builds ``_textindex`` (the candidate pass's per-line loop and window count) and
``_fingerprint`` (the fingerprint walk's per-node step) when a compiler is there; each module
that has one keeps its Python code as the reference and the fallback, as coverage.py does with
its C tracer.  ``SSOT_PURE_PYTHON=1`` runs the Python code (to compare, or around a broken build).
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

ENV = "SSOT_PURE_PYTHON"


def load(name: str) -> ModuleType | None:
    """The accelerator ``ssot.scanner.<name>``, or None when it was not built or is switched off."""
    if os.environ.get(ENV):
        return None
    try:
        return importlib.import_module(f"ssot.scanner.{name}")
    except ImportError:
        return None
