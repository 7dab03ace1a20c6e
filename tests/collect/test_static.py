"""The static half of "tests that never run": what the files define, read without importing them."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from ssot.collect.static import analyse_tree, may_hide_tests, module_imports, nested_test_lines, unmatched_test_files

from .conftest import Suite

CLASSES, FUNCS = ["Test"], ["test"]


def facts_of(src: str):  # type: ignore[no-untyped-def]
    text = textwrap.dedent(src)
    return analyse_tree(ast.parse(text), "t.py", CLASSES, FUNCS, text)


def test_tests_nested_in_a_helper_init_are_hidden() -> None:
    f = facts_of("""\
        class TestConn:
            def __init__(self):
                self.x = 1

                def test_one():
                    assert True

                async def test_two():
                    assert True

        def test_top():
            pass
        """)
    (c,) = f.classes
    assert c.has_init and not c.test_methods
    assert [(n, ln, ct) for n, ln, ct in c.hidden_tests] == [
        ("test_one", 5, "TestConn.__init__"),
        ("test_two", 8, "TestConn.__init__"),
    ]
    assert f.module_tests == [("test_top", 11)]
    assert f.defined_tests == 3


def test_a_test_factory_that_hands_its_function_out_is_not_hidden() -> None:
    f = facts_of("""\
        def make():
            def test_generated():
                pass
            return test_generated

        test_a = make()

        def outer():
            def test_lost():
                pass
        """)
    assert f.nested == [("test_lost", 9, "outer")]


def test_class_facts_init_params_inheritance_dunder_test_and_testcase() -> None:
    f = facts_of("""\
        import unittest

        class Base:
            def __init__(self, db):
                self.db = db

        class TestChild(Base):
            def test_x(self):
                pass

        class TestReal:
            __test__ = False
            def __init__(self):
                pass

        class TestCaseStyle(unittest.TestCase):
            def __init__(self, *a, **k):
                super().__init__(*a, **k)
            def test_y(self):
                pass

        if True:
            class TestInIf:
                def __init__(self, a, *, b=1):
                    pass
                def test_z(self):
                    pass
        """)
    c = {x.name: x for x in f.classes}
    assert c["Base"].init_params == ["db"] and not c["Base"].name_matches
    assert c["TestChild"].has_init and c["TestChild"].init_line is None  # inherited from a class of this file
    assert c["TestReal"].dunder_test is False
    assert c["TestCaseStyle"].is_testcase
    assert c["TestInIf"].init_params == ["a", "b"] and c["TestInIf"].test_methods == [("test_z", 26)]


def test_nested_classes_have_qualnames() -> None:
    f = facts_of("""\
        class TestOuter:
            class TestInner:
                def __init__(self):
                    pass
                def test_a(self):
                    pass
        """)
    assert [c.qualname for c in f.classes] == ["TestOuter", "TestOuter.TestInner"]


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        ("def test_a():\n    pass\n\nclass TestA:\n    def test_b(self):\n        pass\n", False),
        ("class TestA:\n    def __init__(self):\n        pass\n", True),
        ("class Helpers:\n    def test_b(self):\n        pass\n", True),
        ("def f():\n    def test_b():\n        pass\n", True),
        ("class TestA:\n    def setup_method(self):\n        def inner():\n            pass\n", False),
    ],
)
def test_the_cheap_pass(src: str, expected: bool) -> None:
    assert may_hide_tests(src, CLASSES, FUNCS) is expected


def test_nested_test_lines() -> None:
    src = (
        "class A:\n    def __init__(self):\n        def test_x():\n            pass\n"
        "    def test_m(self):\n        pass\n"
    )
    assert nested_test_lines(src, FUNCS) == [3]


def test_module_imports() -> None:
    src = (
        "import os, app.backend as b\nfrom app import analytics, x as y  # noqa\nfrom . import rel\n    import inner\n"
    )
    assert module_imports(src) == {"os", "app.backend", "app", "app.analytics", "app.x"}


def test_the_cheap_pass_never_misses_what_the_full_pass_finds(small_suite: Suite) -> None:
    """On every file of a generated suite, anything ast finds hidden, the regular expression flagged."""
    root, _ = small_suite
    flagged = 0
    for path in sorted(root.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        facts = analyse_tree(ast.parse(text), str(path), CLASSES, FUNCS)
        hides = bool(facts.nested) or any(
            c.hidden_tests or (c.name_matches and (c.has_init or c.has_new)) or (c.test_methods and not c.name_matches)
            for c in facts.classes
        )
        if hides:
            flagged += 1
            assert may_hide_tests(text, CLASSES, FUNCS), path
        full = analyse_tree(ast.parse(text), str(path), CLASSES, FUNCS, text)  # the fast path agrees
        assert [c.hidden_tests for c in full.classes] == [c.hidden_tests for c in facts.classes]
        assert full.nested == facts.nested
    assert flagged >= 3


def test_unmatched_test_files(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "check_auth.py").write_text("def test_login():\n    assert 1\n", encoding="utf-8")
    (tmp_path / "tests" / "typing_example.py").write_text(  # attrs' mypy example: `test` is no test
        "import attr\n\ndef test(cls: type) -> None:\n    attr.resolve_types(cls)\n", encoding="utf-8"
    )
    (tmp_path / "tests" / "checks.py").write_text("import pytest\n\ndef test_b():\n    pass\n", encoding="utf-8")
    (tmp_path / "tests" / "helpers.py").write_text("class TestHelper:\n    pass\n", encoding="utf-8")
    (tmp_path / "tests" / "test_ok.py").write_text("def test_ok():\n    pass\n", encoding="utf-8")
    found = unmatched_test_files(tmp_path, ["tests"], {"tests/test_ok.py"}, ["test_*.py"], FUNCS, CLASSES)
    assert [(p, f.module_tests) for p, f in found] == [
        ("tests/check_auth.py", [("test_login", 1)]),
        ("tests/checks.py", [("test_b", 3)]),
    ]


EDGE_CASES = {
    "decorated and separated by comments": (
        "import pytest\n\n@pytest.mark.x\nclass TestA:\n# a column-0 comment inside the class\n"
        "    def __init__(self):\n        def test_hidden():\n            pass\n\n\ndef test_top():\n    pass\n"
    ),
    "class inside an if": "import sys\nif sys:\n    class TestB:\n        def __init__(self):\n            pass\n",
    "string at column 0 inside the class": (
        'class TestC:\n    DOC = """\nnot code\n"""\n    def __init__(self):\n        pass\n'
        "    def test_m(self):\n        pass\n"
    ),
    "closing bracket at column 0": (
        "class TestD:\n    X = dict(\n)\n    def __init__(self):\n        pass\n"
        "class Mixed:\n    def test_unmatched(self):\n        pass\n"
    ),
}


@pytest.mark.parametrize("name", sorted(EDGE_CASES))
def test_partial_parse_agrees_with_the_full_parse(tmp_path: Path, name: str) -> None:
    from ssot.collect.static import read_facts

    text = EDGE_CASES[name]
    (tmp_path / "t.py").write_text(text, encoding="utf-8")
    fast, _, err = read_facts(tmp_path, "t.py", CLASSES, FUNCS, False)
    full, _, err2 = read_facts(tmp_path, "t.py", CLASSES, FUNCS, True)
    assert err is None and err2 is None and fast is not None and full is not None

    def hidden(f):  # type: ignore[no-untyped-def]
        return [
            (c.qualname, c.line, c.has_init, c.test_methods, c.hidden_tests)
            for c in f.classes
            if c.hidden_tests or (c.has_init and c.name_matches) or (c.test_methods and not c.name_matches)
        ]

    assert hidden(fast) == hidden(full)
    assert fast.nested == full.nested


def test_partial_parse_agrees_on_a_generated_suite(small_suite: Suite) -> None:
    from ssot.collect.static import read_facts

    root, _ = small_suite
    partial = 0
    for path in sorted(root.rglob("test_*.py")):
        rel = str(path.relative_to(root))
        fast, _, _ = read_facts(root, rel, CLASSES, FUNCS, False)
        full, _, _ = read_facts(root, rel, CLASSES, FUNCS, True)
        assert fast is not None and full is not None
        partial += fast.partial
        for c in full.classes:
            if c.hidden_tests or (c.has_init and c.name_matches):
                twin = fast.cls(c.name, c.line)
                assert twin is not None and (twin.hidden_tests, twin.test_methods) == (c.hidden_tests, c.test_methods)
        assert fast.base_names == full.base_names
    assert partial > 10


def test_registered_returned_or_used_nested_functions_are_not_lost_tests() -> None:
    f = facts_of("""\
        import pytest

        def create_app():
            app = Flask(__name__)

            @app.route("/test")
            def test_view():
                return "ok"

            @app.errorhandler(500)
            def test_error(e):
                return "boom"

            def test_callback():
                pass
            app.add_url_rule("/cb", view_func=test_callback)
            return app

        def make_suite():
            class TestGenerated:
                def test_a(self):
                    pass
            return TestGenerated

        def install():
            global test_installed
            def test_installed():
                pass

        def namespace():
            def test_in_locals():
                pass
            return locals()

        def still_lost():
            @pytest.mark.slow
            def test_marked():
                pass

            class TestForgotten:
                def test_b(self):
                    pass

            def helper():
                def test_deep():
                    pass
        """)
    assert f.nested == [
        ("test_marked", 37, "still_lost"),
        ("test_b", 41, "still_lost"),
        ("test_deep", 45, "still_lost"),
    ]


def test_fixtures_named_test_are_not_tests() -> None:
    f = facts_of("""\
        import pytest
        from pytest import fixture

        @pytest.fixture
        def test_user():
            return "u"

        @fixture(scope="session")
        def test_db():
            return "db"

        def test_real(test_user):
            assert test_user

        class TestThings:
            @pytest.fixture(autouse=True)
            def test_setup(self):
                pass

            def test_x(self):
                pass

        def helper():
            @pytest.fixture
            def test_nested_fixture():
                pass
        """)
    assert f.module_tests == [("test_real", 12)]
    assert f.classes[0].test_methods == [("test_x", 20)]
    assert f.nested == []


@pytest.mark.parametrize(
    ("src", "made"),
    [
        ("from dataclasses import dataclass\n@dataclass\nclass TestConfig:\n    x: int = 1\n", "@dataclass"),
        ("import dataclasses\n@dataclasses.dataclass(frozen=True)\nclass TestConfig:\n    x: int = 1\n",
         "@dataclasses.dataclass"),
        ("import attr\n@attr.s\nclass TestConfig:\n    x = attr.ib()\n", "@attr.s"),
        ("from typing import NamedTuple\nclass TestPoint(NamedTuple):\n    x: int\n", "NamedTuple"),
        ("import enum\nclass TestKind(enum.Enum):\n    A = 1\n", "Enum"),
        ("class TestFailure(Exception):\n    pass\n", "Exception"),
        ("class Base(ValueError):\n    pass\nclass TestFailure(Base):\n    pass\n", "ValueError"),
        ("from dataclasses import dataclass\n@dataclass(init=False)\nclass TestConfig:\n    x: int = 1\n", None),
        ("class TestPlain:\n    x = 1\n", None),
    ],
)
def test_constructors_a_class_gets_without_writing_them(src: str, made: str | None) -> None:
    f = facts_of(src)
    assert f.classes[-1].generated_ctor == made
