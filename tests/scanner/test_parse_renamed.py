"""A definition copied under another name is parsed once per process: the copy's units are the first's with
the name and qualnames changed, exactly what parsing the copy would give."""

from __future__ import annotations

import ast

import pytest

from ssot.scanner import extract
from ssot.scanner.extract import Extractor
from ssot.scanner.textual import index_text

BODY = '''
class {cls}:
    def {name}(self):
        user = make_user("ann", "a@example.org")
        assert user["active"] is True

        def {inner}(value):
            return value * 2

        assert {inner}(user["id"]) == 4
'''


def _units(ex: Extractor, text: str) -> list[object]:
    survey = ex.survey(text.encode(), text)
    assert survey.index is not None
    lines = {u.line for u in survey.index.units if u.name != "Tests" and u.name != "Other"}
    return list(ex.parse_candidates(text, survey, lines).units)


@pytest.mark.parametrize(("first", "second"), [
    ({"cls": "Tests", "name": "test_one", "inner": "double"}, {"cls": "Tests", "name": "test_two", "inner": "double"}),
    ({"cls": "Tests", "name": "test_one", "inner": "double"}, {"cls": "Tests", "name": "check_two", "inner": "double"}),
    ({"cls": "Tests", "name": "test_one", "inner": "double"}, {"cls": "Other", "name": "test_one", "inner": "twice"}),
])
def test_a_renamed_copy_gets_what_its_own_parse_gives(first: dict[str, str], second: dict[str, str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    parses = []
    real = ast.parse
    monkeypatch.setattr(extract.ast, "parse", lambda code, *a, **k: parses.append(code) or real(code, *a, **k))
    shared = Extractor()
    _units(shared, BODY.format(**first))
    before = len(parses)
    got = _units(shared, BODY.format(**second))
    parsed_again = len(parses) - before
    alone = _units(Extractor(), BODY.format(**second))
    assert got == alone
    assert [u.name for u in got] == [second["name"], second["inner"]]  # type: ignore[attr-defined]
    # taken from the memo only when nothing but the name differs and the name does not change the kind
    same_kind = first["name"].startswith("test") == second["name"].startswith("test")
    same_rest = first["inner"] == second["inner"] and first["cls"] == second["cls"]
    assert parsed_again == (0 if same_kind and same_rest else 1)


def test_a_name_used_in_its_own_body_keeps_the_text_whole() -> None:
    """A recursive function's name is in its body (the digest reads it there as its own name): such a copy
    is not taken for a rename, and each gets its own units."""
    shared = Extractor()
    text_a = "def walk_a(node):\n    return [walk_a(c) for c in node.children] + [node.value * 2]\n"
    text_b = "def walk_b(node):\n    return [walk_b(c) for c in node.children] + [node.value * 2]\n"
    got_a, got_b = _units(shared, text_a), _units(shared, text_b)
    assert got_b == _units(Extractor(), text_b)
    assert [u.qualname for u in got_a + got_b] == ["walk_a", "walk_b"]  # type: ignore[attr-defined]
    assert got_a[0].digest == got_b[0].digest  # type: ignore[attr-defined]


def test_a_rename_hit_parses_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    parses: list[str] = []
    real = ast.parse
    monkeypatch.setattr(extract.ast, "parse", lambda code, *a, **k: parses.append(code) or real(code, *a, **k))
    shared = Extractor()
    _units(shared, BODY.format(cls="Tests", name="test_one", inner="double"))
    n = len(parses)
    _units(shared, BODY.format(cls="Tests", name="test_two", inner="double"))
    assert len(parses) == n
    assert index_text(BODY.format(cls="Tests", name="test_two", inner="double").encode()).units
