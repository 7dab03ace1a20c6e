"""Who imports whom in a project, read from the import statements of every Python file (no import runs).

Used twice: the plan asks whether another file imports a name from a copy's
module (then the name is part of that module's interface, and merging it into
another object would be seen), and validation asks which test modules import a
touched module, directly or through others, so that it runs all of them.

A module is known under every dotted suffix of its path (``tests/unit/helpers.py``
is ``tests.unit.helpers``, ``unit.helpers`` and ``helpers``), the way rootdir, src
and prepend layouts import it; relative imports are resolved against the file's
folders.  A name that several files could be is counted for all of them: the
answers err on the side of more validation, never less.
"""

from __future__ import annotations

import os
import re
from collections import deque
from pathlib import Path

from ssot.scope import module_names

SKIP_DIRS = frozenset({".git", ".hg", ".svn", "__pycache__", "node_modules", ".tox", ".nox", ".venv", "venv",
                       "env", "build", "dist", "site-packages", ".mypy_cache", ".pytest_cache", ".ruff_cache"})

_FROM = re.compile(r"^[ \t]*from[ \t]+(\.*)([\w.]*)[ \t]+import\b[ \t]*(\([^)]*\)|[^\n#;]*)", re.M)
_IMPORT = re.compile(r"^[ \t]*import[ \t]+([^\n#;]+)", re.M)
_NAME = re.compile(r"[A-Za-z_]\w*")


def python_files(root: Path) -> list[str]:
    """Every ``.py`` file under ``root`` (POSIX, relative), virtualenvs, caches and VCS folders skipped."""
    out: list[str] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith(".ssot")
                         and not (Path(folder, d) / "pyvenv.cfg").exists())
        rel = os.path.relpath(folder, root).replace(os.sep, "/")
        for f in sorted(files):
            if f.endswith(".py"):
                out.append(f if rel == "." else f"{rel}/{f}")
    return out


def imports_of(rel: str, text: str) -> set[str]:
    """Dotted names ``rel`` imports (``from X import Y`` gives ``X`` and ``X.Y``); relative ones resolved."""
    found: set[str] = set()
    folder = rel.split("/")[:-1]
    for m in _FROM.finditer(text):
        dots, mod, names = m.groups()
        if dots:
            up = len(dots) - 1
            if up > len(folder):
                continue
            base = ".".join([*folder[: len(folder) - up], *([mod] if mod else [])])
        else:
            base = mod
        if base:
            found.add(base)
        for item in names.strip("()").split(","):
            first = _NAME.match(item.strip())
            if first and first.group() != "import":
                found.add(f"{base}.{first.group()}" if base else first.group())
    for m in _IMPORT.finditer(text):
        for item in m.group(1).split(","):
            words = item.split()
            if words:
                parts = words[0].split(".")
                found.update(".".join(parts[: k + 1]) for k in range(len(parts)))
    return found


class ImportGraph:
    def __init__(self, root: Path, files: list[str] | None = None) -> None:
        self.root = root
        self.files = files if files is not None else python_files(root)
        self.by_name: dict[str, set[str]] = {}
        for rel in self.files:
            for name in module_names(rel):
                self.by_name.setdefault(name, set()).add(rel)
        self.imports: dict[str, set[str]] = {}
        self._importers: dict[str, set[str]] | None = None

    def _text(self, rel: str) -> str:
        try:
            return (self.root / rel).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def names_imported_by(self, rel: str) -> set[str]:
        got = self.imports.get(rel)
        if got is None:
            got = self.imports[rel] = imports_of(rel, self._text(rel))
        return got

    def importers(self) -> dict[str, set[str]]:
        """File -> files importing it directly."""
        if self._importers is None:
            out: dict[str, set[str]] = {}
            for rel in self.files:
                for name in self.names_imported_by(rel):
                    for hit in self.by_name.get(name, ()):
                        if hit != rel:
                            out.setdefault(hit, set()).add(rel)
            self._importers = out
        return self._importers

    def importing(self, touched: set[str]) -> set[str]:
        """Every file importing one of ``touched``, directly or through other files (``touched`` included)."""
        graph = self.importers()
        seen = set(touched)
        todo = deque(touched)
        while todo:
            for who in graph.get(todo.popleft(), ()):
                if who not in seen:
                    seen.add(who)
                    todo.append(who)
        return seen

    def name_imported_elsewhere(self, rel: str, name: str) -> str | None:
        """Another file that imports ``name`` from ``rel``'s module, if any."""
        wanted = {f"{m}.{name}" for m in module_names(rel)}
        for other in self.files:
            if other != rel and wanted & self.names_imported_by(other):
                return other
        return None
