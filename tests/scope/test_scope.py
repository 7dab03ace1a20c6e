"""ssot.scope: which files are test code."""

from __future__ import annotations

from pathlib import Path

from ssot.pytest_config import PytestConfig
from ssot.scope import TestScope, imported_modules, load_scope, module_names, split


def test_default_rules() -> None:
    scope = TestScope()
    assert scope.reason("conftest.py") == "a conftest.py"
    assert scope.reason("src/pkg/test_thing.py") == "matches python_files"
    assert scope.reason("pkg/tests/helpers.py") == "under a 'tests' folder"
    assert scope.reason("test/units/mock/loader.py") == "under a 'test' folder"
    assert scope.reason("src/pkg/app.py") is None
    assert scope.reason("src/pkg/testing_utils.py") is None  # a file name is not a folder


def test_testpaths_replace_folder_names() -> None:
    scope = TestScope(pytest=PytestConfig(testpaths=["qa"]))
    assert scope.is_test_code("qa/helpers.py")
    assert not scope.is_test_code("pkg/tests/helpers.py")
    assert scope.is_test_code("pkg/tests/test_x.py")  # python_files still applies anywhere


def test_imports_parsed() -> None:
    src = "import os, a.b as c\nfrom x.y import (z,\n  w)\nfrom . import rel\n    from q import r as s  # c\n"
    assert imported_modules(src) == {"os", "a.b", "x.y", "x.y.z", "x.y.w", "q", "q.r"}
    assert module_names("src/pkg/mod.py") == ["src.pkg.mod", "pkg.mod", "mod"]
    assert module_names("pkg/__init__.py") == ["pkg"]


def test_helpers_imported_only_by_tests(tmp_path: Path) -> None:
    sources = {
        "tests/test_a.py": "from helpers.fakes import FakeServer\nimport shared\n",
        "helpers/fakes.py": "class FakeServer: ...\n",
        "shared.py": "X = 1\n",
        "pkg/core.py": "import shared\n",
    }
    scope = load_scope(tmp_path, sources)
    assert scope.reason("helpers/fakes.py") == "imported only by tests"
    assert not scope.is_test_code("shared.py")  # the library imports it too
    assert split(scope, sources) == (["tests/test_a.py", "helpers/fakes.py"], ["shared.py", "pkg/core.py"])


def test_helpers_do_not_depend_on_the_order_the_files_were_read() -> None:
    """ansible: ``modules/systemd.py`` (imported by its unit test) and ``module_utils/.../systemd.py`` are
    both ``systemd``; a library module importing ``systemd`` must reach the same one whatever the order
    the scan's workers handed the files back in (it used to vary from run to run)."""
    from itertools import permutations

    from ssot.scope import TestScope, helpers_from_imports

    imports = {
        "lib/ansible/modules/systemd.py": [],
        "lib/ansible/module_utils/facts/system/systemd.py": [],
        "lib/ansible/plugins/service.py": ["systemd"],
        "test/units/modules/test_systemd.py": ["ansible.modules.systemd", "lib.ansible.modules.systemd"],
    }
    results = {helpers_from_imports(TestScope(), dict(order)) for order in permutations(imports.items())}
    assert len(results) == 1


def test_imports_found_on_every_line_shape() -> None:
    """The import patterns are searched from the newline before each line: the first line, a line after a
    parenthesised import spanning lines, CRLF endings and a last line without a newline all count."""
    from ssot.scanner.bindings import module_bindings

    src = "import first\r\nfrom p.q import (a,\n    b)\nimport after_parens\nX = 1\n    import indented\nimport last"
    assert imported_modules(src) == {"first", "p.q", "p.q.a", "p.q.b", "after_parens", "indented", "last"}
    bound = module_bindings(src)
    assert [name for name, _ in bound] == ["first", "a", "b", "after_parens", "X", "indented", "last"]
    assert dict(bound)["a"] == "from:p.q:a" and dict(bound)["X"].startswith("=")
    assert [name for name, _ in module_bindings("Y: int = 2\nimport z")] == ["Y", "z"]
