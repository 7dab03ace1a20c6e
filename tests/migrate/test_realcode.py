"""The fast version of benchmarks/realcode_migrate.py: default ``ssot migrate`` on a copy of attrs.

Needs attrs's sdist (``/work/realcode/attrs``) and its test requirement hypothesis in this
interpreter; skipped, saying which, when either is missing.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.mark.slow
def test_default_migrate_on_attrs_keeps_the_library_its_names_and_every_test_outcome(tmp_path: Path) -> None:
    if not Path("/work/realcode/attrs").is_dir():
        pytest.skip("attrs sdist not at /work/realcode/attrs (../shared/realcode/fetch.py --only attrs)")
    if importlib.util.find_spec("hypothesis") is None:
        pytest.skip("attrs's tests need hypothesis, not installed here (pip install hypothesis)")
    sys.path.insert(0, str(BENCH))
    try:
        import realcode_migrate as bench
    finally:
        sys.path.remove(str(BENCH))
    out = bench.check(bench.PROJECTS["attrs"], tmp_path, python=Path(sys.executable))
    assert out.tests > 500 and out.files_changed > 0, out
    assert out.library_files > 10 and out.library_changed == []
    assert out.public_names > 20 and out.merged_names == [] and out.renamed == []
    assert out.imports_outside
    assert out.changed_outcomes == []
    assert out.second_rc == 0 and out.second_changed == []
