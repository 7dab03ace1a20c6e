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
    if words:  # the identifiers' and literals' filter from the first query on (it is built when it pays)
        monkeypatch.setattr(similarity, "_FEW", 0)
        monkeypatch.setattr(similarity, "_WORTH", 0)
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
    assert (index._words is not None) == (words and kind == "test")


def test_query_finds_the_variants_of_a_fingerprint_not_in_the_index() -> None:
    fps = _fingerprints(11, 80, "function")
    index = ShapeIndex(fps[1:])
    expected = [j for j, fp in enumerate(fps[1:]) if alike(fps[0], fp)]
    assert expected and index.query(fps[0]) == expected
