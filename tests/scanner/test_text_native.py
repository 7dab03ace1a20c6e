"""The C accelerator of the candidate pass gives exactly what the Python loop gives.

``ssot.scanner._textindex`` (built by setup.py when a compiler is there) reads a file's lines
and counts a tree's windows; ``index_text_python`` and the Python count stay the reference.
They are held equal here on real code nobody wrote for ssot (the standard library, this
repository) and on generated text made of the pieces the loop treats apart: quotes, triple
quotes, escapes, numbers, comments, decorators, headers, closers, tabs, CRLF, odd bytes.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ssot.scanner import textual
from ssot.scanner.textual import CandidateState, TextIndex, index_text, index_text_python

from .conftest import built_accelerator, real_python_files

native = built_accelerator("_textindex")

pytestmark = pytest.mark.skipif(textual._native is None, reason="SSOT_PURE_PYTHON is set")


def same(a: TextIndex, b: TextIndex) -> bool:
    return a.lines == b.lines and a.units == b.units


def test_it_indexes_real_code_exactly_as_the_python_loop_does() -> None:
    files = real_python_files(3)
    assert len(files) > 500, files[:3]
    differ = []
    units = 0
    for path in files:
        data = path.read_bytes()
        slow, fast = index_text_python(data), index_text(data)
        units += len(slow.units)
        if not same(slow, fast):
            differ.append(str(path))
    assert units > 20_000
    assert differ == []


PIECES = ["def ", "class ", "async def ", "async  def ", "f", "g_1", "(self, x):", ":", "@fixture", "@", "    ",
          "\t", "\n", "\r\n", "#", "#: doc", "'", '"', "'''", '"""', "\\", "\\n", "x = ", "return ", "1", "2.5",
          "0x1F", "1_000", ".5", "a.b", "(", ")", "]", "}", "[", "{", ",", "pass", "else:", "r", "b", "f'{x}'",
          "é", "\xff", "\x00", "\x0c", "if y:", "    self.value = value", "lambda: 3"]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES), max_size=80))
def test_it_indexes_generated_text_exactly_as_the_python_loop_does(pieces: list[str]) -> None:
    data = "".join(pieces).encode("utf-8", "surrogatepass")
    assert same(index_text_python(data), index_text(data))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_index_alike(data: bytes) -> None:
    assert same(index_text_python(data), index_text(data))


def test_it_counts_a_trees_windows_exactly_as_the_python_count_does(monkeypatch: pytest.MonkeyPatch) -> None:
    indexes = {rel: index_text(path.read_bytes()) for rel, path in
               ((str(p), p) for p in real_python_files(3)[:400])}
    assert sum(len(u.windows) for ix in indexes.values() for u in ix.units) > 50_000

    fast = CandidateState(40)
    fast_marks = fast.update(dict(indexes), {})
    monkeypatch.setattr(textual, "_count_native", None)
    slow = CandidateState(40)
    slow_marks = slow.update(dict(indexes), {})
    assert fast_marks == slow_marks
    assert any(fast_marks.values())
    assert fast.window_keys == slow.window_keys and fast.window_values == slow.window_values


def test_bad_arguments_raise_python_errors() -> None:
    with pytest.raises(TypeError):
        native.index_columns("text, not bytes")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        native.count_windows([(1, 2)])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="disagree"):
        from array import array
        native.count_windows([(1, array("I", [2]), array("Q", [5]))])


def test_the_python_loop_runs_when_asked(tmp_path: Path) -> None:
    """``SSOT_PURE_PYTHON=1`` leaves the accelerator out, for a comparison or a broken build."""
    import subprocess
    code = "from ssot.scanner import textual; print(textual._native is None, textual._count_native is None)"
    out = subprocess.run([sys.executable, "-c", code], env={**os.environ, "SSOT_PURE_PYTHON": "1"},
                         capture_output=True, text=True, check=True).stdout.split()
    assert out == ["True", "True"]
