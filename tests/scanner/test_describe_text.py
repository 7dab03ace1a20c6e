"""Describing compares statements by their source text first, and node by node only those whose text
differs: the words must be those a comparison of the dumps gives (``ast.dump`` equality is the reference,
which the node comparison is held to below)."""

from __future__ import annotations

import ast
import re
import textwrap
from pathlib import Path

import pytest

from ssot.model import Fingerprint
from ssot.scanner import describe


def _fp(digest: str, source: str, kind: str = "function") -> Fingerprint:
    return Fingerprint(digest, kind, textwrap.dedent(source).strip() + "\n", 1, (), frozenset())  # type: ignore[arg-type]


def _by_dumps(a: Fingerprint, b: Fingerprint, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """``differences`` as it is without the text shortcut (every comparison node by node)."""
    with monkeypatch.context() as m:
        m.setattr(describe, "_same_text", lambda x, y: False)
        describe._parsed.clear()
        return describe.differences(a, b)


CASES = {
    # a nested definition whose decorator differs: its own position is its def line, the same text
    "nested decorator": ('''
        def test_one(self):
            @permission_required({"a", "b"})
            def view(request):
                return 1
            assert view(self.request) == 1
        ''', '''
        def test_one(self):
            @permission_required(["a", "b", "c"])
            def view(request):
                return 1
            assert view(self.request) == 1
        '''),
    "literal only": ('''
        def f(x):
            y = x + 1
            return y * 2
        ''', '''
        def f(x):
            y = x + 1
            return y * 3
        '''),
    "same code, other formatting": ('''
        def f(x):
            y = (x +
                 1)
            return y
        ''', '''
        def f(x):
            y = x + 1
            return y
        '''),
    "more statements": ('''
        def f(x):
            y = x + 1
            return y
        ''', '''
        def f(x):
            y = x + 1
            print(y)
            return y
        '''),
    "docstring differs, the rest the same": ('''
        def f(x):
            """One."""
            if x:
                return 1
            return 2
        ''', '''
        def f(x):
            """Two."""
            if x:
                return 1
            return 3
        '''),
}

CLASS_CASES = {
    "method decorators": ('''
        class Client:
            def __init__(self):
                self.sent = []

            @property
            def last(self):
                return self.sent[-1]
        ''', '''
        class Client:
            def __init__(self):
                self.sent = []

            @cached_property
            def last(self):
                return self.sent[-1]
        '''),
    "a method that differs deep inside": ('''
        class Client:
            def send(self, m):
                for x in m:
                    if x:
                        self.sent.append(x)
        ''', '''
        class Client:
            def send(self, m):
                for x in m:
                    if x:
                        self.sent.append(x + 1)
        '''),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_function_words_are_those_of_the_dumps(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = (_fp(f"d{k}", src) for k, src in enumerate(CASES[name]))
    expected = _by_dumps(a, b, monkeypatch)
    describe._parsed.clear()
    assert describe.differences(a, b) == expected
    assert expected  # (each case differs somehow)


@pytest.mark.parametrize("name", sorted(CLASS_CASES))
def test_class_words_are_those_of_the_dumps(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = (_fp(f"c{k}", src, "class") for k, src in enumerate(CLASS_CASES[name]))
    expected = _by_dumps(a, b, monkeypatch)
    describe._parsed.clear()
    assert describe.differences(a, b) == expected
    assert describe.is_superset(a, b) is False


def test_the_nested_decorator_is_seen() -> None:
    a, b = (_fp(f"n{k}", src) for k, src in enumerate(CASES["nested decorator"]))
    describe._parsed.clear()
    assert describe.differences(a, b) == ["body of it differs (1 statement(s))"]


def test_the_same_text_is_the_same_node() -> None:
    a, b = (_fp(f"s{k}", "def f(x):\n    return x\n") for k in range(2))
    describe._parsed.clear()
    na, nb = describe._parse(a), describe._parse(b)
    assert isinstance(na, ast.FunctionDef) and isinstance(nb, ast.FunctionDef)
    assert describe._same_text(na.body[0], nb.body[0])
    assert describe._same(na, nb)


def test_the_same_change_in_many_methods_is_one_difference_with_its_count() -> None:
    methods = "".join(f"\n    def test_{k}(self):\n        load(self.session, 'selectin', {k})\n" for k in range(5))
    a = _fp("m0", "class EagerTest(Base):" + methods, "class")
    b = _fp("m1", "class EagerTest(Base):" + methods.replace("'selectin'", "'subquery'")
            + "\n    def test_extra(self):\n        return 1\n", "class")
    describe._parsed.clear()
    assert describe.differences(a, b) == ["adds method test_extra", "literal 'selectin' is 'subquery' here (5 times)"]


def test_the_text_report_shows_the_first_differences_and_counts_the_rest() -> None:
    from ssot.model import EquivalenceClass
    from ssot.report.common import differences_text

    reference = EquivalenceClass("f/A", "d0", [])
    other = EquivalenceClass("f/B", "d1", [], differences=[f"adds method m{k}" for k in range(11)])
    assert differences_text(other, reference) == "; ".join(f"adds method m{k}" for k in range(11))
    assert differences_text(other, reference, 8) == (
        "; ".join(f"adds method m{k}" for k in range(8)) + "; and 3 more (--format json lists them all)")


_BLANKED = re.compile(r"Constant\((?:'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|[^()'\"])*\)")


def _statements() -> list[ast.AST]:
    """Statements and expressions of ssot's own scanner, and some whose constants differ only in type, sign
    or kind (``1`` and ``True``, ``0.0`` and ``-0.0``, ``'a'`` and ``u'a'``)."""
    out: list[ast.AST] = []
    for path in sorted(Path(describe.__file__).parent.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        out.extend(n for n in ast.walk(tree) if isinstance(n, (ast.stmt, ast.expr)))
    for text in ("x = 1", "x = True", "x = 1.0", "x = 0.0", "x = -0.0", "x = 'a'", "x = u'a'", "x = b'a'",
                 "f(a, *b, k=1)", "f(a, *b, k=2)", "f(a, b, k=1)", "global a, b", "global a, c", "x: int = 1",
                 "x: str = 1", "del a[1:2]", "del a[1:3]", "lambda: (yield)", "[i for i in y if i]"):
        out.append(ast.parse(text).body[0])
    return out


def test_the_node_comparison_is_that_of_the_dumps() -> None:
    nodes = _statements()
    by_type: dict[type, list[ast.AST]] = {}
    for n in nodes:
        by_type.setdefault(type(n), []).append(n)
    pairs = [(a, b) for same in by_type.values() for a, b in zip(same, same[1:] + same[:1], strict=True)]
    pairs += [(a, a) for a in nodes[:500]] + list(zip(nodes, nodes[7:], strict=False))[:2000]
    assert len(pairs) > 5000
    exact = blind = 0
    for a, b in pairs:
        da, db = ast.dump(a, annotate_fields=False), ast.dump(b, annotate_fields=False)
        assert describe._equal(a, b, False) == (da == db), (da, db)
        assert describe._equal(a, b, True) == (_BLANKED.sub("C", da) == _BLANKED.sub("C", db)), (da, db)
        exact += da == db
        blind += _BLANKED.sub("C", da) == _BLANKED.sub("C", db)
    assert 0 < exact < blind < len(pairs)  # each answer was given both ways
