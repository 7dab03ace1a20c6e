# The C accelerator of the fingerprint walk (src/ssot/scanner/_fingerprint.c); see ssot.scanner.fingerprint.
import ast
from collections.abc import Callable
from typing import Any

def node(node: ast.AST, acc: Any, in_class: bool, found: list[Any] | None, /) -> tuple[str, str]: ...
def configure(types: dict[str, type], plan: Callable[[type], tuple[str, int, tuple[tuple[str, bool], ...],
              tuple[str, ...]]], stmts: Callable[..., str], attribute_tokens: int, /) -> None: ...
