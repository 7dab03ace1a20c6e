"""The C accelerator of the fingerprint walk gives exactly what the Python walk gives.

``ssot.scanner._fingerprint`` takes the walk below each statement (``fingerprint._node``); the
Python ``node_python`` stays the reference.  Every definition of real code nobody wrote for ssot
(a fifth of the standard library, with its tests, and this repository), nested ones included,
must get the same digest, cosmetic digest, shapes, tokens, size, free names and kind either way.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import warnings

import pytest

from ssot.scanner import fingerprint

from .conftest import built_accelerator, real_python_files

native = built_accelerator("_fingerprint")

pytestmark = pytest.mark.skipif(fingerprint._accel is None, reason="SSOT_PURE_PYTHON is set")


def walked(tree: ast.AST) -> list[tuple[object, ...]]:
    """What the walk finds for every definition of the tree (each walked as an outermost one too)."""
    out: list[tuple[object, ...]] = []
    for node in ast.walk(tree):
        if isinstance(node, fingerprint.DEFS):
            found: list[fingerprint.DefInfo] = []
            fingerprint.walk_definition(node, False, frozenset(), found)
            out += [(i.digest, i.cosmetic, i.shapes, i.tokens, i.size, i.loads, i.stores, i.trivial, i.kind)
                     for i in found]
    return out


def test_every_definition_of_real_code_gets_what_the_python_walk_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    fast = fingerprint._node
    assert fast is native.node
    differ: list[str] = []
    definitions = 0
    for path in real_python_files(5):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # (the standard library's tests hold invalid escapes on purpose)
                tree = ast.parse(path.read_bytes())
        except (SyntaxError, ValueError):
            continue
        monkeypatch.setattr(fingerprint, "_node", fingerprint.node_python)
        slow_found = walked(tree)
        monkeypatch.setattr(fingerprint, "_node", fast)
        fast_found = walked(tree)
        definitions += len(slow_found)
        if slow_found != fast_found:
            differ.append(str(path))
    assert definitions > 20_000
    assert differ == []


SHAPES = '''
import os.path as p, sys
from . import x as y
from ..m import (a, b as c)

@dec(1, k=2)
class C(Base, metaclass=M):
    """doc"""
    field: int = 3
    other: "str"
    def m(self, a: int, /, b=2, *args, c: str = "x", **kw) -> None:
        v: list[int]
        w: dict = {}
        try:
            x = [i for i in range(10) if i % 2]
        except (ValueError, TypeError) as err:
            raise RuntimeError(f"{err!r:>10}") from err
        else:
            pass
        finally:
            del x
        with open(p) as f, lock:
            yield from f
        async def inner():
            async for q in aiter():
                await q
            async with ctx() as z:
                return {**kw, 'k': b'v', 1.5: 2j, None: ...}
        return lambda *a, **k: (a, k, -1, not a, a if k else b, a[1:2:3], {1, 2}, (yield))
    match command:
        case [x, *rest] if x > 0:
            pass
        case {"k": v, **others}:
            pass
        case Point(x=0) | None:
            pass
    while True:
        break
    for i, j in enumerate(z):
        continue
    global g
    assert g, "message"
    x = y = z = 1
    x += 1
    print(*args, sep="", **kw)
    (n := 10)
    if a < b <= c is not d in e:
        ...
'''


def test_every_kind_of_node_gets_what_the_python_walk_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each node type the walk treats apart (names, constants of every type, attributes, arguments,
    handlers, keywords, imports, annotations in a class and in a function, bodies, matches)."""
    tree = ast.parse(SHAPES)
    fast = fingerprint._node
    monkeypatch.setattr(fingerprint, "_node", fingerprint.node_python)
    slow_found = walked(tree)
    monkeypatch.setattr(fingerprint, "_node", fast)
    assert len(slow_found) == 6  # C, m and inner; m and inner again as outermost, inner a third time
    assert walked(tree) == slow_found


def test_a_bad_call_raises_a_python_error() -> None:
    with pytest.raises(TypeError):
        native.node(ast.parse("x"))  # type: ignore[call-arg]
    with pytest.raises(AttributeError):  # (an accumulator without its sets)
        native.node(ast.Name("x", ast.Load()), object(), False, None)


def test_the_python_walk_runs_when_asked() -> None:
    code = "from ssot.scanner import fingerprint as f; print(f._node is f.node_python)"
    out = subprocess.run([sys.executable, "-c", code], env={**os.environ, "SSOT_PURE_PYTHON": "1"},
                         capture_output=True, text=True, check=True).stdout.split()
    assert out == ["True"]


def test_code_nested_too_deeply_raises_recursion_error_as_the_python_walk_does(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A long chain (``a + a + ...``) parses, and the walk gives up with RecursionError (the scan names the
    file) rather than overflowing the C stack."""
    tree = ast.parse("def f():\n    return " + " + ".join(["a"] * 2_000) + "\n")
    node = tree.body[0]
    assert isinstance(node, ast.FunctionDef)
    for walk in (fingerprint._node, fingerprint.node_python):
        monkeypatch.setattr(fingerprint, "_node", walk)
        with pytest.raises(RecursionError):
            fingerprint.walk_definition(node, False, frozenset(), [])
