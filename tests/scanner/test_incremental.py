"""A rescan after edits is exactly a scan from scratch: the candidate state, then the whole report.

The candidate pass keeps what it counted over the tree (:class:`ssot.scanner.textual.CandidateState`)
and re-decides only what a change reaches; these tests edit trees at random (copies of helpers
added, definitions deleted, lines changed, files added, deleted and renamed) and compare each
incremental result with a count, or a ``--no-cache`` scan, from nothing.
"""

from __future__ import annotations

import json
import os
import pickle
import random
import shutil
from pathlib import Path

import pytest

from ssot.report import render
from ssot.scanner.engine import scan
from ssot.scanner.textual import CandidateState, TextIndex, candidates, index_text, min_code_bytes

Tree = dict[str, bytes]


def _top_units(data: bytes) -> list[tuple[int, int]]:
    """(first, last) 1-based lines of the module-level definitions of a file."""
    return [(u.line, u.end) for u in index_text(data).units if u.parent == -1]


def mutate(tree: Tree, rng: random.Random, steps: int, made: list[tuple[str, str, bytes]]) -> set[str]:
    """Edit ``tree`` in place, ``steps`` times at random; returns the paths written or removed.

    ``made`` remembers the copies made (donor, target, text), so that a later step can delete
    one side of a pair again: a window or key held twice then once is what re-decides the other.
    """
    touched: set[str] = set()
    for _ in range(steps):
        rels = sorted(tree)
        rel = rng.choice(rels)
        lines = tree[rel].split(b"\n")
        op = rng.randrange(8)
        if op == 0 or op == 6:  # a copy of some other file's definition appended (a helper copied)
            donor = rng.choice(rels)
            spans = _top_units(tree[donor])
            if not spans:
                continue
            a, z = rng.choice(spans)
            copied = tree[donor].split(b"\n")[a - 1:z]
            if op == 6 and len(copied) > 2:  # a near-copy: one line of it changed (its exact key differs)
                k = rng.randrange(1, len(copied))
                copied[k] = copied[k][:len(copied[k]) - len(copied[k].lstrip())] + b"near_copy_edit = %d" % k
            text = b"\n".join(copied)
            tree[rel] = tree[rel] + b"\n\n" + text + b"\n"
            made.append((donor, rel, text))
        elif op == 7:  # one side of an earlier copy deleted again
            if not made:
                continue
            donor, target, text = made.pop(rng.randrange(len(made)))
            rel = rng.choice([donor, target])
            if rel not in tree or text not in tree[rel]:
                continue
            tree[rel] = tree[rel].replace(text, b"", 1)
        elif op == 1:  # a definition deleted
            spans = _top_units(tree[rel])
            if not spans:
                continue
            a, z = rng.choice(spans)
            tree[rel] = b"\n".join(lines[:a - 1] + lines[z:])
        elif op == 2:  # one line changed (a window or two, an exact key, gone)
            k = rng.randrange(len(lines))
            if not lines[k].strip() or lines[k].rstrip().endswith(b":"):
                continue
            lines[k] = lines[k] + b"  # was edited" if rng.random() < 0.3 else \
                lines[k][:len(lines[k]) - len(lines[k].lstrip())] + b"edited_value_%d = %d" % (k, k)
            tree[rel] = b"\n".join(lines)
        elif op == 3:  # a whole file copied under a new name
            new = f"tests/copied_{rng.randrange(10**6)}_{Path(rel).name}"
            tree[new] = tree[rel]
            touched.add(new)
        elif op == 4:  # a file deleted
            if len(tree) > 3:
                del tree[rel]
        else:  # a file renamed
            new = str(Path(rel).with_name(f"renamed_{rng.randrange(10**6)}_{Path(rel).name}"))
            tree[new] = tree.pop(rel)
            touched.add(new)
        touched.add(rel)
    return touched


def suite_tree(root: Path) -> Tree:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.py"))}


