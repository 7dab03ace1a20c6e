"""``ssot validate``: compliance per family and phase, the canonical-import check, collection figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from testkit import HELPER, module_text, write_tree

from .conftest import ssot, validate_sarif

CANON = "test_framework/ssot/connection.py"


@pytest.fixture
def consolidated(tmp_path: Path) -> Path:
    """A helper consolidated into the canonical package: three files import it, one keeps a copy."""
    root = tmp_path / "proj"
    imp = "from test_framework.ssot.connection import TestWebSocketConnection\n"
    write_tree(root, {
        "pyproject.toml": "[tool.ssot]\ncanonical_package = 'test_framework/ssot'\n\n"
                          "[tool.ssot.phases]\nunit = ['tests/unit/**']\n"
                          "e2e = ['tests/e2e/**']\n\n[tool.pytest.ini_options]\ntestpaths = ['tests']\n",
        "test_framework/__init__.py": "",
        "test_framework/ssot/__init__.py": "",
        CANON: HELPER.replace('"""In-memory connection."""', '"""In-memory connection."""\n\n    __test__ = False'),
        "tests/__init__.py": "",
        "tests/unit/__init__.py": "",
        "tests/unit/test_a.py": imp + module_text(1),
        "tests/unit/test_b.py": imp + module_text(2),
        "tests/e2e/__init__.py": "",
        "tests/e2e/test_c.py": imp + module_text(3),
        "tests/e2e/test_d.py": module_text(4, HELPER),  # not migrated yet
        "tests/e2e/support.py": imp,  # a re-exporting old home
    })
    return root


def data(root: Path, *args: str) -> tuple[int, dict]:
    run = ssot("validate", "--format", "json", *args, cwd=root)
    return run.code, json.loads(run.stdout)


def test_compliance_per_family_and_phase(consolidated: Path) -> None:
    code, d = data(consolidated)
    (fam,) = [f for f in d["families"] if f["consolidated"]]
    assert fam["canonical"] == [CANON]
    # support.py imports it canonically too: 4 consolidated of 5, test_d.py keeps a copy
    assert (fam["consolidated"], fam["copies"]) == (4, 1)
    assert fam["score"] == pytest.approx(0.8)
    assert fam["phases"] == {"e2e": {"consolidated": 2, "copies": 1, "score": pytest.approx(2 / 3)},
                             "unit": {"consolidated": 2, "copies": 0, "score": 1.0}}
    assert fam["copies_left"] == [{"path": "tests/e2e/test_d.py", "line": 3, "qualname": "TestWebSocketConnection"}]
    assert d["score"]["score"] == pytest.approx(0.8)
    assert d["imports"] == [] and code == 0
    text = ssot("validate", cwd=consolidated).stdout
    assert "SSOT compliance: 80.0% (4 of 5 copies consolidated)" in text
    assert "phase e2e: 66.7% (2 of 3 copies consolidated)" in text
    assert "copy left: tests/e2e/test_d.py:3" in text


def test_min_compliance_from_config_and_flag(consolidated: Path) -> None:
    assert data(consolidated, "--min-compliance", "0.8")[0] == 0
    code, d = data(consolidated, "--min-compliance", "0.9")
    assert code == 1 and d["below_min_compliance"]
    pyproject = consolidated / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("[tool.ssot]\n", "[tool.ssot]\nmin_compliance = 0.95\n"))
    assert data(consolidated)[0] == 1
    assert "below min_compliance 95%" in ssot("validate", cwd=consolidated).stdout
    assert data(consolidated, "--exit-zero")[0] == 0
    bad = ssot("validate", "--min-compliance", "95", cwd=consolidated)
    assert bad.code == 2 and "between 0 and 1" in bad.stderr
    pyproject.write_text(pyproject.read_text().replace("min_compliance = 0.95", "min_compliance = 'high'"))
    wrong = ssot("validate", cwd=consolidated)
    assert wrong.code == 2 and "tool.ssot.min_compliance' must be a share between 0 and 1" in wrong.stderr


def test_non_canonical_imports(consolidated: Path) -> None:
    (consolidated / "tests/unit/test_e.py").write_text(
        "from tests.e2e.support import TestWebSocketConnection\n" + module_text(5))
    (consolidated / "tests/unit/test_f.py").write_text(
        "from .test_a import TestWebSocketConnection as Conn\n" + module_text(6))
    (consolidated / "tests/unit/test_g.py").write_text(
        "from tests.e2e.support import *\n\n\ndef test_g():\n    assert TestWebSocketConnection\n")
    # a look-alike: a module with a different class of that name of its own, and a third-party module
    (consolidated / "tests/unit/other.py").write_text("class TestWebSocketConnection:\n    pass\n")
    (consolidated / "tests/unit/test_h.py").write_text(
        "from tests.unit.other import TestWebSocketConnection\nfrom websockets import TestWebSocketConnection as W\n"
        + module_text(8))
    code, d = data(consolidated)
    assert code == 1
    got = [(f["rule"], f["locations"][0]["path"], f["locations"][0]["line"]) for f in d["imports"]]
    assert got == [("non-canonical-import", "tests/unit/test_e.py", 1),
                   ("non-canonical-import", "tests/unit/test_f.py", 1),
                   ("star-import-hides-canonical", "tests/unit/test_g.py", 1)]
    (f_fix,) = [f["fix"] for f in d["imports"] if f["locations"][0]["path"] == "tests/unit/test_f.py"]
    assert f_fix == "import it as `from test_framework.ssot.connection import TestWebSocketConnection as Conn`"
    assert data(consolidated, "--ignore", "non-canonical-import,star")[0] == 0
    sarif = json.loads(ssot("validate", "--format", "sarif", cwd=consolidated).stdout)
    validate_sarif(sarif)
    assert len(sarif["runs"][0]["results"]) == 3
    md = ssot("validate", "--format", "markdown", cwd=consolidated).stdout
    assert "| `connection` |" in md or "| `TestWebSocketConnection` |" in md


def test_a_consolidated_name_read_through_an_imported_module_is_checked_too(consolidated: Path) -> None:
    use = "\n\ndef test_{n}():\n    assert {expr}('ws://x')\n"
    (consolidated / "tests/unit/test_i.py").write_text(
        "import tests.e2e.support as support\n" + use.format(n="i", expr="support.TestWebSocketConnection"))
    (consolidated / "tests/unit/test_j.py").write_text(
        "import tests.e2e.support\n" + use.format(n="j", expr="tests.e2e.support.TestWebSocketConnection"))
    (consolidated / "tests/unit/test_k.py").write_text(  # the canonical module itself, by attribute: right
        "import test_framework.ssot.connection as conn\n"
        + use.format(n="k", expr="conn.TestWebSocketConnection"))
    (consolidated / "tests/unit/test_l.py").write_text(  # a third-party module's own name: not ours
        "import websockets\n" + use.format(n="l", expr="websockets.TestWebSocketConnection"))
    code, d = data(consolidated)
    assert code == 1
    got = [(f["locations"][0]["path"], f["locations"][0]["line"], f["message"]) for f in d["imports"]]
    assert got == [
        ("tests/unit/test_i.py", 5, "TestWebSocketConnection is used as `support.TestWebSocketConnection` from "
                                    "tests.e2e.support, not from its canonical module test_framework.ssot.connection"),
        ("tests/unit/test_j.py", 5, "TestWebSocketConnection is used as `tests.e2e.support.TestWebSocketConnection` "
                                    "from tests.e2e.support, not from its canonical module "
                                    "test_framework.ssot.connection")]
    (fam,) = [f for f in d["families"] if f["consolidated"]]
    assert fam["consolidated"] == 5  # test_k.py reads it from the canonical module: consolidated


def test_a_family_with_every_copy_gone_is_still_tracked(consolidated: Path) -> None:
    (consolidated / "tests/e2e/test_d.py").write_text(
        "from test_framework.ssot.connection import TestWebSocketConnection\n" + module_text(4))
    code, d = data(consolidated)
    (fam,) = [f for f in d["families"] if f["consolidated"]]
    assert (fam["consolidated"], fam["copies"], fam["score"]) == (5, 0, 1.0)
    assert code == 0


def test_collection_figures_come_from_recorded_profiles(consolidated: Path, tmp_path: Path) -> None:
    before, after = tmp_path / "before.json", tmp_path / "after.json"
    assert ssot("collect", "--json", before, cwd=consolidated).code in (0, 1)
    (consolidated / "tests/e2e/test_d.py").write_text(
        "from test_framework.ssot.connection import TestWebSocketConnection\n" + module_text(4))
    assert ssot("collect", "--json", after, cwd=consolidated).code in (0, 1)
    _, d = data(consolidated, "--baseline-profile", str(before), "--profile", str(after))
    figures = {f["figure"]: f for f in d["collection"]}
    b, a = json.loads(before.read_text()), json.loads(after.read_text())
    assert figures["tests collected"]["baseline"] == b["measurement"]["tests"] == 4
    assert figures["tests collected"]["now"] == a["measurement"]["tests"] == 4
    assert figures["collection warnings"]["baseline"] == len(b["measurement"]["warnings"]) == 1  # test_d's copy
    assert figures["collection warnings"]["now"] == len(a["measurement"]["warnings"]) == 0
    assert figures["collection wall time"]["now"] == a["measurement"]["wall_seconds"]
    assert any("tests passing: not measured" in n for n in d["notes"])
    text = ssot("validate", "--baseline-profile", str(before), "--profile", str(after), cwd=consolidated).stdout
    assert "collection warnings: 1 -> 0 (better)" in text
    missing = ssot("validate", "--profile", str(tmp_path / "nope.json"), cwd=consolidated)
    assert missing.code == 2 and "ssot collect --format json -o" in missing.stderr


def test_tests_passing_against_the_recorded_baseline(consolidated: Path) -> None:
    code, d = data(consolidated, "--run-tests", "--save-baseline")
    assert code == 0
    saved = json.loads((consolidated / ".ssot/tests-baseline.json").read_text())
    assert saved["outcomes"] == {f"tests/{p}::test_{n}": "passed"
                                 for p, n in (("unit/test_a.py", 1), ("unit/test_b.py", 2), ("e2e/test_c.py", 3),
                                              ("e2e/test_d.py", 4))}
    (fig,) = [f for f in d["collection"] if f["figure"] == "tests passing"]
    assert (fig["baseline"], fig["now"]) == (None, 4)  # the baseline is this very run
    # a migration gone wrong: one test now fails, one module no longer imports
    (consolidated / "tests/unit/test_b.py").write_text(module_text(2).replace("assert 2 == 2", "assert 2 == 3"))
    (consolidated / "tests/e2e/test_c.py").write_text(
        "from test_framework.ssot.connection import Gone\n" + module_text(3))
    code, d = data(consolidated, "--run-tests")
    assert code == 1
    (fig,) = [f for f in d["collection"] if f["figure"] == "tests passing"]
    assert (fig["baseline"], fig["now"]) == (4, 2)
    assert "2 test(s) passed in the baseline and do not now" in d["notes"]
    assert "tests/unit/test_b.py::test_2: passed -> failed" in d["notes"]
    assert "tests/e2e/test_c.py::test_3: passed -> not run" in d["notes"]
    assert any(n.startswith("does not collect now: tests/e2e/test_c.py: ImportError") for n in d["notes"])
    # without --run-tests: the latest recorded run, read from the history, not run again
    text = ssot("validate", cwd=consolidated)
    assert text.code == 1 and "tests passing: 4 -> 2 (worse)" in text.stdout
    # fixed: every test passes again
    (consolidated / "tests/unit/test_b.py").write_text(module_text(2))
    (consolidated / "tests/e2e/test_c.py").write_text(
        "from test_framework.ssot.connection import TestWebSocketConnection\n" + module_text(3))
    code, d = data(consolidated, "--run-tests")
    assert code == 0 and "tests: every test gives the outcome it gave in the baseline" in d["notes"]
    assert ssot("validate", "--save-baseline", cwd=consolidated).code == 2


def test_modules_that_collect_in_neither_run_are_named_as_not_compared() -> None:
    from ssot.app.test_outcomes import Outcomes, compare

    error = "E   ImportError: cannot import name 'PY_3_8_PLUS' from 'attr._compat'"
    before = Outcomes({"tests/test_a.py::test_1": "passed"}, {"tests/test_slots.py": error})
    after = Outcomes({"tests/test_a.py::test_1": "passed"}, {"tests/test_slots.py": error})
    comparison = compare(before, after)
    assert comparison.no_longer_passing == [] and comparison.changed == []
    assert comparison.notes()[-1] == ("1 module(s) collected neither in the baseline nor now, so their tests are "
                                      "not compared: tests/test_slots.py (ImportError: cannot import name "
                                      "'PY_3_8_PLUS' from 'attr._compat')")
