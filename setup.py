"""The optional C accelerators of the scan (everything else is in pyproject.toml).

``ssot.scanner._textindex`` reads a file's lines for the candidate pass and
``ssot.scanner._fingerprint`` walks a definition's nodes; without a compiler their builds are
skipped and ssot runs the same code in Python (``ssot.scanner.textual``,
``ssot.scanner.fingerprint``), as coverage.py does with its C tracer.
"""

from setuptools import Extension, setup

setup(ext_modules=[
    Extension("ssot.scanner._textindex", ["src/ssot/scanner/_textindex.c"], optional=True),
    Extension("ssot.scanner._fingerprint", ["src/ssot/scanner/_fingerprint.c"], optional=True),
])
