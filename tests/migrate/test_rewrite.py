"""The LibCST rewriters on hand-written sources: exact bytes in, exact bytes out."""

from __future__ import annotations

import ast

import libcst as cst
import pytest

from ssot.rewrite import member_file
from ssot.rewrite.canonical import CanonicalDef, build_module, extract_definition
from ssot.rewrite.member_file import CopyEdit, rewrite_file

MOD = "test_framework.ssot.conn"

SOURCE = b'''"""Tests."""
import asyncio
import json  # used only by the helper

import pytest


# keep this note: it is about the tests below
# (not about the helper)

# copied from elsewhere
class TestConn:
    def __init__(self):
        self.sent = []

    async def send(self, m):
        self.sent.append(json.dumps(m))
        await asyncio.sleep(0)


@pytest.fixture
def conn():
    class TestConn:
        def __init__(self):
            self.sent = []

    return TestConn()


def test_a():
    c = TestConn()
    asyncio.run(c.send({"a": 1}))
    assert c.sent == ['{"a": 1}']
'''


def test_top_level_copy_becomes_an_import_and_its_only_import_goes() -> None:
    edit = CopyEdit("TestConn", "TestConn", 12, "import", MOD, "TestConn")
    out = rewrite_file(SOURCE, [edit], "tests/test_x.py")
    text = out.new.decode()
    assert "class TestConn:\n    def __init__(self):\n        self.sent = []\n\n    async def" not in text
    assert "from test_framework.ssot.conn import TestConn\n" in text
    assert "import json" not in text  # only the removed helper used it
    assert "import asyncio\n" in text and "import pytest\n" in text  # still used
    assert "# keep this note: it is about the tests below\n# (not about the helper)\n" in text
    assert "# copied from elsewhere" not in text  # the helper's own comment went with it
    assert out.removed_imports == ["json"]
    # every other line is byte-identical: the test function and the fixture are untouched
    assert text.endswith(SOURCE.decode()[SOURCE.decode().index("@pytest.fixture"):])
    compile(out.new, "x", "exec")


def test_nested_copy_becomes_a_local_import_where_it_stood() -> None:
    out = rewrite_file(SOURCE, [CopyEdit("conn.<locals>.TestConn", "TestConn", 23, "local-import", MOD,
                                         "TestConnBase")], "tests/test_x.py")
    text = out.new.decode()
    local = "    from test_framework.ssot.conn import TestConnBase as TestConn\n"
    assert "def conn():\n" + local + "\n    return TestConn()\n" in text
    assert text.count("class TestConn") == 1  # the top-level one stays
    assert out.added_imports == []  # no module-level import for a nested copy


def test_local_name_is_kept_with_an_alias() -> None:
    src = b"import asyncio\n\n\nclass MockConn:\n    x = 1\n\n\ndef test_a():\n    assert MockConn.x == 1\n"
    out = rewrite_file(src, [CopyEdit("MockConn", "MockConn", 4, "import", MOD, "TestConn")], "t.py")
    assert out.new == (b"import asyncio\n\nfrom test_framework.ssot.conn import TestConn as MockConn\n\n\n"
                       b"def test_a():\n    assert MockConn.x == 1\n")


def test_crlf_and_other_bytes_are_preserved() -> None:
    src = SOURCE.replace(b"\n", b"\r\n")
    out = rewrite_file(src, [CopyEdit("TestConn", "TestConn", 12, "import", MOD, "TestConn")], "t.py")
    assert b"\n" not in out.new.replace(b"\r\n", b"")
    assert out.new.endswith(src[src.index(b"@pytest.fixture"):])


def test_commented_out_copies_are_deleted_by_line_span() -> None:
    src = b"import os\n\n\n# class Old:\n#     pass\n\n\ndef test_a():\n    assert os\n"
    out = rewrite_file(src, [], "t.py", commented_spans=[(4, 5)])
    assert out.new == b"import os\n\n\ndef test_a():\n    assert os\n"
    assert out.removed_lines == 4


def test_idempotent_import_is_not_added_twice() -> None:
    src = b"from test_framework.ssot.conn import TestConn\n\n\nclass TestConn:\n    x = 1\n"
    out = rewrite_file(src, [CopyEdit("TestConn", "TestConn", 4, "import", MOD, "TestConn")], "t.py")
    assert out.new.count(b"import TestConn") == 1


def test_canonical_module_from_the_real_source_renamed_and_marked_not_a_test() -> None:
    module = cst.parse_module(SOURCE)
    d = CanonicalDef(name="TestConnWithSend", source_path="t.py", source_qualname="TestConn",
                     source_name="TestConn", source_line=12, imports=["import asyncio", "import json"],
                     not_a_test=True)
    node = extract_definition(module, d)
    text = build_module(None, [(d, node)], "Canonical conn.").decode()
    head = '"""Canonical conn."""\n\nimport asyncio\nimport json\n\n\nclass TestConnWithSend:\n'
    assert text.startswith(head)
    assert "    __test__ = False" in text
    assert "self.sent.append(json.dumps(m))" in text  # the copy's own code, not a normalised text
    ns: dict = {}
    exec(compile(text, "canonical", "exec"), ns)
    assert ns["TestConnWithSend"].__test__ is False
    # building again with the definition present changes nothing
    assert build_module(text.encode(), [(d, node)], "Canonical conn.") == text.encode()


