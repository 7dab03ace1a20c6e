"""``ssot collect``: a pytest collection doctor (measure, explain, fix).

Layout, following coverage.py's split between measuring and reporting:

- ``plugin`` / ``recorder`` / ``importtimer``: measurement inside pytest (standard library + pytest only);
- ``protocol``: what the driver and the plugin agree on;
- ``driver``: runs pytest's real collection in the project's interpreter;
- ``profile`` (+ ``schema``): the data model and its versioned JSON form;
- ``static`` / ``diagnose``: causes, fixes and shares computed from a profile;
- ``compare``: before/after deltas; ``render``: the terminal report;
- ``run``: the Python API, :func:`collect`.

This package is imported by the plugin inside the target project's interpreter,
so nothing is imported here eagerly.
"""

from __future__ import annotations

from typing import Any

__all__ = ["analyse_recorded", "collect"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from ssot.collect import run

        return getattr(run, name)
    raise AttributeError(f"module 'ssot.collect' has no attribute {name!r}")
