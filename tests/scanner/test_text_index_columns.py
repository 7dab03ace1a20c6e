"""A text index read back from the cache keeps its columns and makes its units only when asked.

Most files of a rescan need at most a column of their index (where the definitions start and end, their
sizes, their names), so the cache's index stays as arrays until a unit is wanted; a scan lets the units
of a fresh index go once the candidates are counted (:meth:`TextIndex.compact`). Each form must say the
same as the other.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from ssot.scanner import describe as describe_module
from ssot.scanner.textual import TextIndex, _index_from_columns, index_text

from .conftest import scan_tree

SOURCE = b'''
import os


class Outer:
    """A docstring."""

    def method(self, value):
        if value:
            return os.path.join(value, "x")
        return None

    class Inner:
        def deep(self):
            def local():
                return 1
            return local()


async def coroutine(a, b):
    total = a + b
    return total * 2
'''


def round_trip(index: TextIndex) -> TextIndex:
    back = pickle.loads(pickle.dumps(index))
    assert isinstance(back, TextIndex)
    return back


def test_read_back_it_makes_no_units_until_asked_and_its_columns_say_what_the_units_do() -> None:
    fresh = index_text(SOURCE)
    back = round_trip(fresh)
    assert back._units is None  # (the point: nothing made yet)
    units = fresh.units
    assert [u.name for u in units] == ["Outer", "method", "Inner", "deep", "local", "coroutine"]
    assert list(back.starts) == [u.line for u in units]
    assert list(back.starts) == sorted(back.starts)  # (header order: what a parse bisects)
    assert list(back.ends) == [u.end for u in units]
    assert list(back.parents) == [u.parent for u in units]
    assert list(back.sizes) == [u.size for u in units]
    assert list(back.exacts) == [u.exact for u in units]
    assert back.names == [u.name for u in units]
    assert [bool(c) for c in back.classes] == [u.is_class for u in units]
    assert back._units is None  # (the columns alone answered)
    assert back.units == units
    assert back == fresh


def test_compact_lets_the_units_go_only_when_the_columns_are_kept() -> None:
    fresh = index_text(SOURCE)
    units = list(fresh.units)
    fresh.compact()  # made here, never written: no columns, so the units stay
    assert fresh.units == units
    back = round_trip(fresh)
    assert back.units == units
    back.compact()
    assert back._units is None
    assert back.units == units  # made again, the same


def test_an_empty_file_has_an_empty_index_either_way() -> None:
    back = round_trip(index_text(b""))
    assert back.names == [] and list(back.starts) == [] and back.units == []


def test_columns_that_disagree_are_refused() -> None:
    columns = round_trip(index_text(SOURCE)).columns
    assert columns is not None
    lines, line, *rest = columns
    with pytest.raises(ValueError, match="disagree"):
        _index_from_columns(lines, line[:-1], *rest)
    names_at = 3  # (in ``rest``: end, indent, parent, names, ...)
    fewer = list(rest)
    fewer[names_at] = "\n".join(fewer[names_at].split("\n")[:-1])
    with pytest.raises(ValueError, match="disagree"):
        _index_from_columns(lines, line, *fewer)


def test_describing_a_family_keeps_none_of_the_trees_it_parsed(tmp_path: Path) -> None:
    helper = ("class Client:\n    def __init__(self, url):\n        self.url = url\n        self.sent = []\n\n"
              "    def send(self, message):\n        self.sent.append(message)\n        return len(self.sent)\n")
    variant = helper.replace("return len(self.sent)", "return self.sent[-1]")
    result = scan_tree(tmp_path, {"tests/test_a.py": helper, "tests/test_b.py": helper,
                                  "tests/test_c.py": variant})
    [family] = [f for f in result.families if f.name == "Client"]
    assert len(family.classes) == 2 and family.classes[1].differences  # described: they were compared
    assert not describe_module._parsed
    assert not describe_module._per_node  # (their texts, attributes, literals and signatures)
