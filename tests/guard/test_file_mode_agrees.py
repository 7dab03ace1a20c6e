"""A file check of files nobody changed finds nothing new: it keeps what the whole-tree scan decided.

The generated suite with filler tests holds hundreds of near-identical parametrized tests; a file
check used to join such a test to a family through any member it is alike, where the scan (which
compares with the family's representative only) had left it alone: pre-commit then failed on
untouched files.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from testkit import corpus_script, write_tree

from .conftest import ssot


def test_checking_unchanged_files_in_batches_finds_nothing_new(tmp_path: Path) -> None:
    suite = tmp_path / "suite"
    subprocess.run([sys.executable, str(corpus_script("make_suite.py")), str(suite), "--files", "120",
                    "--extra-tests", "40", "--seed", "3", "--heavy-ms", "0"], check=True, capture_output=True)
    assert ssot("check", "--update-baseline", "-q", cwd=suite).code == 0
    files = sorted(p.relative_to(suite).as_posix() for p in suite.rglob("test_*.py") if "backups" not in p.parts)
    assert len(files) > 100
    for start in range(0, len(files), 60):
        run = ssot("check", *files[start:start + 60], "--format", "json", cwd=suite)
        assert run.code == 0, run.stdout[:3000]
    pasted = suite / files[0]  # and a real paste is still found: a copy of a helper class into another file
    helper = next(p for p in suite.rglob("test_*.py") if "class TestWebSocketConnection" in p.read_text())
    text = helper.read_text()
    block = text[text.index("class TestWebSocketConnection"):]
    block = block[:block.index("\n\n\n")] + "\n"
    pasted.write_text(pasted.read_text() + "\n\n" + block.replace("TestWebSocketConnection", "PastedConnection"))
    run = ssot("check", files[0], cwd=suite)
    assert run.code == 1 and "PastedConnection" in run.stdout, run.stdout




ATTRS = Path("/work/realcode/attrs")


def test_a_definition_below_min_tokens_is_no_copy_in_a_file_check_either(tmp_path: Path) -> None:
    # attrs: tests/test_functional.py's BaseSlots (29 code tokens; min_tokens is 30) was "a new copy of A" in
    # a check of the untouched file: the file mode compared min_lines only, where the scan also leaves out
    # what is below min_tokens (or trivial).  The scan never parsed it (no textual near-copy), so only the
    # file mode saw it, alike A's small variants.
    if not ATTRS.is_dir():
        pytest.skip("attrs sdist not at /work/realcode/attrs (../shared/realcode/fetch.py --only attrs)")
    root = tmp_path / "attrs"
    shutil.copytree(ATTRS, root, symlinks=True, ignore=shutil.ignore_patterns(".ssot", ".ssot_cache"))
    assert ssot("check", "--update-baseline", "-q", cwd=root).code == 0
    run = ssot("check", "tests/test_functional.py", cwd=root)
    assert run.code == 0, run.stdout
    tests = sorted(p.relative_to(root).as_posix() for p in (root / "tests").glob("test_*.py"))
    every = ssot("check", *tests, cwd=root)
    assert len(tests) > 20 and every.code == 0, every.stdout


CLASS = '''@pytest.mark.usefixtures("db")
class TestSessionClient:
    def test_sends_the_token(self):
        client = Client(token="abc", retries=3)
        reply = client.send("ping", timeout=5)
        assert reply.status == 200 and reply.body == "pong"
        assert client.sent == [("ping", 5)]

    def test_retries_then_fails(self):
        client = Client(token="abc", retries=2)
        client.fail_next(3)
        with pytest.raises(ConnectionError):
            client.send("ping", timeout=1)
        assert client.attempts == 2
'''


PASTES = {"as it is": lambda text: text,
          "a method renamed": lambda text: text.replace("test_retries_then_fails", "test_retries_x"),
          "one method edited": lambda text: text.replace("retries=2", "retries=2, spare=1"),
          "its decorator left out": lambda text: text.replace('@pytest.mark.usefixtures("db")\n', "")}


@pytest.mark.parametrize("named", [["tests/test_b.py"], ["tests/test_a.py", "tests/test_b.py"]])
@pytest.mark.parametrize("paste", sorted(PASTES))
def test_a_paste_is_found_alike_in_both_modes(tmp_path: Path, paste: str, named: list[str]) -> None:
    # django, pydantic, attrs: a test class pasted into a file that imports its names from elsewhere is two
    # equivalence classes of one copy each (the bindings differ), which the whole-tree check counted as 0
    # duplicated lines (no finding) while the file check reported it, twice: found by fingerprint and by
    # text.  With a method renamed it is a variant (the digest keeps the names of nested definitions), which
    # the file check took for a copy: the text's exact key left every header's name out, not only the unit's;
    # without its decorator too (the key left decorators out).  With the original's file named as well, the
    # original class counted its own row of the index as a second copy and swallowed its methods' copies.
    root = write_tree(tmp_path / "proj", {
        "pyproject.toml": "[tool.pytest.ini_options]\ntestpaths = ['tests']\n",
        "tests/test_a.py": "import pytest\n\nfrom app.client import Client\n\n\n" + CLASS,
        "tests/test_b.py": "import pytest\n\nfrom other.client import Client\n\n\ndef test_b():\n    assert Client\n",
    })
    assert ssot("check", "--update-baseline", "-q", cwd=root).code == 0
    b = root / "tests" / "test_b.py"
    b.write_text(b.read_text() + "\n\n" + PASTES[paste](CLASS))
    line = b.read_text().split("\n").index("class TestSessionClient:") + 1
    seen = []
    for args in (named, []):  # the file check, and the whole tree
        run = ssot("check", *args, "--format", "json", cwd=root)
        seen.append((run.code, [(f["rule"], f["locations"][0]["path"], f["locations"][0]["line"])
                                for f in run.json()["findings"] if f["locations"][0]["path"] in named]))
    assert seen[0] == seen[1], seen
    if paste == "as it is":
        assert seen[0] == (1, [("new-family", "tests/test_b.py", line)])
