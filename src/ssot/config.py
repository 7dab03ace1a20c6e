"""``[tool.ssot]`` loading and validation.

Every key is declared once in ``KEYS`` with its type and default; an unknown
key or a value of the wrong type is a :class:`ConfigError` naming the key, the
file and what is expected.  Command-line flags override the file.
"""

from __future__ import annotations

import difflib
import os
import sys
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from ssot.errors import ConfigError
from ssot.files import DEFAULT_VENDOR_DIRS, gitignore_spec

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DEFAULT_BACKUP_GLOBS = ["backup/", "backups/", "*_backup/", "*_backups/", "*.bak", "*.orig"]


@dataclass(frozen=True)
class Config:
    """Resolved configuration of one project."""

    root: Path = field(default_factory=Path.cwd)
    source: Path | None = None  # the pyproject.toml it came from
    paths: list[str] = field(default_factory=lambda: ["."])
    exclude: list[str] = field(default_factory=list)  # gitignore-style globs
    min_lines: int = 4  # smaller definitions are not reported
    min_tokens: int = 30  # nor definitions of fewer code tokens (docstrings, comments, annotations out)
    all: bool = False  # scan every Python file, library code too (default: the test code only)
    vendor_dirs: list[str] = field(default_factory=lambda: list(DEFAULT_VENDOR_DIRS))  # folders never scanned
    backup_globs: list[str] = field(default_factory=lambda: list(DEFAULT_BACKUP_GLOBS))
    canonical_package: str = ""  # "" = chosen in the test tree by ssot.migrate.home
    phases: dict[str, list[str]] = field(default_factory=dict)  # ordered: name -> path globs
    names: dict[str, str] = field(default_factory=dict)  # equivalence class id -> canonical name
    jobs: int = 0  # worker processes; 0 = one per core
    cache_dir: str = ".ssot_cache"
    max_file_bytes: int = 20_000_000
    collect_timeout: float = 600.0
    collect_slowdown: float = 1.10  # --compare fails when collection gets slower than this ratio
    history: str | bool = ".ssot/history.db"  # the SQLite history of the figures; false = keep none
    min_compliance: float = 0.0  # ssot validate exits 1 below this share of consolidated copies (0 to 1)

    def with_overrides(self, **overrides: Any) -> Config:
        """Apply command-line flags: ``None`` means "not given"."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})

    @property
    def whole_tree(self) -> bool:
        """Every file is in scope: ``all = true``/``--all``, or ``paths`` chosen in the configuration."""
        return self.all or self.paths != ["."]

    @property
    def cache_path(self) -> Path:
        return self.root / self.cache_dir

    @property
    def history_path(self) -> Path | None:
        """The history database, or ``None`` when ``history = false``."""
        return self.root / self.history if isinstance(self.history, str) else None


# key in the file -> (field name, expected type description, validator)
_LIST_OF_STR = "a list of strings"


def _is_list_of_str(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(x, str) for x in v)


def _is_table_of(pred: Any) -> Any:
    return lambda v: isinstance(v, dict) and all(isinstance(k, str) and pred(x) for k, x in v.items())


KEYS: dict[str, tuple[str, str, Any]] = {
    "paths": ("paths", _LIST_OF_STR, _is_list_of_str),
    "exclude": ("exclude", _LIST_OF_STR, _is_list_of_str),
    "min_lines": ("min_lines", "a positive integer", lambda v: type(v) is int and v > 0),
    "min_tokens": ("min_tokens", "a positive integer", lambda v: type(v) is int and v > 0),
    "all": ("all", "true or false", lambda v: isinstance(v, bool)),
    "vendor_dirs": ("vendor_dirs", "a list of folder names", _is_list_of_str),
    "backup_globs": ("backup_globs", _LIST_OF_STR, _is_list_of_str),
    "canonical_package": ("canonical_package", "a path like 'test_framework/ssot'",
                          lambda v: isinstance(v, str) and bool(v.strip("/"))),
    "phases": ("phases", "a table of phase name = list of path globs", _is_table_of(_is_list_of_str)),
    "names": ("names", "a table of equivalence class id = name", _is_table_of(lambda x: isinstance(x, str))),
    "jobs": ("jobs", "a non-negative integer", lambda v: type(v) is int and v >= 0),
    "cache_dir": ("cache_dir", "a path", lambda v: isinstance(v, str) and bool(v)),
    "max_file_bytes": ("max_file_bytes", "a positive integer", lambda v: type(v) is int and v > 0),
    "collect_timeout": ("collect_timeout", "a number of seconds",
                        lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0),
    "collect_slowdown": ("collect_slowdown", "a ratio such as 1.10",
                         lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 1),
    "history": ("history", "a path such as '.ssot/history.db', or false",
                lambda v: v is False or (isinstance(v, str) and bool(v.strip()))),
    "min_compliance": ("min_compliance", "a share between 0 and 1, such as 0.95",
                       lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 1),
}
_ALIASES = {k.replace("_", "-"): k for k in KEYS}
assert {f for f, _, _ in KEYS.values()} <= {f.name for f in fields(Config)}


def find_pyproject(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` at or above ``start``."""
    start = start if start.is_dir() else start.parent
    for d in (start, *start.parents):
        candidate = d / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def parse_table(table: dict[str, Any], source: str) -> dict[str, Any]:
    """Validate a ``[tool.ssot]`` table; return Config field values."""
    values: dict[str, Any] = {}
    for raw_key, value in table.items():
        key = _ALIASES.get(raw_key, raw_key)
        if key not in KEYS:
            hint = difflib.get_close_matches(key, list(KEYS), n=1)
            suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
            known = ", ".join(sorted(KEYS))
            raise ConfigError(f"{source}: unknown key 'tool.ssot.{raw_key}'{suggestion}; known keys: {known}")
        name, expected, valid = KEYS[key]
        if not valid(value):
            raise ConfigError(f"{source}: 'tool.ssot.{raw_key}' must be {expected}, not {value!r}")
        if key in _GLOBS:
            for glob in value if isinstance(value, list) else [g for gs in value.values() for g in gs]:
                try:
                    gitignore_spec([glob])
                except ConfigError:
                    raise ConfigError(f"{source}: 'tool.ssot.{raw_key}' holds {glob!r}, which is no .gitignore-style "
                                      "pattern; fix or remove it") from None
        values[name] = value
    return values


_GLOBS = ("exclude", "backup_globs", "phases")  # read as .gitignore-style patterns


def load(root: Path | str | None = None, pyproject: Path | None = None) -> Config:
    """Load the configuration of the project at or above ``root``."""
    base = Path(root or os.getcwd()).resolve()
    source = pyproject or find_pyproject(base)
    if source is None:
        return Config(root=base if base.is_dir() else base.parent)
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}; fix the file, or pass --config FILE") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{source}: cannot read it: {exc}") from None
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError(f"{source}: 'tool' must be a table")
    table = tool.get("ssot", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{source}: 'tool.ssot' must be a table")
    return Config(root=source.parent, source=source, **parse_table(table, str(source)))
