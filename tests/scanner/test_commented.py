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


def comment_in_place(src: str, tag: str = "") -> str:
    """Comment each line out at its own indentation (``    # def m(self):``), as editors and people do."""
    out = []
    for line in src.splitlines():
        body = line.lstrip(" ")
        out.append(line[: len(line) - len(body)] + "# " + tag + body if body else "")
    return "\n".join(out) + "\n"


def digest_of(src: str) -> str:
    import ast

    from ssot.scanner.fingerprint import fingerprint

    return fingerprint(ast.parse(src).body[0]).digest


@pytest.mark.parametrize("tag", ["", "OLD: ", "REMOVED_SYNTAX_ERROR: "])
def test_hash_after_the_indentation_keeps_methods_inside_their_class(tag: str) -> None:
    text = "import asyncio\n\n" + comment_in_place(HELPER, tag) + "\n\ndef test_x():\n    pass\n"
    [(line, end, name, kind, digest)] = find_commented(text, {})
    assert (line, end, name, kind) == (3, 2 + len(HELPER.splitlines()), "TestWebSocketConnection", "class")
    assert digest == digest_of(HELPER)  # the same class, methods at their place, not at the class's level


def test_method_commented_out_in_its_class_at_column_zero_and_in_place() -> None:
    method = "    def get_messages(self) -> list:\n        return self.messages_sent.copy()\n"
    at_zero = "\n".join("#" + ln for ln in method.splitlines()) + "\n"
    in_place = comment_in_place(method)
    for commented in (at_zero, in_place):
        text = "class Holder:\n    x = 1\n\n    # TODO: bring back\n" + commented + "\n    y = 2\n"
        assert found(text) == [(5, 6, "get_messages", "function")], commented


def test_partial_copy_cut_in_the_middle_of_a_statement_is_still_a_copy() -> None:
    text = '''\
        # NOT YET WORKING
        # def fake_glob(path):
        #     if path == 'test/*':
        #         return ['test/foo', 'test/bar']
        #     elif path == 'test/*/*'
        # m._paths = None
    '''
    assert found(text) == [(2, 4, "fake_glob", "function")]


@pytest.mark.parametrize("text", [
    # Sphinx doc comments, code example included
    "#: Transform a value into text.  Example::\n#:\n#:     def helper(x):\n#:         return str(x)\nto_text = str\n",
    "class A:\n    #: the default class used\n    #: def make(self): return Holder()\n    default = None\n",
    # an illustration inside an explanation
    "# Consider the models\n# are:\n#\n#     class Target(models.Model):\n#         model = models.IntegerField()\n"
    "#\n#     class Model(models.Model):\n#         foreign = models.ForeignKey(Target)\nx = 1\n",
    "# decorators apply in order, e.g.\n#    @first\n#    @second\n#    def func():\n#        return call()\nx = 1\n",
    "# we assume this holds, for example when\n# the name is imported:\n# class Model(BaseModel):\n"
    "#   x: SomeAlias\nx = 1\n",
    "# A special case, Ex:\n# class MyModel(RootModel, Generic[T]):\n#    root: T\n# Should instead just be:\n"
    "# class MyModel(RootModel[T]):\n#   root: T\nx = 1\n",
    # sketches: a body of only pass, ... or a docstring
    "# if TYPE_CHECKING:\n#    def __getattr__(key: str) -> ModuleType:\n#        ...\n",
    "#TODO\n#def plot_beam():\n#    \"\"\"Plot the beam radius.\"\"\"\n#    pass\n",
    "# class NotRegistered(Exception):\n#     \"\"\"The model is not registered.\"\"\"\n",
    # a license header
    "# Copyright (c) 2012, Michael DeHaan\n# GNU General Public License v3.0+ (see COPYING)\n"
    "# You may not use this class of software except under the License.\n",
])
def test_doc_comments_illustrations_sketches_and_licenses_are_not_code(text: str) -> None:
    assert found(text) == []


@pytest.mark.parametrize("text, line", [
    # a note above code put aside, even one ending in ':' at the code's own indentation
    ("# RemovedInDjango60Warning: when the deprecation ends, replace with:\n# def save(self, **kwargs):\n"
     "#   super().save(**kwargs)\ndef save(self, *args, **kwargs):\n    super().save(*args, **kwargs)\n", 2),
    # prose mentioning an example, but a real blank line before the code
    ("class P:\n    # See test_extensions() for an example of how this might look.\n\n"
     "    # def _print_ForAll(self, e):\n    #     return self._s('forall', e.limits)\n\n    x = 1\n", 4),
    ("# todo: make smtlib_code support arrays\n# def test_containers():\n#     assert code([1]) == 'Any[1]'\n", 2),
])
def test_code_put_aside_under_a_note_is_reported(text: str, line: int) -> None:
    assert [hit[0] for hit in found(text)] == [line]


def test_scan_links_a_copy_commented_out_in_place_to_its_family(tmp_path: Path) -> None:
    result = scan_tree(tmp_path, {
        "tests/test_a.py": HELPER,
        "tests/test_b.py": HELPER,
        "tests/test_c.py": "import asyncio\n\n" + comment_in_place(HELPER),
    })
    [family] = result.families
    assert [(c.path, c.line, c.family) for c in result.commented_out] == [("tests/test_c.py", 3, family.id)]


def test_class_whose_methods_lost_their_indentation_gets_them_back() -> None:
    lost = "\n".join("# " + ln[4:] if ln.startswith("    ") else "# " + ln for ln in HELPER.splitlines()) + "\n"
    assert "# def __init__(self):" in lost  # methods at the class's level
    text = "import asyncio\n\n" + lost + "\nx = 1\n"
    [(line, end, name, kind, digest)] = find_commented(text, {})
    assert (line, end, name, kind) == (3, 2 + len(HELPER.splitlines()), "TestWebSocketConnection", "class")
    assert digest == digest_of(HELPER)