def unique_tree(rng: random.Random, files: int = 60) -> Tree:
    """Files of definitions whose lines occur nowhere else (real code is mostly that; the generated suite
    is mostly copies): a copy made and deleted again moves counts across 1, in windows and in keys."""
    def body(n: int) -> list[str]:
        return [f"    value_{n}_{k} = compute_{rng.randrange(10**9)}(value_{n}_{k - 1}, {k})" for k in range(1, 6)]

    tree: Tree = {}
    n = 0
    for f in range(files):
        parts = []
        for _ in range(3):
            n += 1
            if rng.random() < 0.2:  # one line: no windows, only its exact key tells a copy
                parts.append(f"def one_liner_{n}(value): return " + " + ".join(
                    f"compute_{rng.randrange(10**9)}(value, {k})" for k in range(5)))
            elif rng.random() < 0.3:
                parts.append("\n".join([f"class Helper{n}:", f"    def method_{n}(self, value_{n}_0):",
                                         *("    " + line for line in body(n)), f"        return value_{n}_5"]))
            else:
                name = rng.choice(["shared_name", f"helper_{n}", f"test_case_{n}"])
                parts.append("\n".join([f"def {name}(value_{n}_0):", *body(n), f"    return value_{n}_5"]))
        tree[f"tests/test_unique_{f}.py"] = ("\n\n\n".join(parts) + "\n").encode()
    return tree


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6, 7, 8])
def test_incremental_candidates_are_those_counted_from_scratch(default_suite: tuple[Path, dict], seed: int) -> None:
    rng = random.Random(seed)
    tree = suite_tree(default_suite[0]) if seed % 2 else unique_tree(rng)
    min_bytes = min_code_bytes(rng.choice([10, 25, 50]))
    indexes: dict[str, TextIndex | None] = {rel: index_text(data) for rel, data in tree.items()}
    state = CandidateState(min_bytes)
    state.update(indexes, {})
    made: list[tuple[str, str, bytes]] = []
    marked = 0
    for _ in range(12):
        before = dict(indexes)
        touched = mutate(tree, rng, rng.choice([1, 5, 20]), made)
        indexes = {rel: index_text(data) for rel, data in tree.items()}
        old = {rel: before[rel] for rel in touched if rel in before}
        if rng.random() < 0.5:  # through the cache: its windows sorted into arrays, or kept as changed
            state = pickle.loads(pickle.dumps(state))
        got = state.update(indexes, old)
        rels = sorted(indexes)
        expected = candidates([indexes[r] for r in rels], min_bytes)
        assert [got[r] for r in rels] == expected
        marked += sum(map(len, expected))
    assert marked  # there were candidates to get right


def test_a_state_pickled_and_loaded_goes_on_counting(default_suite: tuple[Path, dict]) -> None:
    tree = suite_tree(default_suite[0])
    indexes: dict[str, TextIndex | None] = {rel: index_text(data) for rel, data in tree.items()}
    state = CandidateState(min_code_bytes(25))
    state.update(indexes, {})
    state = pickle.loads(pickle.dumps(state))
    before = dict(indexes)
    touched = mutate(tree, random.Random(9), 10, [])
    indexes = {rel: index_text(data) for rel, data in tree.items()}
    got = state.update(indexes, {rel: before[rel] for rel in touched if rel in before})
    rels = sorted(indexes)
    assert [got[r] for r in rels] == candidates([indexes[r] for r in rels], min_code_bytes(25))


def write(root: Path, tree: Tree, touched: set[str]) -> None:
    """Write the touched files of ``tree`` under ``root`` (removing those gone), each with a new mtime."""
    for rel in touched:
        path = root / rel
        if rel not in tree:
            path.unlink(missing_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        existed = path.exists()
        path.write_bytes(tree[rel])
        if existed:  # a new time even within one filesystem tick (the cache keys on size and mtime)
            st = path.stat()
            os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 7_000_000_000))


