"""Pickles of plain data only, for files ssot keeps inside the project it checks.

Such a file (the check index, the parsed baseline) could be crafted by anyone who can
write to the tree, so it is read with an unpickler that refuses every class and
function: lists, dicts, tuples, strings, numbers and bytes load; anything that names
code is an error.  Callers treat any error as "absent" and rebuild the file.
"""

from __future__ import annotations

import io
import pickle
from pathlib import Path
from typing import Any


class DataOnlyUnpickler(pickle.Unpickler):
    """Loads plain data; a reference to any class or function is refused."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"{module}.{name} is not plain data")


def loads_plain(blob: bytes) -> Any:
    return DataOnlyUnpickler(io.BytesIO(blob)).load()


def load_plain(path: Path) -> Any:
    with open(path, "rb") as fh:
        return DataOnlyUnpickler(fh).load()
