"""The parsed baseline kept in the cache folder: reused while the file's bytes are the same, never trusted blindly."""

from __future__ import annotations

import pickle
from collections import Counter
from pathlib import Path

import pytest

from ssot.app.baseline import PARSED_FILE, Accepted, baseline_text, load_baseline
from ssot.errors import SsotError


def _write(path: Path, fingerprints: list[str]) -> None:
    path.write_text(baseline_text(Accepted("family-member", f"t/{i}.py", "k", fp)
                                  for i, fp in enumerate(fingerprints)), encoding="utf-8")


def test_the_parsed_counts_are_kept_and_follow_the_file(tmp_path: Path) -> None:
    base, cache = tmp_path / ".ssot-baseline.json", tmp_path / "cache"
    _write(base, ["a", "b", "b"])
    assert load_baseline(base, cache) == Counter({"a": 1, "b": 2})
    assert (cache / PARSED_FILE).is_file()
    assert load_baseline(base, cache) == Counter({"a": 1, "b": 2})  # from the kept counts
    _write(base, ["c"])  # a pull changed the baseline: the kept counts are another file's
    assert load_baseline(base, cache) == Counter({"c": 1})


def test_kept_counts_for_other_bytes_are_not_used(tmp_path: Path) -> None:
    base, cache = tmp_path / ".ssot-baseline.json", tmp_path / "cache"
    _write(base, ["a"])
    load_baseline(base, cache)
    version, digest, _ = pickle.loads((cache / PARSED_FILE).read_bytes())
    (cache / PARSED_FILE).write_bytes(pickle.dumps((version, digest, {"forged": 1})))
    assert load_baseline(base, cache) == Counter({"forged": 1})  # same digest: trusted as the cache it is
    (cache / PARSED_FILE).write_bytes(pickle.dumps((version, "0" * 32, {"forged": 1})))
    assert load_baseline(base, cache) == Counter({"a": 1})


@pytest.mark.parametrize("blob", [b"", b"not a pickle", pickle.dumps(Path("x")), pickle.dumps((1, "d", ["x"]))])
def test_a_damaged_or_crafted_kept_file_is_ignored(tmp_path: Path, blob: bytes) -> None:
    base, cache = tmp_path / ".ssot-baseline.json", tmp_path / "cache"
    _write(base, ["a"])
    cache.mkdir()
    (cache / PARSED_FILE).write_bytes(blob)  # a Path pickle names a class: refused, never loaded
    assert load_baseline(base, cache) == Counter({"a": 1})


def test_a_broken_baseline_is_still_an_error_naming_the_file(tmp_path: Path) -> None:
    base = tmp_path / ".ssot-baseline.json"
    base.write_bytes(b"\xff\xfe not json")
    with pytest.raises(SsotError, match=r"\.ssot-baseline\.json: not a valid ssot baseline"):
        load_baseline(base, tmp_path / "cache")
    assert load_baseline(tmp_path / "absent.json", tmp_path / "cache") is None
