"""The check index read row by row (SQLite) answers every lookup as the whole index held in memory does.

A file check reads only the rows its files lead to; this compares each kind of lookup, over every key
of a generated suite's index, with the plain data the whole-tree check computed.
"""

from __future__ import annotations

import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import cast

from ssot import config as config_mod
from ssot.app.check_index import INDEX_FILE, StoredIndex
from ssot.app.guard import _singletons, check_tree, index_data
from ssot.model import Fingerprint, Kind
from ssot.scope import load_scope
from testkit import corpus_script


def test_the_stored_index_answers_as_the_full_load(tmp_path: Path) -> None:
    suite = tmp_path / "suite"
    subprocess.run([sys.executable, str(corpus_script("make_suite.py")), str(suite), "--files", "120",
                    "--extra-tests", "40", "--seed", "5", "--heavy-ms", "0"], check=True, capture_output=True)
    cfg = config_mod.load(suite)
    observed, result = check_tree(cfg, jobs=1)  # writes the index
    data = index_data(cfg, observed, result, *_singletons(cfg, observed, load_scope(suite).is_test_code))
    index = StoredIndex.open(cfg.cache_path / INDEX_FILE)
    assert index is not None and index.root == str(suite)
    assert len(data.members) > 20 and len(data.singletons) > 100 and len(data.fingerprints) > 50

    assert index.families() == {fid: (*row, len(data.members.get(fid, ()))) for fid, row in data.families.items()}
    assert list(index.members().items()) == list(data.members.items())
    assert index.canonicals() == data.canonicals
    assert {p: (size, mtime) for p, size, mtime in index.stamps()} == data.stamps
    for digest, fid in data.digest_family.items():
        assert index.family_of(digest) == fid
    assert index.family_of("absent") is None
    for key, rows in data.singletons.items():
        assert index.singles(key) == rows
    assert index.singles("absent") == []

    by_path: dict[str, set[str]] = defaultdict(set)
    for fid, rows in data.members.items():
        for row in rows:
            by_path[row[0]].add(fid)
    for path, fids in by_path.items():
        assert index.families_at(path) == fids
    some = sorted(by_path)[:7]
    assert index.rows_in(some) == {fid: sum(r[0] in some for r in rows) for fid, rows in data.members.items()
                                   if any(r[0] in some for r in rows)}
    for fid, rows in data.members.items():
        assert index.rows(fid, some) == [r for r in rows if r[0] not in some]
    consolidated = {fid for fid, (_, _, canon) in data.families.items() if canon is not None}
    assert index.consolidated_copies() == {(r[0], r[3]) for fid in consolidated for r in data.members.get(fid, ())}

    fps = index.fingerprints()
    assert list(fps) == list(data.fingerprints) and len(fps) == len(data.fingerprints)
    for pos, (digest, (kind, shape, tokens, statements)) in enumerate(data.fingerprints.items()):
        assert fps.at(pos) == Fingerprint(digest, cast(Kind, kind), "", statements, shape, frozenset(tokens))
        assert fps[digest] is fps.at(pos)
        assert fps.sizes(pos) == (kind, len(shape), len(tokens))
        assert fps.families[pos] == data.digest_family[digest]
    variants = index.variant_data()
    assert variants["empty"] == data.variants["empty"]
    for item, n in data.variants["df"].items():
        assert variants["df"].get(item, 0) == n
        assert variants["postings"].get(item, []) == data.variants["postings"].get(item, [])
    assert variants["df"].get((0, 99), 0) == 0

    counts = data.candidates
    stored = index.candidates()
    assert counts is not None and stored is not None
    assert (stored.min_bytes, stored.share) == (counts.min_bytes, counts.share)
    assert len(counts.window_keys) > 1000 and len(counts.files) > 100 and counts.groups
    for w, v in zip(counts.window_keys, counts.window_values, strict=True):
        assert stored.window(w) == v != 0
    for k, v in zip(counts.exact_keys, counts.exact_values, strict=True):
        assert stored.exact(k) == v != 0
    assert stored.window(max(counts.window_keys) + 1) == 0 and stored.exact(min(counts.exact_keys) - 1) == 0
    for rel, row in counts.files.items():
        assert stored.file(rel) == row
    assert stored.file("absent.py") is None
    assert any(named for _, named in counts.files.values())
    for (name, is_class), n in counts.groups.items():
        assert stored.group(name, is_class) == n
    assert stored.group("absent", True) == (0, 0)
