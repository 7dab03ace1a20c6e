"""Command-line entry point: argument parsing and exit codes only, no logic.

Each sub-command lives in ``ssot.commands.<name>`` and provides
``add_arguments(parser)`` and ``run(args) -> int``.  Exit codes (documented in
README.md) are defined in :mod:`ssot.exitcodes`.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType

from ssot import __version__
from ssot.errors import SsotError
from ssot.exitcodes import INTERNAL_ERROR, INTERRUPTED, OK

# name -> one-line help; the module ssot.commands.<name> implements it
COMMANDS: dict[str, str] = {
    "scan": "find duplicated helpers, fixtures and test classes",
    "collect": "profile pytest collection: time, imports, warnings, tests that never run",
    "fix": "fix what collect found (e.g. collection-warnings)",
    "plan": "write a remediation plan for one family or all",
    "migrate": "consolidate families into the canonical module, in validated batches",
    "rollback": "restore files changed by a migration run",
    "runs": "list migration runs and their state",
    "report": "the history of the figures: trends since the first record",
    "check": "fail on duplication that is new since the baseline (CI, pre-commit, code scanning)",
    "validate": "measure the consolidation: compliance per family and phase, canonical imports, collection",
}


def _load(name: str) -> ModuleType:
    return importlib.import_module(f"ssot.commands.{name.replace('-', '_')}")


def build_parser(chosen: str | None) -> argparse.ArgumentParser:
    """The parser; only the chosen command's module is imported (start-up stays fast)."""
    parser = argparse.ArgumentParser(
        prog="ssot", description="ssot: a single source of truth for test infrastructure."
    )
    parser.add_argument("--version", action="version", version=f"ssot {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, help_text in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        if name == chosen:
            module = _load(name)
            module.add_arguments(p)
            p.set_defaults(_run=module.run)
    return parser


def _chosen(argv: Sequence[str]) -> str | None:
    """The command named on the command line (the first argument that is not an option)."""
    for arg in argv:
        if not arg.startswith("-"):
            return arg if arg in COMMANDS else None
    return None


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_chosen(argv))
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 2
    try:
        from ssot.migrate.journal import warn_for_cli  # a crashed migration is reported by every command

        warn_for_cli(args.command, getattr(args, "root", None))
        return int(args._run(args))
    except SsotError as exc:
        print(f"ssot {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"ssot {args.command}: interrupted", file=sys.stderr)
        return INTERRUPTED
    except BrokenPipeError:  # output the reports do not write (they survive a closed pipe themselves)
        from ssot.report.registry import silence_stdout

        silence_stdout()
        return OK
    except Exception as exc:  # a bug of ours: say so plainly, keep the details for a report
        import traceback

        print(f"ssot {args.command}: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        print("please report this with the details below", file=sys.stderr)
        traceback.print_exc()
        return INTERNAL_ERROR


def console_main() -> None:
    """The ``ssot`` command: :func:`main`, in a process that ends with it (its heap is left to the
    operating system: :mod:`ssot.heap`)."""
    from ssot import heap

    heap.leave_to_exit()
    heap.hard_exit(main())


if __name__ == "__main__":  # pragma: no cover
    console_main()
