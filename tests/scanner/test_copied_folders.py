"""A copied folder is reported as its files, not as every definition in it (ssot.scanner.copied_folders).

Two folders holding the same files at every level below are one act of copying: each copied file is
a whole-file block and a ``duplicate-file`` finding, and a definition copied only with its folder is
no family.  Definitions copied elsewhere too keep their families, with the copies in the copied
folder as members.  A file copied on its own (not its folder) keeps its definitions' families.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ssot.cli import main
from ssot.model import CopiedFolder, ScanResult
from ssot.report import json_report
from ssot.scanner.copied_folders import folder_copies
from testkit import CLIENT, OTHER, write_tree

from .conftest import scan_tree

LOCAL = '''
def local_only(rows, key):
    picked = [row for row in rows if row.get(key) is not None]
    picked.sort(key=lambda row: row[key])
    return {row[key]: row for row in picked}
'''


def _package() -> dict[str, str]:
    """A test package: a helper copied into another file too (CLIENT), one copied nowhere else (LOCAL)."""
    return {
        "__init__.py": "",
        "helpers.py": "import os\n" + CLIENT + LOCAL,
        "test_pkg.py": "from .helpers import Client\n\n\ndef test_send():\n    assert Client('u').send('m') == 1\n",
        "sub/__init__.py": "",
        "sub/support.py": OTHER,
    }


def _tree(copies: int) -> dict[str, str]:
    files = {"tests/test_other.py": "import sys\n" + CLIENT + "\n\ndef test_other():\n    assert sys\n"}
    for k in range(copies):
        files.update({f"tests/pkg{k}/{name}": text for name, text in _package().items()})
    return files


def _normalised(result: ScanResult) -> set[frozenset[tuple[str, int]]]:
    """The families' members, each copy of the package named as the first."""
    return {frozenset((m.path.replace("/pkg1/", "/pkg0/"), m.line) for m in f.members) for f in result.families}


def test_folders_are_copies_when_every_file_below_them_is() -> None:
    same = {
        "a/x.py": "1", "a/sub/y.py": "2",
        "b/x.py": "1", "b/sub/y.py": "2",  # a copy of a, subfolder and all
        "c/x.py": "1", "c/sub/y.py": "3",  # a changed file below: c is no copy, nor is c/sub
        "d/x.py": "1", "d/z.py": "1",  # one file twice in one folder: no copied folder
        "e/sub/y.py": "2",  # a copy of a/sub and b/sub (e itself holds nothing else than sub)
    }
    copies = folder_copies(same)
    assert copies.files == {"b/x.py": "a/x.py", "b/sub/y.py": "a/sub/y.py", "e/sub/y.py": "a/sub/y.py"}
    # the top-most copies only: b/sub is b's business
    assert copies.folders == [CopiedFolder("b", "a", 2), CopiedFolder("e/sub", "a/sub", 1)]
    assert folder_copies({"a/x.py": "1", "b/y.py": "1"}).files == {}  # the names count, not only the bytes


def test_definitions_copied_only_with_their_folder_are_no_family(tmp_path: Path) -> None:
    result = scan_tree(tmp_path, _tree(2))
    [client] = [f for f in result.families if f.name == "Client"]
    assert sorted(m.path for m in client.members) == [
        "tests/pkg0/helpers.py", "tests/pkg1/helpers.py", "tests/test_other.py"]
    names = {f.name for f in result.families}
    assert "local_only" not in names and "make_message" not in names  # copied only with the folder
    copied = sorted((f.path, f.related[0].path) for f in result.findings if f.rule == "duplicate-file")
    assert copied == [("tests/pkg1/helpers.py", "tests/pkg0/helpers.py"),
                      ("tests/pkg1/sub/support.py", "tests/pkg0/sub/support.py"),
                      ("tests/pkg1/test_pkg.py", "tests/pkg0/test_pkg.py")]
    whole = sorted(tuple(c.path for c in b.copies) for b in result.blocks if b.whole_file and len(b.copies) == 2
                   and b.copies[0].path.startswith("tests/pkg0/"))
    assert ("tests/pkg0/helpers.py", "tests/pkg1/helpers.py") in whole
    assert ("tests/pkg0/sub/support.py", "tests/pkg1/sub/support.py") in whole
    assert result.copied_folders == [CopiedFolder("tests/pkg1", "tests/pkg0", 5)]


def test_the_reports_name_the_copied_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_tree(tmp_path / "p", {"pyproject.toml": "[tool.ssot]\nmin_tokens = 1\n", **_tree(2)})
    assert main(["scan", str(root), "--no-progress", "--no-cache"]) == 1
    text = capsys.readouterr().out
    assert "Copied folders (1)" in text and "tests/pkg1  holds the same as  tests/pkg0  (5 Python files)" in text
    assert ":1: duplicate-file" not in text  # the folder says it: its files are not listed one by one
    assert "tests/pkg1/helpers.py:1-" not in text and "Blocks" not in text  # nor are its files' whole-file blocks
    out = tmp_path / "scan.json"
    assert main(["scan", str(root), "--no-progress", "--format", "json", "-o", str(out)]) == 1
    data = json.loads(out.read_text())
    assert data["copied_folders"] == [{"path": "tests/pkg1", "copy_of": "tests/pkg0", "files": 5}]
    assert json_report.load_scan(out).copied_folders == [CopiedFolder("tests/pkg1", "tests/pkg0", 5)]


