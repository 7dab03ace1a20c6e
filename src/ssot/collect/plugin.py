"""pytest plugin: ``pytest --ssot-profile=FILE`` records a collection profile during any run.

Loaded by the ``pytest11`` entry point ``ssot`` when ssot is installed, or by
``ssot collect`` with ``-p ssot.collect.plugin`` inside the target project's
interpreter, where ssot's own dependencies may be missing: this module and
what it imports use only the standard library and pytest.

Inert unless the option is given: importing it defines two hooks and reads
the clock; without ``--ssot-profile`` the only work done is one attribute
lookup in ``pytest_load_initial_conftests``.  With it, a
:class:`~ssot.collect.recorder.Recorder` is registered *before* the initial
conftests are imported, so their imports are timed too.
"""

from __future__ import annotations

import time
from collections.abc import Generator
from typing import Any

import pytest

_IMPORTED_WALL = time.time()
_IMPORTED_PERF = time.perf_counter()
RECORDER_NAME = "ssot-collect-recorder"


def pytest_addoption(parser: Any) -> None:
    group = parser.getgroup("ssot", "ssot collection profile")
    group.addoption(
        "--ssot-profile",
        dest="ssot_profile",
        metavar="FILE",
        default=None,
        help="record a profile of test collection (time, imports, warnings, errors) to FILE as JSON; "
        "`ssot collect --load FILE` explains it",
    )


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_load_initial_conftests(early_config: Any, parser: Any, args: Any) -> Generator[None, Any, None]:
    out = getattr(early_config.known_args_namespace, "ssot_profile", None)
    recorder = None
    if out:
        from ssot.collect.recorder import Recorder

        recorder = Recorder(early_config, out, _IMPORTED_WALL, _IMPORTED_PERF)
        early_config.pluginmanager.register(recorder, RECORDER_NAME)
        recorder.start()
    outcome = yield
    if recorder is not None and outcome.excinfo is not None:
        recorder.initial_conftests_failed(outcome.excinfo[1])
