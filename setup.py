"""The optional C accelerator of the candidate pass (everything else is in pyproject.toml).

``ssot.scanner._textindex`` reads a file's lines in C; without a compiler the build of it is
skipped and ssot runs the same loop in Python (``ssot.scanner.textual``), as coverage.py does
with its C tracer.
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("ssot.scanner._textindex", ["src/ssot/scanner/_textindex.c"], optional=True)])
