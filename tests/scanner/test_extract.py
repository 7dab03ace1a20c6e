"""Extraction of units from one file: the chunked fast path, the whole-file slow path, syntax errors."""

from __future__ import annotations

import ast
import itertools
import textwrap
from pathlib import Path

import pytest

from ssot.scanner.extract import Extractor, _SlowPath
from ssot.scanner.units import Unit, walk_units

SOURCE = '''\
"""A test module with every kind of unit."""
import pytest


@pytest.fixture
def user_context():
    """Isolated user execution context."""
    context = {"user_id": "user-1"}
    context["run_id"] = "run-1"
    return context


class Outer:
    limit = 3

    class Inner:
        def value(self):
            return 1

    def method(self):
        def helper():
            return 2
        return helper()


async def fetch(client):
    await client.get()
    return client


def make_message(kind):
    return {"type": kind}


@pytest.fixture
def ws():
    class TestWebSocketConnection:
        def __init__(self):
            self.messages_sent = []

    return TestWebSocketConnection()


def test_uses_a_local_class():
    class Local:
        pass

    assert Local


@decorator
@other(1)
def decorated(a):
    return a


class TestThings:
    def test_one(self):
        assert True

    def helper(self):
        return 1
'''


def extract(src: str) -> list[Unit]:
    result = Extractor().extract(textwrap.dedent(src))
    assert result.error is None, result.error
    return result.units


def slow(src: str) -> list[Unit]:
    """The units a plain whole-file parse gives (the reference for the chunked path)."""
    return walk_units(ast.parse(textwrap.dedent(src)).body, {})


def by_qualname(units: list[Unit]) -> dict[str, Unit]:
    return {u.qualname: u for u in units}


def test_units_qualnames_kinds_and_lines() -> None:
    units = extract(SOURCE)
    got = [(u.qualname, u.kind, u.line, u.start_line, u.end_line, u.nested, u.parent) for u in units]
    assert got == [
        ("user_context", "fixture", 6, 5, 10, False, ""),
        ("Outer", "class", 13, 13, 23, False, ""),
        ("Outer.Inner", "class", 16, 16, 18, True, "Outer"),
        ("Outer.Inner.value", "method", 17, 17, 18, True, "Outer.Inner"),
        ("Outer.method", "method", 20, 20, 23, True, "Outer"),
        ("Outer.method.<locals>.helper", "function", 21, 21, 22, True, "Outer.method"),
        ("fetch", "function", 26, 26, 28, False, ""),
        ("make_message", "function", 31, 31, 32, False, ""),
        ("ws", "fixture", 36, 35, 41, False, ""),
        ("ws.<locals>.TestWebSocketConnection", "class", 37, 37, 39, True, "ws"),
        ("ws.<locals>.TestWebSocketConnection.__init__", "method", 38, 38, 39, True,
         "ws.<locals>.TestWebSocketConnection"),
        ("test_uses_a_local_class", "test", 44, 44, 48, False, ""),
        ("test_uses_a_local_class.<locals>.Local", "class", 45, 45, 46, True, "test_uses_a_local_class"),
        ("decorated", "function", 53, 51, 54, False, ""),
        ("TestThings", "class", 57, 57, 62, False, ""),
        ("TestThings.test_one", "test", 58, 58, 59, True, "TestThings"),
        ("TestThings.helper", "method", 61, 61, 62, True, "TestThings"),
    ]


def test_trivial_bodies_and_free_names() -> None:
    units = by_qualname(extract(SOURCE))
    assert units["test_uses_a_local_class.<locals>.Local"].trivial  # only pass: never a copy
    assert not units["make_message"].trivial
    assert units["ws"].free == ("pytest",)  # the decorator's name; the local class is bound inside
    assert units["fetch"].free == ()  # client is a parameter


def test_flags_async_init_and_test_methods() -> None:
    units = by_qualname(extract(SOURCE))
    assert units["fetch"].is_async and not units["make_message"].is_async
    assert units["ws.<locals>.TestWebSocketConnection"].has_init
    assert not units["Outer"].has_init
    assert units["TestThings"].test_methods == 1
    assert units["Outer"].test_methods == 0


def test_async_fixture_and_fixture_call_decorators() -> None:
    units = by_qualname(extract('''\
        import pytest
        import pytest_asyncio


        @pytest_asyncio.fixture
        async def session():
            yield 1


        @pytest.fixture(scope="module", autouse=True)
        def env():
            return {}


        @fixture
        def bare():
            return 2
        '''))
    assert {q: (u.kind, u.is_async, u.line, u.start_line) for q, u in units.items()} == {
        "session": ("fixture", True, 6, 5),
        "env": ("fixture", False, 11, 10),
        "bare": ("fixture", False, 16, 15),
    }


