"""What the whole suite shares: where the shared corpus is, and running in parallel by default.

The shared corpus (``make_suite.py``, ``score_scan.py``) lives beside the
repository in ``../shared/corpus`` (where CI clones it), or wherever
``SSOT_CORPUS`` points.  Every area's conftest reads ``SSOT_CORPUS``, which is
set here once (from ``testkit.SHARED_CORPUS``), so a checkout without the corpus skips the tests that need it,
each with the reason, instead of failing them.

The suite runs on every core with pytest-xdist (``-n auto``) unless the command
line chooses otherwise (``-n 0`` or ``-p no:xdist`` run it serially).  This is a
hook rather than ``addopts = "-n auto"`` so that ``-p no:xdist`` keeps working:
with ``-n`` in ``addopts``, disabling the plugin makes ``-n`` an unknown option.
"""

from __future__ import annotations

import os

import pytest

from testkit import SHARED_CORPUS

os.environ["SSOT_CORPUS"] = str(SHARED_CORPUS)  # read by each area's conftest when it is imported


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    """``-n auto`` when xdist is installed and enabled and no ``-n``/``--dist`` was given."""
    if not config.pluginmanager.hasplugin("xdist") or os.environ.get("PYTEST_XDIST_WORKER"):
        return
    option = config.option
    if getattr(option, "numprocesses", None) is None and getattr(option, "dist", "no") == "no" \
            and not getattr(option, "distload", False) and not config.getoption("collectonly") \
            and not config.getoption("usepdb", False):
        option.numprocesses = "auto"
