"""A rich console over a reporter's text stream, and printing tables without cutting a name.

Text reporters that use rich write through :func:`make_console`, so colour and
width come from the command's :class:`~ssot.report.registry.Style` (``--color``,
``NO_COLOR``, the terminal's width, else 120) whatever the stream is.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable
from typing import Any, TextIO

from rich.cells import cell_len
from rich.console import Console, RenderableType
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from ssot.report.registry import Style

_UNBOUNDED = 100_000


class WordWrapConsole(Console):
    """A console whose lines of text wrap between words only: a word wider than the line (a path, a
    qualified name) stands whole on a line of its own, longer than the width, never cut in two."""

    def print(self, *objects: Any, **options: Any) -> None:
        if len(objects) != 1 or not isinstance(objects[0], str | Text) or options.get("soft_wrap") is not None:
            super().print(*objects, **options)
            return
        obj = objects[0]
        text = (self.render_str(obj, markup=options.pop("markup", None), highlight=False)
                if isinstance(obj, str) else obj.copy())
        if options.get("style"):
            text.stylize(options.pop("style"))
        for line in text.split("\n", allow_blank=True):
            for part in wrap_words(line, self.width):
                super().print(part, soft_wrap=True, **options)


HANG = 2  # continuation lines start this much further in than the line they continue


def wrap_words(line: Text, width: int) -> list[Text]:
    """``line`` cut between words to ``width`` cells; continuation lines hang under its indent."""
    plain = line.plain
    indent = len(plain) - len(plain.lstrip(" ")) + HANG
    breaks: list[int] = []
    start = 0  # where the current output line starts in ``plain``
    for word in re.finditer(r"\S+", plain):
        if word.start() == start or word.start() <= indent - HANG:
            continue
        if (indent if breaks else 0) + cell_len(plain[start:word.end()]) > width:
            breaks.append(word.start())
            start = word.start()
    if not breaks:
        return [line]
    parts = list(line.divide(breaks))
    out = [parts[0]]
    for part in parts[1:]:
        out[-1].rstrip()
        out.append(Text(" " * indent) + part)
    return out


def make_console(out: TextIO, style: Style) -> Console:
    """A console writing to ``out`` in ``style``: long lines wrap between words at the style's width."""
    return WordWrapConsole(file=out, width=style.width, color_system="standard" if style.color else None,
                           force_terminal=style.color, force_interactive=False, no_color=not style.color,
                           highlight=False, emoji=False, legacy_windows=False)


_TRAILING = re.compile(r"[ ]+((?:\x1b\[[0-9;]*m)*)$", re.MULTILINE)


def write_rich(out: TextIO, style: Style, draw: Callable[[Console], None]) -> None:
    """Let ``draw`` print on a console in ``style``, and write what it printed to ``out`` without the
    spaces rich pads lines with (a report file or a pipe gets no trailing blanks)."""
    buffer = io.StringIO()
    draw(make_console(buffer, style))
    out.write(_TRAILING.sub(r"\1", buffer.getvalue()))


def print_fitted(console: Console, renderable: RenderableType) -> None:
    """Print a table at the console's width, or wider when a column that must not be cut needs it."""
    options = console.options.update(max_width=_UNBOUNDED)
    needed = Measurement.get(console, options, renderable).minimum
    width = console.width
    console.width = max(width, needed)
    try:
        console.print(renderable, soft_wrap=False)
    finally:
        console.width = width


def name_column(table: Table, header: str, names: Iterable[str], **options: Any) -> None:
    """A column of names (ids, paths, qualified names) that is never cut: as wide as the longest."""
    widest = max((cell_len(n) for n in names), default=0)
    table.add_column(header, no_wrap=True, min_width=max(widest, cell_len(header)), **options)
