"""A cache damaged in a part read late: the scan starts afresh and reports what a scan without cache does.

The fingerprints and the last grouping stay pickled bytes inside the cache's file until an assembly asks
for them (:class:`ssot.scanner.cache.Deferred`), so the file can load whole while one of them does not.
Before, such a part was taken as empty and the assembly stopped on a missing fingerprint (KeyError, exit 70).
"""

from __future__ import annotations

import json
import os
import pickle
from collections.abc import Callable
from pathlib import Path

import pytest

from ssot.report import render
from ssot.scanner import engine
from ssot.scanner.cache import CACHE_VERSION, FILES

HELPER = """class Client:
    def __init__(self, url):
        self.url = url
        self.sent = []

    def send(self, message):
        self.sent.append(message)
        return len(self.sent)


def test_it():
    assert Client("x").send(1) == 1
"""


def report(root: Path, use_cache: bool) -> dict[str, object]:
    # each scan as in a new process: an extractor kept from an earlier scan sends every fingerprint it
    # made again, which would hide what the cache lacks
    engine._extractor = None
    result = engine.scan(root=root, jobs=1, use_cache=use_cache)
    return {k: v for k, v in json.loads(render(result, "json")).items() if k != "stats"}


def torn(blob: bytes) -> bytes:
    return blob[:10] + b"\x00garbage" + blob[18:]


def of_another_shape(blob: bytes) -> bytes:
    return pickle.dumps((CACHE_VERSION, ["not", "a", "dict"]))


def emptied(blob: bytes) -> bytes:  # (of the right shape, without what the extracts name)
    version, fingerprints = pickle.loads(blob)
    assert fingerprints
    return pickle.dumps((version, {}))


@pytest.mark.parametrize("damage", [torn, of_another_shape, emptied])
def test_a_damaged_fingerprints_part_means_a_scan_from_nothing(tmp_path: Path,
                                                                damage: Callable[[bytes], bytes]) -> None:
    root = tmp_path / "tree"
    (root / "tests").mkdir(parents=True)
    for name in "abc":
        (root / "tests" / f"test_{name}.py").write_text(HELPER, encoding="utf-8")
    first = report(root, use_cache=True)
    assert first["families"]
    path = root / ".ssot_cache" / FILES
    with open(path, "rb") as fh:
        version, data = pickle.load(fh)
    parts = list(data)
    parts[1] = damage(parts[1])  # (the fingerprints: read only by an assembly)
    with open(path, "wb") as fh:
        pickle.dump((version, tuple(parts)), fh)
    # an edit inside a copied definition: the families are assembled again, from the fingerprints
    edited = root / "tests" / "test_a.py"
    edited.write_text(HELPER.replace("return len(self.sent)", "return len(self.sent) + 0"), encoding="utf-8")
    st = edited.stat()
    os.utime(edited, ns=(st.st_atime_ns, st.st_mtime_ns + 7_000_000_000))
    again = report(root, use_cache=True)
    assert again == report(root, use_cache=False)
    assert again != first  # (the edit made a variant)
    assert report(root, use_cache=True) == again  # and the cache written afresh reads back
