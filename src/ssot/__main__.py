"""``python -m ssot``: the same as the ``ssot`` command."""

from ssot.cli import console_main

console_main()
