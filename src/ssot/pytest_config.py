"""What pytest would collect, read statically from the project's pytest configuration.

pytest reads its ini options from the first of pytest.ini, pyproject.toml
(``[tool.pytest.ini_options]``), tox.ini (``[pytest]``) and setup.cfg
(``[tool:pytest]``) found in the root directory; this module does the same for
the three options that decide which files become test modules.
"""

from __future__ import annotations

import configparser
import fnmatch
import re
import shlex
import sys
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DEFAULT_NORECURSE = ["*.egg", ".*", "_darcs", "build", "CVS", "dist", "node_modules", "venv", "{arch}"]


@dataclass(frozen=True)
class PytestConfig:
    source: Path | None = None
    python_files: list[str] = field(default_factory=lambda: ["test_*.py", "*_test.py"])
    testpaths: list[str] = field(default_factory=list)
    norecursedirs: list[str] = field(default_factory=lambda: list(DEFAULT_NORECURSE))
    python_classes: list[str] = field(default_factory=lambda: ["Test"])
    python_functions: list[str] = field(default_factory=lambda: ["test"])
    pythonpath: list[str] = field(default_factory=list)  # folders pytest puts on sys.path
    addopts: list[str] = field(default_factory=list)

    @property
    def import_mode(self) -> str:
        """``--import-mode`` as addopts sets it (pytest's default: prepend)."""
        mode = "prepend"
        for k, opt in enumerate(self.addopts):
            if opt.startswith("--import-mode="):
                mode = opt.partition("=")[2]
            elif opt == "--import-mode" and k + 1 < len(self.addopts):
                mode = self.addopts[k + 1]
        return mode

    @cached_property
    def _file_pattern(self) -> re.Pattern[str]:
        return re.compile("|".join(fnmatch.translate(p) for p in self.python_files) or "(?!)")

    @cached_property
    def _dir_pattern(self) -> re.Pattern[str]:
        return re.compile("|".join(fnmatch.translate(p) for p in self.norecursedirs) or "(?!)")

    def collects(self, rel_path: str) -> bool:
        """Whether pytest, run from the root, would import ``rel_path`` as a test module."""
        folder, _, name = rel_path.rpartition("/")
        if not self._file_pattern.match(name):
            return False
        roots = [tp.strip("/") for tp in self.testpaths]
        if roots and not any(r in ("", ".") or rel_path.startswith(r + "/") for r in roots):
            return False
        return self._folder_collected(folder)

    def _folder_collected(self, folder: str) -> bool:
        cache = self.__dict__.setdefault("_folders", {})
        if folder not in cache:
            cache[folder] = not any(self._dir_pattern.match(d) for d in folder.split("/") if d)
        return cache[folder]


def _split(value: object) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    try:
        return shlex.split(str(value))
    except ValueError:  # an unbalanced quote: pytest fails on it too; never a traceback of ours
        return str(value).split()


def load_pytest_config(root: Path) -> PytestConfig:
    """The pytest configuration that applies at ``root`` (defaults when there is none or it is unreadable)."""
    options: dict[str, object] | None = None
    source: Path | None = None
    try:
        if (root / "pytest.ini").is_file():
            cp = configparser.ConfigParser(interpolation=None)
            cp.read(root / "pytest.ini", encoding="utf-8")
            options, source = dict(cp["pytest"]) if cp.has_section("pytest") else {}, root / "pytest.ini"
        if options is None and (root / "pyproject.toml").is_file():
            data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
            tool = data.get("tool")
            pytest_table = tool.get("pytest") if isinstance(tool, dict) else None
            ini = pytest_table.get("ini_options") if isinstance(pytest_table, dict) else None
            if isinstance(ini, dict):
                options, source = ini, root / "pyproject.toml"
        for name, section in (("tox.ini", "pytest"), ("setup.cfg", "tool:pytest")):
            if options is None and (root / name).is_file():
                cp = configparser.ConfigParser(interpolation=None)
                cp.read(root / name, encoding="utf-8")
                if cp.has_section(section):
                    options, source = dict(cp[section]), root / name
    except (OSError, UnicodeDecodeError, configparser.Error, tomllib.TOMLDecodeError):
        options = None
    if not options:
        return PytestConfig(source=source)
    defaults = PytestConfig()
    return PytestConfig(
        source=source,
        python_files=_split(options.get("python_files", defaults.python_files)),
        testpaths=_split(options.get("testpaths", [])),
        norecursedirs=_split(options.get("norecursedirs", defaults.norecursedirs)),
        python_classes=_split(options.get("python_classes", defaults.python_classes)),
        python_functions=_split(options.get("python_functions", defaults.python_functions)),
        pythonpath=_split(options.get("pythonpath", [])),
        addopts=_split(options.get("addopts", [])),
    )
