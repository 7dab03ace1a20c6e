"""Pieces every command shares: finding the project, progress bars."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from ssot import config as config_mod
from ssot.config import Config
from ssot.errors import SsotError


def add_project_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--root", metavar="DIR", help="project root (default: the folder of the nearest "
                        "pyproject.toml above the first PATH, or the current directory)")
    parser.add_argument("--config", metavar="FILE", help="read [tool.ssot] from this pyproject.toml")


def project_config(args: argparse.Namespace, paths: Sequence[str] = ()) -> Config:
    """The configuration of the project the command works on."""
    for p in paths:  # a path given on the command line that is not there is a usage error
        if not Path(p).exists():
            raise SsotError(f"{p}: no such file or directory")
    if args.config:
        source = Path(args.config)
        if not source.is_file():
            raise SsotError(f"--config {args.config}: no such file")
        cfg = config_mod.load(source.parent, pyproject=source)
        return cfg if not args.root else _with_root(cfg, Path(args.root))
    if args.root:
        root = Path(args.root)
        if not root.is_dir():
            raise SsotError(f"--root {args.root}: not a directory")
        return config_mod.load(root)
    start = Path(paths[0]) if paths else Path.cwd()
    if not start.exists():
        raise SsotError(f"{paths[0]}: no such file or directory")
    cfg = config_mod.load(start)
    if cfg.source is None and len(paths) > 1:  # no project file: the folder holding every path
        folders = [str(Path(p).resolve() if Path(p).is_dir() else Path(p).resolve().parent) for p in paths]
        return _with_root(cfg, Path(os.path.commonpath(folders)))
    if cfg.source is None and start.is_dir():
        return _with_root(cfg, start)
    return cfg


def _with_root(cfg: Config, root: Path) -> Config:
    from dataclasses import replace

    return replace(cfg, root=root.resolve())


def relative_paths(cfg: Config, paths: Sequence[str]) -> list[str]:
    """Command-line paths relative to the project root (they are relative to the cwd)."""
    out = []
    for p in paths:
        path = Path(p).resolve()
        try:
            out.append(path.relative_to(cfg.root).as_posix() or ".")
        except ValueError:
            raise SsotError(f"{p}: outside the project root {cfg.root}; pass --root") from None
    return out


@contextlib.contextmanager
def progress_bar(label: str, enabled: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar on stderr when it is a terminal; ``None`` otherwise."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update
