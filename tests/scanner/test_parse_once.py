"""Files of the same content are parsed once: the copies take what the first one gave.

A copied file (a vendored tree twice, a test module pasted under a new name) holds the same
candidates as its original; parsing each copy again is what made a tree of two copies of the
realcode monorepo cost more than twice one.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ssot.files import UnreadableFile
from ssot.scanner import engine
from ssot.scanner.extract import Extractor

from .conftest import scan_tree

HELPER = '''
def make_user(name, email, admin=False):
    user = {{"name": name, "email": email}}
    if admin:
        user["roles"] = ["admin", "staff"]
    user["active"] = True
    return user


def unique_{n}(value):
    total_{n} = value * {n}
    return total_{n} + compute_{n}(value)
'''


def _members(result: object) -> set[tuple[str, str]]:
    return {(m.path, m.qualname) for fam in result.families for c in fam.classes for m in c.members}  # type: ignore[attr-defined]


def test_identical_files_are_parsed_once_and_each_keeps_its_units(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    parse = Extractor.parse_candidates

    def counted(self: Extractor, text: str, ex: object, lines: set[int]) -> object:
        calls.append(text)
        return parse(self, text, ex, lines)  # type: ignore[arg-type]

    monkeypatch.setattr(Extractor, "parse_candidates", counted)
    same = HELPER.format(n=1)
    result = scan_tree(tmp_path, {"tests/test_a.py": same, "tests/test_b.py": same, "tests/test_c.py": same,
                                  "tests/test_d.py": HELPER.format(n=2)})
    assert len(calls) == 2  # the content of a, b and c once; d's own
    members = _members(result)
    for name in "abcd":
        assert (f"tests/test_{name}.py", "make_user") in members
    assert not any(q.startswith("unique_") for _, q in members)  # (each file's own code stays unparsed)


def test_when_the_parsed_one_vanished_its_copies_are_parsed_on_their_own(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    same = HELPER.format(n=1)
    files = {"tests/test_a.py": same, "tests/test_b.py": same, "tests/test_c.py": same}
    read = engine.read_source

    def gone(path: Path, max_bytes: int) -> object:
        if path.name == "test_a.py":
            raise UnreadableFile(f"{path}: gone")
        return read(path, max_bytes)

    monkeypatch.setattr(engine, "read_source", gone)  # (the survey reads through another function)
    result = scan_tree(tmp_path, files)
    assert [s.path for s in result.skipped] == ["tests/test_a.py"]
    assert {("tests/test_b.py", "make_user"), ("tests/test_c.py", "make_user")} <= _members(result)
