"""A file check judges its files' candidates from the counts a scan kept, without the rest of the tree.

:func:`ssot.scanner.textual.marks_against` takes a few files' text indexes and the counts of the
whole tree (:func:`ssot.scanner.textual.counts_of`, what the check index stores); it must mark every
definition a count of the whole tree (with those files as they are now) marks, and for files unchanged
since the count exactly those.  These tests edit trees at random and compare with a count from scratch.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from scanner.test_incremental import Tree, mutate, suite_tree, unique_tree
from ssot.scanner.textual import CandidateState, TextIndex, counts_of, index_text, marks_against, min_code_bytes


def _count(tree: Tree, min_bytes: int) -> tuple[CandidateState, dict[str, set[int]]]:
    state = CandidateState(min_bytes)
    marks = state.update({rel: index_text(data) for rel, data in tree.items()}, {})
    return state, marks


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_unchanged_files_get_the_scans_marks_and_edited_ones_no_fewer(default_suite: tuple[Path, dict],
                                                                      seed: int) -> None:
    rng = random.Random(seed)
    tree = suite_tree(default_suite[0]) if seed % 2 else unique_tree(rng)
    min_bytes = min_code_bytes(rng.choice([10, 25, 50]))
    state, marks = _count(tree, min_bytes)
    counts = counts_of(state)
    rels = sorted(tree)
    for _ in range(10):  # a few files as they were counted: the scan's own marks, exactly
        few = rng.sample(rels, 3)
        got = marks_against({rel: index_text(tree[rel]) for rel in few}, counts)
        assert got == {rel: marks[rel] for rel in few}
    marked = 0
    for _ in range(15):  # edited: a copy pasted, a definition deleted, a line changed, a file renamed...
        edited = dict(tree)
        touched = mutate(edited, rng, rng.choice([1, 2, 4]), [])
        _, truth = _count(edited, min_bytes)
        given = sorted(rel for rel in touched if rel in edited)
        given += rng.sample([rel for rel in edited if rel not in touched], 2)
        indexes: dict[str, TextIndex] = {rel: index_text(edited[rel]) for rel in given}
        got = marks_against(indexes, counts)
        for rel in given:
            assert truth[rel] <= got[rel], rel  # never a candidate missed (a renamed file, say, gets more)
            marked += len(truth[rel])
    assert marked  # there were candidates to find


def test_a_copy_pasted_between_two_files_given_together_is_a_candidate_in_both() -> None:
    helper = "\n".join(["def load_fixture_rows(path):", *(f"    rows_{k} = parse_row_{k}(path, {k})" for k in range(6)),
                        "    return rows_5", ""])
    tree = {"tests/test_a.py": b"import os\n", "tests/test_b.py": b"import sys\n",
            "tests/test_c.py": b"def unrelated():\n    return compute_something_else(1, 2, 3)\n"}
    state, _ = _count(tree, min_code_bytes(10))
    counts = counts_of(state)
    now = {"tests/test_a.py": index_text(("import os\n\n" + helper).encode()),
           "tests/test_b.py": index_text(("import sys\n\n" + helper).encode())}
    assert marks_against(now, counts) == {"tests/test_a.py": {3}, "tests/test_b.py": {3}}
    alone = marks_against({"tests/test_a.py": now["tests/test_a.py"]}, counts)  # its twin not given, not counted
    assert alone == {"tests/test_a.py": set()}
