"""Commented-out copies: which comment runs are code, their lines, and the family they copy."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from ssot.scanner.commented import find_commented

from .conftest import scan_tree

HELPER = '''\
class TestWebSocketConnection:
    """Real WebSocket connection for testing instead of mocks."""

    def __init__(self):
        self.messages_sent = []
        self.is_connected = True
        self._closed = False

    async def send_json(self, message: dict):
        if self._closed:
            raise RuntimeError("WebSocket is closed")
        self.messages_sent.append(message)

    async def close(self, code: int = 1000):
        self._closed = True
        self.is_connected = False

    async def get_messages(self) -> list:
        return self.messages_sent.copy()
'''


UNRELATED = "def unrelated_helper(a, b):\n    total = a + b\n    return total * 2\n"


def comment_out(src: str, prefix: str = "# ", strip_trailing: bool = False) -> str:
    lines = [prefix + line for line in src.splitlines()]
    if strip_trailing:  # what an editor does to the blank lines of the copy
        lines = [line.rstrip() for line in lines]
    return "\n".join(lines) + "\n"


def found(text: str) -> list[tuple[int, int, str, str]]:
    return [(line, end, name, kind) for line, end, name, kind, _ in find_commented(textwrap.dedent(text), {})]


@pytest.mark.parametrize("prefix", ["# REMOVED_SYNTAX_ERROR: ", "# ", "#", "    # "])
@pytest.mark.parametrize("strip_trailing", [False, True])
def test_commented_copy_found_at_its_class_line(prefix: str, strip_trailing: bool) -> None:
    tail = "\n\ndef test_x():\n    pass\n"
    text = "import asyncio\n\n\n" + comment_out(HELPER, prefix, strip_trailing) + tail
    assert found(text) == [(4, 3 + len(HELPER.splitlines()), "TestWebSocketConnection", "class")]


def test_prose_line_above_a_prefixed_copy() -> None:
    text = "# Old helper, kept for reference until the migration lands\n" + comment_out(
        HELPER, "# REMOVED_SYNTAX_ERROR: ", strip_trailing=True)
    assert found(text) == [(2, 1 + len(HELPER.splitlines()), "TestWebSocketConnection", "class")]


def test_decorated_function_reports_the_def_line_and_kind() -> None:
    text = '''\
    import pytest

    # @pytest.fixture
    # def user_context():
    #     """Isolated user execution context."""
    #     return {"user_id": "user-1"}
    '''
    assert found(text) == [(4, 6, "user_context", "fixture")]


def test_two_definitions_in_one_run() -> None:
    text = '''\
    # def make_message(kind):
    #     return {"type": kind}
    #
    # class Registry:
    #     items = []
    '''
    assert found(text) == [(1, 2, "make_message", "function"), (4, 5, "Registry", "class")]


@pytest.mark.parametrize("text", [
    "# This class handles the connection; the def below is tested.\nx = 1\n",
    "# class Foo: this is what we used before\n# def bar(): see the docs\n",
    "# We define class attributes for each def in the class body.\n# class-level state is shared.\n",
    "x = 1  # class Foo: pass\n",
    "# TODO: def helper() should move to conftest\n#     (and class Bar too)\n",
    "#!/usr/bin/env python\n# The class of errors: def-use chains\n",
])
def test_prose_mentioning_class_or_def_is_never_reported(text: str) -> None:
    assert found(text) == []


def test_scan_links_exact_partial_and_variant_copies_to_their_family(tmp_path: Path) -> None:
    partial = "\n".join(HELPER.splitlines()[:12]) + "\n"  # __init__ and send_json only
    variant = HELPER.replace("messages_sent", "sent")
    prose = "# The class below replaces the old def-based helpers.\n# class names matter to pytest.\n"
    result = scan_tree(tmp_path, {
        "tests/test_a.py": "import asyncio\n\n\n" + HELPER,
        "tests/test_b.py": "import asyncio\n\n\n" + HELPER + "\n\ndef test_b():\n    pass\n",
        "tests/test_c.py": prose + "\n\n" + comment_out(HELPER, "# REMOVED_SYNTAX_ERROR: ", True),
        "tests/test_d.py": "import asyncio\n\n" + comment_out(partial),
        "tests/test_e.py": "x = 1\n" + comment_out(variant, "#"),
        "tests/test_f.py": comment_out(UNRELATED),
    })
    assert not result.skipped
    [family] = result.families
    where = {(c.path, c.line): c.family for c in result.commented_out}
    assert where == {
        ("tests/test_c.py", 5): family.id,
        ("tests/test_d.py", 3): family.id,
        ("tests/test_e.py", 2): family.id,
        ("tests/test_f.py", 1): None,
    }
    assert sorted((c.path, c.line) for c in family.commented) == [
        ("tests/test_c.py", 5), ("tests/test_d.py", 3), ("tests/test_e.py", 2)]
    assert {c.name for c in result.commented_out} == {"TestWebSocketConnection", "unrelated_helper"}
    noted = {(f.path, f.line) for f in result.findings if f.rule == "commented-out-copy"}
    assert noted == {("tests/test_c.py", 5), ("tests/test_d.py", 3), ("tests/test_e.py", 2)}


def test_comment_lines_inside_a_string_are_not_commented_out_code() -> None:
    text = (
        'TEMPLATE = """\n'
        + comment_out(HELPER)
        + '"""\n\n'
        + "# a comment mentioning \"\"\" before a real copy\n\n"
        + comment_out(UNRELATED)
        + "\n\ndef test_x():\n    '''Docs.\n\n"
        + comment_out("def in_docstring():\n    return 1\n", "    # ")
        + "    '''\n"
    )
    real = len(HELPER.splitlines()) + 6  # TEMPLATE line, the copy, """, blank, comment, blank
    assert found(text) == [(real, real + 2, "unrelated_helper", "function")]
