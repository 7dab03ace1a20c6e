"""``ssot collect [PATH ...] [-- PYTEST ARGS]``: profile pytest collection and explain it.

Exit codes (docs/collect.md): 0 collection profiled; 1 (FOUND) ``--compare``
found a regression (slower than ``collect_slowdown`` or tests lost) or no test
was collected; 2 usage or environment error (bad flag, no interpreter, pytest
missing there, pytest rejecting its arguments); 3 (PARTIAL) collection
incomplete: collection errors, a conftest that raises, a timeout.
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from ssot.commands.common import add_project_arguments
from ssot.commands.options import add_output_arguments, deprecated, style_of
from ssot.exitcodes import FOUND, OK, PARTIAL, USAGE

INCOMPLETE = frozenset({"collection-errors", "stopped", "conftest-error", "timeout", "interrupted"})


def _positive(kind: type, minimum: float, what: str) -> Any:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{text!r}: must be {what} (at least {minimum})")
        return value

    return parse


def _split_pytest_args(parser: argparse.ArgumentParser) -> None:
    """Everything after the first ``--`` goes to pytest untouched (argparse alone would mix it into PATH)."""
    original = parser.parse_known_args

    def parse_known_args(args: Sequence[str] | None = None, namespace: Any = None) -> Any:
        items = list(sys.argv[1:] if args is None else args)
        extra: list[str] = []
        if "--" in items:
            i = items.index("--")
            items, extra = items[:i], items[i + 1 :]
        ns, rest = original(items, namespace)
        ns.pytest_args = extra
        return ns, rest

    parser.parse_known_args = parse_known_args  # type: ignore[method-assign,assignment]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.usage = "ssot collect [PATH ...] [options] [-- PYTEST ARGS]"
    parser.epilog = (
        "Runs `pytest --collect-only` in the project's interpreter with ssot's plugin and "
        "reports time, imports, warnings, errors and tests that never run, each cause with its fix. "
        "Arguments after `--` go to pytest unchanged."
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="what to collect (default: pytest's testpaths)")
    add_output_arguments(parser, ("text", "json"))
    parser.add_argument("--exit-zero", action="store_true", help="exit 0 even when collection regressed "
                        "(--compare) or collected no test")
    # before --format json -o FILE: save the profile to FILE and print the text report ('-': JSON on stdout)
    parser.add_argument("--json", metavar="FILE", help=argparse.SUPPRESS)
    parser.add_argument(
        "--compare",
        metavar="BASELINE",
        type=Path,
        help="compare with a profile saved by --format json -o FILE; exit 1 if collection got slower than "
        "collect_slowdown or lost tests",
    )
    parser.add_argument(
        "--load",
        metavar="PROFILE",
        type=Path,
        help="explain a profile recorded earlier (--format json -o FILE, or pytest --ssot-profile=FILE) "
        "instead of running pytest",
    )
    parser.add_argument(
        "--python",
        metavar="PATH",
        help="interpreter that runs the tests (default: "
        "$VIRTUAL_ENV, else ROOT/.venv or ROOT/venv, else the one running ssot)",
    )
    parser.add_argument(
        "--timeout",
        type=_positive(float, 0.001, "a number of seconds"),
        metavar="SECONDS",
        help="give up on a collection that takes longer (default: collect_timeout, 600)",
    )
    parser.add_argument(
        "--slowdown",
        type=_positive(float, 1.0, "a ratio such as 1.10"),
        metavar="RATIO",
        help="--compare fails when collection is slower than this ratio (default: collect_slowdown, 1.10)",
    )
    parser.add_argument(
        "--repeat",
        type=_positive(int, 1, "a count"),
        default=None,
        metavar="N",
        help="collect N times and keep the fastest run (default 1; 2 with --compare, so a cold bytecode "
        "cache or one noisy run does not read as a regression)",
    )
    parser.add_argument(
        "--top",
        type=_positive(int, 1, "a count"),
        default=10,
        metavar="N",
        help="rows per table in the report (default 10)",
    )
    add_project_arguments(parser)
    parser.set_defaults(pytest_args=[])
    _split_pytest_args(parser)


def exit_code(status: str, regressed: bool, exit_zero: bool = False) -> int:
    if status == "usage-error":
        return USAGE
    if status in INCOMPLETE:
        return PARTIAL
    if (regressed or status == "no-tests") and not exit_zero:
        return FOUND
    return OK


def _import_report_modules() -> None:
    """Imported while pytest collects (their import then costs no wall time)."""
    import ssot.collect.compare
    import ssot.collect.render  # noqa: F401


def run(args: argparse.Namespace) -> int:
    from ssot.app.collect import CollectRequest, profile_collection
    from ssot.collect.render import COLLECT
    from ssot.commands.common import project_config
    from ssot.report.output import write_output
    from ssot.report.registry import make_style, render_report

    config = project_config(args, [p.partition("::")[0] for p in args.paths]).with_overrides(
        collect_timeout=args.timeout, collect_slowdown=args.slowdown
    )
    save_to = _old_json_flag(args)
    style = style_of(args)
    request = CollectRequest(paths=args.paths, pytest_args=args.pytest_args, python=args.python,
                             repeat=args.repeat, load=args.load, compare=args.compare, top=args.top)
    status: Any = nullcontext()
    if args.load is None and sys.stderr.isatty() and style.verbosity >= 0:  # a spinner on a terminal only
        from rich.console import Console

        status = Console(stderr=True).status("collecting…")
    with status:
        collection = profile_collection(config, request, while_running=_import_report_modules)
    if save_to == "-":  # the old `--json -`: the profile on stdout, the text report on stderr
        text = io.StringIO()
        COLLECT.get("text").report(collection, text, make_style(args.color, style.verbosity, stream=sys.stderr))
        sys.stderr.write(text.getvalue())
        render_report(collection, COLLECT.get("json"), None, style)
    else:
        if save_to:  # through the one writer of reports: atomic, with the umask's mode
            write_output(save_to, collection.profile.to_json() + "\n")
        render_report(collection, COLLECT.get(args.format), args.output, style)
        if save_to and style.verbosity >= 0:
            print(f"profile written to {save_to}")
    code = exit_code(collection.profile.measurement.status, collection.regressed, args.exit_zero)
    if args.load is None:
        from ssot.history.record import record_collect

        record_collect(config, collection.profile, code)
    return code


def _old_json_flag(args: argparse.Namespace) -> str | None:
    """``--json FILE`` as it was: where to save the profile (``-``: stdout), with a deprecation warning."""
    if args.json is None:
        return None
    if args.json == "-":
        deprecated("collect", "--json -", "--format json")
    else:
        deprecated("collect", f"--json {args.json}", f"--format json -o {args.json}")
    return str(args.json)
