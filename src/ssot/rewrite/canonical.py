"""Build or update the canonical module (and a ``conftest.py`` for fixtures) from real copies.

Each definition is taken from the representative copy's own source through
LibCST (comments, docstrings, formatting kept; indentation of a nested copy
dropped), renamed when its canonical name differs, and appended to the
module with exactly the imports its free names need.  ``Test*`` helpers get
``__test__ = False`` so that pytest stops collecting them in every module
that imports them.  A definition already present (same name) is never
written twice, so building again is a no-op.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst

from ssot.rewrite.imports import add_imports, import_line
from ssot.rewrite.locate import ast_ordinal, find_all
from ssot.rewrite.trivia import leading_lines

NOT_A_TEST = "__test__ = False  # a helper, not a test class: pytest must not collect it"


@dataclass(slots=True)
class CanonicalDef:
    """One definition to put into a canonical module or conftest."""

    name: str  # the name it gets there
    source_path: str  # file of the representative copy
    source_qualname: str
    source_name: str
    source_line: int
    imports: list[str] = field(default_factory=list)  # import statements its free names need
    future_annotations: bool = False
    not_a_test: bool = False  # add ``__test__ = False``


class _Rename(cst.CSTTransformer):
    """Rename references to the definition's own name (not attributes or keywords of the same spelling)."""

    def __init__(self, old: str, new: str) -> None:
        self.old, self.new = old, new

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.Name:
        return updated.with_changes(value=self.new) if updated.value == self.old else updated

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.Attribute:
        return updated.with_changes(attr=original.attr)

    def leave_Arg(self, original: cst.Arg, updated: cst.Arg) -> cst.Arg:
        return updated.with_changes(keyword=original.keyword)

    def leave_Param(self, original: cst.Param, updated: cst.Param) -> cst.Param:
        return updated.with_changes(name=original.name)


def _is_docstring(s: cst.BaseStatement) -> bool:
    return isinstance(s, cst.SimpleStatementLine) and len(s.body) == 1 and isinstance(s.body[0], cst.Expr) \
        and isinstance(s.body[0].value, (cst.SimpleString, cst.ConcatenatedString))


def _mark_class(node: cst.ClassDef) -> cst.ClassDef:
    if not isinstance(node.body, cst.IndentedBlock):
        return node
    stmts = list(node.body.body)
    for s in stmts:
        if isinstance(s, cst.SimpleStatementLine) and any(
            isinstance(x, cst.Assign) and any(isinstance(t.target, cst.Name) and t.target.value == "__test__"
                                              for t in x.targets) for x in s.body
        ):
            return node
    at = 1 if stmts and _is_docstring(stmts[0]) else 0
    line = cst.parse_statement(NOT_A_TEST + "\n")
    if at:
        line = line.with_changes(leading_lines=[cst.EmptyLine(indent=False)])
    if at < len(stmts) and not leading_lines(stmts[at]):
        stmts[at] = stmts[at].with_changes(leading_lines=[cst.EmptyLine(indent=False)])
    stmts.insert(at, line)
    return node.with_changes(body=node.body.with_changes(body=stmts))


def extract_definition(module: cst.Module, d: CanonicalDef) -> cst.BaseStatement:
    """The representative copy, ready to stand at module level under its canonical name."""
    hits = find_all(module.body, d.source_qualname)
    if not hits:
        raise LookupError(f"{d.source_path}:{d.source_line}: no {d.source_qualname} there; rescan")
    # several copies with one qualname: take the one nearest the recorded line
    k = ast_ordinal(ast.parse(module.code), d.source_qualname, d.source_line) if len(hits) > 1 else 0
    node: cst.FunctionDef | cst.ClassDef = hits[max(k, 0)].node
    node = node.with_changes(leading_lines=[])
    if d.source_name != d.name:
        renamed = node.visit(_Rename(d.source_name, d.name))
        assert isinstance(renamed, (cst.FunctionDef, cst.ClassDef))
        node = renamed.with_changes(name=cst.Name(d.name))
    if d.not_a_test and isinstance(node, cst.ClassDef):
        node = _mark_class(node)
    return node


def _defined(body: Sequence[cst.BaseStatement]) -> set[str]:
    out: set[str] = set()
    for s in body:
        if isinstance(s, (cst.FunctionDef, cst.ClassDef)):
            out.add(s.name.value)
    return out


def build_module(existing: bytes | None, defs: list[tuple[CanonicalDef, cst.BaseStatement]],
                 docstring: str) -> bytes:
    """The module with every definition of ``defs`` present once (appended when missing)."""
    module = cst.parse_module(existing if existing is not None else f'"""{docstring}"""\n'.encode())
    body: list[cst.BaseStatement] = list(module.body)
    have = _defined(body)
    imports: list[str] = []
    future = False
    added = False
    for d, node in defs:
        if d.name in have:
            continue
        have.add(d.name)
        future = future or d.future_annotations
        imports.extend(d.imports)
        gap = [cst.EmptyLine(indent=False), cst.EmptyLine(indent=False)]
        body.append(node.with_changes(leading_lines=gap) if body else node)
        if d.not_a_test and isinstance(node, cst.FunctionDef):
            body.append(import_line(f"{d.name}.__test__ = False  # a helper, not a test"))
        added = True
    if not added:
        return module.bytes
    # stdlib / third-party "import x" first, then "from" imports: stable and readable
    ordered = sorted(dict.fromkeys(imports), key=lambda s: (not s.startswith("import "), s))
    body = add_imports(body, ordered)
    has_future = any(isinstance(s, cst.SimpleStatementLine)
                     and "from __future__ import annotations" in cst.Module([s]).code for s in body)
    if future and not has_future:
        at = 1 if body and _is_docstring(body[0]) else 0
        line = import_line("from __future__ import annotations")
        if at:
            line = line.with_changes(leading_lines=[cst.EmptyLine(indent=False)])
        body.insert(at, line)
    if existing is None and len(body) > 1 and not leading_lines(body[1]):
        body[1] = body[1].with_changes(leading_lines=[cst.EmptyLine(indent=False)])
    return module.with_changes(body=body).bytes
