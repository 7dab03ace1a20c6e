"""The diagnoses of ``ssot collect``, one rule a module (as import-linter keeps its contracts).

Each rule reads a :class:`~ssot.collect.context.RuleInput` and returns
:class:`~ssot.model.Finding` objects, the model ``ssot scan``, ``check`` and
``validate`` report with.  :func:`run` runs :data:`RULES` in order and sorts the
findings: errors first, then by the share of time, warnings or tests each explains.
A new diagnosis is a new module here and one line in :data:`RULES`.
"""

from __future__ import annotations

from ssot.collect.context import RuleInput
from ssot.collect.rules.base import Rule
from ssot.collect.rules.broad_python_files import BroadPythonFiles
from ssot.collect.rules.collection_error import CollectionError
from ssot.collect.rules.empty_module import EmptyTestModule
from ssot.collect.rules.heavy_import import HeavyImport
from ssot.collect.rules.never_run import NeverRun
from ssot.collect.rules.no_testpaths import NoTestpaths
from ssot.collect.rules.no_tests import NoTests
from ssot.collect.rules.stopped import CollectionStopped
from ssot.collect.rules.timeout import CollectionTimeout
from ssot.collect.rules.unwanted_folder import UnwantedFolder
from ssot.collect.rules.warnings import WarningCauses
from ssot.model import Finding

__all__ = ["RULES", "Rule", "run"]

RULES: tuple[Rule, ...] = (
    CollectionError(),
    NoTests(),
    CollectionStopped(),
    CollectionTimeout(),
    WarningCauses(),
    EmptyTestModule(),
    NeverRun(),
    HeavyImport(),
    UnwantedFolder(),
    NoTestpaths(),
    BroadPythonFiles(),
)

_ORDER = {"error": 0, "warning": 1, "note": 2}


def run(inp: RuleInput, rules: tuple[Rule, ...] = RULES) -> list[Finding]:
    """Every rule's findings, the most important first (a stable sort: rule order breaks ties)."""
    found = [f for rule in rules for f in rule.check(inp)]
    found.sort(key=lambda f: (
        _ORDER.get(f.severity, 1),
        -max(f.cost.share_of_time, f.cost.share_of_warnings, 0.5 if f.cost.tests else 0.0),
    ))
    return found