def test_a_copied_folder_adds_its_copies_to_the_families_and_no_family(tmp_path: Path) -> None:
    once = scan_tree(tmp_path / "once", _tree(1))
    twice = scan_tree(tmp_path / "twice", _tree(2))
    assert _normalised(once) == _normalised(twice)
    assert sum(len(f.members) for f in twice.families) > sum(len(f.members) for f in once.families)


def test_a_file_copied_on_its_own_keeps_its_families(tmp_path: Path) -> None:
    files = {  # the same file in two folders that hold other files too: not a copied folder
        "tests/a/conftest.py": "import pytest\n" + LOCAL,
        "tests/a/test_a.py": "def test_a():\n    assert 1\n",
        "tests/b/conftest.py": "import pytest\n" + LOCAL,
        "tests/b/test_b.py": "def test_b():\n    assert 2\n",
    }
    result = scan_tree(tmp_path, files)
    [fam] = [f for f in result.families if f.name == "local_only"]
    assert sorted(m.path for m in fam.members) == ["tests/a/conftest.py", "tests/b/conftest.py"]
    assert not [f for f in result.findings if f.rule == "duplicate-file"]


def test_a_rescan_after_the_copy_drifts_is_the_scan_from_nothing(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "p", {"pyproject.toml": "[tool.ssot]\nmin_tokens = 1\n", **_tree(2)})
    out = tmp_path / "scan.json"
    args = ["scan", str(root), "--format", "json", "-o", str(out), "--no-progress"]
    assert main(args) == 1
    drifted = root / "tests/pkg1/sub/support.py"  # the copy is a copy no more: its definitions are families
    drifted.write_text(drifted.read_text() + "\n\nLIMIT = 3\n")
    assert main(args) == 1
    cached = out.read_text()
    assert main([*args, "--no-cache"]) == 1
    assert _without_stats(cached) == _without_stats(out.read_text())
    assert '"name":"local_only"' in cached and '"name":"make_message"' in cached


def _without_stats(report: str) -> str:
    data = json.loads(report)
    data.pop("stats", None)
    return json.dumps(data, sort_keys=True)


def test_a_run_repeated_inside_a_file_is_a_block_in_each_copy_of_the_file(tmp_path: Path) -> None:
    methods = '''
    def open(self, url, retries=3):
        self.url = url
        self.retries = retries
        return self.connect(url, timeout=retries * 2)

    def close(self, code=1000):
        self.closed = True
        self.code = code
        return self.flush(code, final=True)
'''
    own = ("\n    def describe(self):\n        return {'first': self.kind, 'when': self.started, 'rows': len(self)}\n",
           "\n    async def drain(self, queue):\n        while not queue.empty():\n            await queue.get()\n")
    text = f"class First(Base):{own[0]}{methods}\n\nclass Second(Other):{own[1]}{methods}"
    result = scan_tree(tmp_path, {"tests/a/one.py": text, "tests/a/two.py": text,  # one file twice, one folder
                                  "tests/a/test_a.py": "def test_a():\n    assert 1\n"})
    runs = [sorted((c.path, c.start_line) for c in b.copies) for b in result.blocks if not b.whole_file]
    assert [("tests/a/one.py", 5), ("tests/a/one.py", 21), ("tests/a/two.py", 5), ("tests/a/two.py", 21)] in runs


def test_a_copied_folder_alone_fails_the_scan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    package = {"__init__.py": "", "helpers.py": "import os\n" + LOCAL}  # copied nowhere but with its folder
    root = write_tree(tmp_path / "p", {"pyproject.toml": "[tool.ssot]\nmin_tokens = 1\n",
                                       **{f"tests/{pkg}/{name}": text for pkg in ("pkg0", "pkg1")
                                          for name, text in package.items()}})
    assert main(["scan", str(root), "--no-progress", "--no-cache"]) == 1
    text = capsys.readouterr().out
    assert "No duplicated definitions found outside the copied folders." in text
    assert "tests/pkg1  holds the same as  tests/pkg0  (2 Python files)" in text
    assert main(["scan", str(root), "--no-progress", "--format", "json", "-o", str(tmp_path / "a.json")]) == 1
    assert main(["scan", str(root), "--no-progress", "--format", "json", "-o", str(tmp_path / "b.json")]) == 1  # kept
    assert main(["scan", str(root), "--no-progress", "--exit-zero"]) == 0
