"""A unit's code lines are counted from one walk of its outermost definition: the lines of that walk
within the unit's span must be exactly the unit's own (its own walk), at every depth."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from ssot.scanner.units import code_lines, lines_within

TRICKY = textwrap.dedent('''
    import functools

    @functools.lru_cache(
        maxsize=None,
    )
    def outer(a, b=(
        1, 2)):
        """Doc
        string."""
        x = 1; y = 2
        def inner(): return 1; z = 3
        class Local: pass
        if a:
            @staticmethod
            def in_if(c,
                      d):
                return c
        else:
            def in_else(): ...
        try:
            def in_try():
                pass
        except ValueError as exc:
            def in_handler():
                return exc
        finally:
            def in_finally(): pass
        with open(
            "f"
        ) as fh:
            def in_with():
                # a comment

                return fh
        match a:
            case 1:
                def in_case(): return 1
        return (x
                + y)


    class Outer:
        attr = 1

        class Inner:
            def method(self):
                return [
                    i for i in range(3)
                ]

        async def amethod(self):
            async with self.lock:
                async for item in self.items:
                    def deep(): return item
''')


_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _pairs(tree: ast.Module) -> list[tuple[ast.AST, ast.AST]]:
    """(outermost definition, definition inside it or itself) for every definition of the module."""
    out = []
    todo: list[ast.AST] = [tree]
    while todo:
        node = todo.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, _DEFS):
                out.extend((child, n) for n in ast.walk(child) if isinstance(n, _DEFS))
            else:
                todo.append(child)
    return out


def _check(source: str) -> int:
    tree = ast.parse(source)
    checked = 0
    for top, node in _pairs(tree):
        assert lines_within(code_lines(top), node) == len(code_lines(node)), ast.unparse(node)[:200]  # type: ignore[arg-type]
        checked += 1
    return checked


def test_tricky_shapes() -> None:
    assert _check(TRICKY) == 15


def test_ssots_own_sources() -> None:
    root = Path(__file__).resolve().parents[2] / "src"
    assert sum(_check(p.read_text(encoding="utf-8")) for p in sorted(root.rglob("*.py"))) > 1000


REALCODE = Path("/work/realcode/monorepo")


@pytest.mark.skipif(not REALCODE.is_dir(), reason="the realcode monorepo is not unpacked here")
def test_real_projects() -> None:
    checked = 0
    for p in sorted(REALCODE.rglob("*.py"))[::7]:
        try:
            source = p.read_text(encoding="utf-8")
            ast.parse(source)
        except (SyntaxError, UnicodeDecodeError, ValueError):
            continue
        checked += _check(source)
    assert checked > 10_000