def test_nested_copy_is_dedented_into_the_canonical_module() -> None:
    module = cst.parse_module(SOURCE)
    d = CanonicalDef(name="TestConn", source_path="t.py", source_qualname="conn.<locals>.TestConn",
                     source_name="TestConn", source_line=23, not_a_test=True)
    text = build_module(None, [(d, extract_definition(module, d))], "doc").decode()
    assert "\nclass TestConn:\n    __test__ = False" in text
    assert "\n        self.sent = []\n" in text


TRICKY = {
    # the copy's trailing comments (in its block) and a second copy under if/else, with a later import
    "trailing-comments-and-namesakes": (b'''import json
import pytest

class Helper:
    x = json.dumps(1)
    # a trailing comment of the class body

# a note before the test
def test_a():
    assert Helper.x


if pytest:
    class Helper:
        y = 2
else:
    class Helper:
        y = 3

import os  # a late import


def test_b():
    assert os


def test_c():
    assert json
''', [("Helper", "Helper", 4, "import")]),
    # statements sharing a line, a copy right after them, and no newline at the end of the file
    "semicolons-no-final-newline": (b'''import json; import os
class Conn:
    z = json
x = 1; y = (2,
 3)
def test_c():
    assert x''', [("Conn", "Conn", 2, "import")]),
    # latin-1 with a coding cookie and CRLF; the copy is nested in a fixture
    "latin1-crlf-nested": ('''# -*- coding: latin-1 -*-\r
import pytest\r
\r
\r
@pytest.fixture\r
def conn():\r
    class Conn:  # \xe9t\xe9\r
        pass\r
    return Conn()\r
\r
\r
def test_d(conn):\r
    assert conn  # \xe9\r
\r
\r
def test_e():\r
    assert "\xe9"\r
'''.encode("latin-1"), [("conn.<locals>.Conn", "Conn", 7, "local-import")]),
}


@pytest.mark.parametrize("name", sorted(TRICKY))
def test_parsing_only_the_head_of_a_file_gives_the_same_bytes_as_parsing_it_all(
        name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    source, specs = TRICKY[name]
    edits = [CopyEdit(q, n, line, action, MOD, n) for q, n, line, action in specs]  # type: ignore[arg-type]
    cut = member_file._prefix_end(__import__("ast").parse(source), [e.qualname for e in edits])
    head = rewrite_file(source, edits, "t.py")
    monkeypatch.setattr(member_file, "_prefix_end", lambda tree, edits: None)
    whole = rewrite_file(source, edits, "t.py")
    assert cut is not None and cut < source.count(b"\n")  # the head really is cut short
    assert head.new == whole.new and head.new != source
    assert (head.removed_lines, head.added_imports, head.removed_imports) == (
        whole.removed_lines, whole.added_imports, whole.removed_imports)


def test_a_file_that_keeps_its_imports_local_gets_the_import_where_the_copy_stood() -> None:
    src = (b'"""Keep this conftest cheap: import project modules inside the fixtures."""\n'
           b"import sys\n\nimport pytest\n\nsys.path.insert(0, 'support')\n\n\n"
           b"class Recorder:\n    def __init__(self):\n        self.seen = []\n\n\n"
           b"@pytest.fixture\ndef app():\n    from myapp import create\n\n    return create(Recorder())\n")
    out = rewrite_file(src, [CopyEdit("Recorder", "Recorder", 9, "import", MOD, "Recorder")], "tests/conftest.py")
    assert out.new == (b'"""Keep this conftest cheap: import project modules inside the fixtures."""\n'
                       b"import sys\n\nimport pytest\n\nsys.path.insert(0, 'support')\n\n\n"
                       b"from test_framework.ssot.conn import Recorder\n\n\n"
                       b"@pytest.fixture\ndef app():\n    from myapp import create\n\n    return create(Recorder())\n")
    assert member_file.keeps_imports_local(ast.parse(src))
    assert not member_file.keeps_imports_local(ast.parse(SOURCE))


def test_removing_the_first_import_leaves_no_blank_first_line() -> None:
    src = b"import typing\n\nimport pytest\n\n\ndef test_a():\n    def data() -> typing.Iterator[bytes]:\n" \
          b"        yield b'x'\n\n    assert list(data())\n"
    out = rewrite_file(src, [CopyEdit("test_a.<locals>.data", "data", 7, "local-import", MOD, "data")],
                       "tests/test_x.py")
    assert out.new == (b"import pytest\n\n\ndef test_a():\n    from test_framework.ssot.conn import data\n\n"
                       b"    assert list(data())\n")
