"""Which family of the check index a new definition is a variant of (a file check's variant look-up)."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from ssot.model import Fingerprint


class _ByPosition(Protocol):
    """Fingerprints by position in the variant index (:class:`ssot.app.check_index.StoredFingerprints`)."""

    def sizes(self, i: int) -> tuple[str, int, int]: ...  # kind, shape length, token count

    def at(self, i: int) -> Fingerprint: ...


class _FamilyByPosition(Protocol):
    def __getitem__(self, i: int) -> str: ...


class VariantIndex:
    """Which family of the index a new fingerprint is a variant of, found by prefix filtering.

    The shape of every fingerprint of the index is a set of ``(feature, occurrence)`` items
    (``ssot.scanner.similarity.shape_items``, as in the scan's own prefix filter), ordered rarest
    first; two shapes whose multiset Jaccard reaches ``SHAPE_MIN`` share an item among the
    first ``n - ceil(SHAPE_MIN * n) + 1`` of each.  The index keeps those first items of each
    fingerprint (``postings``) and the counts that order them (``df``), so a query compares
    only the fingerprints that share one, then applies the scan's own test (:func:`ssot.scanner.similarity.alike`).
    """

    def __init__(self, data: Mapping[str, Any], fps: _ByPosition, families: _FamilyByPosition) -> None:
        self.df = data["df"]  # .get(item, 0): a dict, or the index's rows
        self.postings = data["postings"]
        self.empty: list[int] = data["empty"]
        self.prefetch: Callable[[list[tuple[int, int]]], None] | None = data.get("prefetch")
        self.fps, self.families = fps, families

    def candidates(self, fp: Fingerprint) -> list[int]:
        from ssot.scanner.similarity import SHAPE_MIN, shape_items

        items = shape_items(fp)
        if not items:
            return self.empty
        prefetch = self.prefetch
        if prefetch is not None:
            prefetch(items)
        df = self.df
        items.sort(key=lambda x: (df.get(x, 0), x))
        prefix = len(items) - math.ceil(SHAPE_MIN * len(items)) + 1
        return sorted({i for x in items[:prefix] for i in self.postings.get(x, ())})

    def family_of(self, fp: Fingerprint) -> str | None:
        """The family of the first fingerprint (in index order) ``fp`` is a variant of, or None."""
        from ssot.scanner.similarity import SHAPE_MIN, TOKENS_MIN, alike

        nshape, tokens = len(fp.shape), fp.tokens
        ntok = len(tokens)
        for i in self.candidates(fp):
            kind, other_nshape, other_ntok = self.fps.sizes(i)
            if kind != fp.kind or min(nshape, other_nshape) < SHAPE_MIN * max(nshape, other_nshape):
                continue  # what alike() would rule out anyway, without building anything
            if min(ntok, other_ntok) < TOKENS_MIN * max(ntok, other_ntok):
                continue
            other = self.fps.at(i)
            inter = len(tokens & other.tokens)
            if inter < TOKENS_MIN * (ntok + len(other.tokens) - inter):
                continue
            if alike(fp, other):
                return self.families[i]
        return None


def variant_index(fps: Sequence[Fingerprint]) -> dict[str, Any]:
    """The plain data of a :class:`VariantIndex` over ``fps`` (in that order)."""
    from ssot.scanner.similarity import SHAPE_MIN, shape_items

    items = [shape_items(fp) for fp in fps]
    df: Counter[tuple[int, int]] = Counter(x for it in items for x in it)
    postings: dict[tuple[int, int], list[int]] = defaultdict(list)
    empty: list[int] = []
    for i, it in enumerate(items):
        if not it:
            empty.append(i)
            continue
        it.sort(key=lambda x: (df[x], x))
        for x in it[:len(it) - math.ceil(SHAPE_MIN * len(it)) + 1]:
            postings[x].append(i)
    return {"df": dict(df), "postings": dict(postings), "empty": empty}
