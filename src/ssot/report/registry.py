"""One way out for every command: a ``Reporter`` per format, and one ``render_report``.

As coverage.py's ``report_core.render_report``: the command picks a reporter by
format from the registry of its report type, and ``render_report`` gives it a
text stream, then delivers the text: to ``-o FILE`` atomically (with the umask's
mode), or to standard output, where a closed pipe (``ssot check | head``) is not
an error: the command still returns its findings' exit code.

Every command that reports goes through it; each report type keeps its registry
beside its model's renderers (``report/scan_report.py``, ``report/findings.py``,
``collect/render.py``, ``migrate/render.py``, ...).
"""

from __future__ import annotations

import io
import os
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Generic, Protocol, TextIO, TypeVar

from ssot.errors import SsotError

T_contra = TypeVar("T_contra", contravariant=True)
T = TypeVar("T")

DEFAULT_WIDTH = 120  # when standard output is not a terminal


@dataclass(frozen=True, slots=True)
class Style:
    """How to print: colour, width (never used to cut a name), and how much to say (-1 quiet .. 1 verbose)."""

    color: bool = False
    width: int = DEFAULT_WIDTH
    verbosity: int = 0


class Reporter(Protocol[T_contra]):
    """Writes one report type in one format."""

    format: str

    def report(self, data: T_contra, out: TextIO, style: Style) -> None: ...


@dataclass(frozen=True)
class Registry(Generic[T]):
    """The reporters of one report type, by format name."""

    kind: str
    reporters: Mapping[str, Reporter[T]]

    @property
    def formats(self) -> tuple[str, ...]:
        return tuple(self.reporters)

    def get(self, fmt: str) -> Reporter[T]:
        try:
            return self.reporters[fmt]
        except KeyError:
            raise SsotError(f"--format {fmt}: {self.kind} reports are {', '.join(self.reporters)}") from None


ANSI = {"bold": "\033[1m", "dim": "\033[2m", "red": "\033[31m", "green": "\033[32m", "yellow": "\033[33m",
        "cyan": "\033[36m"}


def paint(text: str, color: str, style: Style) -> str:
    """``text`` in ``color`` (a key of ``ANSI``) when the style has colour; as it is otherwise."""
    code = ANSI.get(color, "")
    return f"{code}{text}\033[0m" if style.color and code else text


def make_style(color: str = "auto", verbosity: int = 0, to_file: bool = False,
               stream: TextIO | None = None) -> Style:
    """``--color auto|always|never`` (``NO_COLOR`` set and not empty turns auto off); width: ``$COLUMNS``,
    else the terminal's, else 120 (piped, or written to a file)."""
    stream = stream or sys.stdout
    tty = not to_file and hasattr(stream, "isatty") and stream.isatty()
    if color == "always":
        use = True
    elif color == "never" or to_file:
        use = False
    else:
        use = tty and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:  # said explicitly: as wide as that, piped or not
        width = int(columns)
    else:
        width = shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns if tty else DEFAULT_WIDTH
    return Style(color=use, width=max(40, width), verbosity=verbosity)


def render_report(data: T, reporter: Reporter[T], output: str | None, style: Style) -> None:
    """Render ``data`` with ``reporter`` to ``output`` (a file, atomically) or to standard output."""
    buffer = io.StringIO()
    reporter.report(data, buffer, style)
    text = buffer.getvalue()
    if output and output != "-":
        from ssot.report.output import write_output

        write_output(output, text)
        return
    write_stdout(text)


def write_stdout(text: str) -> None:
    """Print ``text``; a reader that went away (``| head``) ends the output quietly, not the command."""
    try:
        try:
            sys.stdout.write(text)
        except UnicodeEncodeError:  # a strict stdout: the same bytes, file names with surrogates included
            sys.stdout.flush()
            sys.stdout.buffer.write(text.encode(sys.stdout.encoding or "utf-8", "surrogateescape"))
        sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()


def silence_stdout() -> None:
    """Nobody reads standard output any more: point it at /dev/null, so that what is still written,
    and the flush at exit, do not fail either."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real file descriptor (a test's captured stream): nothing to point
        pass
    finally:
        os.close(devnull)