def test_own_lines_count_code_lines_only() -> None:
    units = by_qualname(extract('''\
        class Outer:
            a = 1

            # a comment is not code

            class Inner:
                b = 2
                c = 3
                d = 4

            def method(self):
                return self.a
        '''))
    # every code line, nested ones too: the comment and blank lines do not count
    assert units["Outer"].own_lines == 8
    assert units["Outer.Inner"].own_lines == 4


def test_fast_path_is_used_and_agrees_with_a_whole_file_parse() -> None:
    ex = Extractor()
    assert ex._by_chunks(SOURCE) == slow(SOURCE)


@pytest.mark.parametrize("src", [
    # a column-0 line inside a triple-quoted string
    '''\
    class Helper:
        template = """
    class NotAUnit:
        pass
    """

        def render(self):
            return self.template


    def test_x():
        assert Helper().render()
    ''',
    # a column-0 line inside a bracket
    '''\
    VALUES = [
    1, 2, 3]


    def helper(values):
        return sum(values)
    ''',
    # a column-0 line inside a string in a test body, then a unit
    '''\
    def test_text():
        text = """
    def fake():
        pass
    """
        assert text


    def real(a):
        return a
    ''',
])
def test_slow_path_gives_the_same_units(src: str) -> None:
    src = textwrap.dedent(src)
    with pytest.raises(_SlowPath):
        Extractor()._by_chunks(src)
    units = extract(src)
    assert units == slow(src)
    assert "NotAUnit" not in {u.name for u in units} and "fake" not in {u.name for u in units}


def test_chunked_path_agrees_with_a_whole_file_parse_on_a_suite(default_suite: tuple[Path, dict]) -> None:
    suite, _ = default_suite
    ex = Extractor()
    files = sorted(suite.rglob("*.py"))
    assert len(files) > 400
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert ex.extract(text).units == walk_units(ast.parse(text).body, {}), path


@pytest.mark.parametrize(("src", "line", "message"), [
    ("def helper(a):\n    return a\n\n\ndef test_x(:\n    pass\n", 5, "invalid syntax"),
    ("import os\n\n\ndef test_x():\n    x = 1\n    y = (1 2)\n", 6, "syntax"),
    ("def test_x():\n    assert f\"{}\" == ''\n", 2, "f-string"),
    ("def test_x():\n    assert 0777 == 511\n", 2, "leading zeros"),
    ("def test_x():\n    assert 0b2 == 2\n", 2, "binary"),
    ("def test_x():\n    assert '\\N{NO SUCH NAME}'\n", 2, "unicode"),
    ("def test_x():\n    assert b'\u00e9'\n", 2, "bytes"),
    ("def test_x():\n    assert \u0663 == 3\n", 2, "invalid character"),
    ("def test_x():\n    assert 1" + "0" * 5000 + "\n", 2, ""),
    ("def test_x():\n    text = '''never closed\n    assert text\n", 2, "unterminated"),
    ("class Helper:\n    def m(self):\n        return [1,\n\n\ndef test_y():\n    pass\n", 3, ""),
    ("X = 1\n\nif X:\n    pass\nelse\n    pass\n", 5, ""),
])
def test_syntax_errors_anywhere_are_reported_with_their_line(src: str, line: int, message: str) -> None:
    error = Extractor().extract(src).error
    assert error is not None
    reason, at = error
    assert reason.startswith("syntax error") and message in reason
    assert at == line


def test_a_memoised_valid_shape_does_not_hide_an_error() -> None:
    """The syntax-check memo is keyed on a normalised text: an invalid file must not share a valid key."""
    ex = Extractor()
    # (statements outside definitions are the ones only checked: definitions are parsed)
    ok = ex.extract("if A:\n    assert f'{1}' == '1'\n    assert 10 == 10\n    s = 'x'\n")
    assert ok.error is None
    for bad in ("if B:\n    assert f'{}' == '1'\n    assert 10 == 10\n    s = 'x'\n",
                "if C:\n    assert f'{1}' == '1'\n    assert 010 == 10\n    s = 'x'\n",
                "if D:\n    assert f'{1}' == '1'\n    assert 10 == 10\n    s = b'\u00e9'\n"):
        assert ex.extract(bad).error is not None, bad
    # and the memo still hits for copies that differ only in literals and comments
    before = len(ex._compiles)
    for i in range(20):
        ex.extract(f"if X:\n    assert {i + 1} == {i + 1}  # case {i}\n    s = 'v{i}'\n")
    assert len(ex._compiles) - before == 1


def test_memoised_units_are_identical_at_any_line_offset() -> None:
    helper = '''\
        class TestWebSocketConnection:
            def __init__(self):
                self.messages_sent = []

            async def send_json(self, message):
                self.messages_sent.append(message)
        '''
    helper = textwrap.dedent(helper)
    one = "import asyncio\n\n\n" + helper + "\n\ndef test_a():\n    assert True\n"
    two = '"""Docs."""\nimport asyncio\nimport json\n\nX = 1\n\n\n' + helper + "\n\nY = 2\n"
    ex = Extractor()
    first, second = ex.extract(one).units, ex.extract(two).units
    assert len(ex._parsed) == 2  # the helper was parsed once (the second file hit the memo), and test_a
    assert [u.moved(4) for u in first if u.kind != "test"] == second
    assert first[0].line == 4 and second[0].line == 8
    # and the same as a fresh extractor would find
    assert Extractor().extract(two).units == second == slow(two)


