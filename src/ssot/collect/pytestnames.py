"""pytest's naming rules (``python_files``, ``python_classes``, ``python_functions``), read statically.

Standard library only: the fixer and the static "tests that never run" finder
both decide what pytest would look at without importing anything.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable

DEFAULT_PYTHON_FILES = ("test_*.py", "*_test.py")
DEFAULT_PYTHON_CLASSES = ("Test",)
DEFAULT_PYTHON_FUNCTIONS = ("test",)


def _is_glob(pattern: str) -> bool:
    return "*" in pattern or "?" in pattern or "[" in pattern


def matches_name(name: str, patterns: Iterable[str]) -> bool:
    """pytest's ``_matches_prefix_or_glob_option``: a prefix, or a glob when the option looks like one."""
    return any(name.startswith(p) or (_is_glob(p) and fnmatch.fnmatch(name, p)) for p in patterns)


def matches_file(rel_path: str, patterns: Iterable[str]) -> bool:
    """pytest's ``fnmatch_ex``: patterns without a slash match the basename, others the path's tail."""
    name = rel_path.rsplit("/", 1)[-1]
    for pattern in patterns:
        if "/" not in pattern:
            if fnmatch.fnmatch(name, pattern):
                return True
        elif fnmatch.fnmatch(rel_path, pattern) or fnmatch.fnmatch(rel_path, "*/" + pattern.lstrip("/")):
            return True
    return False


def matching_patterns(rel_path: str, patterns: Iterable[str]) -> list[str]:
    """The ``python_files`` patterns that select ``rel_path``."""
    return [p for p in patterns if matches_file(rel_path, [p])]
