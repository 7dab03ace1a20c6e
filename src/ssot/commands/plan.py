"""``ssot plan [--family ID ...] [--format markdown|json|text] [-o FILE]``: write a remediation plan."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING

from ssot.commands.common import add_project_arguments, progress_bar, project_config
from ssot.commands.options import add_output_arguments, style_of
from ssot.exitcodes import OK

if TYPE_CHECKING:
    from ssot.app.plan import Planned
    from ssot.config import Config
    from ssot.migrate.plan import PlanOptions


def add_plan_arguments(parser: argparse.ArgumentParser) -> None:
    """Options shared by ``plan`` and ``migrate`` (what to migrate, and how to cut it)."""
    parser.add_argument("--family", dest="families", action="append", metavar="ID",
                        help="family id or name (repeatable; default: every family that can migrate)")
    parser.add_argument("--phase", metavar="NAME", help="only this phase of [tool.ssot.phases]")
    parser.add_argument("--batch-size", type=int, default=None, metavar="N",
                        help="files per batch (default 50)")
    parser.add_argument("--include-backups", action="store_true",
                        help="also migrate copies under backup folders (left alone by default)")
    parser.add_argument("--remove-commented", action="store_true",
                        help="also delete the commented-out copies of the migrated families")
    parser.add_argument("--merge-supersets", action="store_true",
                        help="let a compatible superset class serve its subsets (one definition fewer)")
    parser.add_argument("--map", dest="maps", action="append", metavar="CLASS=TARGET",
                        help="serve equivalence class CLASS with TARGET's definition (ids like "
                             "'TestWebSocketConnection/C=TestWebSocketConnection/A'; repeatable)")
    parser.add_argument("--force-map", action="store_true",
                        help="apply --map even when TARGET cannot serve CLASS unchanged (validation decides)")
    parser.add_argument("--exclude-family", dest="exclude", action="append", metavar="ID",
                        help="leave this family out (id or name; repeatable)")
    add_project_arguments(parser)
    parser.add_argument("--no-cache", action="store_true", help="do not use the scan cache")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_plan_arguments(parser)
    add_output_arguments(parser, ("markdown", "json", "text"), default="markdown")


def parse_maps(values: list[str] | None) -> dict[str, str]:
    from ssot.errors import SsotError

    out: dict[str, str] = {}
    for v in values or []:
        src, sep, dst = v.partition("=")
        if not sep or not src.strip() or not dst.strip():
            raise SsotError(f"--map {v!r}: expected CLASS=TARGET, e.g. 'Family/C=Family/A'")
        out[src.strip()] = dst.strip()
    return out


def plan_options(args: argparse.Namespace) -> PlanOptions:
    """The ``plan``/``migrate`` flags as the planner's typed options."""
    from ssot.migrate.plan import DEFAULT_BATCH_SIZE, PlanOptions

    return PlanOptions(
        families=args.families, phase=args.phase,
        batch_size=args.batch_size if args.batch_size is not None else DEFAULT_BATCH_SIZE,
        include_backups=args.include_backups, remove_commented=args.remove_commented,
        merge_supersets=args.merge_supersets, maps=parse_maps(args.maps), force_map=args.force_map,
        exclude=list(args.exclude or []),
    )


def planned(args: argparse.Namespace, log: Callable[[str], None] | None = None) -> tuple[Config, Planned]:
    """The project's configuration and its plan, as ``plan`` and ``migrate`` were asked for."""
    from ssot.app.plan import make_plan

    cfg = project_config(args)
    with progress_bar("scanning", not getattr(args, "no_progress", False)) as progress:
        return cfg, make_plan(cfg, plan_options(args), use_cache=not args.no_cache, progress=progress, log=log)


def run(args: argparse.Namespace) -> int:
    from ssot.migrate.render import PLAN
    from ssot.report.registry import render_report

    style = style_of(args)
    args.no_progress = style.verbosity < 0
    render_report(planned(args)[1].plan, PLAN.get(args.format), args.output, style)
    return OK
