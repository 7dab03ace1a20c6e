"""The reporting options every command shares: format, output, verbosity, colour, rules, ``--exit-zero``.

The spellings commands had before (``--json``, ``collect --json FILE``) still work as hidden
aliases that print a one-line deprecation warning on standard error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable, Sequence

from ssot.errors import SsotError
from ssot.report.registry import Style, make_style


def add_output_arguments(parser: argparse.ArgumentParser, formats: Sequence[str], default: str = "text") -> None:
    """What every reporting command takes: ``--format``, ``-o``, ``-q``/``-v``, ``--color``."""
    parser.add_argument("--format", choices=formats, default=default, help=f"report format (default: {default})")
    parser.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE (atomically) instead "
                        "of standard output")
    loud = parser.add_mutually_exclusive_group()
    loud.add_argument("-q", "--quiet", action="store_true", help="findings only, no summary")
    loud.add_argument("-v", "--verbose", action="store_true", help="more detail (the fix and related places of "
                      "each finding; per-family figures)")
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                        help="colour in text output (default: auto: on a terminal, unless NO_COLOR is set)")


def add_report_arguments(parser: argparse.ArgumentParser, formats: Sequence[str], rules: bool = True) -> None:
    """The output options, and those of commands whose findings fail a build: ``--exit-zero``, rules."""
    add_output_arguments(parser, formats)
    parser.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    if rules:
        add_rule_arguments(parser)


def add_rule_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--select", action="append", metavar="RULES", help="report only these rule ids "
                        "(comma-separated, repeatable; a prefix such as 'copy' selects every rule it starts)")
    parser.add_argument("--ignore", action="append", metavar="RULES", help="never report these rule ids "
                        "(comma-separated, repeatable)")


def add_json_alias(parser: argparse.ArgumentParser) -> None:
    """The old ``--json`` switch: hidden, kept working as ``--format json``."""
    parser.add_argument("--json", action="store_true", dest="json_alias", help=argparse.SUPPRESS)


def deprecated(command: str, old: str, new: str) -> None:
    """Say once, on standard error, that ``old`` is spelled ``new`` now."""
    print(f"ssot {command}: warning: {old} is deprecated; use {new}", file=sys.stderr)


def apply_json_alias(args: argparse.Namespace, command: str) -> None:
    """``--json`` given: warn, and report as ``--format json`` would."""
    if getattr(args, "json_alias", False):
        deprecated(command, "--json", "--format json")
        args.format = "json"


def style_of(args: argparse.Namespace) -> Style:
    verbosity = -1 if args.quiet else (1 if args.verbose else 0)
    return make_style(args.color, verbosity, to_file=bool(args.output and args.output != "-"))


def _rule_list(values: Iterable[str] | None) -> list[str]:
    return [r.strip() for v in values or () for r in v.split(",") if r.strip()]


def rule_filter(args: argparse.Namespace, known: Iterable[str]) -> tuple[list[str], list[str]]:
    """``--select``/``--ignore`` checked against the rule ids the command knows (a typo is a usage error)."""
    known = sorted(known)
    select, ignore = _rule_list(args.select), _rule_list(args.ignore)
    for flag, rules in (("--select", select), ("--ignore", ignore)):
        for r in rules:
            if not any(k.startswith(r) for k in known):
                raise SsotError(f"{flag} {r}: no such rule; the rules are {', '.join(known)}")
    return select, ignore


def wanted_rules(select: list[str], ignore: list[str]) -> Callable[[str], bool]:
    def wanted(rule: str) -> bool:
        if select and not any(rule.startswith(s) for s in select):
            return False
        return not any(rule.startswith(i) for i in ignore)

    return wanted

