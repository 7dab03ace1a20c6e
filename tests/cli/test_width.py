"""Text reports take the terminal's width (else 120, or $COLUMNS) and never cut a name in two."""

from __future__ import annotations

import io
import re
from pathlib import Path

from rich.table import Table

from ssot.report.console import make_console, name_column, print_fitted
from ssot.report.registry import Style
from testkit import assert_no_traceback
from testkit import run_cli as ssot

LONG = "TestWebSocketConnectionWithReconnectAndBackpressureHandling"
HELPER = f'''
import asyncio


class {LONG}:
    def __init__(self, url):
        self.url = url
        self.sent = []
        self.closed = False

    async def send(self, message):
        if self.closed:
            raise RuntimeError("closed")
        self.sent.append(message)
        await asyncio.sleep(0)

    async def close(self):
        self.closed = True
        return len(self.sent)
'''


def write_suite(root: Path) -> Path:
    (root / "tests" / "deeply" / "nested" / "folder").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[tool.ssot]\n")
    (root / "tests" / "test_one.py").write_text(HELPER)
    (root / "tests" / "deeply" / "nested" / "folder" / "test_two_with_a_long_module_name.py").write_text(HELPER)
    return root


def test_a_long_class_name_is_never_cut_on_a_narrow_terminal(tmp_path: Path) -> None:
    root = write_suite(tmp_path)
    for columns in ("40", "60", "80"):
        run = ssot("scan", "--no-cache", cwd=root, env={"COLUMNS": columns})
        assert_no_traceback(run)
        assert run.code == 1
        table_rows = [line for line in run.stdout.splitlines() if line.strip().startswith(LONG[:10])]
        assert table_rows and all(LONG in line for line in table_rows), run.stdout
        assert "…" not in run.stdout  # nothing ellipsed either
        # what is not a table wraps between words, never inside a path or a name
        for word in ("tests/deeply/nested/folder/test_two_with_a_long_module_name.py", LONG):
            assert re.search(rf"(^|\s){re.escape(word)}", run.stdout)


def test_piped_output_is_120_wide_whatever_the_terminal(tmp_path: Path) -> None:
    root = write_suite(tmp_path)
    run = ssot("scan", "--no-cache", cwd=root)
    widths = [len(line) for line in run.stdout.splitlines()]
    assert max(widths) <= 120 and max(widths) > 80  # wider than an 80-column default, within 120
    assert all(line == line.rstrip() for line in run.stdout.splitlines())  # no padding blanks


def test_name_columns_widen_the_table_rather_than_cut() -> None:
    names = ["TestWebSocketConnec" + "tion" * 12, "short"]
    table = Table()
    name_column(table, "RUN", names)
    table.add_column("STATE", no_wrap=True)
    for n in names:
        table.add_row(n, "interrupted")
    out = io.StringIO()
    print_fitted(make_console(out, Style(width=40)), table)
    assert names[0] in out.getvalue() and "interrupted" in out.getvalue()
    narrow = io.StringIO()  # a table whose names fit keeps the console's width
    small = Table()
    name_column(small, "RUN", ["a", "b"])
    print_fitted(make_console(narrow, Style(width=40)), small)
    assert max(len(line) for line in narrow.getvalue().splitlines()) <= 40
