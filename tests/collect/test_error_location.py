"""Where a collection error is reported when the failing line is not in the conftest or test module itself."""

from __future__ import annotations

import json
import os
from pathlib import Path

from .conftest import run_ssot


def _project(root: Path, conftest: str) -> Path:
    (root / "pkg" / "tests").mkdir(parents=True)
    (root / "pkg" / "__init__.py").write_text('x = 1\n\n\n\nraise ImportError("pkg needs mpmath")\n')
    (root / "pkg" / "tests" / "__init__.py").write_text("")
    (root / "pkg" / "tests" / "test_a.py").write_text("def test_a():\n    pass\n")
    (root / "pkg" / "conftest.py").write_text(conftest)
    (root / "pytest.ini").write_text("[pytest]\ntestpaths = pkg\n")
    return root


def test_a_conftest_inside_a_package_whose_init_raises(tmp_path: Path) -> None:
    """As sympy/conftest.py, when sympy/__init__.py raises: the conftest ran no line of its own, so no
    line of it is named; the message says where the error was raised."""
    root = _project(tmp_path / "proj", "import os\n\nfrom pkg.tests import x\n")
    out = tmp_path / "p.json"
    proc = run_ssot("collect", "--json", str(out), cwd=root)
    data = json.loads(out.read_text(encoding="utf-8"))
    (error,) = data["measurement"]["errors"]
    assert (error["path"], error["line"], error["stage"]) == ("pkg/conftest.py", None, "conftest"), proc.stdout
    assert error["message"] == "pkg needs mpmath (raised at pkg/__init__.py:5)"
    (d,) = [d for d in data["analysis"]["diagnoses"] if d["rule"] == "collection-error"]
    assert d["paths"] == ["pkg/conftest.py"]
    assert "pkg/conftest.py:5" not in proc.stdout


def test_a_conftest_line_that_imports_the_failing_module_is_named(tmp_path: Path) -> None:
    root = _project(tmp_path / "proj", "import os\n\nimport pkg\n")
    (root / "pytest.ini").write_text("[pytest]\ntestpaths = tests\n")
    (root / "tests").mkdir()
    (root / "tests" / "conftest.py").write_text("import os\n\nimport pkg\n")
    (root / "tests" / "test_b.py").write_text("def test_b():\n    pass\n")
    (root / "pkg" / "conftest.py").unlink()
    out = tmp_path / "p.json"
    run_ssot("collect", "--json", str(out), cwd=root, env=dict(os.environ, PYTHONPATH=str(root)))
    (error,) = json.loads(out.read_text(encoding="utf-8"))["measurement"]["errors"]
    assert (error["path"], error["line"], error["message"]) == ("tests/conftest.py", 3, "pkg needs mpmath")
