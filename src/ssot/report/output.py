"""Where a report goes: standard output, or a file written atomically."""

from __future__ import annotations

import sys
from pathlib import Path

from ssot.errors import SsotError
from ssot.fsio import write_bytes_atomic


def write_output(path: str, text: str | bytes | tuple[bytes, ...]) -> None:
    """Write ``text`` (or bytes, or parts of bytes one after the other) to ``path`` atomically (``-`` is
    standard output)."""
    # a file name that is not valid UTF-8 reaches the report as surrogates: write its bytes back
    if path == "-":
        if isinstance(text, (bytes, tuple)):
            sys.stdout.flush()
            for part in (text,) if isinstance(text, bytes) else text:
                sys.stdout.buffer.write(part)
            return
        try:
            sys.stdout.write(text)
        except UnicodeEncodeError:  # a strict stdout (UTF-8 locale): the same bytes, as bytes
            sys.stdout.flush()
            sys.stdout.buffer.write(text.encode(sys.stdout.encoding or "utf-8", "surrogateescape"))
        return
    data = text if isinstance(text, (bytes, tuple)) else text.encode("utf-8", "surrogateescape")
    try:
        write_bytes_atomic(Path(path), data)  # the umask's mode, or the mode of the file replaced
    except OSError as exc:
        raise SsotError(f"cannot write {path}: {exc.strerror or exc}") from None
