"""The scorer of the labelled set matches cases to a scan as tests/realcode/score.py documents."""

from __future__ import annotations

from pathlib import Path

import pytest

from ssot.model import Block, BlockCopy, CommentedCopy, Definition, EquivalenceClass, Family, ScanResult, ScanStats

from .score import Case, LabelError, load_labels, score


def d(path: str, qualname: str, line: int = 1) -> Definition:
    return Definition(path, line, line, line + 5, qualname, qualname.rsplit(".", 1)[-1], "function", "fp")


def result(families: list[list[list[Definition]]] = (), blocks: list[Block] = (),
           commented: list[CommentedCopy] = ()) -> ScanResult:
    fams = [Family(f"f{i}", "x", "function",
                   [EquivalenceClass(f"f{i}/{k}", f"fp{i}{k}", list(members)) for k, members in enumerate(classes)])
            for i, classes in enumerate(families)]
    return ScanResult("/", fams, list(commented), [], [], {}, ScanStats(), blocks=list(blocks))


def case(level: str, kind: str, *members: str, category: str = "c") -> Case:
    return Case("id", "p", "p==1", category, level, kind, members, "why")


def outcome(c: Case, r: ScanResult):
    [o] = score([c], {("p", "tests"): r}).outcomes
    return o


A, B, C = "a.py::f", "b.py::f", "c.py::f"


def test_must_family_needs_every_member_in_one_family() -> None:
    r = result([[[d("a.py", "f"), d("b.py", "f")]], [[d("c.py", "f")]]])
    whole = outcome(case("family", "must", A, B), r)
    split = outcome(case("family", "must", A, B, C), r)
    assert (whole.found, whole.members_found) == (True, 2)
    assert (split.found, split.members_found) == (False, 2)


def test_must_not_family_is_violated_by_any_two_members_together() -> None:
    r = result([[[d("a.py", "f")], [d("b.py", "f")]]])
    assert not outcome(case("family", "must-not", A, B), r).found
    assert outcome(case("family", "must-not", A, C), r).found


def test_equivalence_level_looks_at_classes_not_families() -> None:
    apart = result([[[d("a.py", "f")], [d("b.py", "f")]]])
    together = result([[[d("a.py", "f"), d("b.py", "f")]]])
    assert outcome(case("equivalence", "must-not", A, B), apart).found
    assert not outcome(case("equivalence", "must-not", A, B), together).found
    assert outcome(case("equivalence", "same-class", A, B), together).found
    assert not outcome(case("equivalence", "same-class", A, B), apart).found


def test_block_copies_must_cover_each_range() -> None:
    block = Block("b", [BlockCopy("a.py", 10, 50), BlockCopy("b.py", 5, 45)], units=3)
    r = result(blocks=[block])
    assert outcome(case("block", "must", "a.py:10-50", "b.py:6-40"), r).found
    short = outcome(case("block", "must", "a.py:10-60", "b.py:6-40"), r)
    assert (short.found, short.members_found) == (False, 1)


def test_commented_and_not_code_cases() -> None:
    r = result(commented=[CommentedCopy("a.py", 12, 15, "f", "function", "fp")])
    assert outcome(case("commented", "must", "a.py:12"), r).found
    assert not outcome(case("commented", "must", "a.py:11"), r).found
    assert not outcome(case("not-code", "must-not", "a.py:1-12"), r).found
    assert outcome(case("not-code", "must-not", "a.py:16-20"), r).found


def test_recall_is_per_category_and_must_nots_are_not_in_it() -> None:
    r = result([[[d("a.py", "f"), d("b.py", "f")]]])
    cases = [case("family", "must", A, B, category="x"), case("family", "must", A, C, category="y"),
             case("family", "must-not", A, B, category="z")]
    s = score(cases, {("p", "tests"): r})
    assert s.recall("x")[:2] == (1.0, 1.0)
    assert s.recall("y")[:2] == (0.0, 0.5)
    assert s.recall()[0] == 0.5
    assert [o.case.category for o in s.violations] == ["z"]
    assert not s.ok


@pytest.mark.parametrize("body, message", [
    ('id = "x"\ncategory = "c"\nlevel = "family"\nkind = "same-class"\nmembers = ["a::b", "c::d"]\nreason = "r"',
     "level 'family' with kind 'same-class'"),
    ('id = "x"\ncategory = "c"\nlevel = "family"\nkind = "must"\nmembers = ["a.py:3"]\nreason = "r"',
     "is not 'path::qualname'"),
    ('id = "x"\ncategory = "c"\nlevel = "block"\nkind = "must"\nmembers = ["a.py::f"]\nreason = "r"',
     "is not 'path:line'"),
    ('id = "x"\ncategory = "c"\nlevel = "family"\nkind = "must-not"\nmembers = ["a::b"]\nreason = "r"',
     "two or more"),
    ('id = "x"\ncategory = "c"\nlevel = "family"\nkind = "must"\nmembers = ["a::b"]\nreason = "r"\ncolour = 1',
     "unknown keys ['colour']"),
])
def test_bad_labels_are_refused_naming_file_and_case(tmp_path: Path, body: str, message: str) -> None:
    (tmp_path / "p.toml").write_text(f'project = "p"\nrelease = "p==1"\n[[case]]\n{body}\n')
    with pytest.raises(LabelError, match=r"p\.toml: case 'x'") as err:
        load_labels(tmp_path)
    assert message in str(err.value)


def test_duplicated_tests_must_be_found_as_a_test_family() -> None:
    r = result([[[d("a.py", "f"), d("b.py", "f")]]])
    assert not outcome(case("family", "must", A, B, category="test"), r).found
    r.families[0].category = "test"
    assert outcome(case("family", "must", A, B, category="test"), r).found
