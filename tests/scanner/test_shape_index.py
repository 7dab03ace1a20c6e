"""The prefix-filtered index finds exactly what comparing every pair with ``alike`` finds."""

from __future__ import annotations

import random

import pytest

from ssot.model import Fingerprint
from ssot.scanner import similarity
from ssot.scanner.similarity import ShapeIndex, alike


def _fingerprints(seed: int, n: int, kind: str) -> list[Fingerprint]:
    """Near-miss variants of a few base definitions: shapes and tokens edited at random."""
    rng = random.Random(seed)
    bases = [([rng.randrange(12) for _ in range(rng.randrange(3, 14))],
              {f"t{rng.randrange(40)}" for _ in range(rng.randrange(4, 16))}) for _ in range(5)]
    out = []
    for i in range(n):
        shape, tokens = bases[rng.randrange(len(bases))]
        shape, tokens = list(shape), set(tokens)
        for _ in range(rng.randrange(3)):
            if shape and rng.random() < 0.5:
                shape[rng.randrange(len(shape))] = rng.randrange(12)
            else:
                shape.append(rng.randrange(12))
        for _ in range(rng.randrange(4)):
            if tokens and rng.random() < 0.5:
                tokens.discard(rng.choice(sorted(tokens)))
            tokens.add(f"t{rng.randrange(60)}")
        out.append(Fingerprint(f"d{i}", kind, "", len(shape), tuple(sorted(shape)), frozenset(tokens)))  # type: ignore[arg-type]
    return out


