"""A trailing comment is not code: a copy that differs from another only by one is still a candidate."""

from __future__ import annotations

from pathlib import Path

from ssot import config as config_mod
from ssot.scanner.engine import scan
from ssot.scanner.textual import index_text
from testkit import CLIENT, write_tree

HELPER = CLIENT


def test_a_trailing_comment_leaves_the_lines_hashes_as_they_were() -> None:
    plain = index_text(HELPER.encode())
    commented = index_text(HELPER.replace("self.sent = []", "self.sent = []  # what went out, in order").encode())
    assert [u.exact for u in commented.units] == [u.exact for u in plain.units]
    # a '#' inside a string is no comment
    text = index_text(b"def f():\n    return '#' + x\n")
    other = index_text(b"def f():\n    return '' + x\n")
    assert [u.exact for u in text.units] == [u.exact for u in other.units]  # (strings are blanked first)
    assert [u.exact for u in index_text(b"def f():\n    return y\n").units] != [u.exact for u in text.units]


def test_a_copy_with_a_trailing_comment_is_found(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {
        "pyproject.toml": "[tool.ssot]\nmin_tokens = 1\n",
        "tests/test_a.py": HELPER,
        "tests/test_b.py": HELPER.replace("self.url = url", "self.url = url  # pylint: disable=attribute-defined"),
    })
    result = scan(root=root, config=config_mod.load(root), jobs=1, use_cache=False)
    [family] = [f for f in result.families if f.name == "Client"]
    assert sorted(m.path for m in family.members) == ["tests/test_a.py", "tests/test_b.py"]
    assert len(family.classes) == 1  # the same code: one equivalence class
