"""A regrouping replayed from the last grouping gives the groups of grouping from nothing
(``ssot.scanner.families._representatives``): digests added, gone, copied more or fewer times."""

from __future__ import annotations

import random

import pytest

from ssot.model import Fingerprint
from ssot.scanner import families
from ssot.scanner.families import _representatives

from .test_shape_index import _fingerprints


def _tree(rng: random.Random, fps: list[Fingerprint]) -> dict[str, int]:
    """How many copies of each digest a tree holds (most once, some many times, some not at all)."""
    return {fp.digest: rng.choice((1, 1, 1, 2, 3, 7)) for fp in fps if rng.random() < 0.85}


@pytest.mark.parametrize("seed", range(12))
def test_a_replayed_grouping_is_the_grouping_from_nothing(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(seed)
    fps = _fingerprints(seed, 160, "function") + [
        Fingerprint("t" + fp.digest, "test", "", fp.statements, fp.shape, fp.tokens)
        for fp in _fingerprints(seed + 100, 80, "test")]
    by_digest = {fp.digest: fp for fp in fps}
    asked = []
    real = families.ShapeIndex.alike_to
    monkeypatch.setattr(families.ShapeIndex, "alike_to", lambda self, i: asked.append(i) or real(self, i))
    count = _tree(rng, fps)
    groups = _representatives(sorted(count), by_digest, count)
    replayed = 0
    for _ in range(6):  # edits: a digest gone, one new, counts changed, one after the other
        now = dict(count)
        for d in rng.sample(sorted(now), 3):
            del now[d]
        for fp in rng.sample(fps, 8):
            now[fp.digest] = now.get(fp.digest, 0) + rng.choice((-1, 1, 2))
            if now[fp.digest] <= 0:
                del now[fp.digest]
        asked.clear()
        fresh = _representatives(sorted(now), by_digest, now)
        scratch_asked = len(asked)
        asked.clear()
        again = _representatives(sorted(now), by_digest, now, (count, groups))
        assert again == fresh
        replayed += scratch_asked - len(asked)
        count, groups = now, again
    assert replayed > 0  # the replay asked the index less than grouping from nothing did
