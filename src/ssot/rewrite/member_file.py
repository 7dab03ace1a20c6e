"""Rewrite one file that holds copies: the copies go, imports of the canonical ones come in.

One parse per file, whatever number of copies (of any families) it holds:

* a top-level copy is removed and ``from <canonical> import <Name> [as <Local>]``
  joins the file's other imports;
* a nested copy (inside a fixture or function) becomes that import, as a local
  import where the definition stood;
* a fixture copy is removed only (it moves to a ``conftest.py``);
* imports that only the removed code used go too;
* optionally, commented-out copies (line spans) are deleted.

Everything else keeps its bytes: the file is parsed from bytes with LibCST and
written back with ``Module.bytes`` (encoding, newlines and BOM preserved).
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass, field
from typing import Literal

import libcst as cst

from ssot.rewrite.imports import add_imports, from_import, has_from_import, import_line, remove_import_names
from ssot.rewrite.locate import ast_ordinal, edit_at, find_all, qual_parts
from ssot.rewrite.names import DEF_TYPES, find_def, free_names, module_bindings, names_used_outside
from ssot.rewrite.trivia import leading_lines, remove_statement, split_leading

Action = Literal["import", "local-import", "remove"]


class RewriteError(Exception):
    """The file does not hold what the plan expected (changed since the scan?)."""


@dataclass(frozen=True, slots=True)
class CopyEdit:
    """What to do with one copy in the file."""

    qualname: str
    name: str
    line: int  # line of the class/def keyword in the original file
    action: Action
    module: str = ""  # canonical module (dotted) to import from
    target: str = ""  # canonical name


@dataclass(slots=True)
class FileRewrite:
    """The result for one file."""

    new: bytes
    removed_lines: int = 0
    added_imports: list[str] = field(default_factory=list)
    removed_imports: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.removed_lines or self.added_imports or self.removed_imports)


def _drop_spans(data: bytes, spans: list[tuple[int, int]]) -> tuple[bytes, dict[int, int], int]:
    """Delete 1-based inclusive line spans, collapsing the blank lines left around each to two.

    Returns the new bytes, a map old line -> new line for the lines kept, and
    how many lines went.
    """
    lines = data.splitlines(keepends=True)
    if not spans:
        return data, {i + 1: i + 1 for i in range(len(lines))}, 0
    kill: set[int] = set()
    for a, b in spans:
        kill.update(range(a - 1, min(b, len(lines))))
    out: list[bytes] = []
    mapping: dict[int, int] = {}
    i = 0
    while i < len(lines):
        if i in kill:
            j = i
            while j < len(lines) and j in kill:
                j += 1
            before = 0
            while before < len(out) and not out[-1 - before].strip():
                before += 1
            after = 0
            while j + after < len(lines) and not lines[j + after].strip() and (j + after) not in kill:
                after += 1
            i = j + min(after, max(0, before + after - 2))
            continue
        out.append(lines[i])
        mapping[i + 1] = len(out)
        i += 1
    return b"".join(out), mapping, len(lines) - len(out)


def _first_line(s: ast.stmt) -> int:
    return min([s.lineno, *(d.lineno for d in getattr(s, "decorator_list", []))])


def _holds(s: ast.stmt, name: str) -> bool:
    """Whether top-level statement ``s`` is, or (inside if/with/for/while/try blocks) holds, a
    definition named ``name``."""
    if isinstance(s, DEF_TYPES):
        return s.name == name
    return any(isinstance(child, ast.stmt) and _holds(child, name) for child in ast.iter_child_nodes(s))


def _prefix_end(tree: ast.Module, qualnames: list[str]) -> int | None:
    """The last line of the shortest run of whole top-level statements, from the top of the
    file, holding everything the rewrite edits or reads; None when that is the whole file.

    Needed: the docstring and the statement after it; every module-level import and the
    statement after it (new imports go after the leading ones, and a removed import's comments
    or a blank line may move to the statement that follows); every top-level statement holding a
    definition of an edited copy's outermost name (all of them: the copy is picked among its
    namesakes by rank), and the statement after it (it inherits the copy's detached comments).
    A statement's trailing comments belong to it in LibCST: the cut is never right after a
    statement that is removed or edited, so every such comment is parsed where it belongs.
    """
    # top-level statements sharing lines (``a = 1; b = 2``) are one LibCST statement
    units: list[int] = []  # last line of each unit
    unit_of: list[int] = []
    for s in tree.body:
        if units and _first_line(s) <= units[-1]:
            units[-1] = max(units[-1], s.end_lineno or s.lineno)
        else:
            units.append(s.end_lineno or s.lineno)
        unit_of.append(len(units) - 1)
    need = 1
    names = {qual_parts(q)[0] for q in qualnames if qual_parts(q)}
    for i, s in enumerate(tree.body):
        if isinstance(s, (ast.Import, ast.ImportFrom)) or any(_holds(s, n) for n in names):
            need = max(need, unit_of[i] + 1)
    if need >= len(units) - 1:
        return None
    return units[need]


def keeps_imports_local(tree: ast.Module, anchor: str | None = None) -> bool:
    """Whether a file keeps its project imports out of module level: it imports inside functions, and at
    module level only the standard library and pytest (a conftest.py that must stay cheap to import).
    The import of a canonical name then goes where the copy stood, not into the module's import block."""
    def own(n: ast.AST) -> bool:  # an import ssot wrote (a nested copy migrated before) says nothing
        return bool(anchor) and isinstance(n, ast.ImportFrom) and (n.module or "").startswith(f"{anchor}.")

    local = any(isinstance(n, (ast.Import, ast.ImportFrom)) and not own(n) for s in tree.body
                if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) for n in ast.walk(s))
    if not local:
        return False
    allowed = {*sys.stdlib_module_names, "pytest", "__future__"}
    for s in tree.body:
        if isinstance(s, ast.Import) and any(a.name.split(".")[0] not in allowed for a in s.names):
            return False
        if isinstance(s, ast.ImportFrom) and (s.level or (s.module or "").split(".")[0] not in allowed):
            return False
    return True


