"""A rescan whose edits reach nothing the assembly reads takes the last result (ssot.scanner.inputs).

What the assembly reads: the definitions (places, digests, bindings), the commented-out copies, the
groups of files of the same bytes, the definitions known only as text, and the sources of the copies
it shows.  An edit outside all of them (a statement added at module level) keeps the last result and
its JSON report; any edit that reaches one of them assembles again.  Either way the report is the one
a scan without the cache writes.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ssot.cli import main
from ssot.report import json_report
from ssot.scanner import engine
from testkit import CLIENT, write_tree

HELPER = CLIENT.replace("self.url = url\n", "self.url = url\n        # what was sent, in order\n")


def _tree(root: Path) -> Path:
    return write_tree(root, {
        "pyproject.toml": "[tool.ssot]\nmin_tokens = 1\n",
        "tests/test_a.py": "import os\n" + HELPER + "\ndef test_a():\n    assert Client('a').send('x') == 1\n",
        "tests/test_b.py": "import os\n" + HELPER + "\ndef test_b():\n    assert Client('b').send('y') == 1\n",
        "tests/test_c.py": "def test_c():\n    assert os.sep\n",
        "tests/__init__.py": "",  # two files of the same bytes holding no definition: no block
        "tests/sub/__init__.py": "",
    })


class _Calls:
    def __init__(self, real: object) -> None:
        self.real, self.calls = real, 0

    def __call__(self, *args: object, **kwargs: object) -> object:
        self.calls += 1
        return self.real(*args, **kwargs)  # type: ignore[operator]


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> tuple[_Calls, _Calls]:
    assembled, rendered = _Calls(engine._assemble), _Calls(json_report._json_parts)
    monkeypatch.setattr(engine, "_assemble", assembled)
    monkeypatch.setattr(json_report, "_last_parts", json_report.LastResult(rendered))
    return assembled, rendered


def _scan(root: Path, out: Path, *extra: str) -> bytes:
    code = main(["scan", str(root), "--format", "json", "-o", str(out), "--no-progress", *extra])
    assert code == 1  # duplicates found
    return re.sub(rb'"stats":\{[^{}]*\}', b"", out.read_bytes(), count=1)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


# the shown copy's file, another, one of two files of the same bytes that hold nothing to report
@pytest.mark.parametrize("where", ["tests/test_a.py", "tests/test_c.py", "tests/sub/__init__.py"])
def test_a_statement_added_at_module_level_keeps_the_last_result(tmp_path: Path, counted: tuple[_Calls, _Calls],
                                                                 where: str) -> None:
    assembled, rendered = counted
    root = _tree(tmp_path / "p")
    first = _scan(root, tmp_path / "a.json")
    assert (assembled.calls, rendered.calls) == (1, 1)
    (root / where).write_text((root / where).read_text() + "\nLIMIT = 3\n")
    again = _scan(root, tmp_path / "b.json")
    assert (assembled.calls, rendered.calls) == (1, 1)  # neither assembled nor rendered again
    assert again == first == _scan(root, tmp_path / "c.json", "--no-cache")


@pytest.mark.parametrize("edit", [
    # a comment inside the shown copy: the same digests and places, another source to show
    ("tests/test_a.py", "# what was sent, in order", "# what went, in order"),
    # the definitions move down a line: other places
    ("tests/test_b.py", "import os\n", "import os\nimport sys\n"),
    # a name the copies use bound to something else in one file: other bindings
    ("tests/test_b.py", "import os\n", "import os\nlen = max\n"),
    # a copy becomes a variant: other digests
    ("tests/test_b.py", "return len(self.sent)", "return len(self.sent) + 0"),
    # a file made the same bytes as another: a whole-file copy
    ("tests/test_b.py", "test_b():\n    assert Client('b').send('y')", "test_a():\n    assert Client('a').send('x')"),
])
def test_an_edit_the_assembly_reads_assembles_again(tmp_path: Path, counted: tuple[_Calls, _Calls],
                                                    edit: tuple[str, str, str]) -> None:
    assembled, rendered = counted
    root = _tree(tmp_path / "p")
    first = _scan(root, tmp_path / "a.json")
    where, old, new = edit
    _edit(root / where, old, new)
    again = _scan(root, tmp_path / "b.json")
    assert (assembled.calls, rendered.calls) == (2, 2)
    assert again != first
    assert again == _scan(root, tmp_path / "c.json", "--no-cache")


ONE = '''def helper_one(value):
    total = value * 2
    total += 17
    return total + 1
'''
TWO = '''def helper_two(items):
    out = []
    for item in items:
        out.append(item * 3)
    return out
'''
LONELY = '''def lonely(x):
    y = x ** 3 - 11
    z = [y for _ in range(4)]
    return sum(z) // 7
'''


def test_a_definition_no_longer_copied_breaks_a_run_as_in_a_scan_from_nothing(tmp_path: Path) -> None:
    # x holds one, lonely, two; y holds one, two: lonely stands between, so there is no block
    root = write_tree(tmp_path / "p", {
        "pyproject.toml": "[tool.ssot]\nmin_tokens = 1\n",
        "tests/test_x.py": f"{ONE}\n\n{LONELY}\n\n{TWO}",
        "tests/test_y.py": f"{ONE}\n\n{TWO}",
        "tests/test_z.py": LONELY,  # lonely copied: parsed, and kept parsed in the cache
    })
    _scan(root, tmp_path / "a.json")
    (root / "tests" / "test_z.py").unlink()  # no longer copied: known only from its text again
    again = _scan(root, tmp_path / "b.json")
    assert again == _scan(root, tmp_path / "c.json", "--no-cache")
    assert b'"blocks":[]' in again  # (the rescan used to join one and two into a block across it)


def test_a_result_taken_again_is_not_written_again(tmp_path: Path) -> None:
    # the result and its JSON report stay where they are, under the key they were assembled for
    root = _tree(tmp_path / "p")
    _scan(root, tmp_path / "a.json")
    cache = root / ".ssot_cache"
    written = {name: (cache / name).stat().st_mtime_ns for name in ("scan-last.pickle", "report-json.pickle")}
    (root / "tests" / "test_c.py").write_text((root / "tests" / "test_c.py").read_text() + "\nLIMIT = 3\n")
    again = _scan(root, tmp_path / "b.json")
    assert {name: (cache / name).stat().st_mtime_ns for name in written} == written
    assert _scan(root, tmp_path / "c.json") == again  # nothing changed since: the kept report, as it is
    (root / "tests" / "test_c.py").write_text((root / "tests" / "test_c.py").read_text() + "\nMORE = 4\n")
    assert _scan(root, tmp_path / "d.json") == again == _scan(root, tmp_path / "e.json", "--no-cache")