@pytest.mark.parametrize("words", [False, True], ids=["shapes", "shapes-then-words"])
@pytest.mark.parametrize("kind", ["function", "test"])
@pytest.mark.parametrize("seed", range(6))
def test_alike_to_is_every_untaken_alike_fingerprint(seed: int, kind: str, words: bool,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    if words:  # the identifiers' and literals' filters from the first query on (they are built when it pays)
        monkeypatch.setattr(similarity, "_FEW", 0)
        monkeypatch.setattr(similarity, "_WORTH", 0)
    else:  # the shapes' filter alone
        monkeypatch.setattr(similarity, "_WORTH", 10**9)
    fps = _fingerprints(seed, 120, kind)
    index = ShapeIndex(fps, strict=kind == "test")
    rng = random.Random(seed)
    taken: set[int] = set()
    found_any = False
    for i in rng.sample(range(len(fps)), len(fps)):
        if i in taken:
            continue
        expected = sorted(j for j in range(len(fps)) if j != i and j not in taken and alike(fps[i], fps[j]))
        assert sorted(index.alike_to(i)) == expected
        found_any = found_any or bool(expected)
        for j in [i, *expected]:
            index.take(j)
            taken.add(j)
    assert found_any  # the variants are near enough for some to be alike
    assert (index._pairs is not None) == (words and kind == "test")  # the words' filter only if pairs cannot tell
    assert index._words is None or (words and kind == "test")


def _filler_tests(seed: int, n: int) -> list[Fingerprint]:
    """Tests of a generated suite's filler: a few templates, each test the template's names and shape
    with three literals of its own drawn from a small range (so every literal is common)."""
    rng = random.Random(seed)
    templates = [(tuple(sorted(rng.randrange(1000) for _ in range(rng.randrange(3, 8)))),
                  {f"name{t}_{k}" for k in range(rng.randrange(3, 12))}) for t in range(4)]
    out = []
    for i in range(n):
        shape, names = templates[rng.randrange(len(templates))]
        a, b = rng.randrange(2, 30), rng.randrange(2, 30)
        literals = {str(a), str(b), str(a + b if rng.random() < 0.8 else rng.randrange(60))}
        out.append(Fingerprint(f"f{i}", "test", "", len(shape), shape, frozenset(names | literals)))  # type: ignore[arg-type]
    return out


@pytest.mark.parametrize("seed", range(3))
def test_alike_to_on_tests_sharing_their_shape_and_literals(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(similarity, "_WORTH", 0)  # the tokens' filters from the first big query on
    fps = _filler_tests(seed, 400)
    index = ShapeIndex(fps, strict=True)
    pairs_used = 0
    for i in range(len(fps)):
        if index.taken[i]:
            continue
        expected = sorted(j for j in range(len(fps)) if j != i and not index.taken[j] and alike(fps[i], fps[j]))
        got = index.pairs.ranges([index.token_rank[x] for x in fps[i].tokens])
        pairs_used += got is not None and got[1] < 100  # a few candidates, not the hundred of its template
        assert sorted(index.alike_to(i)) == expected
        for j in [i, *expected]:
            index.take(j)
    assert pairs_used > 100


def test_query_finds_the_variants_of_a_fingerprint_not_in_the_index() -> None:
    fps = _fingerprints(11, 80, "function")
    index = ShapeIndex(fps[1:])
    expected = [j for j, fp in enumerate(fps[1:]) if alike(fps[0], fp)]
    assert expected and index.query(fps[0]) == expected


def _near_sets(rng: random.Random, n: int) -> list[list[str]]:
    """Sets from bases of 2 to 110 items with one to three items swapped, added or dropped: many pairs
    lie just above and just below the threshold, at every size (the largest too large for pairs)."""
    bases = [rng.sample(range(200), size) for size in (2, 3, 5, 8, 12, 12, 16, 24, 110)]
    out = []
    for _ in range(n):
        items = {f"w{x}" for x in bases[rng.randrange(len(bases))]}
        for _ in range(rng.randrange(4)):
            if items and rng.random() < 0.6:
                items.discard(rng.choice(sorted(items)))
            if rng.random() < 0.7:
                items.add(f"w{rng.randrange(230)}")
        out.append(sorted(items))
    return out


@pytest.mark.parametrize("threshold", [0.75, 0.9, 0.6])
@pytest.mark.parametrize("seed", range(4))
def test_pair_filter_keeps_every_pair_that_reaches_the_threshold(seed: int, threshold: float) -> None:
    rng = random.Random(seed)
    sets = _near_sets(rng, 300)
    df: dict[str, int] = {}
    for s in sets:
        for x in s:
            df[x] = df.get(x, 0) + 1
    rank = {x: r for r, x in enumerate(sorted(df, key=lambda x: (df[x], x)))}
    pairs = similarity._PairFilter([[rank[x] for x in s] for s in sets], threshold, bytearray(len(sets)))
    answered = at_edge = 0
    for i, s in enumerate(sets):
        got = pairs.ranges([rank[x] for x in s])
        if got is None:  # a partner may share fewer than two items: not for this filter
            assert any(k < 2 or m >= pairs.limit for m, k in similarity.partner_sizes(len(s), threshold))
            continue
        ranges, volume = got
        found = pairs.members(ranges)
        assert volume >= len(found)
        expected = {j for j, t in enumerate(sets) if similarity.set_jaccard(frozenset(s), frozenset(t)) >= threshold}
        assert expected <= found, sorted(expected - found)
        answered += 1
        # pairs of sets sharing just the fewest items the threshold allows (a prefix one item too short loses them)
        at_edge += sum(1 for j in expected if j != i and len(set(s) & set(sets[j])) ==
                       similarity.least_overlap(len(s), len(sets[j]), threshold))
    assert answered > len(sets) // 2 and at_edge > 20
    assert pairs.limit < 1 << 15  # the largest sets are left to the one-item prefix


def test_least_overlap_is_what_the_jaccard_needs() -> None:
    for t in (0.4, 0.6, 0.75, 0.9):
        for n in range(0, 40):
            for m in range(0, 40):
                reach = [k for k in range(min(n, m) + 1) if similarity.set_jaccard(
                    frozenset(range(n)), frozenset(range(n - k, n - k + m))) >= t]
                assert similarity.least_overlap(n, m, t) == (reach[0] if reach else None)
                if reach:
                    assert (m, reach[0]) in similarity.partner_sizes(n, t)