def _valid(src: str) -> bool:
    try:
        compile(src, "<chunk>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


def test_normalisation_keeps_validity_under_random_edits() -> None:
    """Differential check of the memo key: a normalised chunk is valid exactly when the chunk is."""
    import random
    import warnings

    from ssot.scanner.extract import _normalise, _starts

    rng = random.Random(20240611)
    text = SOURCE + textwrap.dedent('''\
        def test_strings():
            data = {"type": "agent_started", 'n': 4521}  # it's a comment with "quotes"
            assert data["n"] == 4521 and f"{data['n']}" == "4521"
            assert """triple""" + '' + "x" == 'triplex'
            assert b"raw" and r"\\d" and 1.5e3 and 0x1F and 1_000


        def test_numbers():
            assert [10, 20][0] == 10
        ''')
    starts = _starts(text)
    chunks = [text[a:b] for a, b in itertools.pairwise(starts)]
    pieces = ['"', "'", '"""', "'''", "\\", "f", "b", "0", "7", "#", "(", ")", "\n", " ",
              "{", "}", ".", "\u0663"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(3000):
            chunk = rng.choice(chunks)
            for _ in range(rng.randint(1, 3)):
                k = rng.randrange(len(chunk) + 1)
                if rng.random() < 0.6:
                    chunk = chunk[:k] + rng.choice(pieces) + chunk[k:]
                else:
                    chunk = chunk[:k] + chunk[k + rng.randint(1, 3):]
            assert _valid(_normalise(chunk)) == _valid(chunk), chunk


FUZZ_BASE = '''\
import pytest


def test_strings():
    data = {"type": "agent_started", 'n': 4521}  # it's a comment with "quotes"
    assert data["n"] == 4521 and "x" + 'y' == "xy"
    s = """multi
    line""" + "tail"


def test_numbers(user_context):
    assert [10, 20][0] == 10
    text = "a # not a comment"
    assert text


@pytest.mark.parametrize("value", [1, 2])
def test_param(value):
    assert value
'''


def test_files_python_rejects_are_exactly_the_files_reported_under_random_edits() -> None:
    """End to end over both normalisations (whole-file fast, per-chunk careful) and both paths."""
    import random
    import warnings

    rng = random.Random(7)
    bases = [FUZZ_BASE, FUZZ_BASE.replace('"', "'")]
    pieces = ['"', "'", '"""', "'''", "\\", "f", "b", "0", "7", "#", "(", ")", "\n", " ", "{", "}", ".",
              "\n    ", '""', "''"]
    ex = Extractor()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(3000):
            text = rng.choice(bases)
            for _ in range(rng.randint(1, 4)):
                k = rng.randrange(len(text) + 1)
                if rng.random() < 0.6:
                    text = text[:k] + rng.choice(pieces) + text[k:]
                else:
                    text = text[:k] + text[k + rng.randint(1, 3):]
            try:
                ast.parse(text)
                valid = True
            except (SyntaxError, ValueError):
                valid = False
            assert (ex.extract(text).error is None) == valid, text


def test_code_nested_as_deeply_as_ast_parse_copes_with_is_fingerprinted() -> None:
    chain = " + ".join(["1"] * 600)  # ast.parse copes; so does the one-pass fingerprint
    src = f"def helper():\n    x = {chain}\n    return x\n\n\ndef test_a():\n    assert helper()\n"
    ast.parse(src)
    ex = Extractor().extract(src)
    assert ex.error is None and [u.qualname for u in ex.units] == ["helper", "test_a"]


def test_newer_grammar_is_scanned_and_real_errors_still_reported() -> None:
    newer = (
        "type Pair = tuple[int, int]\n\n\n"
        "def first[T](xs: list[T]) -> T:\n"
        "    d = {'a': 1}\n"
        "    label = f\"{d[\"a\"]} of {len(xs)}\"\n"
        "    note = t\"first {label}\"\n"
        "    return xs[0], note\n\n\n"
        "class Box[T]:\n"
        "    def get(self) -> T:\n"
        "        return self.value\n"
    )
    ex = Extractor().extract(newer)
    assert ex.error is None
    assert [(u.qualname, u.line) for u in ex.units] == [("first", 4), ("Box", 11), ("Box.get", 12)]
    for bad in ("def f():\n    return f'{}'\n", "def f[T](x):\n    return (x\n"):
        error = Extractor().extract(bad).error
        assert error is not None and error[0].startswith("syntax error"), bad
