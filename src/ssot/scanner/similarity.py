"""When two distinct pieces of code are variants of one another.

Two fingerprints belong to one family when their statement shapes mostly
agree (near-miss edits: an added method, a changed statement, renamed
attributes keep most shapes) and they use enough of the same identifiers and
literals (a look-alike that only shares a structure, or only a name, does
not).  Candidate pairs come from prefix filtering on the shape features, so
the cost stays near-linear on trees with many distinct definitions.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from ssot.model import Fingerprint

SHAPE_MIN = 0.6  # multiset Jaccard of statement shapes
TOKENS_MIN = 0.4  # Jaccard of identifiers and literals
SCORE_MIN = 0.65  # mean of the two
# tests: alike only when nearly the same (a suite's tests share their shapes by design)
STRICT_SHAPE_MIN = 0.9
STRICT_TOKENS_MIN = 0.75


def multiset_jaccard(a: Sequence[int], b: Sequence[int]) -> float:
    if not a and not b:
        return 1.0
    ca, cb = Counter(a), Counter(b)
    inter = sum((ca & cb).values())
    return inter / (len(a) + len(b) - inter)


def set_jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def alike(a: Fingerprint, b: Fingerprint) -> bool:
    """Whether ``a`` and ``b`` are variants of one piece of code (tests only when nearly the same)."""
    if a.kind != b.kind:
        return False
    strict = a.kind == "test"
    shape = multiset_jaccard(a.shape, b.shape)
    if shape < (STRICT_SHAPE_MIN if strict else SHAPE_MIN):
        return False
    tokens = set_jaccard(a.tokens, b.tokens)
    if strict:
        return tokens >= STRICT_TOKENS_MIN
    return tokens >= TOKENS_MIN and (shape + tokens) / 2 >= SCORE_MIN


def contained(part: Fingerprint, whole: Fingerprint) -> bool:
    """Whether ``part`` is mostly a piece of ``whole`` (a truncated commented-out copy, say)."""
    if part.kind != whole.kind or not part.shape:
        return False
    inter = sum((Counter(part.shape) & Counter(whole.shape)).values())
    tokens = len(part.tokens & whole.tokens) / max(1, len(part.tokens))
    return inter / len(part.shape) >= 0.8 and tokens >= 0.6


def shape_items(fp: Fingerprint) -> list[tuple[int, int]]:
    """The shape multiset as a set: (feature, occurrence number)."""
    seen: Counter[int] = Counter()
    out = []
    for f in fp.shape:
        out.append((f, seen[f]))
        seen[f] += 1
    return out


Item = TypeVar("Item", tuple[int, int], str)  # a shape item, or an identifier or literal


class _PrefixFilter(Generic[Item]):
    """Prefix filtering for one Jaccard threshold over sets of items (SourcererCC's candidate step).

    Items are ordered rarest first; two sets whose Jaccard reaches ``threshold`` share an item among
    the first ``n - ceil(threshold * n) + 1`` of each.  Posting lists hold, per item, the sets having
    it in their prefix, sorted by size, so the length filter cuts each list to a range.  Sets marked
    in ``taken`` are skipped, and leave a list once they are half of it.
    """

    def __init__(self, items: list[list[Item]], threshold: float, taken: bytearray) -> None:
        self.threshold, self.taken = threshold, taken
        self.sizes = [len(it) for it in items]
        df: Counter[Item] = Counter(x for it in items for x in it)
        self.rank: dict[Item, int] = {x: r for r, x in enumerate(sorted(df, key=lambda x: (df[x], x)))}
        rank = self.rank.__getitem__
        cut: dict[int, list[Item]] = {}  # per list of items (one list may stand for many sets)
        self.prefixes: list[list[Item]] = []
        for it in items:
            prefix = cut.get(id(it))
            if prefix is None:
                prefix = cut[id(it)] = self._cut(sorted(it, key=rank))
            self.prefixes.append(prefix)
        postings: defaultdict[Item, list[int]] = defaultdict(list)
        for i, prefix in enumerate(self.prefixes):
            for x in prefix:
                postings[x].append(i)
        for ids in postings.values():
            ids.sort(key=self.sizes.__getitem__)
        self.postings: dict[Item, list[int]] = dict(postings)
        self.live: dict[Item, int] = {x: len(ids) for x, ids in self.postings.items()}  # entries not taken
        for i, t in enumerate(taken):
            if t:
                self.take(i)

    def prefix(self, it: list[Item]) -> list[Item]:
        """The rarest items of ``it``, one of which any set alike it has too (none for an empty set).
        Items no set of the index has come first (they are the rarest)."""
        rank = self.rank
        return self._cut(sorted(it, key=lambda x: rank.get(x, -1)))

    def _cut(self, ordered: list[Item]) -> list[Item]:
        return ordered[:len(ordered) - math.ceil(self.threshold * len(ordered)) + 1]

    def take(self, i: int) -> None:
        live = self.live
        for x in self.prefixes[i]:
            live[x] -= 1

    def ranges(self, prefix: list[Item], size: int) -> tuple[list[tuple[list[int], int, int]], int]:
        """The posting-list ranges the length filter admits, and how many entries they hold."""
        taken, sizes, t = self.taken, self.sizes, self.threshold
        low, high = t * size, size / t if t else math.inf
        out = []
        volume = 0
        for x in prefix:
            ids = self.postings.get(x)
            if not ids:
                continue
            if 2 * self.live[x] < len(ids):  # half of it taken: drop those (the list stays sorted by size)
                ids[:] = [j for j in ids if not taken[j]]
            lo = bisect_left(ids, low, key=sizes.__getitem__)
            hi = bisect_right(ids, high, key=sizes.__getitem__)
            if hi > lo:
                out.append((ids, lo, hi))
                volume += hi - lo
        return out, volume

    def members(self, ranges: list[tuple[list[int], int, int]]) -> set[int]:
        taken = self.taken
        out: set[int] = set()
        for ids, lo, hi in ranges:
            out.update(j for j in ids[lo:hi] if not taken[j])
        return out


def least_overlap(n: int, m: int, threshold: float) -> int | None:
    """The fewest shared items for sets of ``n`` and ``m`` items to reach ``threshold`` (None: they cannot).

    Decided by the very comparison the verification makes (``inter / union >= threshold``), so a
    filter built on it cuts nothing the verification would keep."""
    k = max(0, math.floor(threshold / (1 + threshold) * (n + m)) - 1)
    while k <= min(n, m):
        union = n + m - k
        if (k / union if union else 1.0) >= threshold:
            return k
        k += 1
    return None


def partner_sizes(n: int, threshold: float) -> list[tuple[int, int]]:
    """The sizes ``m`` a set of ``n`` items may be alike, each with :func:`least_overlap` (none when
    ``threshold`` is 0: every size)."""
    if not threshold:
        return []
    out = []
    for m in range(max(0, math.floor(threshold * n) - 1), math.floor(n / threshold) + 2):
        k = least_overlap(n, m, threshold)
        if k is not None:
            out.append((m, k))
    return out


_PAIRS_MAX = 45  # pairs a set is indexed under at most (bigger sets are left to the one-item prefix)


class _PairFilter:
    """Prefix filtering on pairs of items, for small sets whose rarest items are still common.

    The one-item prefix filter is weak where every item of a set is shared with thousands of others
    (the literals 1-100 of a suite's tests). Two sets sharing at least ``k >= 2`` items share their two
    first common items (in the global rarest-first order), and those lie among the first ``n - k + 2``
    items of each (the l-prefix scheme of Wang, Li and Feng's AdaptJoin, with l = 2). So each set is
    indexed under every pair of items of the widest such prefix any partner size needs, each entry
    keeping the set's size and the position of the pair's second item; a query of size ``n`` looks up
    the pairs of its prefix and, per partner size ``m`` (``k`` known from ``n`` and ``m``), takes the
    entries of size ``m`` whose second item lies within ``m - k + 2``: a range, by bisection. Queries
    where some partner may share fewer than two items, or be larger than the sets indexed, get None
    (another filter decides).

    Items are their ranks (ints, rarest first); a pair is packed in one int, an entry too (size,
    position, set: the order entries are sorted in).
    """

    def __init__(self, items: list[list[int]], threshold: float, taken: bytearray) -> None:
        self.threshold, self.taken = threshold, taken
        self._widest: dict[int, int] = {}
        self.limit = 1 << 15  # sets smaller than this are all indexed
        for m in sorted({len(it) for it in items}):
            p = self.widest(m)
            if p * (p - 1) // 2 > _PAIRS_MAX:
                self.limit = m
                break
        buckets: dict[int, list[int]] = {}
        for i, it in enumerate(items):
            m = len(it)
            if m >= self.limit:
                continue
            ordered = sorted(it)
            for b in range(1, self.widest(m)):
                entry = (m << 16 | b) << 32 | i
                second = ordered[b]
                for a in range(b):
                    key = ordered[a] << 32 | second
                    bucket = buckets.get(key)
                    if bucket is None:
                        buckets[key] = [entry]
                    else:
                        bucket.append(entry)
        for bucket in buckets.values():
            bucket.sort()
        self.buckets = buckets

    def widest(self, m: int) -> int:
        """How many of the first items of a set of ``m`` a partner sharing two items or more may need
        (partners that may share fewer are left to another filter: their queries get None)."""
        if m not in self._widest:
            self._widest[m] = max((min(m, m - k + 2) for _, k in partner_sizes(m, self.threshold) if k >= 2),
                                  default=0)
        return self._widest[m]

    def ranges(self, items: list[int]) -> tuple[list[tuple[list[int], int, int]], int] | None:
        """The entries that may be alike a set of these items (ranks, -1 for items no indexed set has),
        and how many (None: this filter cannot tell, as a partner may share fewer than two items or be
        larger than the sets indexed)."""
        if not self.threshold:
            return None
        n = len(items)
        needs = partner_sizes(n, self.threshold)
        if not needs:
            return [], 0
        if any(k < 2 or m >= self.limit for m, k in needs):
            return None
        ordered = sorted(items)
        out = []
        volume = 0
        buckets = self.buckets
        for b in range(1, min(n, n - min(k for _, k in needs) + 2)):
            second = ordered[b]
            for a in range(b):
                bucket = buckets.get(ordered[a] << 32 | second)
                if bucket is None:
                    continue
                for m, k in needs:
                    if b > n - k + 1:  # past the prefix that partners of size m need
                        continue
                    lo = bisect_left(bucket, (m << 16 | 1) << 32)
                    hi = bisect_left(bucket, (m << 16 | (m - k + 2)) << 32)
                    if hi > lo:
                        out.append((bucket, lo, hi))
                        volume += hi - lo
        return out, volume

    def members(self, ranges: list[tuple[list[int], int, int]]) -> set[int]:
        taken = self.taken
        out: set[int] = set()
        for entries, lo, hi in ranges:
            out.update(i for i in (e & 0xFFFFFFFF for e in entries[lo:hi]) if not taken[i])
        return out


_FEW = 32  # shape candidates up to this many are verified as they are
_WORTH = 1  # the tokens' filters are built once big queries have cost this many verifications per fingerprint


class ShapeIndex:
    """Which fingerprints are alike a given one, found by prefix filtering, then verified.

    Candidates share a prefix item of the shape multiset (as ``(feature, occurrence)`` items,
    :func:`shape_items`); for tests, when those are many, again and again (a suite of tests sharing one
    shape), the candidates sharing two prefix items of the identifiers and literals (:class:`_PairFilter`),
    or one (for tests too large for pairs), are verified instead, if fewer (both Jaccards must reach their
    threshold, so any of these filters alone loses nothing).  A query never compares all pairs: grouping
    asks "what is alike this representative", once per representative, and the fingerprints already
    taken are skipped.
    """

    def __init__(self, fps: Sequence[Fingerprint], strict: bool = False) -> None:
        self.fps, self.strict = fps, strict
        self.shape_min, self.tokens_min = (STRICT_SHAPE_MIN, STRICT_TOKENS_MIN) if strict else (SHAPE_MIN, TOKENS_MIN)
        self.taken = bytearray(len(fps))
        # a suite's tests share a few shapes: each made into items once (the lists are never changed)
        distinct: dict[tuple[int, ...], tuple[list[tuple[int, int]], frozenset[tuple[int, int]]]] = {}
        for fp in fps:
            if fp.shape not in distinct:
                it = shape_items(fp)
                distinct[fp.shape] = (it, frozenset(it))
        items = [distinct[fp.shape][0] for fp in fps]
        self.sets = [distinct[fp.shape][1] for fp in fps]
        self.shapes = _PrefixFilter(items, self.shape_min, self.taken)
        self._words: _PrefixFilter[str] | None = None  # built when it pays: most trees never need it
        self._pairs: _PairFilter | None = None  # likewise (the words' filter only for tests pairs cannot tell)
        self._token_rank: dict[str, int] | None = None
        self._big = 0  # shape candidates of the queries that had more than _FEW, before it was built

    @property
    def words(self) -> _PrefixFilter[str]:
        if self._words is None:
            self._words = _PrefixFilter([list(fp.tokens) for fp in self.fps], self.tokens_min, self.taken)
        return self._words

    @property
    def token_rank(self) -> dict[str, int]:
        """Identifiers and literals, rarest first (the words' and the pairs' order)."""
        if self._token_rank is None:
            df: Counter[str] = Counter(x for fp in self.fps for x in fp.tokens)
            self._token_rank = {x: r for r, x in enumerate(sorted(df, key=lambda x: (df[x], x)))}
        return self._token_rank

    @property
    def pairs(self) -> _PairFilter:
        if self._pairs is None:
            rank = self.token_rank
            self._pairs = _PairFilter([[rank[x] for x in fp.tokens] for fp in self.fps], self.tokens_min, self.taken)
        return self._pairs

    def take(self, i: int) -> None:
        """``i`` is in a group now: no later query returns it."""
        if not self.taken[i]:
            self.taken[i] = 1
            self.shapes.take(i)
            if self._words is not None:
                self._words.take(i)

    def alike_to(self, i: int) -> list[int]:
        """The fingerprints not yet taken that are alike ``fps[i]`` (``i`` itself excluded)."""
        fp = self.fps[i]
        found = self._candidates(self.shapes.prefixes[i], self.shapes.sizes[i],
                                 lambda: self.words.prefixes[i], fp.tokens)
        found.discard(i)
        return self._verify(fp, self.sets[i], found)

    def verified(self, i: int, candidates: set[int]) -> list[int]:
        """Those of ``candidates`` alike ``fps[i]``, taken or not (``alike_to`` without the filters)."""
        return self._verify(self.fps[i], self.sets[i], candidates - {i})

    def query(self, fp: Fingerprint) -> list[int]:
        """The fingerprints not yet taken that are alike ``fp`` (one that is not in the index)."""
        items = shape_items(fp)
        found = self._candidates(self.shapes.prefix(items), len(items),
                                 lambda: self.words.prefix(list(fp.tokens)), fp.tokens)
        return self._verify(fp, frozenset(items), found)

    def _candidates(self, shape_prefix: list[tuple[int, int]], nshape: int,
                    word_prefix: Callable[[], list[str]], tokens: frozenset[str]) -> set[int]:
        ranges, volume = self.shapes.ranges(shape_prefix, nshape)
        if volume > _FEW and tokens and self.strict:  # helpers' tokens threshold is too low to filter much
            if self._pairs is None:
                self._big += volume
                if self._big < _WORTH * len(self.fps):
                    return self.shapes.members(ranges)
            rank = self.token_rank
            by_pairs = self.pairs.ranges([rank.get(x, -1) for x in tokens])
            if by_pairs is not None:
                if by_pairs[1] < volume:
                    return self.pairs.members(by_pairs[0])
            else:  # too small or too large for pairs
                word_ranges, word_volume = self.words.ranges(word_prefix(), len(tokens))
                if word_volume < volume:
                    return self.words.members(word_ranges)
        return self.shapes.members(ranges)

    def _verify(self, fp: Fingerprint, a: frozenset[tuple[int, int]], candidates: set[int]) -> list[int]:
        out = []
        n = len(a)
        for j in sorted(candidates):
            other = self.fps[j]
            if other.kind != fp.kind:
                continue
            b = self.sets[j]
            inter = len(a & b)
            union = n + len(b) - inter
            shape = inter / union if union else 1.0
            if shape < self.shape_min:
                continue
            tokens = set_jaccard(fp.tokens, other.tokens)
            if tokens >= self.tokens_min and (shape + tokens) / 2 >= SCORE_MIN:
                out.append(j)
        return out