def rewrite_file(data: bytes, edits: list[CopyEdit], rel_path: str, *,
                 commented_spans: list[tuple[int, int]] | None = None,
                 anchor_module: str | None = None) -> FileRewrite:
    """Apply ``edits`` (and delete ``commented_spans``) to the file's bytes."""
    spans = sorted(commented_spans or [])
    data2, line_map, dropped = _drop_spans(data, spans)
    try:
        tree = ast.parse(data2)
    except (SyntaxError, ValueError) as exc:
        raise RewriteError(f"{rel_path}: cannot parse it: {exc}") from None
    # LibCST parses (and regenerates) only the statements up to the last one the rewrite
    # touches or reads; the rest of the file is kept as bytes
    head, tail = data2, b""
    end = _prefix_end(tree, [e.qualname for e in edits])
    if end is not None:
        lines = data2.splitlines(keepends=True)
        head, tail = b"".join(lines[:end]), b"".join(lines[end:])
    try:
        module = cst.parse_module(head)
    except cst.ParserSyntaxError:
        head, tail = data2, b""
        try:
            module = cst.parse_module(data2)
        except cst.ParserSyntaxError as exc:
            raise RewriteError(f"{rel_path}: cannot parse it: {exc.message} (line {exc.raw_line})") from None
    removed_spans: list[tuple[int, int]] = []
    removed_free: set[str] = set()
    located: list[tuple[CopyEdit, int]] = []
    for e in edits:
        line = line_map.get(e.line, -1)
        found = find_def(tree, line, e.name)
        if found is None:
            raise RewriteError(f"{rel_path}:{e.line}: no definition of {e.name} there any more; rescan")
        node, _chain = found
        start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        removed_spans.append((start, node.end_lineno or node.lineno))
        removed_free |= free_names(node)
        located.append((e, line))
    removed_lines = sum(b - a + 1 for a, b in removed_spans)

    body: list[cst.BaseStatement] = list(module.body)
    footer = list(module.footer)
    top_imports: list[str] = []
    in_place = keeps_imports_local(tree, anchor_module)
    # bottom-up, so that the ordinals of the remaining copies do not move
    for e, line in sorted(located, key=lambda x: -x[1]):
        hits = find_all(body, e.qualname)
        k = ast_ordinal(tree, e.qualname, line) if len(hits) != 1 else 0
        if not (0 <= k < len(hits)):
            raise RewriteError(f"{rel_path}:{e.line}: cannot find {e.qualname}; rescan and plan again")
        loc = hits[k]
        top_level = len(loc.path) == 1
        if e.action == "local-import" or (e.action == "import" and top_level and in_place):
            stmt = import_line(from_import(e.module, e.target, e.name))

            def replace(stmts: list[cst.BaseStatement], i: int, stmt: cst.SimpleStatementLine = stmt) \
                    -> list[cst.BaseStatement]:
                detached, _ = split_leading(leading_lines(stmts[i]))
                stmts[i] = stmt.with_changes(leading_lines=detached)
                return stmts

            body = edit_at(body, loc.path, replace)
            continue

        def remove(stmts: list[cst.BaseStatement], i: int, top_level: bool = top_level) \
                -> list[cst.BaseStatement]:
            nonlocal footer
            out = remove_statement(stmts, i)
            if i == len(out) and top_level:
                detached, _ = split_leading(leading_lines(stmts[i]))
                if any(ln.comment for ln in detached):
                    footer = [*detached, *footer]
            if not out:
                out = [cst.SimpleStatementLine([cst.Pass()])]
            return out

        body = edit_at(body, loc.path, remove)
        if e.action == "import" and top_level:
            if not has_from_import(body, e.module, e.target, e.name):
                top_imports.append(from_import(e.module, e.target, e.name))
        elif e.action == "import":
            raise RewriteError(f"{rel_path}:{e.line}: {e.qualname} is nested; it needs a local import")

    # imports only the removed code used
    bindings = module_bindings(tree, rel_path)
    candidates = {n for n in removed_free if n in bindings.imports}
    still_used = names_used_outside(tree, removed_spans) if candidates else set()
    unused = {n for n in candidates if n not in still_used}
    # never drop a name the new imports or local imports rebind
    unused -= {e.name for e in edits}
    body = remove_import_names(body, unused)
    body = add_imports(body, list(reversed(top_imports)), anchor_module)
    new_module = module.with_changes(body=body, footer=footer)
    new = new_module.bytes
    if new != module.bytes and data2[:1] not in (b"\n", b"\r") and new[:1] in (b"\n", b"\r"):
        new = new.lstrip(b"\r\n")  # the file's first statement went: so does the blank line after it
    return FileRewrite(
        new=new + tail,
        removed_lines=removed_lines + dropped,
        added_imports=list(dict.fromkeys(reversed(top_imports))),
        removed_imports=sorted(unused),
    )