def report(root: Path, use_cache: bool) -> dict:
    result = scan(root=root, jobs=1, use_cache=use_cache)
    return {k: v for k, v in json.loads(render(result, "json")).items() if k != "stats"}


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_a_rescan_after_edits_reports_what_a_scan_without_cache_does(default_suite: tuple[Path, dict],
                                                                      tmp_path: Path, seed: int) -> None:
    root = tmp_path / "suite"
    shutil.copytree(default_suite[0], root)
    rng = random.Random(seed)
    tree = suite_tree(root)
    report(root, use_cache=True)  # the cold scan fills the cache
    made: list[tuple[str, str, bytes]] = []
    for steps in (6, 3, 12):
        touched = mutate(tree, rng, steps, made)
        write(root, tree, touched)
        rescan = report(root, use_cache=True)
        assert rescan == report(root, use_cache=False)
        assert rescan["families"]


def test_a_small_change_writes_a_delta_and_a_damaged_or_stale_delta_is_ignored(default_suite: tuple[Path, dict],
                                                                                  tmp_path: Path) -> None:
    root = tmp_path / "suite"
    shutil.copytree(default_suite[0], root)
    cache = root / ".ssot_cache"
    report(root, use_cache=True)
    base = (cache / "scan.pickle").stat()
    assert not (cache / "scan-delta.pickle").exists()
    tree = suite_tree(root)
    rng = random.Random(5)
    made: list[tuple[str, str, bytes]] = []
    write(root, tree, mutate(tree, rng, 4, made))
    first = report(root, use_cache=True)
    # the large half was not rewritten: only what changed went into the delta
    assert (cache / "scan.pickle").stat().st_mtime_ns == base.st_mtime_ns
    assert (cache / "scan-delta.pickle").stat().st_size < base.st_size / 2
    assert first == report(root, use_cache=False)
    # a second change on top of the first: the delta holds both
    write(root, tree, mutate(tree, rng, 4, made))
    second = report(root, use_cache=True)
    assert second == report(root, use_cache=False)
    assert report(root, use_cache=True) == second  # read back through base and delta
    # a damaged delta: the base alone, the files changed since it read again
    (cache / "scan-delta.pickle").write_bytes(b"\x80\x05torn")
    assert report(root, use_cache=True) == second
    # a delta naming another base (left behind by a crash between the two writes) is ignored
    delta = (cache / "scan-delta.pickle").read_bytes()
    write(root, tree, mutate(tree, rng, 3, made))
    expected = report(root, use_cache=False)
    (cache / "scan.pickle").unlink()
    assert report(root, use_cache=True) == expected  # rebuilt whole
    (cache / "scan-delta.pickle").write_bytes(delta)
    assert report(root, use_cache=True) == expected


def test_many_changes_rewrite_the_whole_cache(default_suite: tuple[Path, dict], tmp_path: Path) -> None:
    from ssot.scanner.cache import DELTA_SHARE

    root = tmp_path / "suite"
    shutil.copytree(default_suite[0], root)
    cache = root / ".ssot_cache"
    report(root, use_cache=True)
    base = (cache / "scan.pickle").stat()
    tree = suite_tree(root)
    touched = set(sorted(tree)[:int(len(tree) * DELTA_SHARE) + 10])
    for rel in touched:
        tree[rel] += b"\nedited_everywhere = 1\n"
    write(root, tree, touched)
    assert report(root, use_cache=True) == report(root, use_cache=False)
    assert (cache / "scan.pickle").stat().st_mtime_ns != base.st_mtime_ns
    assert not (cache / "scan-delta.pickle").exists()


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_is_paused_during_a_scan_and_as_it_was_after(tmp_path: Path, enabled: bool) -> None:
    import gc

    from .conftest import write_tree

    seen: list[bool] = []
    write_tree(tmp_path, {"tests/test_a.py": "def helper(x):\n    y = x + 1\n    return y * 2\n",
                          "tests/test_b.py": "def helper(x):\n    y = x + 1\n    return y * 2\n"})
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        scan(root=tmp_path, jobs=1, use_cache=False, progress=lambda done, total: seen.append(gc.isenabled()))
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()
    assert seen and not any(seen)
